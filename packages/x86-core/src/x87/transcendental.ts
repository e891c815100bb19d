/**
 * F2XM1, FYL2X, FYL2XP1, FPATAN, FPTAN, FSIN, FCOS and FSINCOS (SDM Vol. 2A).
 *
 * Results are computed with about 190 significant bits (./bigfix.ts) and rounded once under the
 * control word's rounding control (precision control does not apply), i.e. correctly rounded.
 * Trigonometric arguments are reduced modulo π truncated to 66 bits, as the hardware does, so large
 * arguments give the host's answers rather than the mathematically exact ones.
 *
 * The host's (AMD) algorithms are not correctly rounded; measured against it with random operands:
 * - f2xm1, fyl2x, fyl2xp1, fpatan: the significand differs by one unit in the last place for 2–5%
 *   of operands, and C1 (rounded up) differs for a similar share;
 * - fsin, fcos, fsincos, fptan: the host's absolute error is near 2^-68, so where the result is
 *   small (|result| ≲ 2^-4, e.g. arguments near multiples of π, or small arguments of fptan) it can
 *   differ by several units in the last place; elsewhere by at most one (1–15% of operands).
 * Special operands (zeros, infinities, NaNs, denormals, unsupported encodings, empty registers,
 * out-of-domain arguments) follow the host exactly, including the undocumented results below.
 */
import {
  atan,
  atanh,
  bitLength,
  expm1,
  fdiv,
  fmul,
  LN2,
  ONE,
  PI,
  PREC,
  roundToReg,
  sigOf,
  sinCos,
} from './bigfix.js';
import {
  Cls,
  classify,
  denormalStops,
  type F80,
  type FpEnv,
  IE,
  infinity,
  invalid,
  isDenormalClass,
  isNaN80,
  lsbExponent,
  PE,
  propagateNaN2,
  quiet,
  UE,
  ZE,
  zero,
} from './float80.js';

/** A fixed-point or exact value v = m × 2^e (m signed). */
interface Big {
  m: bigint;
  e: number;
}

/** Whether the significand is exactly the integer bit (a power of two). */
function isOneSig(a: F80): boolean {
  return a.hi === 0x80000000 && a.lo === 0;
}

function toBig(a: F80): Big {
  const m = sigOf(a);
  return { m: a.sign ? -m : m, e: lsbExponent(a) };
}

/** Converts a Big with |value| < 2^64 to fixed point (2^-PREC units), truncating. */
function toFix(b: Big): bigint {
  const s = b.e + PREC;
  return s >= 0 ? b.m << BigInt(s) : b.m >> BigInt(-s);
}

/** Rounds an approximation (inexact unless `exact`) to a register result. */
function finish(env: FpEnv, b: Big, exact = false): F80 {
  if (b.m === 0n) return zero(0);
  const sign = b.m < 0n ? 1 : 0;
  const m = sign ? -b.m : b.m;
  // These instructions detect tininess after rounding: a result that rounds to a normal value
  // raises no underflow (measured on the host).
  const trial: FpEnv = { cw: env.cw | UE, flags: 0, c1: 0 };
  const r = roundToReg(trial, sign, m, b.e, !exact, false);
  if (r.exp !== 0) {
    env.flags |= trial.flags & ~UE;
    env.c1 = trial.c1;
    return r;
  }
  return roundToReg(env, sign, m, b.e, !exact, false);
}

function fix(m: bigint): Big {
  return { m, e: -PREC };
}

/** Screens a one-operand transcendental's operand; returns a final result or null to compute. */
function screen1(env: FpEnv, a: F80, c: Cls): F80 | null {
  if (c === Cls.Unsupported) return invalid(env);
  if (isNaN80(c)) {
    if (c === Cls.SNaN) env.flags |= IE;
    return quiet(a);
  }
  if (denormalStops(env, c)) return a;
  return null;
}

/** 2^x − 1 (the SDM defines it for −1 ≤ x ≤ +1). */
export function f2xm1(env: FpEnv, a: F80): F80 {
  env.c1 = 0;
  const c = classify(a);
  const early = screen1(env, a, c);
  if (early) return early;
  if (c === Cls.Zero) return a;
  if (c === Cls.Infinity) return a.sign ? { sign: 1, exp: 0x3fff, hi: 0x80000000, lo: 0 } : a;
  const x = toBig(a);
  const top = x.e + bitLength(sigOf(a)) - 1;
  if (top < -100) {
    // 2^x − 1 = x ln2 + (x ln2)²/2 + …; the square is far below the rounding position.
    return finish(env, nudge({ m: x.m * LN2, e: x.e - PREC }, 1));
  }
  if (top >= 1 || (top === 0 && !isOneSig(a))) {
    // Outside −1 ≤ x ≤ 1 the SDM leaves the result undefined; the host returns x with PE.
    env.flags |= PE;
    return a;
  }
  const y = fmul(toFix(x), LN2);
  if (top === 0 && isOneSig(a)) {
    // x = ±1: the host does not treat these as exact. +1 behaves like a value just below 1 (PE,
    // rounded per RC); −1 gives −0.5 with PE and C1 = 0.
    if (a.sign === 0) return finish(env, { m: (1n << 200n) - 1n, e: -200 });
    env.flags |= PE;
    return { sign: 1, exp: 0x3ffe, hi: 0x80000000, lo: 0 };
  }
  return finish(env, fix(expm1(y)));
}

