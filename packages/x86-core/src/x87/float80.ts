/**
 * Exact IEEE 754 double-extended arithmetic as the x87 FPU performs it (Intel SDM Vol. 1,
 * chapter 4 "Data Types" and chapter 8 "Programming with the x87 FPU").
 *
 * A value is held as sign, biased 15-bit exponent and a 64-bit significand with an explicit
 * integer bit ({@link F80}). Every operation rounds exactly once from the infinitely precise
 * result, honouring the precision-control and rounding-control fields of the control word, and
 * accumulates the exception flags it raises in an {@link FpEnv}. Significand arithmetic uses
 * bigint: x87 code is rare in compiled programs (long double formatting, libm), and bigint makes
 * the exactness of multiply, divide and square root self-evident. The integer CPU loop never
 * reaches this module.
 */

/** One double-extended value: sign (0 or 1), biased exponent (0–0x7fff), 64-bit significand. */
export interface F80 {
  sign: number;
  exp: number;
  sig: bigint;
}

/** x87 exception flag bits as they sit in the status word (SDM Vol. 1, 8.1.3). */
export const IE = 0x01;
export const DE = 0x02;
export const ZE = 0x04;
export const OE = 0x08;
export const UE = 0x10;
export const PE = 0x20;
export const SF = 0x40;

/** Rounding-control values (control word bits 10–11). */
export const RC_NEAREST = 0;
export const RC_DOWN = 1;
export const RC_UP = 2;
export const RC_ZERO = 3;

/**
 * The floating-point environment an operation runs in: the control word it reads and the
 * exception flags plus C1 (rounded up) it reports.
 */
export interface FpEnv {
  /** FPU control word: exception masks (bits 0–5), PC (8–9), RC (10–11). */
  cw: number;
  /** Exception flags raised by the operations since the caller last cleared them. */
  flags: number;
  /** C1 after the last rounding: 1 when the magnitude was rounded up. */
  c1: number;
}

const INT_BIT = 1n << 63n;
const QUIET_BIT = 1n << 62n;
const MASK64 = (1n << 64n) - 1n;
const EXP_BIAS = 16383;
/** Unbiased exponent of the smallest normal double-extended value. */
const EXT_EMIN = 1 - EXP_BIAS;
const EXT_EMAX = 0x7ffe - EXP_BIAS;
/** Exponent adjustment applied to results when overflow or underflow is unmasked (SDM Vol. 1, 8.5.3). */
const BIAS_ADJUST = 24576;

/** The QNaN floating-point indefinite (SDM Vol. 1, table 4-3). */
export const INDEFINITE: Readonly<F80> = { sign: 1, exp: 0x7fff, sig: 0xc000000000000000n };

export function f80(sign: number, exp: number, sig: bigint): F80 {
  return { sign, exp, sig };
}

export function zero(sign: number): F80 {
  return { sign, exp: 0, sig: 0n };
}

export function infinity(sign: number): F80 {
  return { sign, exp: 0x7fff, sig: INT_BIT };
}

/** Value classes the x87 distinguishes (SDM Vol. 1, 8.2.2 and table 8-3). */
export const enum Cls {
  Zero = 0,
  Normal = 1,
  /** Exponent 0, integer bit clear, nonzero fraction. */
  Denormal = 2,
  /** Exponent 0 with the integer bit set: read as a denormal, with exponent 1. */
  PseudoDenormal = 3,
  Infinity = 4,
  QNaN = 5,
  SNaN = 6,
  /** Unnormal, pseudo-NaN, pseudo-infinity: invalid operands since the 80387. */
  Unsupported = 7,
}

export function classify(a: F80): Cls {
  const intBit = (a.sig & INT_BIT) !== 0n;
  if (a.exp === 0) {
    if (a.sig === 0n) return Cls.Zero;
    return intBit ? Cls.PseudoDenormal : Cls.Denormal;
  }
  if (!intBit) return Cls.Unsupported;
  if (a.exp === 0x7fff) {
    const frac = a.sig & (INT_BIT - 1n);
    if (frac === 0n) return Cls.Infinity;
    return (a.sig & QUIET_BIT) !== 0n ? Cls.QNaN : Cls.SNaN;
  }
  return Cls.Normal;
}

export function isNaN80(c: Cls): boolean {
  return c === Cls.QNaN || c === Cls.SNaN;
}

