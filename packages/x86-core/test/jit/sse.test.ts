/**
 * Packed and scalar double-precision SSE2 code (emitSse in insns.ts) against the interpreter at
 * edge values: operand pairs built so that sums, products and quotients land within a few ulps
 * of the smallest normal (2^-1022) and of the overflow threshold, exact zeros (x + (−x), zero
 * factors and dividends), denormal operands, infinities, NaNs with payloads, square roots of
 * negative numbers — under MXCSR with PE set (the native path), PE clear, the directed rounding
 * modes, FTZ/DAZ and each exception unmasked (#XM). Programs run on JitCpu forced to translate
 * every block and on the interpreter (whose binary64 arithmetic is exact to the hardware), and
 * are compared after every budget split: registers, XMM, MXCSR, RFLAGS, rip, retired count,
 * fault kind and written memory. The programs reuse a few registers, so the per-lane facts that
 * let operand checks be skipped (Emitter.isGood) are exercised across moves and shuffles. The
 * same forms also run through the host-CPU differential harness (test/differential: cases with
 * edge operands and every MXCSR state, executed natively and on JitCpu forced to translate).
 */
import { describe, expect, it } from 'vitest';
import type { Cpu } from '../../src/cpu.js';
import { JitCpu } from '../../src/jit/jit-cpu.js';
import { jitStats } from '../../src/jit/translate.js';
import type { GuestMemory } from '../../src/memory.js';
import { allRows } from '../../src/opcodes.js';
import { MXCSR_I32, XMM_OFFSET } from '../../src/state.js';
import { testableRow } from '../differential/generate.js';
import { knownOpenFor } from '../differential/known-open.js';
import { describeMismatch, generateAtLeast, runCases } from '../differential/suite.js';
import { compareTiers, DATA, type Gen, program, rng, setup } from './forms-gen.js';

const forced = (m: GuestMemory) => new JitCpu(m, { threshold: 0 });

const MIN = 2 ** -1022;
const MAX = Number.MAX_VALUE;
const bits = new Float64Array(1);
const words = new BigInt64Array(bits.buffer);
/** `v` moved by `k` units in the last place (bit pattern arithmetic; stays within the sign). */
function ulps(v: number, k: number): number {
  bits[0] = v;
  words[0] = words[0]! + BigInt(k);
  return bits[0]!;
}
const fromBits = (b: bigint): number => {
  words[0] = BigInt.asIntN(64, b);
  return bits[0]!;
};

/** A uniformly random significand in [1, 2). */
const sig = (next: Gen) => 1 + next() / 2 ** 32 + next() / 2 ** 64;
const sign = (next: Gen) => (next() & 1 ? -1 : 1);

/** One lane of an operand pair (a, b) for an arithmetic operation, biased to the edges. */
function pair(next: Gen, edgeOnly = false): [number, number] {
  const k = edgeOnly ? (next() % 3) - 1 : (next() % 7) - 3;
  const s = sign(next);
  switch (edgeOnly ? next() % 2 : next() % 16) {
    case 0: {
      // a · b within a few ulps of 2^-1022 (both factors normal).
      const x = sig(next) / 2;
      return [s * x, ulps(MIN / x, k)];
    }
    case 1: {
      // a / b within a few ulps of 2^-1022.
      const x = sig(next);
      return [s * ulps(MIN * x, k), x];
    }
    case 2: {
      // a · b near the overflow threshold.
      const x = sig(next);
      return [s * x, ulps(MAX / x, k)];
    }
    case 3: {
      // a / b near the overflow threshold.
      const x = sig(next) / 2;
      return [s * ulps(MAX * x, k), x];
    }
    case 4:
      // a ± b near MAX (the sum may round to ∞).
      return [s * ulps(MAX, -(next() % 4)), s * 2 ** (969 + (next() % 3)) * sig(next)];
    case 5:
      // Tiny sums and differences (exact, denormal or zero results) of normal operands.
      return [s * MIN * sig(next), -s * MIN * sig(next)];
    case 6: {
      // Exact zeros: x + (−x), x − x.
      const x = s * sig(next) * 2 ** ((next() % 200) - 100);
      return next() & 1 ? [x, -x] : [x, x];
    }
    case 7: {
      // Results near 2^-1021 (the accepted lower bound).
      const x = sig(next);
      return [s * 2 ** -1021 * x, ulps(1 / x, k)];
    }
    case 8:
    case 9:
      return [special(next), moderate(next)];
    case 10:
      return [moderate(next), special(next)];
    case 11:
      return [special(next), special(next)];
    default:
      return [moderate(next), moderate(next)];
  }
}