/** log2 of a positive finite value as a Big, exact when the value is a power of two. */
function log2Big(a: F80): { v: Big; exact: boolean } {
  const n = bitLength(sigOf(a));
  const top = lsbExponent(a) + n - 1;
  const m = sigOf(a) << BigInt(64 - n);
  if (m === 1n << 63n) return { v: { m: BigInt(top), e: 0 }, exact: true };
  // m / 2^63 in [1, 2): ln = 2 atanh((m − 1) / (m + 1)).
  const mf = m << BigInt(PREC - 63);
  const t = fdiv(mf - ONE, mf + ONE);
  const log2m = fdiv(2n * atanh(t), LN2);
  return { v: { m: (BigInt(top) << BigInt(PREC)) + log2m, e: -PREC }, exact: false };
}

/** log2(m × 2^e) for m > 0, in fixed point. */
function log2Of(m: bigint, e: number): Big {
  const n = bitLength(m);
  const top = e + n - 1;
  const sh = PREC - (n - 1);
  const mf = sh >= 0 ? m << BigInt(sh) : m >> BigInt(-sh);
  const t = fdiv(mf - ONE, mf + ONE);
  return { m: (BigInt(top) << BigInt(PREC)) + fdiv(2n * atanh(t), LN2), e: -PREC };
}

/**
 * x moved in magnitude by less than half a unit of its 64th significant bit (`dir` = ±1, a sticky
 * bit): used where the true result differs from x only far below the rounding position.
 */
function nudge(x: Big, dir: number): Big {
  const neg = x.m < 0n;
  let m = neg ? -x.m : x.m;
  let e = x.e;
  const n = bitLength(m);
  if (n < 70) {
    m <<= BigInt(70 - n);
    e -= 70 - n;
  }
  m = m * 4n + BigInt(dir);
  return { m: neg ? -m : m, e: e - 2 };
}

function mulBig(a: Big, b: Big): Big {
  return { m: a.m * b.m, e: a.e + b.e };
}

/** FYL2X: ST(1) × log2(ST(0)). */
export function fyl2x(env: FpEnv, x: F80, y: F80): F80 {
  env.c1 = 0;
  const cx = classify(x);
  const cy = classify(y);
  if (cx === Cls.Unsupported || cy === Cls.Unsupported) return invalid(env);
  if (isNaN80(cx) || isNaN80(cy)) return propagateNaN2(env, x, cx, y, cy);
  // A negative x is invalid before any denormal operand is noticed.
  if (x.sign && cx !== Cls.Zero) return invalid(env);
  if (cx === Cls.Zero) {
    // log2(±0): decided before a denormal y is noticed.
    if (cy === Cls.Zero) return invalid(env);
    if (cy !== Cls.Infinity) env.flags |= ZE;
    return infinity(y.sign ^ 1);
  }
  if (denormalStops(env, cx) || denormalStops(env, cy)) return x;
  if (cx === Cls.Infinity) {
    if (cy === Cls.Zero) return invalid(env);
    return infinity(y.sign);
  }
  const isOne = x.exp === 0x3fff && isOneSig(x);
  const logSign = isOne ? 0 : x.exp >= 0x3fff ? 0 : 1;
  if (cy === Cls.Infinity) {
    if (isOne) return invalid(env);
    return infinity(y.sign ^ logSign);
  }
  if (cy === Cls.Zero || isOne) return zero(y.sign ^ logSign);
  const l = log2Big(x);
  const r = finish(env, mulBig(toBig(y), l.v), l.exact);
  if (l.exact) {
    // The host reports PE even for exact powers of two, with C1 set only for denormal x.
    env.flags |= PE;
    if (r.exp === 0 && (r.hi | r.lo) !== 0) env.flags |= UE;
    env.c1 = isDenormalClass(cx) ? 1 : 0;
  }
  return r;
}