function isDenormalClass(c: Cls): boolean {
  return c === Cls.Denormal || c === Cls.PseudoDenormal;
}

/** Unbiased exponent of the least significant significand bit of a finite nonzero value. */
function lsbExponent(a: F80): number {
  return (a.exp === 0 ? 1 : a.exp) - EXP_BIAS - 63;
}

function quiet(a: F80): F80 {
  return { sign: a.sign, exp: a.exp, sig: a.sig | QUIET_BIT };
}

/**
 * Picks the NaN result of a two-operand operation (SDM Vol. 1, table 4-7): a QNaN beats an SNaN,
 * otherwise the larger significand wins; SNaNs are quieted and raise IE.
 */
function propagateNaN2(env: FpEnv, a: F80, ca: Cls, b: F80, cb: Cls): F80 {
  if (ca === Cls.SNaN || cb === Cls.SNaN) env.flags |= IE;
  if (!isNaN80(cb)) return quiet(a);
  if (!isNaN80(ca)) return quiet(b);
  if (ca === Cls.QNaN && cb === Cls.SNaN) return a;
  if (cb === Cls.QNaN && ca === Cls.SNaN) return b;
  const ma = a.sig | QUIET_BIT;
  const mb = b.sig | QUIET_BIT;
  if (ma > mb) return quiet(a);
  if (mb > ma) return quiet(b);
  return quiet(a.sign === 0 ? a : b);
}

function invalid(env: FpEnv): F80 {
  env.flags |= IE;
  return INDEFINITE;
}

const TWO64 = 1n << 64n;

function bitLength(x: bigint): number {
  // x > 0. Work in 64-bit steps down to a value that splits into two exact 32-bit halves.
  let base = 0;
  if (x >= TWO64) {
    if (x >= 1n << 512n) {
      const s = x.toString(16);
      const d = s.charCodeAt(0);
      return (s.length - 1) * 4 + (32 - Math.clz32(d <= 57 ? d - 48 : d - 87));
    }
    while (x >= TWO64) {
      x >>= 64n;
      base += 64;
    }
  }
  const hi = Number(x >> 32n);
  if (hi !== 0) return base + 64 - Math.clz32(hi);
  return base + 32 - Math.clz32(Number(x));
}

/** Target of one rounding: precision in bits and the exponent range of normal values. */
interface Format {
  p: number;
  emin: number;
  emax: number;
  /** Least-significant-bit exponent of the format's denormals. */
  denormLsb: number;
}

const FMT_EXT: Format = { p: 64, emin: EXT_EMIN, emax: EXT_EMAX, denormLsb: EXT_EMIN - 63 };
const FMT_EXT53: Format = { p: 53, emin: EXT_EMIN, emax: EXT_EMAX, denormLsb: EXT_EMIN - 52 };
const FMT_EXT24: Format = { p: 24, emin: EXT_EMIN, emax: EXT_EMAX, denormLsb: EXT_EMIN - 23 };
const FMT_F64: Format = { p: 53, emin: -1022, emax: 1023, denormLsb: -1074 };
const FMT_F32: Format = { p: 24, emin: -126, emax: 127, denormLsb: -149 };

/** The format selected by the precision-control field (SDM Vol. 1, 8.1.5.2). */
function pcFormat(cw: number): Format {
  switch ((cw >> 8) & 3) {
    case 0:
      return FMT_EXT24;
    case 2:
      return FMT_EXT53;
    default:
      return FMT_EXT;
  }
}

/** Rounding outcome kinds of {@link roundCore}. */
const R_FINITE = 0;
const R_INF = 1;
const R_MAX = 2;

let rSig = 0n;
let rLsb = 0;
let rKind = R_FINITE;

/** Whether rounding `sig` (already shifted) by `rem`/`half` in mode `rc` increments the magnitude. */
function roundsUp(rc: number, sign: number, q: bigint, rem: bigint, half: bigint): boolean {
  if (rem === 0n) return false;
  switch (rc) {
    case RC_NEAREST:
      return rem > half || (rem === half && (q & 1n) === 1n);
    case RC_DOWN:
      return sign === 1;
    case RC_UP:
      return sign === 0;
    default:
      return false;
  }
}

