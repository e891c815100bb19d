import { describe, expect, it } from 'vitest';
import {
  add32,
  add64,
  cmp32,
  cmp64,
  comi32,
  comi64,
  cvt32to64,
  cvt64to32,
  div32,
  div64,
  f32toI32,
  f32toI64,
  f64toI32,
  f64toI64,
  i32to32,
  i32to64,
  i64to32,
  i64to64,
  max32,
  max64,
  min32,
  min64,
  mul32,
  mul64,
  out64,
  rcp32,
  round32,
  round64,
  rsqrt32,
  sqrt32,
  sqrt64,
  sub32,
  sub64,
} from './float-ops.js';
import { type ProbeCase, runOnHost } from './host-probe.js';
import { sseBegin, sseEnd, sseEnv } from './mxcsr.js';

/** Deterministic xorshift generator so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const hex8 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');

const EDGE32 = [
  0, 0x80000000, 1, 0x80000001, 0x7fffff, 0x807fffff, 0x400000, 0x800000, 0x80800000, 0x800001, 0x3f800000,
  0xbf800000, 0x3f800001, 0x3f7fffff, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000,
  0x7fa00000, 0xff800001, 0x7fc12345, 0x4f000000, 0xcf000000, 0x4effffff, 0xcf000001, 0x5f000000, 0xdf000000,
  0x5effffff, 0x3f000000, 0x3fc00000, 0x40400000, 0x00ffffff, 0x3f000001, 0x34000000, 0x33800000, 0x4b000000,
  0x4b800000, 0x4f800000,
];
const EDGE64 = [
  [0, 0],
  [0x80000000, 0],
  [0, 1],
  [0x80000000, 1],
  [0xfffff, 0xffffffff],
  [0x100000, 0],
  [0x80100000, 0],
  [0x3ff00000, 0],
  [0xbff00000, 0],
  [0x3ff00000, 1],
  [0x3fefffff, 0xffffffff],
  [0x7fefffff, 0xffffffff],
  [0xffefffff, 0xffffffff],
  [0x7ff00000, 0],
  [0xfff00000, 0],
  [0x7ff80000, 0],
  [0xfff80000, 0],
  [0x7ff40000, 0],
  [0x7ff00000, 1],
  [0x7ff81234, 0x5678],
  [0x41e00000, 0],
  [0xc1e00000, 0],
  [0x41dfffff, 0xffc00000],
  [0xc1e00000, 0x00200000],
  [0x43e00000, 0],
  [0xc3e00000, 0],
  [0x43dfffff, 0xffffffff],
  [0x3fe00000, 0],
  [0x3ff80000, 0],
  [0x47efffff, 0xe0000000],
  [0x47efffff, 0xf0000000],
  [0x36a00000, 0],
  [0x38100000, 0],
  [0x380fffff, 0xf0000000],
  [0x001fffff, 0xffffffff],
  [0x43300000, 0],
  [0x3ca00000, 0],
  [0x41dfffff, 0xffe00000],
] as const;

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[r() % xs.length]!;
}

/** Random binary32 operand: edge values, random bits, and values near 1, the denormal boundary and overflow. */
function rand32(r: () => number): number {
  switch (r() % 6) {
    case 0:
      return pick(r, EDGE32);
    case 1:
      return r();
    case 2:
      return (((r() & 1) << 31) | ((120 + (r() % 16)) << 23) | (r() & 0x7fffff)) >>> 0;
    case 3:
      return (((r() & 1) << 31) | ((r() % 4) << 23) | (r() & 0x7fffff)) >>> 0;
    case 4:
      return (((r() & 1) << 31) | ((250 + (r() % 5)) << 23) | (r() & 0x7fffff)) >>> 0;
    default:
      return (((r() & 1) << 31) | ((60 + (r() % 20)) << 23) | (r() & 0x7fffff)) >>> 0;
  }
}
function rand64(r: () => number): [number, number] {
  const s = (r() & 1) << 31;
  switch (r() % 6) {
    case 0: {
      const e = pick(r, EDGE64);
      return [e[0], e[1]];
    }
    case 1:
      return [r(), r()];
    case 2:
      return [(s | ((1015 + (r() % 16)) << 20) | (r() & 0xfffff)) >>> 0, r()];
    case 3:
      return [(s | ((r() % 4) << 20) | (r() & 0xfffff)) >>> 0, r()];
    case 4:
      return [(s | ((2040 + (r() % 7)) << 20) | (r() & 0xfffff)) >>> 0, r()];
    default:
      // Few significant bits: exercises exact results, ties and cancellation.
      return [(s | ((1000 + (r() % 60)) << 20) | (r() & 0xff000)) >>> 0, 0];
  }
}
/** A second operand related to the first (same or neighbouring exponent) to hit cancellation and ties. */
function near32(r: () => number, a: number): number {
  switch (r() % 3) {
    case 0:
      return rand32(r);
    case 1:
      return (a ^ (r() & 0x807) ^ ((r() & 3) << 23)) >>> 0;
    default:
      return ((a & 0xff800000) | (r() & 0x7fffff)) >>> 0;
  }
}
function near64(r: () => number, a: [number, number]): [number, number] {
  switch (r() % 3) {
    case 0:
      return rand64(r);
    case 1:
      return [(a[0] ^ (r() & 0x80000001) ^ ((r() & 3) << 20)) >>> 0, (a[1] ^ (r() & 0xfff)) >>> 0];
    default:
      return [((a[0] & 0xfff00000) | (r() & 0xfffff)) >>> 0, r()];
  }
}