/** FYL2XP1: ST(1) × log2(ST(0) + 1), for |ST(0)| < 1 − √2/2. */
export function fyl2xp1(env: FpEnv, x: F80, y: F80): F80 {
  env.c1 = 0;
  const cx = classify(x);
  const cy = classify(y);
  if (cx === Cls.Unsupported || cy === Cls.Unsupported) return invalid(env);
  if (isNaN80(cx) || isNaN80(cy)) return propagateNaN2(env, x, cx, y, cy);
  if (x.sign && cx === Cls.Infinity) return invalid(env);
  if (denormalStops(env, cx) || denormalStops(env, cy)) return x;
  if (cx === Cls.Infinity) return cy === Cls.Zero ? invalid(env) : infinity(y.sign);
  if (cx === Cls.Zero) {
    if (cy === Cls.Infinity) return invalid(env);
    return zero(x.sign ^ y.sign);
  }
  if (cy === Cls.Zero) return zero(x.sign ^ y.sign);
  if (cy === Cls.Infinity) return infinity(x.sign ^ y.sign);
  if (x.sign && cx === Cls.Normal && x.exp >= 0x3fff) {
    // x ≤ −1 with a finite y: the host returns x unchanged with PE.
    env.flags |= PE;
    return x;
  }
  const bx = toBig(x);
  const top = bx.e + bitLength(sigOf(x)) - 1;
  let l: Big;
  if (top < -100) {
    // log2(1 + x) = x / ln2 − x² / (2 ln2) + …
    l = nudge({ m: bx.m * fdiv(ONE, LN2), e: bx.e - PREC }, -1);
  } else {
    if (top < -1) {
      const xf = toFix(bx);
      const t = fdiv(xf, 2n * ONE + xf);
      l = fix(fdiv(2n * atanh(t), LN2));
    } else {
      // |x| ≥ 1/2 (beyond the documented domain, computed anyway by the host): log2 of 1 + x exactly.
      const e = Math.min(bx.e, 0);
      l = log2Of((1n << BigInt(-e)) + (bx.m << BigInt(bx.e - e)), e);
    }
  }
  return finish(env, mulBig(toBig(y), l));
}

/** FPATAN: arctan(ST(1) / ST(0)) with the quadrant of (ST(0), ST(1)). */
export function fpatan(env: FpEnv, x: F80, y: F80): F80 {
  env.c1 = 0;
  const cx = classify(x);
  const cy = classify(y);
  if (cx === Cls.Unsupported || cy === Cls.Unsupported) return invalid(env);
  if (isNaN80(cx) || isNaN80(cy)) return propagateNaN2(env, x, cx, y, cy);
  if (denormalStops(env, cx) || denormalStops(env, cy)) return x;
  const sy = y.sign;
  const piFix = (num: bigint, den: bigint): F80 => {
    const v = (PI * num) / den;
    return finish(env, fix(sy ? -v : v));
  };
  if (cy === Cls.Zero) {
    if (x.sign) return piFix(1n, 1n);
    return zero(sy);
  }
  if (cy === Cls.Infinity) {
    if (cx === Cls.Infinity) return x.sign ? piFix(3n, 4n) : piFix(1n, 4n);
    return piFix(1n, 2n);
  }
  if (cx === Cls.Infinity) return x.sign ? piFix(1n, 1n) : zero(sy);
  if (cx === Cls.Zero) return piFix(1n, 2n);
  const bx = toBig(x);
  const by = toBig(y);
  const ax = bx.m < 0n ? -bx.m : bx.m;
  const ay = by.m < 0n ? -by.m : by.m;
  const ex = bx.e + bitLength(ax);
  const ey = by.e + bitLength(ay);
  // Quotient t = min/max with 2·PREC bits.
  const yBig = !(ey - ex < 0 || (ey === ex && cmpMag(ay, by.e, ax, bx.e) <= 0));
  const num = yBig ? { m: ax, e: bx.e } : { m: ay, e: by.e };
  const den = yBig ? { m: ay, e: by.e } : { m: ax, e: bx.e };
  const k = 2 * PREC + 64;
  const tm = (num.m << BigInt(k)) / den.m;
  const t: Big = { m: tm, e: num.e - den.e - k };
  const ttop = t.e + bitLength(tm) - 1;
  let r: Big;
  if (!yBig && !x.sign && ttop < -100) {
    // atan(t) = t − t³/3 + …, with t tiny.
    r = nudge(t, -1);
    return finish(env, sy ? { m: -r.m, e: r.e } : r);
  }
  const a = ttop < -PREC + 8 ? 0n : atan(toFix(t));
  let v: bigint;
  if (!yBig) v = x.sign ? PI - a : a;
  else v = x.sign ? PI / 2n + a : PI / 2n - a;
  return finish(env, fix(sy ? -v : v));
}