/**
 * Rounds the exact value `(-1)^sign × sig × 2^e` (sig > 0; `sticky` says nonzero bits were lost
 * below sig's LSB) to `fmt` under rounding control `rc`. Leaves the result in rSig/rLsb/rKind and
 * raises OE/UE/PE and C1 in env. `adjust` enables the unmasked overflow/underflow behaviour of
 * register destinations: the exponent is wrapped by ±24576 instead of saturating/denormalising.
 */
function roundCore(
  env: FpEnv,
  sign: number,
  sig: bigint,
  e: number,
  sticky: boolean,
  fmt: Format,
  rc: number,
  adjust: boolean,
): void {
  if (sticky) {
    // Append a sticky bit below everything that is kept.
    sig = (sig << 2n) | 1n;
    e -= 2;
  }
  const n = bitLength(sig);
  const top = e + n - 1;
  const tiny = top < fmt.emin;
  const ueUnmasked = (env.cw & UE) === 0;
  const oeUnmasked = (env.cw & OE) === 0;
  let lsb = top - fmt.p + 1;
  if (tiny && !(adjust && ueUnmasked) && lsb < fmt.denormLsb) lsb = fmt.denormLsb;
  const shift = lsb - e;
  let q: bigint;
  let inexact = false;
  let up = false;
  if (shift <= 0) {
    q = sig << BigInt(-shift);
  } else {
    const s = BigInt(shift);
    q = sig >> s;
    const rem = sig & ((1n << s) - 1n);
    inexact = rem !== 0n;
    up = roundsUp(rc, sign, q, rem, 1n << (s - 1n));
    if (up) q += 1n;
  }
  let resultTop = q === 0n ? lsb - 1 : lsb + bitLength(q) - 1;
  if (resultTop - lsb + 1 > fmt.p) {
    q >>= 1n;
    lsb += 1;
    resultTop = lsb + fmt.p - 1;
  }
  env.c1 = up ? 1 : 0;
  if (tiny) {
    if (ueUnmasked) {
      env.flags |= UE;
      if (!adjust) {
        // Unmasked underflow on a store to memory: nothing is written and PE is not reported.
        rKind = R_FINITE;
        rSig = 0n;
        rLsb = 0;
        return;
      }
      if (resultTop + BIAS_ADJUST < fmt.emin) {
        // Too small even after the bias adjustment: the result is a zero.
        env.flags |= PE;
        env.c1 = 0;
        rKind = R_FINITE;
        rSig = 0n;
        rLsb = 0;
        return;
      }
      lsb += BIAS_ADJUST;
    } else if (inexact) {
      env.flags |= UE;
    }
  }
  if (resultTop > fmt.emax) {
    env.flags |= OE;
    if (oeUnmasked && !adjust) {
      rKind = R_FINITE;
      rSig = 0n;
      rLsb = 0;
      return;
    }
    if (adjust && oeUnmasked && resultTop - BIAS_ADJUST <= fmt.emax) {
      lsb -= BIAS_ADJUST;
    } else {
      env.flags |= PE;
      const toInf =
        (adjust && oeUnmasked) ||
        rc === RC_NEAREST ||
        (rc === RC_UP && sign === 0) ||
        (rc === RC_DOWN && sign === 1);
      rKind = toInf ? R_INF : R_MAX;
      env.c1 = toInf ? 1 : 0;
      rSig = 0n;
      rLsb = 0;
      return;
    }
  }
  if (inexact) env.flags |= PE;
  rKind = R_FINITE;
  rSig = q;
  rLsb = lsb;
}

/** Packs the last roundCore result into double-extended form. */
function packExt(sign: number, fmt: Format): F80 {
  if (rKind === R_INF) return infinity(sign);
  if (rKind === R_MAX) {
    return { sign, exp: 0x7ffe, sig: (MASK64 >> BigInt(64 - fmt.p)) << BigInt(64 - fmt.p) };
  }
  if (rSig === 0n) return zero(sign);
  const top = rLsb + bitLength(rSig) - 1;
  if (top < EXT_EMIN) {
    // Denormal: exponent field 0, significand aligned to 2^(EXT_EMIN - 63).
    return { sign, exp: 0, sig: rSig << BigInt(rLsb - (EXT_EMIN - 63)) };
  }
  return { sign, exp: top + EXP_BIAS, sig: (rSig << BigInt(rLsb - (top - 63))) & MASK64 };
}