/** MXCSR: random rounding, DAZ, FTZ, sticky flags; exceptions mostly masked, sometimes some unmasked. */
function randMxcsr(r: () => number): number {
  let mx = ((r() & 3) << 13) | (r() & 0x3f & (r() % 4 === 0 ? 0x3f : 0));
  if (r() % 4 === 0) mx |= 0x40;
  if (r() % 4 === 0) mx |= 0x8000;
  mx |= r() % 5 === 0 ? r() & 0x1f80 : 0x1f80;
  return mx;
}

type Emu = (c: ProbeCase) => { result: string; mxcsr: number; rflags: number; fault: boolean };

const words = (h: string): [number, number] => {
  const p = h.padStart(16, '0');
  return [Number.parseInt(p.slice(0, 8), 16), Number.parseInt(p.slice(8), 16)];
};

function finish(_c: ProbeCase, hi: number, lo: number, rflags = -1) {
  const mx = sseEnd();
  return { result: hex8(hi) + hex8(lo), mxcsr: mx, rflags, fault: sseEnv.faulted };
}

const bin32: Record<string, (a: number, b: number) => number> = {
  addss: add32,
  subss: sub32,
  mulss: mul32,
  divss: div32,
  minss: min32,
  maxss: max32,
};
const bin64: Record<string, (ah: number, al: number, bh: number, bl: number) => void> = {
  addsd: add64,
  subsd: sub64,
  mulsd: mul64,
  divsd: div64,
  minsd: min64,
  maxsd: max64,
};