function moderate(next: Gen): number {
  return sign(next) * sig(next) * 2 ** ((next() % 64) - 32);
}

/** Zeros, denormals, the normal range's ends, infinities and NaNs (quiet and signalling, payloads). */
function special(next: Gen): number {
  const s = sign(next);
  switch (next() % 10) {
    case 0:
      return s * 0;
    case 1:
      // A denormal with a random significand.
      return s * (next() % 2 ** 20) * 2 ** -1074 * 2 ** (next() % 32) + s * 2 ** -1074;
    case 2:
      return s * MIN;
    case 3:
      return s * MAX;
    case 4:
      return s * Number.POSITIVE_INFINITY;
    case 5:
      // A NaN with a payload, quiet or signalling.
      return fromBits(
        (BigInt(s < 0 ? 0xfff : 0x7ff) << 52n) | (BigInt(next() & 1) << 51n) | BigInt((next() & 0xfffff) + 1),
      );
    case 6:
      return s * 2 ** -1021;
    case 7:
      return s * ulps(MIN, -1 - (next() % 3));
    default:
      return s * sig(next);
  }
}

/** The data page: 128 slots of 32 bytes, each an (a, b) pair of 16-byte operands. */
function data(seed: number, edgeOnly: boolean): Float64Array {
  const next = rng(seed * 31 + 7);
  const f = new Float64Array(512);
  for (let j = 0; j < 128; j++) {
    const [a0, b0] = pair(next, edgeOnly);
    const [a1, b1] = next() % 4 === 0 ? [a0, b0] : pair(next, edgeOnly);
    f.set([a0, a1, b0, b1], j * 4);
  }
  return f;
}