/** Rounds an exact value to a double-extended register result under the control word's PC and RC. */
function roundToReg(env: FpEnv, sign: number, sig: bigint, e: number, sticky: boolean, usePc: boolean): F80 {
  const fmt = usePc ? pcFormat(env.cw) : FMT_EXT;
  if (sig === 0n) {
    env.c1 = 0;
    return zero(sign);
  }
  roundCore(env, sign, sig, e, sticky, fmt, (env.cw >> 10) & 3, true);
  return packExt(sign, fmt);
}

// ---------------------------------------------------------------------------------------------
// Arithmetic (SDM Vol. 2A: FADD, FSUB, FMUL, FDIV, FSQRT; Vol. 1, 4.9 for the exception rules)

/**
 * Screens the operands of a two-operand arithmetic instruction. Returns a result for NaN and
 * invalid operands, or null when the operation proceeds; raises DE for denormal operands.
 */
function screen2(env: FpEnv, a: F80, ca: Cls, b: F80, cb: Cls): F80 | null {
  if (ca === Cls.Unsupported || cb === Cls.Unsupported) return invalid(env);
  if (isNaN80(ca) || isNaN80(cb)) return propagateNaN2(env, a, ca, b, cb);
  if (isDenormalClass(ca) || isDenormalClass(cb)) {
    env.flags |= DE;
    // An unmasked denormal-operand exception stops the instruction before it computes anything.
    if ((env.cw & DE) === 0) return a;
  }
  return null;
}

/** Raises DE for a denormal operand; true when DE is unmasked, which stops the instruction. */
export function denormalStops(env: FpEnv, c: Cls): boolean {
  if (!isDenormalClass(c)) return false;
  env.flags |= DE;
  return (env.cw & DE) === 0;
}

function rcOf(env: FpEnv): number {
  return (env.cw >> 10) & 3;
}

/** a + b (b's sign flipped by `negB` gives subtraction), rounded per PC/RC. */
export function add(env: FpEnv, a: F80, b: F80, negB = false): F80 {
  env.c1 = 0;
  const ca = classify(a);
  const cb = classify(b);
  const early = screen2(env, a, ca, b, cb);
  if (early) return early;
  const sb = negB ? b.sign ^ 1 : b.sign;
  if (ca === Cls.Infinity) {
    if (cb === Cls.Infinity && sb !== a.sign) return invalid(env);
    return infinity(a.sign);
  }
  if (cb === Cls.Infinity) return infinity(sb);
  if (ca === Cls.Zero && cb === Cls.Zero) {
    if (a.sign === sb) return zero(a.sign);
    return zero(rcOf(env) === RC_DOWN ? 1 : 0);
  }
  if (ca === Cls.Zero) return roundToReg(env, sb, b.sig, lsbExponent(b), false, true);
  if (cb === Cls.Zero) return roundToReg(env, a.sign, a.sig, lsbExponent(a), false, true);
  const ea = lsbExponent(a);
  const eb = lsbExponent(b);
  const e = Math.min(ea, eb);
  let ma = a.sig << BigInt(ea - e);
  let mb = b.sig << BigInt(eb - e);
  if (a.sign) ma = -ma;
  if (sb) mb = -mb;
  const sum = ma + mb;
  if (sum === 0n) {
    env.c1 = 0;
    return zero(rcOf(env) === RC_DOWN ? 1 : 0);
  }
  const sign = sum < 0n ? 1 : 0;
  return roundToReg(env, sign, sum < 0n ? -sum : sum, e, false, true);
}

export function sub(env: FpEnv, a: F80, b: F80): F80 {
  return add(env, a, b, true);
}

export function mul(env: FpEnv, a: F80, b: F80): F80 {
  env.c1 = 0;
  const ca = classify(a);
  const cb = classify(b);
  const early = screen2(env, a, ca, b, cb);
  if (early) return early;
  const sign = a.sign ^ b.sign;
  if (ca === Cls.Infinity || cb === Cls.Infinity) {
    if (ca === Cls.Zero || cb === Cls.Zero) return invalid(env);
    return infinity(sign);
  }
  if (ca === Cls.Zero || cb === Cls.Zero) return zero(sign);
  return roundToReg(env, sign, a.sig * b.sig, lsbExponent(a) + lsbExponent(b), false, true);
}

