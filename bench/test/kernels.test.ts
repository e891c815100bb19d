/**
 * Whole-program differential tests: every benchmark kernel at a tiny size, natively (gcc) and under
 * cabi (the committed CloudABI build on the x86-core interpreter, and on its WebAssembly tier
 * forced to translate everything), must print the same checksum. No timing is asserted.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNative, CLOUDABI_BIN, KERNELS, type KernelName } from '../build.js';
import { BenchRunError, describeStatus, geomean, median, runCabi, runNative } from '../harness.js';

const TINY: Record<KernelName, number[]> = {
  sha256: [0, 3],
  vm: [0, 300],
  buffer: [0, 2],
  nbody: [0, 1, 100],
  qsort: [0, 1, 17, 1000],
  syscall: [0, 15],
  threads: [0, 60],
};

let dir = '';
let native: Record<KernelName, string>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cabi-bench-test-'));
  native = buildNative(dir);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('benchmark kernels: native and cabi checksums agree', () => {
  for (const name of KERNELS) {
    it(name, async () => {
      const image = readFileSync(join(CLOUDABI_BIN, name));
      const seen = new Set<string>();
      for (const size of TINY[name]) {
        const n = runNative(name, native[name], size);
        const c = await runCabi(name, image, size);
        expect(c.checksum, `${name} size ${size}`).toBe(n.checksum);
        expect(c.instructions).toBeGreaterThan(0);
        // The WebAssembly tier translating every block on first arrival: the same checksum (the
        // instruction counts differ run to run anyway, as the kernels read the clock).
        const j = await runCabi(name, image, size, { jit: true, threshold: 0 });
        expect(j.checksum, `${name} size ${size} (JIT)`).toBe(n.checksum);
        expect(j.instructions).toBeGreaterThan(0);
        seen.add(n.checksum);
      }
      // Different sizes give different checksums: the checksum depends on the work done.
      expect(seen.size).toBe(TINY[name].length);
    });
  }
});

describe('harness', () => {
  it('reports a bad size as an error with the program output', async () => {
    const image = readFileSync(join(CLOUDABI_BIN, 'vm'));
    await expect(runCabi('vm', image, -1)).rejects.toThrow(/exit code 64.*argdata needs size/);
    expect(() => runNative('vm', native.vm, -1)).toThrow(BenchRunError);
  });

  it('rejects output from another kernel', async () => {
    const image = readFileSync(join(CLOUDABI_BIN, 'vm'));
    await expect(runCabi('qsort', image, 1)).rejects.toThrow(/unexpected output/);
  });

  it('describes a CPU fault with its instruction', () => {
    const text = describeStatus({
      signal: 'SIGILL',
      reason: 'invalid opcode',
      fault: { kind: 'invalid-opcode', rip: 0x1234, instruction: 'ud2', message: 'undefined opcode' },
    });
    expect(text).toBe('signal SIGILL; invalid opcode; invalid-opcode at rip 0x1234 (ud2): undefined opcode');
    expect(describeStatus({ exitCode: 3 })).toBe('exit code 3');
  });

  it('median and geomean', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(geomean([1, 100])).toBeCloseTo(10, 12);
    expect(geomean([7])).toBeCloseTo(7, 12);
  });
});