/** rsi = DATA + 4096 − 128 (forms-gen setup): the displacement of slot j's a (0) or b (16) half. */
const slot = (j: number, half: number) => j * 32 + half - (4096 - 128);
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** A random SSE2 double-precision instruction over xmm0–xmm5 and xmm8–xmm10 and the data slots. */
function sseDoubleForm(next: Gen): number[] {
  const regs = [0, 1, 2, 3, 4, 5, 8, 9, 10];
  const x = regs[next() % regs.length]!;
  const y = next() % 3 === 0 ? x : regs[next() % regs.length]!;
  const rex = (r: number, b: number) => (r >> 3 || b >> 3 ? [0x40 | ((r >> 3) << 2) | (b >> 3)] : []);
  const rr = (pre: number[], op: number, r = x, b = y) => [
    ...pre,
    ...rex(r, b),
    0x0f,
    op,
    0xc0 | ((r & 7) << 3) | (b & 7),
  ];
  // [rsi + disp32] (mod 10, rm 110); an 8-byte misalignment now and then (#GP for the aligned forms).
  const m = (pre: number[], op: number, half: number, r = x) => {
    const mis = next() % 24 === 0 ? 8 : 0;
    return [
      ...pre,
      ...rex(r, 0),
      0x0f,
      op,
      0x80 | ((r & 7) << 3) | 6,
      ...le32(slot(next() % 128, half) + mis),
    ];
  };
  const arith = [0x58, 0x59, 0x5c, 0x5e, 0x58, 0x59, 0x5e, 0x51][next() % 8]!;
  const pre = next() % 3 === 0 ? [0xf2] : [0x66];
  switch (next() % 13) {
    case 0:
    case 1:
    case 2: {
      // Load a pair's a half, then the operation with its b half (from memory or a register).
      const j = next() % 128;
      const la = [...(pre[0] === 0xf2 ? [0xf2] : [0x66]), ...rex(x, 0), 0x0f, pre[0] === 0xf2 ? 0x10 : 0x28];
      const load = [...la, 0x80 | ((x & 7) << 3) | 6, ...le32(slot(j, 0))];
      if (next() & 1)
        return [...load, ...pre, ...rex(x, 0), 0x0f, arith, 0x80 | ((x & 7) << 3) | 6, ...le32(slot(j, 16))];
      const z = x === 1 ? 2 : 1;
      const lb = [...(pre[0] === 0xf2 ? [0xf2] : [0x66]), ...rex(z, 0), 0x0f, pre[0] === 0xf2 ? 0x10 : 0x28];
      return [...load, ...lb, 0x80 | ((z & 7) << 3) | 6, ...le32(slot(j, 16)), ...rr(pre, arith, x, z)];
    }
    case 3:
    case 4:
      // Register arithmetic on earlier results (facts), or a memory operand.
      return next() % 4 === 0 ? m(pre, arith, next() & 16) : rr(pre, arith);
    case 5:
      // Moves that carry facts: movapd, movsd register, movsd load (zeroes the high lane).
      return pick(next, [
        rr([0x66], 0x28),
        rr([0xf2], 0x10),
        rr([0xf2], 0x11),
        m([0xf2], 0x10, 0),
        m([0x66], 0x28, 16),
      ]);
    case 6:
      // Shuffles: unpcklpd, unpckhpd, shufpd.
      return pick(next, [
        rr([0x66], 0x14),
        rr([0x66], 0x15),
        [...rr([0x66], 0xc6), next() & 3],
        m([0x66], 0x14, 0),
      ]);
    case 7:
      // Logic: xorpd/andnpd zeroing idioms, and/or/xor with registers or memory.
      return pick(next, [
        rr([0x66], 0x57, x, x),
        rr([0x66], 0x55, x, x),
        rr([0x66], 0x54 + (next() & 3)),
        m([0x66], 0x57, 0),
      ]);
    case 8: {
      // comisd/ucomisd, then a jcc over a one-byte instruction reading the flags.
      const c = rr([0x66], next() & 1 ? 0x2e : 0x2f);
      return [...c, 0x70 + pick(next, [2, 3, 4, 5, 6, 7, 0xa, 0xb]), 1, 0x90];
    }
    case 9:
      // movlpd/movhpd loads, movupd and movsd stores through rdi.
      return pick(next, [
        m([0x66], 0x12, 0),
        m([0x66], 0x16, 16),
        [0x66, ...rex(x, 0), 0x0f, 0x11, 0x47 | ((x & 7) << 3), next() & 0x70],
        [0xf2, ...rex(x, 0), 0x0f, 0x11, 0x47 | ((x & 7) << 3), next() & 0x78],
      ]);
    case 10: {
      // A result (a known-good lane) overwritten from memory, then used: the fact must not survive.
      const load = pick(next, [
        m([0xf2], 0x10, 0),
        m([0x66], 0x12, 0),
        m([0x66], 0x16, 16),
        m([0x66], 0x14, 0),
      ]);
      const z = regs[next() % regs.length]!;
      return [...rr(pre, arith), ...load, ...rr(pre, arith, z, x)];
    }
    default:
      return rr(pre, arith);
  }
}

/**
 * Products and quotients of pairs that round to within an ulp of 2^-1022 (where x86 reports
 * UE only if the result rounded with an unbounded exponent is below it): load, multiply or
 * divide by the other half, store.
 */
