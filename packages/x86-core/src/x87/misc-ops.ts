/**
 * FXTRACT, FSCALE, FPREM and FPREM1 (SDM Vol. 2A). All three are exact apart from FSCALE's single
 * rounding; precision control does not apply to any of them.
 */
import { roundToReg as roundBigToReg, sigOf } from './bigfix.js';
import {
  bitLength64,
  Cls,
  classify,
  denormalStops,
  EXP_BIAS,
  type F80,
  type FpEnv,
  fromInt,
  IE,
  INDEFINITE,
  infinity,
  invalid,
  isNaN80,
  lsbExponent,
  propagateNaN2,
  quiet,
  roundToReg64,
  topExponent,
  ZE,
} from './float80.js';
import type { RemainderResult } from './fpu.js';

/** FXTRACT: returns [exponent, significand]; ST(0) gets the exponent, the significand is pushed. */
export function fxtract(env: FpEnv, a: F80): [F80, F80] {
  env.c1 = 0;
  const c = classify(a);
  if (c === Cls.Unsupported) {
    env.flags |= IE;
    return [INDEFINITE, INDEFINITE];
  }
  if (isNaN80(c)) {
    if (c === Cls.SNaN) env.flags |= IE;
    const q = quiet(a);
    return [q, q];
  }
  if (c === Cls.Zero) {
    env.flags |= ZE;
    return [infinity(1), a];
  }
  if (c === Cls.Infinity) return [infinity(0), a];
  if (denormalStops(env, c)) return [a, a];
  const e = topExponent(a);
  // The significand normalised to 1 ≤ |m| < 2 (a denormal's leading zeros shifted out).
  const s = 64 - bitLength64(a.hi, a.lo);
  const hi = s === 0 ? a.hi : s < 32 ? ((a.hi << s) | (a.lo >>> (32 - s))) >>> 0 : (a.lo << (s - 32)) >>> 0;
  const lo = s === 0 ? a.lo : s < 32 ? (a.lo << s) >>> 0 : 0;
  return [fromInt(e), { sign: a.sign, exp: EXP_BIAS, hi, lo }];
}

/** FSCALE: ST(0) × 2^trunc(ST(1)), rounded under RC. */
export function fscale(env: FpEnv, a: F80, b: F80): F80 {
  env.c1 = 0;
  const ca = classify(a);
  const cb = classify(b);
  if (ca === Cls.Unsupported || cb === Cls.Unsupported) return invalid(env);
  if (isNaN80(ca) || isNaN80(cb)) return propagateNaN2(env, a, ca, b, cb);
  if (denormalStops(env, ca) || denormalStops(env, cb)) return a;
  if (cb === Cls.Infinity) {
    if (ca === Cls.Zero) return b.sign ? a : invalid(env);
    if (ca === Cls.Infinity) return b.sign ? invalid(env) : a;
    return b.sign ? { sign: a.sign, exp: 0, hi: 0, lo: 0 } : infinity(a.sign);
  }
  if (ca === Cls.Zero || ca === Cls.Infinity) return a;
  let n = 0;
  if (cb !== Cls.Zero) {
    // |ST(1)| < 2^20 below, so its integer part is the top bits of the high half.
    const tb = topExponent(b);
    if (tb >= 20) n = 1 << 20;
    else n = tb < 0 ? 0 : b.hi >>> (31 - tb);
    if (b.sign) n = -n;
  }
  return roundToReg64(env, a.sign, a.hi, a.lo, lsbExponent(a) + n, false);
}

/**
 * One FPREM (truncating quotient) or FPREM1 (IEEE remainder, quotient rounded to nearest even)
 * step. When the exponents differ by 64 or more only a partial reduction is made: the quotient is
 * formed from the top bits so that the exponent difference drops by a number of bits between 32
 * and 63 (the hardware's choice, reproduced here), and C2 reports the incomplete result.
 */
export function fprem(env: FpEnv, a: F80, b: F80, nearest: boolean): RemainderResult {
  env.c1 = 0;
  const ca = classify(a);
  const cb = classify(b);
  const done = (value: F80): RemainderResult => ({ value, quotient: -1, partial: false });
  if (ca === Cls.Unsupported || cb === Cls.Unsupported) return done(invalid(env));
  if (isNaN80(ca) || isNaN80(cb)) return done(propagateNaN2(env, a, ca, b, cb));
  if (ca === Cls.Infinity || cb === Cls.Zero) {
    return done(invalid(env));
  }
  if (denormalStops(env, ca) || denormalStops(env, cb)) return done(a);
  // A zero dividend or an infinite divisor gives quotient 0 (C0 = C3 = C1 = 0).
  if (ca === Cls.Zero) return { value: a, quotient: 0, partial: false };
  if (cb === Cls.Infinity) {
    // The dividend goes through the (exact) rounding path like a small dividend below: a
    // pseudo-denormal comes back in its normal encoding, and a denormal with underflow unmasked
    // is bias-adjusted with UE (measured on the host).
    const value = roundToReg64(env, a.sign, a.hi, a.lo, lsbExponent(a), false);
    return { value, quotient: 0, partial: false };
  }
  const ea = topExponent(a);
  const eb = topExponent(b);
  const d = ea - eb;
  const la = lsbExponent(a);
  const lb = lsbExponent(b);
  if (d >= 64) {
    // Partial step: QQ = trunc((a / b) / 2^(d − N)); a ← a − b × QQ × 2^(d − N).
    const shift = d - partialBits(d);
    const m = Math.min(la, lb + shift);
    const A = sigOf(a) << BigInt(la - m);
    const B = sigOf(b) << BigInt(lb + shift - m);
    const q = A / B;
    const r = A - q * B;
    const value =
      r === 0n ? { sign: a.sign, exp: 0, hi: 0, lo: 0 } : roundBigToReg(env, a.sign, r, m, false, false);
    return { value, quotient: Number(q & 7n), partial: true };
  }
  if (d < -1) return { value: roundToReg64(env, a.sign, a.hi, a.lo, la, false), quotient: 0, partial: false };
  const m = Math.min(la, lb);
  const A = sigOf(a) << BigInt(la - m);
  const B = sigOf(b) << BigInt(lb - m);
  let q = A / B;
  let r = A - q * B;
  let sign = a.sign;
  if (nearest && (2n * r > B || (2n * r === B && (q & 1n) === 1n))) {
    q += 1n;
    r = B - r;
    sign ^= 1;
  }
  const value =
    r === 0n ? { sign: a.sign, exp: 0, hi: 0, lo: 0 } : roundBigToReg(env, sign, r, m, false, false);
  return { value, quotient: Number(q & 7n), partial: false };
}

/** How many exponent bits one partial FPREM step removes (N in the SDM's pseudocode). */
function partialBits(d: number): number {
  return 32 + (d % 32);
}
