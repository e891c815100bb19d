/**
 * High-precision fixed-point helpers for the x87 transcendental instructions, FPREM/FPREM1 and the
 * constant table (built once at load). A value is a bigint scaled by 2^PREC. None of this runs for
 * the arithmetic, load/store and compare instructions: the soft-float core (./float80.ts) works on
 * 32-bit words; {@link roundToReg} bridges a bigint result into it.
 */
import { type F80, type FpEnv, roundLimbsToReg, zero } from './float80.js';

/** Fraction bits of the fixed-point values. */
export const PREC = 256;
export const ONE = 1n << BigInt(PREC);

/** Fixed-point multiply, truncating toward zero (so series terms of either sign reach 0). */
export function fmul(a: bigint, b: bigint): bigint {
  const p = a * b;
  return p < 0n ? -(-p >> BigInt(PREC)) : p >> BigInt(PREC);
}

/** Fixed-point divide. */
export function fdiv(a: bigint, b: bigint): bigint {
  return (a << BigInt(PREC)) / b;
}

/** atan(1/k) for an integer k ≥ 2 (Gregory series). */
export function atanInv(k: bigint): bigint {
  let term = ONE / k;
  const k2 = k * k;
  let sum = 0n;
  let n = 1n;
  let sign = 1n;
  while (term !== 0n) {
    sum += (sign * term) / n;
    term /= k2;
    n += 2n;
    sign = -sign;
  }
  return sum;
}

/** atanh(1/k) for an integer k ≥ 2. */
export function atanhInv(k: bigint): bigint {
  let term = ONE / k;
  const k2 = k * k;
  let sum = 0n;
  let n = 1n;
  while (term !== 0n) {
    sum += term / n;
    term /= k2;
    n += 2n;
  }
  return sum;
}

/** π (Machin's formula). */
export const PI = 16n * atanInv(5n) - 4n * atanInv(239n);
/** ln 2. */
export const LN2 = 2n * atanhInv(3n);
/** ln 10 = 3 ln 2 + ln(5/4). */
export const LN10 = 3n * LN2 + 2n * atanhInv(9n);

/** atanh(t) for |t| < 1 in fixed point (series; callers keep |t| small). */
export function atanh(t: bigint): bigint {
  const t2 = fmul(t, t);
  let term = t;
  let sum = 0n;
  let n = 1n;
  while (term !== 0n) {
    sum += term / n;
    term = fmul(term, t2);
    n += 2n;
  }
  return sum;
}

/** atan(t) for |t| ≤ 1 in fixed point; halves the argument a few times before the series. */
export function atan(t: bigint): bigint {
  let halvings = 0n;
  while ((t < 0n ? -t : t) > ONE >> 3n) {
    // atan(t) = 2 atan(t / (1 + sqrt(1 + t²)))
    t = fdiv(t, ONE + sqrtFix(ONE + fmul(t, t)));
    halvings += 1n;
  }
  const t2 = fmul(t, t);
  let term = t;
  let sum = 0n;
  let n = 1n;
  let sign = 1n;
  while (term !== 0n) {
    sum += (sign * term) / n;
    term = fmul(term, t2);
    n += 2n;
    sign = -sign;
  }
  return sum << halvings;
}

/** Square root of a non-negative fixed-point value. */
export function sqrtFix(a: bigint): bigint {
  if (a <= 0n) return 0n;
  const n = a << BigInt(PREC);
  let x = 1n << BigInt((n.toString(2).length >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** e^y − 1 for |y| ≤ 1 in fixed point. */
export function expm1(y: bigint): bigint {
  let term = y;
  let sum = 0n;
  let n = 1n;
  while (term !== 0n) {
    sum += term;
    n += 1n;
    term = fmul(term, y) / n;
  }
  return sum;
}

/** sin and cos of |x| ≤ π/4 (roughly) in fixed point (Taylor series). */
export function sinCos(x: bigint): [bigint, bigint] {
  const x2 = fmul(x, x);
  let s = 0n;
  let term = x;
  let n = 1n;
  while (term !== 0n) {
    s += term;
    term = -fmul(term, x2) / ((n + 1n) * (n + 2n));
    n += 2n;
  }
  let c = 0n;
  term = ONE;
  n = 0n;
  while (term !== 0n) {
    c += term;
    term = -fmul(term, x2) / ((n + 1n) * (n + 2n));
    n += 2n;
  }
  return [s, c];
}

/** The 64-bit significand of a as a bigint. */
export function sigOf(a: F80): bigint {
  return (BigInt(a.hi) << 32n) | BigInt(a.lo);
}

/** A double-extended value from a bigint significand (its low 64 bits). */
export function fromSig(sign: number, exp: number, sig: bigint): F80 {
  return { sign, exp, hi: Number((sig >> 32n) & 0xffffffffn), lo: Number(sig & 0xffffffffn) };
}

/** Number of significant bits of x > 0. */
export function bitLength(x: bigint): number {
  return x.toString(2).length;
}

const MASK32 = 0xffffffffn;

/**
 * Rounds the value `(-1)^sign × sig × 2^e` (sig ≥ 0; `sticky` says nonzero bits were lost below
 * sig's least significant bit) to a register result under RC and, when `usePc`, PC. Bits beyond
 * the 128 most significant ones join the sticky bit.
 */
export function roundToReg(
  env: FpEnv,
  sign: number,
  sig: bigint,
  e: number,
  sticky: boolean,
  usePc: boolean,
): F80 {
  if (sig === 0n) {
    env.c1 = 0;
    return zero(sign);
  }
  const n = bitLength(sig);
  if (n > 128) {
    const s = BigInt(n - 128);
    if ((sig & ((1n << s) - 1n)) !== 0n) sticky = true;
    sig >>= s;
    e += n - 128;
  }
  const r = roundLimbsToReg(
    env,
    sign,
    Number((sig >> 96n) & MASK32),
    Number((sig >> 64n) & MASK32),
    Number((sig >> 32n) & MASK32),
    Number(sig & MASK32),
    e,
    sticky,
    usePc,
  );
  // A copy: the core's result object is reused by its next operation.
  return { sign: r.sign, exp: r.exp, hi: r.hi, lo: r.lo };
}