function thresholdForm(next: Gen): number[] {
  const x = next() % 6;
  const j = next() % 128;
  const op = next() & 1 ? 0x59 : 0x5e;
  const pre = next() & 1 ? 0xf2 : 0x66;
  const at = (r: number, half: number) => [0x80 | (r << 3) | 6, ...le32(slot(j, half))];
  return [
    ...[pre, 0x0f, pre === 0xf2 ? 0x10 : 0x28, ...at(x, 0)],
    ...[pre, 0x0f, op, ...at(x, 16)],
    ...[0x66, 0x0f, 0x11, 0x47 | (x << 3), next() & 0x70],
  ];
}

function pick<T>(next: Gen, xs: readonly T[]): T {
  return xs[next() % xs.length]!;
}

/** MXCSR values: mostly the native path's (round to nearest, PE set and masked). */
const MODES = [
  0x1fa0, 0x1fa0, 0x1fa0, 0x1fa0, 0x1fa0, 0x1fa0, 0x1f80, 0x3fa0, 0x5fa0, 0x7fa0, 0x9fe0, 0x9fa0, 0x17a0,
  0x1ea0, 0x1f20, 0x1ba0, 0x1da0, 0x0fa0,
];

function setupDouble(code: Uint8Array, make: (m: GuestMemory) => Cpu, seed: number, edgeOnly: boolean): Cpu {
  const cpu = setup(code, make, seed);
  const f = data(seed, edgeOnly);
  cpu.memory.poke(DATA, new Uint8Array(f.buffer));
  const next = rng(seed * 17 + 3);
  const x = new Float64Array(cpu.b.buffer, cpu.b.byteOffset + XMM_OFFSET, 32);
  for (let k = 0; k < 32; k++) x[k] = next() % 3 === 0 ? special(next) : pair(next)[next() & 1]!;
  cpu.u32[MXCSR_I32] = edgeOnly ? 0x1fa0 : MODES[next() % MODES.length]!;
  return cpu;
}

/** Runs `seeds` programs of `gen` on both tiers at several budget splits; returns statistics. */
function compare(gen: (next: Gen) => number[], seeds: number, edgeOnly: boolean) {
  return compareTiers(
    1,
    seeds,
    (seed, make) => setupDouble(program(seed, gen), make, seed, edgeOnly),
    (seed) => (seed % 8 === 0 ? [1e6, 5, 1] : [1e6, 5]),
  );
}

describe('JIT: double-precision SSE2 at edge values', () => {
  it('matches the interpreter after every budget split (registers, XMM, MXCSR, faults, memory)', () => {
    const before = jitStats.instructions;
    const { faults, share } = compare(sseDoubleForm, 300, false);
    // The programs must exercise the translated code (and its exits), and #XM / #GP faults.
    expect(jitStats.instructions - before).toBeGreaterThan(5000);
    expect(share).toBeGreaterThan(0.5);
    expect(faults).toBeGreaterThan(10);
  });

  it('host-CPU differential cases of the double-precision forms (native runs, JIT forced)', async () => {
    // The rows emitSse translates: packed/scalar double arithmetic, moves, shuffles, logic, comisd.
    const names = new Set(
      'addpd addsd subpd subsd mulpd mulsd divpd divsd sqrtpd sqrtsd movapd movupd movsd movlpd movhpd unpcklpd unpckhpd shufpd andpd andnpd orpd xorpd comisd ucomisd'.split(
        ' ',
      ),
    );
    const rows = allRows().filter((r) => names.has(r.mnemonic) && !r.vex && testableRow(r));
    expect(rows.length).toBeGreaterThan(20);
    const cases = generateAtLeast(rows, 4000, 0x55e_0002, (tc) => knownOpenFor(tc) !== undefined);
    const report = await runCases(cases, forced, { keep: 5 });
    expect(report.mismatches.map((m) => describeMismatch(m))).toEqual([]);
    expect(report.cases).toBeGreaterThanOrEqual(4000);
  }, 300_000);

  it('products and quotients at the underflow threshold: UE exactly as the hardware reports it', () => {
    const { share } = compare(thresholdForm, 60, true);
    expect(share).toBeGreaterThan(0.3);
  });
});