/** Runs one probe case through the TypeScript semantics, mirroring what fp-probe.c does. */
const emulate: Emu = (c) => {
  sseBegin(c.mxcsr);
  const [ah, al] = words(c.a);
  const [bh, bl] = words(c.b);
  const f32 = bin32[c.op];
  if (f32) return finish(c, ah, f32(al, bl));
  const f64 = bin64[c.op];
  if (f64) {
    f64(ah, al, bh, bl);
    return finish(c, out64.hi, out64.lo);
  }
  if (c.op.startsWith('roundss')) return finish(c, ah, round32(bl, Number(c.op.slice(7))));
  if (c.op.startsWith('roundsd')) {
    round64(bh, bl, Number(c.op.slice(7)));
    return finish(c, out64.hi, out64.lo);
  }
  if (c.op.startsWith('cmpss')) return finish(c, ah, cmp32(Number(c.op.slice(5)), al, bl));
  if (c.op.startsWith('cmpsd')) {
    const t = cmp64(Number(c.op.slice(5)), ah, al, bh, bl) ? 0xffffffff : 0;
    return finish(c, t, t);
  }
  switch (c.op) {
    case 'sqrtss':
      return finish(c, ah, sqrt32(bl));
    case 'sqrtsd':
      sqrt64(bh, bl);
      return finish(c, out64.hi, out64.lo);
    case 'comiss':
    case 'ucomiss':
      return finish(c, ah, al, comi32(al, bl, c.op === 'comiss'));
    case 'comisd':
    case 'ucomisd':
      return finish(c, ah, al, comi64(ah, al, bh, bl, c.op === 'comisd'));
    case 'cvtss2sd':
      cvt32to64(bl);
      return finish(c, out64.hi, out64.lo);
    case 'cvtsd2ss':
      return finish(c, ah, cvt64to32(bh, bl));
    case 'cvtss2si':
    case 'cvttss2si':
      return finish(c, 0, f32toI32(bl, c.op === 'cvttss2si'));
    case 'cvtsd2si':
    case 'cvttsd2si':
      return finish(c, 0, f64toI32(bh, bl, c.op === 'cvttsd2si'));
    case 'cvtss2si64':
    case 'cvttss2si64':
      f32toI64(bl, c.op === 'cvttss2si64');
      return finish(c, out64.hi, out64.lo);
    case 'cvtsd2si64':
    case 'cvttsd2si64':
      f64toI64(bh, bl, c.op === 'cvttsd2si64');
      return finish(c, out64.hi, out64.lo);
    case 'cvtsi2ss':
      return finish(c, ah, i32to32(bl));
    case 'cvtsi2ss64':
      return finish(c, ah, i64to32(bh, bl));
    case 'cvtsi2sd':
      i32to64(bl);
      return finish(c, out64.hi, out64.lo);
    case 'cvtsi2sd64':
      i64to64(bh, bl);
      return finish(c, out64.hi, out64.lo);
  }
  throw new Error(`no emulation for ${c.op}`);
};

const OPS32 = ['addss', 'subss', 'mulss', 'divss', 'minss', 'maxss', 'sqrtss', 'comiss', 'ucomiss'];
const OPS64 = ['addsd', 'subsd', 'mulsd', 'divsd', 'minsd', 'maxsd', 'sqrtsd', 'comisd', 'ucomisd'];
for (let p = 0; p < 8; p++) {
  OPS32.push(`cmpss${p}`);
  OPS64.push(`cmpsd${p}`);
}
for (const imm of [0, 1, 2, 3, 4, 8, 12]) {
  OPS32.push(`roundss${imm}`);
  OPS64.push(`roundsd${imm}`);
}
const CVT_FROM32 = ['cvtss2sd', 'cvtss2si', 'cvttss2si', 'cvtss2si64', 'cvttss2si64'];
const CVT_FROM64 = ['cvtsd2ss', 'cvtsd2si', 'cvttsd2si', 'cvtsd2si64', 'cvttsd2si64'];
const CVT_FROM_INT = ['cvtsi2ss', 'cvtsi2ss64', 'cvtsi2sd', 'cvtsi2sd64'];

function generate(seed: number, perOp: number): ProbeCase[] {
  const r = rng(seed);
  const cases: ProbeCase[] = [];
  for (const op of OPS32)
    for (let i = 0; i < perOp; i++) {
      const a = rand32(r);
      const b = near32(r, a);
      cases.push({ op, mxcsr: randMxcsr(r), a: hex8(r()) + hex8(a), b: hex8(r()) + hex8(b) });
    }
  for (const op of OPS64)
    for (let i = 0; i < perOp; i++) {
      const a = rand64(r);
      const b = near64(r, a);
      cases.push({ op, mxcsr: randMxcsr(r), a: hex8(a[0]) + hex8(a[1]), b: hex8(b[0]) + hex8(b[1]) });
    }
  for (const op of CVT_FROM32)
    for (let i = 0; i < perOp; i++)
      cases.push({ op, mxcsr: randMxcsr(r), a: hex8(r()) + hex8(r()), b: hex8(r()) + hex8(rand32(r)) });
  for (const op of CVT_FROM64)
    for (let i = 0; i < perOp; i++) {
      const b = rand64(r);
      cases.push({ op, mxcsr: randMxcsr(r), a: hex8(r()) + hex8(r()), b: hex8(b[0]) + hex8(b[1]) });
    }
  for (const op of CVT_FROM_INT)
    for (let i = 0; i < perOp; i++) {
      const lo = r() % 3 === 0 ? r() & (0xffffffff >>> (r() % 32)) : r();
      const hi = r() % 3 === 0 ? (r() % 2 === 0 ? 0 : 0xffffffff) : r();
      cases.push({ op, mxcsr: randMxcsr(r), a: hex8(r()) + hex8(r()), b: hex8(hi) + hex8(lo) });
    }
  return cases;
}

