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

/** CPUID leaf 1 EDX bits (Intel SDM Vol. 2A, CPUID, tables 3-10 and 3-11). */
const FPU = 1 << 0;
const CMOV = 1 << 15;
const SSE2 = 1 << 26;
/** CPUID leaf 1 ECX bits of x86-64-v2: SSE3, SSSE3, CMPXCHG16B, SSE4.1, SSE4.2, POPCNT. */
const V2_ECX = (1 << 0) | (1 << 9) | (1 << 13) | (1 << 19) | (1 << 20) | (1 << 23);

/** What each program's compiled code needs: leaf 1 EDX and ECX bits. */
const NEEDS: Record<string, [number, number]> = {
  hash: [CMOV, 0],
  sort: [CMOV, 0],
  float: [CMOV | SSE2, 0],
  ldouble: [CMOV | SSE2 | FPU, 0],
};

/** Builds: every program as baseline x86-64, and again for x86-64-v2 (SSE3–SSE4.2, POPCNT). */
const VARIANTS: { suffix: string; flags: string[]; ecx: number }[] = [
  { suffix: '', flags: [], ecx: 0 },
  { suffix: ' (x86-64-v2)', flags: ['-march=x86-64-v2', '-mtune=generic', '-O3'], ecx: V2_ECX },
];

const [, , ecx, edx] = cpuidLeaf(1, 0).map((v) => v >>> 0) as [number, number, number, number];
const runnable = programNames().flatMap((name) =>
  VARIANTS.filter((v) => {
    const [needEdx, needEcx] = NEEDS[name] ?? [0xffffffff, 0xffffffff];
    return (needEdx & ~edx) === 0 && ((needEcx | v.ecx) & ~ecx) === 0;
  }).map((v) => ({ name, ...v })),
);

describe('compiled programs run identically natively and in x86-core', () => {
  it('covers the integer programs at least', () => {
    expect(runnable.map((r) => r.name + r.suffix)).toEqual(expect.arrayContaining(['hash', 'sort']));
    expect(programNames().every((n) => n in NEEDS)).toBe(true);
  });
  for (const { name, suffix, flags } of runnable) {
    it(name + suffix, () => {
      const prog = buildProgram(name, flags);
      expect(prog.expected.length).toBeGreaterThan(0);
      const r = runProgram(prog, (m) => new Cpu(m));
      expect(r.error).toBeUndefined();
      expect(Buffer.from(r.output).toString('hex')).toBe(prog.expected.toString('hex'));
    }, 120_000);
  }
});