export function div(env: FpEnv, a: F80, b: F80): F80 {
  env.c1 = 0;
  const ca = classify(a);
  const cb = classify(b);
  if (cb === Cls.Zero && isDenormalClass(ca)) {
    // The host raises only ZE here: the zero divisor is detected before the denormal operand.
    env.flags |= ZE;
    return infinity(a.sign ^ b.sign);
  }
  const early = screen2(env, a, ca, b, cb);
  if (early) return early;
  const sign = a.sign ^ b.sign;
  if (ca === Cls.Infinity) {
    if (cb === Cls.Infinity) return invalid(env);
    return infinity(sign);
  }
  if (cb === Cls.Infinity) return zero(sign);
  if (cb === Cls.Zero) {
    if (ca === Cls.Zero) return invalid(env);
    env.flags |= ZE;
    return infinity(sign);
  }
  if (ca === Cls.Zero) return zero(sign);
  // Scale the dividend so the quotient carries at least 66 significant bits.
  const k = 130;
  const num = a.sig << BigInt(k);
  const q = num / b.sig;
  const rem = num - q * b.sig;
  return roundToReg(env, sign, q, lsbExponent(a) - lsbExponent(b) - k, rem !== 0n, true);
}

/** Integer square root of n ≥ 0 (floor). */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function sqrt(env: FpEnv, a: F80): F80 {
  env.c1 = 0;
  const ca = classify(a);
  if (ca === Cls.Unsupported) return invalid(env);
  if (isNaN80(ca)) {
    if (ca === Cls.SNaN) env.flags |= IE;
    return quiet(a);
  }
  if (ca === Cls.Zero) return a;
  if (a.sign === 1) return invalid(env);
  if (ca === Cls.Infinity) return a;
  if (denormalStops(env, ca)) return a;
  let e = lsbExponent(a);
  let m = a.sig;
  if (e & 1) {
    m <<= 1n;
    e -= 1;
  }
  // Shift by an even amount so the root has plenty of bits beyond 64.
  const k = 140;
  const n = m << BigInt(k);
  const r = isqrt(n);
  return roundToReg(env, 0, r, (e - k) / 2, r * r !== n, true);
}

/** Rounds to an integral value under RC (FRNDINT); PC does not apply. */
export function roundInt(env: FpEnv, a: F80): F80 {
  env.c1 = 0;
  const ca = classify(a);
  if (ca === Cls.Unsupported) return invalid(env);
  if (isNaN80(ca)) {
    if (ca === Cls.SNaN) env.flags |= IE;
    return quiet(a);
  }
  if (ca === Cls.Zero || ca === Cls.Infinity) return a;
  if (denormalStops(env, ca)) return a;
  const e = lsbExponent(a);
  if (e >= 0) return a;
  const q = roundSigToInt(env, a.sign, a.sig, e, rcOf(env));
  if (q === 0n) return zero(a.sign);
  const c1 = env.c1;
  const r = roundToReg(env, a.sign, q, 0, false, false);
  env.c1 = c1;
  return r;
}

/** Rounds sig × 2^e (e < 0) to an integer magnitude under rc; raises PE and sets C1. */
function roundSigToInt(env: FpEnv, sign: number, sig: bigint, e: number, rc: number): bigint {
  const s = BigInt(-e);
  let q = sig >> s;
  const rem = sig & ((1n << s) - 1n);
  const up = roundsUp(rc, sign, q, rem, 1n << (s - 1n));
  if (up) q += 1n;
  if (rem !== 0n) env.flags |= PE;
  env.c1 = up ? 1 : 0;
  return q;
}

// ---------------------------------------------------------------------------------------------
// Comparison (FCOM/FUCOM/FCOMI/FTST, SDM Vol. 2A)

/** Comparison outcomes. */
export const CMP_LESS = 0;
export const CMP_EQUAL = 1;
export const CMP_GREATER = 2;
export const CMP_UNORDERED = 3;

/**
 * Compares a with b. `quietNaN` (FUCOM*) raises IE only for SNaN operands; ordered compares raise
 * IE for any NaN. Unsupported operands always raise IE and compare unordered.
 */