function cmpMag(a: bigint, ea: number, b: bigint, eb: number): number {
  const e = Math.min(ea, eb);
  const x = a << BigInt(ea - e);
  const y = b << BigInt(eb - e);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Shared screening of FSIN/FCOS/FPTAN/FSINCOS: null result = out of range (C2 = 1). */
function trigArg(env: FpEnv, a: F80): { early: F80 | null; range: boolean; x: Big | null } {
  const c = classify(a);
  const early = screen1(env, a, c);
  if (early) return { early, range: true, x: null };
  if (c === Cls.Infinity) return { early: invalid(env), range: true, x: null };
  if (c === Cls.Zero) return { early: null, range: true, x: null };
  if (lsbExponent(a) + bitLength(sigOf(a)) - 1 >= 63) return { early: null, range: false, x: null };
  return { early: null, range: true, x: toBig(a) };
}

/**
 * π truncated to 66 significant bits: the approximation x87 hardware reduces trigonometric
 * arguments with (measured on the host: results for large arguments match this value and no other
 * precision between 62 and 72 bits; Intel documents the same 66-bit constant).
 */
const PI66 = (PI >> BigInt(PI.toString(2).length - 66)) << BigInt(PI.toString(2).length - 66);

/** sin and cos of a finite value with |x| < 2^63, as fixed point (reduction modulo π66/2). */
function sinCosBig(x: Big): [bigint, bigint] {
  const xf = toFix(x);
  const half = PI66 >> 1n;
  let q = (xf + (half >> 1n)) / half;
  if (xf < 0n && (xf + (half >> 1n)) % half !== 0n) q -= 1n;
  const r = xf - q * half;
  const [s, c] = sinCos(r);
  switch (Number(((q % 4n) + 4n) % 4n)) {
    case 0:
      return [s, c];
    case 1:
      return [c, -s];
    case 2:
      return [-s, -c];
    default:
      return [-c, s];
  }
}

function isTiny(x: Big): boolean {
  const m = x.m < 0n ? -x.m : x.m;
  return x.e + bitLength(m) - 1 < -100;
}

/** sin(x) for tiny x: x − x³/6, represented as x minus a sticky bit. */
/**
 * FPTAN for tiny x: the host returns x itself, reporting PE (and UE for a denormal
 * x), rather than rounding x ∓ x³/3 under RC.
 */
function tinyIdentity(env: FpEnv, x: Big): F80 {
  const r = finish(env, x, true);
  env.flags |= PE;
  if (r.exp === 0 && (r.hi | r.lo) !== 0) env.flags |= UE;
  return r;
}

export function fsin(env: FpEnv, a: F80): F80 | null {
  env.c1 = 0;
  const t = trigArg(env, a);
  if (t.early) return t.early;
  if (!t.range) return null;
  if (!t.x) return a;
  if (isTiny(t.x)) return finish(env, nudge(t.x, -1));
  return finish(env, fix(sinCosBig(t.x)[0]));
}

export function fcos(env: FpEnv, a: F80): F80 | null {
  env.c1 = 0;
  const t = trigArg(env, a);
  if (t.early) return t.early;
  if (!t.range) return null;
  if (!t.x) return { sign: 0, exp: 0x3fff, hi: 0x80000000, lo: 0 };
  if (isTiny(t.x)) return finish(env, { m: (1n << 200n) - 1n, e: -200 });
  return finish(env, fix(sinCosBig(t.x)[1]));
}

function tanOf(env: FpEnv, x: Big): F80 {
  if (isTiny(x)) return tinyIdentity(env, x);
  const [s, c] = sinCosBig(x);
  return finish(env, fix(fdiv(s, c)));
}

const ONE_F80: F80 = { sign: 0, exp: 0x3fff, hi: 0x80000000, lo: 0 };

export function fptan(env: FpEnv, a: F80): [F80, F80] | null {
  env.c1 = 0;
  const t = trigArg(env, a);
  if (t.early) return [t.early, t.early];
  if (!t.range) return null;
  if (!t.x) return [a, ONE_F80];
  return [tanOf(env, t.x), ONE_F80];
}

export function fsincos(env: FpEnv, a: F80): [F80, F80] | null {
  env.c1 = 0;
  const t = trigArg(env, a);
  if (t.early) return [t.early, t.early];
  if (!t.range) return null;
  if (!t.x) return [a, ONE_F80];
  if (isTiny(t.x)) {
    // sin(x) = x − x³/6 − …, rounded under RC (FPTAN, in contrast, returns tiny x unchanged).
    const s = finish(env, nudge(t.x, -1));
    const c1 = env.c1;
    const c = finish(env, { m: (1n << 200n) - 1n, e: -200 });
    env.c1 = c1;
    return [s, c];
  }
  const [s, c] = sinCosBig(t.x);
  const sr = finish(env, fix(s));
  const c1 = env.c1;
  const cr = finish(env, fix(c));
  env.c1 = c1;
  return [sr, cr];
}
