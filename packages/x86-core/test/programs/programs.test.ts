/**
 * Compiled-program differential tests: freestanding C programs (hashing, sorting, floating point,
 * long-double formatting) give byte-identical output natively and in x86-core. A program runs once
 * the CPU advertises (CPUID) every feature its code needs, so the suite covers exactly what the CPU
 * claims to implement.
 */
import { describe, expect, it } from 'vitest';
import { Cpu } from '../../src/cpu.js';
import { cpuidLeaf } from '../../src/ops/system.js';
import { buildProgram, programNames } from './build.js';
import { runProgram } from './run.js';

/** CPUID leaf 1 EDX bits (Intel SDM Vol. 2A, CPUID, table 3-11). */
const FPU = 1 << 0;
const SSE2 = 1 << 26;
const CMOV = 1 << 15;

/** What each program's compiled code uses beyond the base integer ISA. */
const NEEDS: Record<string, number> = {
  hash: CMOV,
  sort: CMOV,
  float: CMOV | SSE2,
  ldouble: CMOV | SSE2 | FPU,
};

const edx = cpuidLeaf(1, 0)[3] >>> 0;
const runnable = programNames().filter((n) => ((NEEDS[n] ?? 0xffffffff) & ~edx) === 0);

describe('compiled programs run identically natively and in x86-core', () => {
  it('covers the integer programs at least', () => {
    expect(runnable).toEqual(expect.arrayContaining(['hash', 'sort']));
    expect(programNames().every((n) => n in NEEDS)).toBe(true);
  });
  for (const name of runnable) {
    it(name, () => {
      const prog = buildProgram(name);
      expect(prog.expected.length).toBeGreaterThan(0);
      const r = runProgram(prog, (m) => new Cpu(m));
      expect(r.error).toBeUndefined();
      expect(Buffer.from(r.output).toString('hex')).toBe(prog.expected.toString('hex'));
    }, 120_000);
  }
});