export function compare(env: FpEnv, a: F80, b: F80, quietNaN: boolean): number {
  env.c1 = 0;
  const ca = classify(a);
  const cb = classify(b);
  if (ca === Cls.Unsupported || cb === Cls.Unsupported) {
    env.flags |= IE;
    return CMP_UNORDERED;
  }
  if (isNaN80(ca) || isNaN80(cb)) {
    if (!quietNaN || ca === Cls.SNaN || cb === Cls.SNaN) env.flags |= IE;
    return CMP_UNORDERED;
  }
  if (isDenormalClass(ca) || isDenormalClass(cb)) env.flags |= DE;
  const c = cmpValues(a, ca, b, cb);
  return c < 0 ? CMP_LESS : c > 0 ? CMP_GREATER : CMP_EQUAL;
}

/** Orders two non-NaN values; returns -1, 0 or 1. */
function cmpValues(a: F80, ca: Cls, b: F80, cb: Cls): number {
  const za = ca === Cls.Zero;
  const zb = cb === Cls.Zero;
  if (za && zb) return 0;
  if (za) return b.sign ? 1 : -1;
  if (zb) return a.sign ? -1 : 1;
  if (a.sign !== b.sign) return a.sign ? -1 : 1;
  const mag = cmpMagnitude(a, ca, b, cb);
  return a.sign ? -mag : mag;
}

function cmpMagnitude(a: F80, ca: Cls, b: F80, cb: Cls): number {
  if (ca === Cls.Infinity || cb === Cls.Infinity) {
    if (ca === cb) return 0;
    return ca === Cls.Infinity ? 1 : -1;
  }
  const ea = lsbExponent(a);
  const eb = lsbExponent(b);
  const e = Math.min(ea, eb);
  const ma = a.sig << BigInt(ea - e);
  const mb = b.sig << BigInt(eb - e);
  return ma > mb ? 1 : ma < mb ? -1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Conversions (FLD/FST m32fp/m64fp, FILD/FIST/FISTTP; SDM Vol. 1, 4.2.2 and 4.8.3)

/** Widens binary32 bits exactly; SNaN becomes QNaN with IE, denormals raise DE and normalise. */
export function fromF32(env: FpEnv, bits: number, keepSNaN = false): F80 {
  const sign = bits >>> 31;
  const exp = (bits >>> 23) & 0xff;
  const frac = BigInt(bits & 0x7fffff);
  return widen(env, sign, exp, frac, 0xff, 23, 127, keepSNaN);
}

/** Widens binary64 bits (given as two 32-bit halves) exactly. */
export function fromF64(env: FpEnv, lo: number, hi: number, keepSNaN = false): F80 {
  const sign = hi >>> 31;
  const exp = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo >>> 0);
  return widen(env, sign, exp, frac, 0x7ff, 52, 1023, keepSNaN);
}

function widen(
  env: FpEnv,
  sign: number,
  exp: number,
  frac: bigint,
  maxExp: number,
  fracBits: number,
  bias: number,
  keepSNaN: boolean,
): F80 {
  const shift = BigInt(63 - fracBits);
  if (exp === maxExp) {
    if (frac === 0n) return infinity(sign);
    const sig = INT_BIT | (frac << shift);
    // Arithmetic with a memory operand sees the SNaN itself (NaN selection compares it as an SNaN).
    if (keepSNaN) return { sign, exp: 0x7fff, sig };
    if ((sig & QUIET_BIT) === 0n) env.flags |= IE;
    return { sign, exp: 0x7fff, sig: sig | QUIET_BIT };
  }
  if (exp === 0) {
    if (frac === 0n) return zero(sign);
    env.flags |= DE;
    const n = bitLength(frac);
    // value = frac × 2^(1 - bias - fracBits); normalise so the top bit lands on bit 63.
    const top = 1 - bias - fracBits + n - 1;
    return { sign, exp: top + EXP_BIAS, sig: frac << BigInt(64 - n) };
  }
  return { sign, exp: exp - bias + EXP_BIAS, sig: INT_BIT | (frac << shift) };
}

/**
 * Narrows to binary32/binary64 (FST m32fp/m64fp): rounds under RC (PC does not apply), saturates
 * or overflows per RC, denormalises tiny results. Returns the bits as [lo, hi] (hi is 0 for f32).
 */