describe('SSE floating-point lane semantics against the host CPU', () => {
  it('matches results, MXCSR flags, faults and RFLAGS bit for bit', () => {
    const cases = generate(
      Number(process.env.SSE_PROBE_SEED ?? 0x5eed1234),
      Number(process.env.SSE_PROBE_PER_OP ?? 1500),
    );
    const host = runOnHost(cases);
    const failures: string[] = [];
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i]!;
      const h = host[i]!;
      const e = emulate(c);
      const isCvt32Dest =
        c.op === 'cvtss2si' || c.op === 'cvttss2si' || c.op === 'cvtsd2si' || c.op === 'cvttsd2si';
      const same =
        h.fault === e.fault &&
        h.mxcsr === e.mxcsr &&
        (h.fault ||
          ((isCvt32Dest ? h.result.slice(8) === e.result.slice(8) : h.result === e.result) &&
            (e.rflags < 0 || (h.rflags & 0x8d5) === e.rflags)));
      if (!same && failures.length < 40)
        failures.push(
          `${c.op} mx=${c.mxcsr.toString(16)} a=${c.a} b=${c.b}: host ${h.fault ? 'FAULT' : h.result} ${h.mxcsr.toString(16)} ${(h.rflags & 0x8d5).toString(16)} | ours ${e.fault ? 'FAULT' : e.result} ${e.mxcsr.toString(16)} ${e.rflags.toString(16)}`,
        );
    }
    expect(failures).toEqual([]);
    expect(cases.length).toBeGreaterThan(60000);
  }, 120_000);
});

describe('RCPSS/RSQRTSS approximations against the host CPU', () => {
  it('agree on every special case and stay within the architectural error bound', () => {
    const r = rng(0xabcdef);
    const cases: ProbeCase[] = [];
    for (const op of ['rcpss', 'rsqrtss'])
      for (let k = 0; k < 20000; k++) {
        const b = k < EDGE32.length ? EDGE32[k]! : rand32(r);
        cases.push({ op, mxcsr: (randMxcsr(r) & ~0x1f80) | 0x1f80, a: '0', b: hex8(b) });
      }
    const host = runOnHost(cases);
    const bad: string[] = [];
    const bits = new Uint32Array(1);
    const f = new Float32Array(bits.buffer);
    const val = (x: number) => {
      bits[0] = x;
      return f[0]!;
    };
    for (let k = 0; k < cases.length; k++) {
      const c = cases[k]!;
      const b = Number.parseInt(c.b, 16);
      const ours = (c.op === 'rcpss' ? rcp32(b) : rsqrt32(b)) >>> 0;
      const h = Number.parseInt(host[k]!.result.slice(8), 16);
      const x = val(b);
      const exact = c.op === 'rcpss' ? 1 / x : 1 / Math.sqrt(x);
      const special =
        !Number.isFinite(exact) ||
        Number.isNaN(exact) ||
        Math.abs(exact) < 2 ** -126 ||
        (b & 0x7f800000) === 0;
      // Near the underflow threshold the SDM leaves flushing to the implementation.
      const edge = c.op === 'rcpss' && Math.abs(exact) < 2 ** -125 && Math.abs(exact) > 2 ** -127;
      const within = (v: number) => Math.abs(val(v) - exact) <= 1.5 * 2 ** -12 * Math.abs(exact);
      const ok =
        host[k]!.mxcsr === c.mxcsr && (special || edge ? h === ours || edge : within(ours) && within(h));
      if (!ok && bad.length < 20) bad.push(`${c.op} ${c.b}: host ${hex8(h)} ours ${hex8(ours)}`);
    }
    expect(bad).toEqual([]);
  }, 60_000);
});