function narrow(env: FpEnv, a: F80, fmt: Format, expBits: number): [number, bigint] {
  env.c1 = 0;
  const fracBits = fmt.p - 1;
  const maxExp = (1 << expBits) - 1;
  const bias = (maxExp >> 1) | 0;
  const signBit = BigInt(a.sign) << BigInt(expBits + fracBits);
  const ca = classify(a);
  if (ca === Cls.Unsupported) {
    env.flags |= IE;
    return [
      1,
      (1n << BigInt(expBits + fracBits)) |
        (BigInt(maxExp) << BigInt(fracBits)) |
        (1n << BigInt(fracBits - 1)),
    ];
  }
  if (isNaN80(ca)) {
    if (ca === Cls.SNaN) env.flags |= IE;
    const frac = ((a.sig | QUIET_BIT) >> BigInt(63 - fracBits)) & ((1n << BigInt(fracBits)) - 1n);
    return [1, signBit | (BigInt(maxExp) << BigInt(fracBits)) | frac];
  }
  if (ca === Cls.Infinity) return [1, signBit | (BigInt(maxExp) << BigInt(fracBits))];
  if (ca === Cls.Zero) return [1, signBit];
  // Stores never raise DE: a denormal source is simply rounded.
  roundCore(env, a.sign, a.sig, lsbExponent(a), false, fmt, rcOf(env), false);
  if (rKind === R_INF) return [1, signBit | (BigInt(maxExp) << BigInt(fracBits))];
  if (rKind === R_MAX)
    return [1, signBit | (BigInt(maxExp - 1) << BigInt(fracBits)) | ((1n << BigInt(fracBits)) - 1n)];
  if (rSig === 0n) return [1, signBit];
  const top = rLsb + bitLength(rSig) - 1;
  if (top < fmt.emin) return [1, signBit | (rSig << BigInt(rLsb - fmt.denormLsb))];
  const sig = rSig << BigInt(rLsb - (top - fracBits));
  return [1, signBit | (BigInt(top + bias) << BigInt(fracBits)) | (sig & ((1n << BigInt(fracBits)) - 1n))];
}

/** FST m32fp: the binary32 bits of a, rounded under RC. */
export function toF32(env: FpEnv, a: F80): number {
  return Number(narrow(env, a, FMT_F32, 8)[1]);
}

/** FST m64fp: the binary64 bits of a as a bigint, rounded under RC. */
export function toF64(env: FpEnv, a: F80): bigint {
  return narrow(env, a, FMT_F64, 11)[1];
}

/** FILD: an exact conversion of a signed integer (any width up to 64 bits). */
export function fromInt(v: bigint): F80 {
  if (v === 0n) return zero(0);
  const sign = v < 0n ? 1 : 0;
  const m = sign ? -v : v;
  const n = bitLength(m);
  return { sign, exp: n - 1 + EXP_BIAS, sig: m << BigInt(64 - n) };
}

/**
 * FIST/FISTP/FISTTP: converts to a `bits`-wide signed integer, rounding under RC (or truncating
 * when `truncate`). NaN, infinity, unsupported and out-of-range values raise IE and give the
 * integer indefinite (the most negative value). Returns the two's-complement value as bigint.
 */
export function toInt(env: FpEnv, a: F80, bits: number, truncate: boolean): bigint {
  env.c1 = 0;
  const indefinite = -(1n << BigInt(bits - 1));
  const ca = classify(a);
  if (ca === Cls.Unsupported || isNaN80(ca) || ca === Cls.Infinity) {
    env.flags |= IE;
    return indefinite;
  }
  if (ca === Cls.Zero) return 0n;
  const e = lsbExponent(a);
  let mag: bigint;
  if (e >= 0) {
    if (e > 64) {
      env.flags |= IE;
      return indefinite;
    }
    mag = a.sig << BigInt(e);
  } else {
    const saved = env.flags;
    mag = roundSigToInt(env, a.sign, a.sig, e, truncate ? RC_ZERO : rcOf(env));
    const value = a.sign ? -mag : mag;
    if (value < indefinite || value > -indefinite - 1n) {
      env.flags = saved | IE;
      env.c1 = 0;
      return indefinite;
    }
    return value;
  }
  const value = a.sign ? -mag : mag;
  if (value < indefinite || value > -indefinite - 1n) {
    env.flags |= IE;
    return indefinite;
  }
  return value;
}

export { bitLength, EXP_BIAS, invalid, isDenormalClass, lsbExponent, propagateNaN2, quiet, roundToReg };
