/**
 * Exact IEEE 754 double-extended arithmetic as the x87 FPU performs it (Intel SDM Vol. 1,
 * chapter 4 "Data Types" and chapter 8 "Programming with the x87 FPU").
 *
 * A value is held as sign, biased 15-bit exponent and a 64-bit significand with an explicit
 * integer bit, split into two unsigned 32-bit halves ({@link F80}). Every operation rounds exactly
 * once from the infinitely precise result, honouring the precision-control and rounding-control
 * fields of the control word, and accumulates the exception flags it raises in an {@link FpEnv}.
 *
 * No bigint: intermediate results live in a 128-bit window of four 32-bit limbs (module scratch,
 * reused by every operation) plus a sticky flag for nonzero bits below the window. Products are
 * formed from 16-bit limbs (every partial sum stays exact in a double), quotients and square roots
 * are developed one bit at a time with a 65-bit remainder, and the rounding step reads the kept
 * bits, the round bit and the sticky bits straight out of the window.
 */

/** One double-extended value: sign (0 or 1), biased exponent (0–0x7fff), significand bits 63–32 and 31–0. */
export interface F80 {
  sign: number;
  exp: number;
  /** Significand bits 63–32 (bit 63 is the explicit integer bit), as an unsigned 32-bit number. */
  hi: number;
  /** Significand bits 31–0, as an unsigned 32-bit number. */
  lo: number;
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

const INT_HI = 0x80000000;
const QUIET_HI = 0x40000000;
const EXP_BIAS = 16383;
/** Unbiased exponent of the smallest normal double-extended value. */
const EXT_EMIN = 1 - EXP_BIAS;
const EXT_EMAX = 0x7ffe - EXP_BIAS;
/** Exponent adjustment applied to results when overflow or underflow is unmasked (SDM Vol. 1, 8.5.3). */
const BIAS_ADJUST = 24576;

/** The QNaN floating-point indefinite (SDM Vol. 1, table 4-3). */
export const INDEFINITE: Readonly<F80> = { sign: 1, exp: 0x7fff, hi: 0xc0000000, lo: 0 };

export function f80(sign: number, exp: number, hi: number, lo: number): F80 {
  return { sign, exp, hi, lo };
}

const ZEROS: readonly Readonly<F80>[] = [
  Object.freeze({ sign: 0, exp: 0, hi: 0, lo: 0 }),
  Object.freeze({ sign: 1, exp: 0, hi: 0, lo: 0 }),
];
const INFINITIES: readonly Readonly<F80>[] = [
  Object.freeze({ sign: 0, exp: 0x7fff, hi: INT_HI, lo: 0 }),
  Object.freeze({ sign: 1, exp: 0x7fff, hi: INT_HI, lo: 0 }),
];

/** ±0 (a shared, frozen value). */
export function zero(sign: number): F80 {
  return ZEROS[sign]!;
}

/** ±∞ (a shared, frozen value). */
export function infinity(sign: number): F80 {
  return INFINITIES[sign]!;
}

/**
 * Results of the arithmetic, rounding and conversion functions below live in two module scratch
 * objects (or are frozen constants, or an operand passed in): a caller copies a result before it
 * calls another of these functions. OUT receives rounded results, CONV widened and integer loads.
 */
const OUT: F80 = { sign: 0, exp: 0, hi: 0, lo: 0 };
const CONV: F80 = { sign: 0, exp: 0, hi: 0, lo: 0 };

function setF80(r: F80, sign: number, exp: number, hi: number, lo: number): F80 {
  r.sign = sign;
  r.exp = exp;
  r.hi = hi;
  r.lo = lo;
  return r;
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
  const intBit = a.hi >= INT_HI;
  if (a.exp === 0) {
    if (a.hi === 0 && a.lo === 0) return Cls.Zero;
    return intBit ? Cls.PseudoDenormal : Cls.Denormal;
  }
  if (!intBit) return Cls.Unsupported;
  if (a.exp === 0x7fff) {
    if ((a.hi & 0x7fffffff) === 0 && a.lo === 0) return Cls.Infinity;
    return (a.hi & QUIET_HI) !== 0 ? Cls.QNaN : Cls.SNaN;
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

/** Number of significant bits of the 64-bit value hi:lo (0 for zero). */
export function bitLength64(hi: number, lo: number): number {
  if (hi !== 0) return 64 - Math.clz32(hi);
  return lo !== 0 ? 32 - Math.clz32(lo) : 0;
}

/** Unbiased exponent of the most significant set bit of a finite nonzero value. */
export function topExponent(a: F80): number {
  return lsbExponent(a) + bitLength64(a.hi, a.lo) - 1;
}

function quiet(a: F80): F80 {
  return { sign: a.sign, exp: a.exp, hi: (a.hi | QUIET_HI) >>> 0, lo: a.lo };
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
  const ha = (a.hi | QUIET_HI) >>> 0;
  const hb = (b.hi | QUIET_HI) >>> 0;
  if (ha > hb || (ha === hb && a.lo > b.lo)) return quiet(a);
  if (hb > ha || b.lo > a.lo) return quiet(b);
  return quiet(a.sign === 0 ? a : b);
}

function invalid(env: FpEnv): F80 {
  env.flags |= IE;
  return INDEFINITE;
}

// ---------------------------------------------------------------------------------------------
// 64-bit helpers on hi:lo pairs. Results go to the module scratch pair S[0]/S[1].

/**
 * Scratch words of the helpers below, in a typed array: module-level variables holding values of
 * 2^31 and above would box a heap number on every assignment. S[0]:S[1] = shifted pair,
 * S[2]:S[3] = rounded significand, S[4]:S[5] = integer magnitude.
 */
const S = new Uint32Array(6);

/** S[0]:S[1] ← hi:lo << s (0 ≤ s < 64; bits shifted out are lost). */
function shl64(hi: number, lo: number, s: number): void {
  if (s === 0) {
    S[0] = hi;
    S[1] = lo;
  } else if (s < 32) {
    S[0] = ((hi << s) | (lo >>> (32 - s))) >>> 0;
    S[1] = (lo << s) >>> 0;
  } else {
    S[0] = (lo << (s - 32)) >>> 0;
    S[1] = 0;
  }
}

/** S[0]:S[1] ← hi:lo >> s (0 ≤ s < 64). */
function shr64(hi: number, lo: number, s: number): void {
  if (s === 0) {
    S[0] = hi;
    S[1] = lo;
  } else if (s < 32) {
    S[1] = ((lo >>> s) | (hi << (32 - s))) >>> 0;
    S[0] = hi >>> s;
  } else {
    S[1] = hi >>> (s - 32);
    S[0] = 0;
  }
}

/** S[0]:S[1] ← the significand of a shifted left until bit 63 is set (a nonzero). */
function normSig(a: F80): void {
  shl64(a.hi, a.lo, 64 - bitLength64(a.hi, a.lo));
}

// ---------------------------------------------------------------------------------------------
// The 128-bit window: W[0] holds bits 127–96 (most significant), W[3] bits 31–0.

const W = new Uint32Array(4);
const Y = new Uint32Array(4);

function windowBitLength(): number {
  for (let i = 0; i < 4; i++) {
    const v = W[i]!;
    if (v !== 0) return (4 - i) * 32 - Math.clz32(v);
  }
  return 0;
}

/** W ← W << s (0 ≤ s < 128). */
function windowShl(s: number): void {
  const limbs = s >>> 5;
  const bits = s & 31;
  if (limbs !== 0) {
    for (let i = 0; i < 4; i++) W[i] = i + limbs < 4 ? W[i + limbs]! : 0;
  }
  if (bits !== 0) {
    for (let i = 0; i < 3; i++) W[i] = (W[i]! << bits) | (W[i + 1]! >>> (32 - bits));
    W[3] = W[3]! << bits;
  }
}

/** Y ← Y >> s (any s ≥ 0); returns whether nonzero bits were shifted out. */
function yShr(s: number): boolean {
  if (s === 0) return false;
  if (s >= 128) {
    const lost = (Y[0]! | Y[1]! | Y[2]! | Y[3]!) !== 0;
    Y[0] = Y[1] = Y[2] = Y[3] = 0;
    return lost;
  }
  const limbs = s >>> 5;
  const bits = s & 31;
  let lost = false;
  for (let i = 4 - limbs; i < 4; i++) if (Y[i] !== 0) lost = true;
  if (limbs !== 0) {
    for (let i = 3; i >= 0; i--) Y[i] = i - limbs >= 0 ? Y[i - limbs]! : 0;
  }
  if (bits !== 0) {
    if ((Y[3]! & ((1 << bits) - 1)) !== 0) lost = true;
    for (let i = 3; i > 0; i--) Y[i] = (Y[i]! >>> bits) | (Y[i - 1]! << (32 - bits));
    Y[0] = Y[0]! >>> bits;
  }
  return lost;
}

/** Bit j (0 = least significant) of the window. */
function windowBit(j: number): number {
  return (W[3 - (j >>> 5)]! >>> (j & 31)) & 1;
}

/** Whether any window bit below bit j is set. */
function windowAnyBelow(j: number): boolean {
  const limb = 3 - (j >>> 5);
  if ((W[limb]! & ((1 << (j & 31)) - 1)) !== 0) return true;
  for (let i = limb + 1; i < 4; i++) if (W[i] !== 0) return true;
  return false;
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

/** Result of the last {@link roundCore}: kind, integer significand S[2]:S[3] and its LSB exponent. */
let rLsb = 0;
let rKind = R_FINITE;

function setZeroResult(): void {
  rKind = R_FINITE;
  S[2] = 0;
  S[3] = 0;
  rLsb = 0;
}

/**
 * Rounds the exact value `(-1)^sign × W × 2^e` (W, the 128-bit window, nonzero; `sticky` says
 * nonzero bits were lost below W's least significant bit, which callers keep at least two bits
 * below the rounding position) to `fmt` under rounding control `rc`. Leaves the result in
 * S[2]/S[3]/rLsb/rKind and raises OE/UE/PE and C1 in env. `adjust` enables the unmasked
 * overflow/underflow behaviour of register destinations: the exponent is wrapped by ±24576
 * instead of saturating/denormalising (SDM Vol. 1, 8.5.3 and 8.5.4).
 */
function roundCore(
  env: FpEnv,
  sign: number,
  e: number,
  sticky: boolean,
  fmt: Format,
  rc: number,
  adjust: boolean,
): void {
  const n = windowBitLength();
  const top = e + n - 1;
  windowShl(128 - n);
  // Tininess is detected after rounding (measured on the host): a value just below the smallest
  // normal that rounds up to it at full precision is not tiny (no UE, no bias adjustment).
  const tiny = top < fmt.emin && !(top === fmt.emin - 1 && carriesToNextBinade(fmt.p, sign, sticky, rc));
  const ueUnmasked = (env.cw & UE) === 0;
  const oeUnmasked = (env.cw & OE) === 0;
  let lsb = top - fmt.p + 1;
  if (tiny && !(adjust && ueUnmasked) && lsb < fmt.denormLsb) lsb = fmt.denormLsb;
  const k = top - lsb + 1;
  let qh = 0;
  let ql = 0;
  let rbit = 0;
  let st = sticky;
  if (k >= 1) {
    const t = 64 - k;
    if (t === 0) {
      qh = W[0]!;
      ql = W[1]!;
    } else if (t < 32) {
      qh = W[0]! >>> t;
      ql = ((W[1]! >>> t) | (W[0]! << (32 - t))) >>> 0;
    } else {
      ql = W[0]! >>> (t - 32);
    }
    const j = 127 - k;
    rbit = windowBit(j);
    if (!st) st = windowAnyBelow(j);
  } else if (k === 0) {
    rbit = 1;
    if (!st) st = windowAnyBelow(127);
  } else {
    st = true;
  }
  const inexact = rbit !== 0 || st;
  let up = false;
  if (inexact) {
    switch (rc) {
      case RC_NEAREST:
        up = rbit !== 0 && (st || (ql & 1) !== 0);
        break;
      case RC_DOWN:
        up = sign === 1;
        break;
      case RC_UP:
        up = sign === 0;
        break;
      default:
        up = false;
    }
  }
  if (up) {
    ql = (ql + 1) >>> 0;
    if (ql === 0) {
      qh = (qh + 1) >>> 0;
      if (qh === 0) {
        // 2^64: carry out of a full 64-bit significand.
        qh = INT_HI;
        lsb += 1;
      }
    }
  }
  const qn = bitLength64(qh, ql);
  let resultTop = qn === 0 ? lsb - 1 : lsb + qn - 1;
  if (resultTop - lsb + 1 > fmt.p) {
    ql = ((ql >>> 1) | (qh << 31)) >>> 0;
    qh >>>= 1;
    lsb += 1;
    resultTop = lsb + fmt.p - 1;
  }
  env.c1 = up ? 1 : 0;
  if (tiny) {
    if (ueUnmasked) {
      env.flags |= UE;
      if (!adjust) {
        // Unmasked underflow on a store to memory: nothing is written and PE is not reported.
        setZeroResult();
        return;
      }
      if (resultTop + BIAS_ADJUST < fmt.emin) {
        // Too small even after the bias adjustment: the result is a zero.
        env.flags |= PE;
        env.c1 = 0;
        setZeroResult();
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
      setZeroResult();
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
      S[2] = 0;
      S[3] = 0;
      rLsb = 0;
      return;
    }
  }
  if (inexact) env.flags |= PE;
  rKind = R_FINITE;
  S[2] = qh;
  S[3] = ql;
  rLsb = lsb;
}

/**
 * Whether rounding the normalised window to p bits (unbounded exponent) carries into the next
 * power of two: its top p bits are all ones and the rounding goes up.
 */
function carriesToNextBinade(p: number, sign: number, sticky: boolean, rc: number): boolean {
  if (p <= 32) {
    const mask = p === 32 ? 0xffffffff : (0xffffffff << (32 - p)) >>> 0;
    if ((W[0]! & mask) >>> 0 !== mask) return false;
  } else {
    const mask = (0xffffffff << (64 - p)) >>> 0;
    if (W[0] !== 0xffffffff || (W[1]! & mask) >>> 0 !== mask) return false;
  }
  const j = 127 - p;
  const rbit = windowBit(j);
  const st = sticky || windowAnyBelow(j);
  if (rbit === 0 && !st) return false;
  switch (rc) {
    case RC_NEAREST:
      // The kept bits are all ones, so a tie rounds up too.
      return rbit !== 0;
    case RC_DOWN:
      return sign === 1;
    case RC_UP:
      return sign === 0;
    default:
      return false;
  }
}

/** Packs the last roundCore result into double-extended form. */
function packExt(sign: number, fmt: Format): F80 {
  if (rKind === R_INF) return infinity(sign);
  if (rKind === R_MAX) {
    // The largest finite value with fmt.p significand bits.
    shl64(0xffffffff, 0xffffffff, 64 - fmt.p);
    return setF80(OUT, sign, 0x7ffe, S[0]!, S[1]!);
  }
  const n = bitLength64(S[2]!, S[3]!);
  if (n === 0) return zero(sign);
  const top = rLsb + n - 1;
  if (top < EXT_EMIN) {
    // Denormal: exponent field 0, significand aligned to 2^(EXT_EMIN - 63).
    shl64(S[2]!, S[3]!, rLsb - (EXT_EMIN - 63));
    return setF80(OUT, sign, 0, S[0]!, S[1]!);
  }
  shl64(S[2]!, S[3]!, 64 - n);
  return setF80(OUT, sign, top + EXP_BIAS, S[0]!, S[1]!);
}

/** Rounds the window W × 2^e (W nonzero) to a register result under RC and, when `usePc`, PC. */
function roundWindowToReg(env: FpEnv, sign: number, e: number, sticky: boolean, usePc: boolean): F80 {
  const fmt = usePc ? pcFormat(env.cw) : FMT_EXT;
  roundCore(env, sign, e, sticky, fmt, (env.cw >> 10) & 3, true);
  return packExt(sign, fmt);
}

/**
 * Rounds the exact value `(-1)^sign × (w0:w1:w2:w3) × 2^e` (a 128-bit integer in four 32-bit limbs,
 * most significant first; `sticky` marks nonzero bits below it, at least two bits below the
 * rounding position) to a double-extended register result under RC and, when `usePc`, PC.
 */
export function roundLimbsToReg(
  env: FpEnv,
  sign: number,
  w0: number,
  w1: number,
  w2: number,
  w3: number,
  e: number,
  sticky: boolean,
  usePc: boolean,
): F80 {
  W[0] = w0;
  W[1] = w1;
  W[2] = w2;
  W[3] = w3;
  if ((w0 | w1 | w2 | w3) === 0) {
    env.c1 = 0;
    return zero(sign);
  }
  return roundWindowToReg(env, sign, e, sticky, usePc);
}

/** Rounds the exact value `(-1)^sign × hi:lo × 2^e` to a register result (zero when hi:lo is 0). */
export function roundToReg64(
  env: FpEnv,
  sign: number,
  hi: number,
  lo: number,
  e: number,
  usePc: boolean,
): F80 {
  return roundLimbsToReg(env, sign, 0, 0, hi, lo, e, false, usePc);
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
  if (ca === Cls.Zero) return roundToReg64(env, sb, b.hi, b.lo, lsbExponent(b), true);
  if (cb === Cls.Zero) return roundToReg64(env, a.sign, a.hi, a.lo, lsbExponent(a), true);
  // X is the operand with the higher top bit; it fills the window's upper half, Y is aligned to it.
  const ta = topExponent(a);
  const tb = topExponent(b);
  let x = a;
  let xs = a.sign;
  let y = b;
  let ys = sb;
  let tx = ta;
  let d = ta - tb;
  if (tb > ta) {
    x = b;
    xs = sb;
    y = a;
    ys = a.sign;
    tx = tb;
    d = tb - ta;
  }
  let x0 = x.hi;
  let x1 = x.lo;
  if (x0 < INT_HI) {
    normSig(x);
    x0 = S[0]!;
    x1 = S[1]!;
  }
  let yh = y.hi;
  let yl = y.lo;
  if (yh < INT_HI) {
    normSig(y);
    yh = S[0]!;
    yl = S[1]!;
  }
  // Y's window limbs y0 (most significant) … y3, and whether bits fell below the window.
  let y0 = 0;
  let y1 = 0;
  let y2 = 0;
  let y3 = 0;
  let yLost = false;
  if (d === 0) {
    y0 = yh;
    y1 = yl;
  } else if (d < 32) {
    y0 = yh >>> d;
    y1 = ((yl >>> d) | (yh << (32 - d))) >>> 0;
    y2 = (yl << (32 - d)) >>> 0;
  } else if (d === 32) {
    y1 = yh;
    y2 = yl;
  } else if (d < 64) {
    const t = d - 32;
    y1 = yh >>> t;
    y2 = ((yl >>> t) | (yh << (32 - t))) >>> 0;
    y3 = (yl << (32 - t)) >>> 0;
  } else {
    Y[0] = yh;
    Y[1] = yl;
    Y[2] = 0;
    Y[3] = 0;
    yLost = yShr(d);
    y0 = Y[0]!;
    y1 = Y[1]!;
    y2 = Y[2]!;
    y3 = Y[3]!;
  }
  let e = tx - 127;
  let sign = xs;
  let sticky = yLost;
  let w0: number;
  let w1: number;
  let w2: number;
  let w3: number;
  if (xs === ys) {
    // X's lower half is zero, so only the upper limbs carry.
    w3 = y3;
    w2 = y2;
    const s1 = x1 + y1;
    w1 = s1 >>> 0;
    const s0 = x0 + y0 + (s1 > 0xffffffff ? 1 : 0);
    w0 = s0 >>> 0;
    if (s0 > 0xffffffff) {
      // 129-bit sum: drop the lowest bit into the sticky flag.
      if ((w3 & 1) !== 0) sticky = true;
      w3 = ((w3 >>> 1) | (w2 << 31)) >>> 0;
      w2 = ((w2 >>> 1) | (w1 << 31)) >>> 0;
      w1 = ((w1 >>> 1) | (w0 << 31)) >>> 0;
      w0 = ((w0 >>> 1) | INT_HI) >>> 0;
      e += 1;
    }
  } else {
    if (d === 0) {
      // Equal top bits: subtract the smaller magnitude from the larger.
      if (x0 === y0 && x1 === y1) {
        env.c1 = 0;
        return zero(rcOf(env) === RC_DOWN ? 1 : 0);
      }
      if (y0 > x0 || (y0 === x0 && y1 > x1)) {
        const t0 = x0;
        const t1 = x1;
        x0 = y0;
        x1 = y1;
        y0 = t0;
        y1 = t1;
        sign = ys;
      }
    }
    // With bits of Y lost below the window, X − Y lies strictly between X − Yw − 1 and X − Yw:
    // subtract one more unit and keep the sticky flag (the difference keeps ≥ 126 bits then).
    const t3 = -y3 - (yLost ? 1 : 0);
    w3 = t3 >>> 0;
    const t2 = -y2 - (t3 < 0 ? 1 : 0);
    w2 = t2 >>> 0;
    const t1 = x1 - y1 - (t2 < 0 ? 1 : 0);
    w1 = t1 >>> 0;
    w0 = (x0 - y0 - (t1 < 0 ? 1 : 0)) >>> 0;
  }
  W[0] = w0;
  W[1] = w1;
  W[2] = w2;
  W[3] = w3;
  return roundWindowToReg(env, sign, e, sticky, true);
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
  // 64 × 64 → 128 bits from 16-bit limbs; each column sum stays below 2^35, exact in a double.
  const a0 = a.lo & 0xffff;
  const a1 = a.lo >>> 16;
  const a2 = a.hi & 0xffff;
  const a3 = a.hi >>> 16;
  const b0 = b.lo & 0xffff;
  const b1 = b.lo >>> 16;
  const b2 = b.hi & 0xffff;
  const b3 = b.hi >>> 16;
  let c = a0 * b0;
  const p0 = c & 0xffff;
  c = (c - p0) / 65536 + a1 * b0 + a0 * b1;
  const p1 = c & 0xffff;
  c = (c - p1) / 65536 + a2 * b0 + a1 * b1 + a0 * b2;
  const p2 = c & 0xffff;
  c = (c - p2) / 65536 + a3 * b0 + a2 * b1 + a1 * b2 + a0 * b3;
  const p3 = c & 0xffff;
  c = (c - p3) / 65536 + a3 * b1 + a2 * b2 + a1 * b3;
  const p4 = c & 0xffff;
  c = (c - p4) / 65536 + a3 * b2 + a2 * b3;
  const p5 = c & 0xffff;
  c = (c - p5) / 65536 + a3 * b3;
  const p6 = c & 0xffff;
  const p7 = (c - p6) / 65536;
  W[0] = (p7 << 16) | p6;
  W[1] = (p5 << 16) | p4;
  W[2] = (p3 << 16) | p2;
  W[3] = (p1 << 16) | p0;
  return roundWindowToReg(env, sign, lsbExponent(a) + lsbExponent(b), false, true);
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
  normSig(b);
  const bh = S[0]!;
  const bl = S[1]!;
  normSig(a);
  const ah = S[0]!;
  const al = S[1]!;
  // Q = floor(A × 2^67 / B) for the normalised significands (2^66 < Q < 2^68) in two digits: 50
  // bits from a double-precision estimate, then 18 more; each digit is corrected with the exact
  // remainder, so Q and the sticky bit (remainder ≠ 0) are exact.
  BL[0] = bl & 0xffff;
  BL[1] = bl >>> 16;
  BL[2] = bh & 0xffff;
  BL[3] = bh >>> 16;
  const bd = bh * 4294967296 + bl;
  // First digit: R = A × 2^49 − q1 × B (only the low 96 bits are formed; |R| stays below 2^66).
  RL[0] = 0;
  RL[1] = 0;
  RL[2] = 0;
  RL[3] = (al << 1) & 0xffff;
  RL[4] = ((al >>> 15) | 0) & 0xffff;
  RL[5] = ((al >>> 31) | (ah << 1)) & 0xffff;
  let q1 = Math.floor(((ah * 4294967296 + al) / bd) * 562949953421312);
  subMul(q1, BL);
  q1 += correctRemainder();
  // Second digit: R ← R × 2^18 − q2 × B.
  const r0 = RL[0]!;
  const r1 = RL[1]!;
  const r2 = RL[2]!;
  const r3 = RL[3]!;
  const rd = ((r3 * 65536 + r2) * 65536 + r1) * 65536 + r0;
  RL[0] = 0;
  RL[1] = (r0 << 2) & 0xffff;
  RL[2] = ((r1 << 2) | (r0 >>> 14)) & 0xffff;
  RL[3] = ((r2 << 2) | (r1 >>> 14)) & 0xffff;
  RL[4] = ((r3 << 2) | (r2 >>> 14)) & 0xffff;
  RL[5] = r3 >>> 14;
  let q2 = Math.floor((rd / bd) * 262144);
  subMul(q2, BL);
  q2 += correctRemainder();
  const sticky = (RL[0]! | RL[1]! | RL[2]! | RL[3]!) !== 0;
  const q1h = Math.floor(q1 / 4294967296);
  const q1l = q1 - q1h * 4294967296;
  W[0] = 0;
  W[1] = q1h >>> 14;
  W[2] = (q1h << 18) | (q1l >>> 14);
  W[3] = (q1l << 18) | q2;
  return roundWindowToReg(env, sign, topExponent(a) - topExponent(b) - 67, sticky, true);
}

/**
 * The divisor's 16-bit limbs and a 96-bit remainder in 16-bit limbs (index 0 least significant).
 * BL has six limbs like AL so that the limb helpers below serve both; its top two stay zero.
 */
const BL = new Int32Array(6);
const RL = new Int32Array(6);

/**
 * Brings the signed 96-bit remainder RL into [0, B) by adding or subtracting B; returns the
 * matching change of the quotient digit.
 */
function correctRemainder(): number {
  let dq = 0;
  while (RL[5]! >= 0x8000) {
    addLimbs(1, BL);
    dq--;
  }
  while (RL[5] !== 0 || RL[4] !== 0 || cmpLimbs(BL) >= 0) {
    addLimbs(-1, BL);
    dq++;
  }
  return dq;
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
  // a = M × 2^(T − 63) with M normalised. The radicand N = M × 2^s (s = 70 or 71, making T − 63 − s
  // even) has the root Q = floor(√N) of 67–68 bits, found in two digits: q1 = floor(√(N / 2^36))
  // from a double-precision estimate, then 18 more bits; each digit is corrected with the exact
  // remainder (kept modulo 2^96, where it always fits), so Q and the sticky bit are exact.
  normSig(a);
  const mh = S[0]!;
  const ml = S[1]!;
  const t = topExponent(a);
  const s = ((t - 63) & 1) === 0 ? 70 : 71;
  // N' = M × 2^(s − 36): its low 96 bits in 16-bit limbs (M shifted left by 34 or 35 bits).
  const sh = s - 36 - 32;
  const x1 = (ml << sh) >>> 0;
  const x2 = ((mh << sh) | (ml >>> (32 - sh))) >>> 0;
  RL[0] = 0;
  RL[1] = 0;
  RL[2] = x1 & 0xffff;
  RL[3] = x1 >>> 16;
  RL[4] = x2 & 0xffff;
  RL[5] = x2 >>> 16;
  let q1 = Math.floor(Math.sqrt((mh * 4294967296 + ml) * 2 ** (s - 36)));
  setLimbs(0, q1);
  subMul(q1, AL);
  // R1 = N' − q1² must lie in [0, 2·q1].
  while (RL[5]! >= 0x8000) {
    // (q1 − 1)² = q1² − (2·q1 − 1)
    q1--;
    setLimbs(0, 2 * q1 + 1);
    addLimbs(1, AL);
  }
  for (;;) {
    setLimbs(0, 2 * q1 + 1);
    if (cmpLimbs(AL) < 0) break;
    addLimbs(-1, AL);
    q1++;
  }
  // Second digit: with T = q1 × 2^18, R ← R1 × 2^36 − q2 × (2T + q2).
  const r0 = RL[0]!;
  const r1 = RL[1]!;
  const r2 = RL[2]!;
  const r3 = RL[3]!;
  const rd = ((r3 * 65536 + r2) * 65536 + r1) * 65536 + r0;
  RL[0] = 0;
  RL[1] = 0;
  RL[2] = (r0 << 4) & 0xffff;
  RL[3] = ((r1 << 4) | (r0 >>> 12)) & 0xffff;
  RL[4] = ((r2 << 4) | (r1 >>> 12)) & 0xffff;
  RL[5] = ((r3 << 4) | (r2 >>> 12)) & 0xffff;
  let q2 = Math.min(Math.floor((rd * 131072) / q1), 262143);
  setLimbs(q1 * 2, q2);
  subMul(q2, AL);
  while (RL[5]! >= 0x8000) {
    // (T + q2 − 1)² = (T + q2)² − (2T + 2·q2 − 1)
    q2--;
    setLimbs(q1 * 2, 2 * q2 + 1);
    addLimbs(1, AL);
  }
  for (;;) {
    setLimbs(q1 * 2, 2 * q2 + 1);
    if (cmpLimbs(AL) < 0) break;
    addLimbs(-1, AL);
    q2++;
  }
  const sticky = (RL[0]! | RL[1]! | RL[2]! | RL[3]! | RL[4]! | RL[5]!) !== 0;
  const q1h = Math.floor(q1 / 4294967296);
  const q1l = q1 - q1h * 4294967296;
  W[0] = 0;
  W[1] = q1h >>> 14;
  W[2] = (q1h << 18) | (q1l >>> 14);
  W[3] = (q1l << 18) | q2;
  return roundWindowToReg(env, 0, (t - 63 - s) / 2, sticky, true);
}

/** A multiplicand of up to 96 bits in 16-bit limbs (index 0 least significant). */
const AL = new Int32Array(6);

/** AL ← hi × 2^18 + lo for integers 0 ≤ hi < 2^52, 0 ≤ lo < 2^53 (the sum stays below 2^71). */
function setLimbs(hi: number, lo: number): void {
  const hh = Math.floor(hi / 4294967296);
  const hl = hi - hh * 4294967296;
  const lh = Math.floor(lo / 4294967296);
  const ll = lo - lh * 4294967296;
  // Three 32-bit words of hi << 18, plus lo with carries.
  let w0 = ((hl << 18) >>> 0) + ll;
  let carry = w0 > 0xffffffff ? 1 : 0;
  w0 >>>= 0;
  let w1 = (((hh << 18) | (hl >>> 14)) >>> 0) + lh + carry;
  carry = w1 > 0xffffffff ? 1 : 0;
  w1 >>>= 0;
  const w2 = (hh >>> 14) + carry;
  AL[0] = w0 & 0xffff;
  AL[1] = w0 >>> 16;
  AL[2] = w1 & 0xffff;
  AL[3] = w1 >>> 16;
  AL[4] = w2 & 0xffff;
  AL[5] = (w2 >>> 16) & 0xffff;
}

/**
 * RL ← RL − q × L (mod 2^96) for six 16-bit limbs L (BL or AL) and an integer 0 ≤ q < 2^53;
 * column sums stay below 2^53, so every step is exact.
 */
function subMul(q: number, L: Int32Array): void {
  const qh = Math.floor(q / 4294967296);
  const ql = q - qh * 4294967296;
  const q0 = ql & 0xffff;
  const q1 = ql >>> 16;
  const q2 = qh & 0xffff;
  const q3 = qh >>> 16;
  const a0 = L[0]!;
  const a1 = L[1]!;
  const a2 = L[2]!;
  const a3 = L[3]!;
  const a4 = L[4]!;
  const a5 = L[5]!;
  let c = q0 * a0;
  let limb = c & 0xffff;
  let d = RL[0]! - limb;
  RL[0] = d & 0xffff;
  let borrow = d < 0 ? 1 : 0;
  c = (c - limb) / 65536 + q0 * a1 + q1 * a0;
  limb = c & 0xffff;
  d = RL[1]! - limb - borrow;
  RL[1] = d & 0xffff;
  borrow = d < 0 ? 1 : 0;
  c = (c - limb) / 65536 + q0 * a2 + q1 * a1 + q2 * a0;
  limb = c & 0xffff;
  d = RL[2]! - limb - borrow;
  RL[2] = d & 0xffff;
  borrow = d < 0 ? 1 : 0;
  c = (c - limb) / 65536 + q0 * a3 + q1 * a2 + q2 * a1 + q3 * a0;
  limb = c & 0xffff;
  d = RL[3]! - limb - borrow;
  RL[3] = d & 0xffff;
  borrow = d < 0 ? 1 : 0;
  c = (c - limb) / 65536 + q0 * a4 + q1 * a3 + q2 * a2 + q3 * a1;
  limb = c & 0xffff;
  d = RL[4]! - limb - borrow;
  RL[4] = d & 0xffff;
  borrow = d < 0 ? 1 : 0;
  c = (c - limb) / 65536 + q0 * a5 + q1 * a4 + q2 * a3 + q3 * a2;
  limb = c & 0xffff;
  d = RL[5]! - limb - borrow;
  RL[5] = d & 0xffff;
}

/** RL ← RL ± L (mod 2^96) for six 16-bit limbs L (BL or AL). */
function addLimbs(dir: number, L: Int32Array): void {
  let c = 0;
  for (let i = 0; i < 6; i++) {
    const v = RL[i]! + dir * L[i]! + c;
    RL[i] = v & 0xffff;
    c = v >> 16;
  }
}

/** Compares RL (nonnegative) with the six limbs L. */
function cmpLimbs(L: Int32Array): number {
  for (let i = 5; i >= 0; i--) {
    const d = RL[i]! - L[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** Integer magnitude of the last {@link roundSigToInt}. */

/**
 * Rounds hi:lo × 2^e (e < 0) to an integer magnitude under rc into S[4]:S[5]; raises PE and sets C1.
 */
function roundSigToInt(env: FpEnv, sign: number, hi: number, lo: number, e: number, rc: number): void {
  const s = -e;
  let qh = 0;
  let ql = 0;
  let rbit = 0;
  let st = false;
  if (s > 64) {
    st = (hi | lo) !== 0;
  } else if (s === 64) {
    rbit = hi >>> 31;
    st = (hi & 0x7fffffff) !== 0 || lo !== 0;
  } else {
    shr64(hi, lo, s);
    qh = S[0]!;
    ql = S[1]!;
    // Round bit s − 1, sticky bits below it.
    const j = s - 1;
    if (j >= 32) {
      rbit = (hi >>> (j - 32)) & 1;
      st = (hi & ((1 << (j - 32)) - 1)) !== 0 || lo !== 0;
    } else {
      rbit = (lo >>> j) & 1;
      st = (lo & ((1 << j) - 1)) !== 0;
    }
  }
  const inexact = rbit !== 0 || st;
  let up = false;
  if (inexact) {
    if (rc === RC_NEAREST) up = rbit !== 0 && (st || (ql & 1) !== 0);
    else if (rc === RC_DOWN) up = sign === 1;
    else if (rc === RC_UP) up = sign === 0;
  }
  if (up) {
    ql = (ql + 1) >>> 0;
    if (ql === 0) qh = (qh + 1) >>> 0;
  }
  if (inexact) env.flags |= PE;
  env.c1 = up ? 1 : 0;
  S[4] = qh;
  S[5] = ql;
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
  roundSigToInt(env, a.sign, a.hi, a.lo, e, rcOf(env));
  if ((S[4]! | S[5]!) === 0) return zero(a.sign);
  const c1 = env.c1;
  const r = roundToReg64(env, a.sign, S[4]!, S[5]!, 0, false);
  env.c1 = c1;
  return r;
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
  const ta = topExponent(a);
  const tb = topExponent(b);
  if (ta !== tb) return ta > tb ? 1 : -1;
  normSig(a);
  const ah = S[0]!;
  const al = S[1]!;
  normSig(b);
  if (ah !== S[0]!) return ah > S[0]! ? 1 : -1;
  return al > S[1]! ? 1 : al < S[1]! ? -1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Conversions (FLD/FST m32fp/m64fp, FILD/FIST/FISTTP; SDM Vol. 1, 4.2.2 and 4.8.3)

/**
 * Widens the NaN/infinity/denormal/normal fields of a binary32/binary64 value exactly; the
 * fraction arrives already aligned to significand bits 62–0 as fh:fl.
 */
function widen(
  env: FpEnv,
  sign: number,
  exp: number,
  fh: number,
  fl: number,
  maxExp: number,
  fracBits: number,
  bias: number,
  keepSNaN: boolean,
): F80 {
  if (exp === maxExp) {
    if ((fh | fl) === 0) return infinity(sign);
    const hi = (INT_HI | fh) >>> 0;
    // Arithmetic with a memory operand sees the SNaN itself (NaN selection compares it as an SNaN).
    if (keepSNaN) return setF80(CONV, sign, 0x7fff, hi, fl);
    if ((hi & QUIET_HI) === 0) env.flags |= IE;
    return setF80(CONV, sign, 0x7fff, (hi | QUIET_HI) >>> 0, fl);
  }
  if (exp === 0) {
    if ((fh | fl) === 0) return zero(sign);
    env.flags |= DE;
    // The aligned fraction fh:fl is frac × 2^(63 − fracBits); normalise so the top bit lands on bit 63.
    const n = bitLength64(fh, fl);
    const top = 1 - bias - fracBits + (n - (63 - fracBits)) - 1;
    shl64(fh, fl, 64 - n);
    return setF80(CONV, sign, top + EXP_BIAS, S[0]!, S[1]!);
  }
  return setF80(CONV, sign, exp - bias + EXP_BIAS, (INT_HI | fh) >>> 0, fl);
}

/** Widens binary32 bits exactly; SNaN becomes QNaN with IE, denormals raise DE and normalise. */
export function fromF32(env: FpEnv, bits: number, keepSNaN = false): F80 {
  const sign = bits >>> 31;
  const exp = (bits >>> 23) & 0xff;
  return widen(env, sign, exp, (bits & 0x7fffff) << 8, 0, 0xff, 23, 127, keepSNaN);
}

/** Widens binary64 bits (given as two 32-bit halves) exactly. */
export function fromF64(env: FpEnv, lo: number, hi: number, keepSNaN = false): F80 {
  const sign = hi >>> 31;
  const exp = (hi >>> 20) & 0x7ff;
  const fh = (((hi & 0xfffff) << 11) | (lo >>> 21)) >>> 0;
  const fl = (lo << 11) >>> 0;
  return widen(env, sign, exp, fh, fl, 0x7ff, 52, 1023, keepSNaN);
}

/**
 * HIGH[0]: the high 32 bits of the last {@link toF64} or {@link toInt} result (their low halves
 * are the return values).
 */
export const HIGH = new Uint32Array(1);

/**
 * Narrows to binary32/binary64 (FST m32fp/m64fp): rounds under RC (PC does not apply), saturates
 * or overflows per RC, denormalises tiny results. Returns the low 32 bits; the high 32 bits of a
 * binary64 result go to HIGH[0].
 */
function narrow(env: FpEnv, a: F80, fmt: Format, expBits: number): number {
  env.c1 = 0;
  const f64 = expBits === 11;
  const fracBits = fmt.p - 1;
  const maxExp = (1 << expBits) - 1;
  const bias = maxExp >> 1;
  // Sign and exponent fields land in the high word: bits 31 and 30–20 (binary64) or 30–23 (binary32).
  const expShift = fracBits - (f64 ? 32 : 0);
  const signWord = (a.sign << 31) >>> 0;
  HIGH[0] = 0;
  const ca = classify(a);
  if (ca === Cls.Unsupported) {
    env.flags |= IE;
    if (f64) {
      HIGH[0] = 0xfff80000;
      return 0;
    }
    return 0xffc00000;
  }
  if (isNaN80(ca)) {
    if (ca === Cls.SNaN) env.flags |= IE;
    const qh = (a.hi | QUIET_HI) >>> 0;
    if (f64) {
      HIGH[0] = (signWord | (maxExp << expShift) | ((qh >>> 11) & 0xfffff)) >>> 0;
      return ((qh << 21) | (a.lo >>> 11)) >>> 0;
    }
    return (signWord | (maxExp << expShift) | ((qh >>> 8) & 0x7fffff)) >>> 0;
  }
  if (ca === Cls.Infinity || ca === Cls.Zero) {
    const w = (signWord | (ca === Cls.Infinity ? maxExp << expShift : 0)) >>> 0;
    if (f64) {
      HIGH[0] = w;
      return 0;
    }
    return w;
  }
  // Stores never raise DE: a denormal source is simply rounded.
  W[0] = 0;
  W[1] = 0;
  W[2] = a.hi;
  W[3] = a.lo;
  roundCore(env, a.sign, lsbExponent(a), false, fmt, rcOf(env), false);
  let fh = 0;
  let fl = 0;
  let field = 0;
  if (rKind === R_INF) {
    field = maxExp;
  } else if (rKind === R_MAX) {
    field = maxExp - 1;
    shr64(0xffffffff, 0xffffffff, 64 - fracBits);
    fh = S[0]!;
    fl = S[1]!;
  } else {
    const n = bitLength64(S[2]!, S[3]!);
    if (n !== 0) {
      const top = rLsb + n - 1;
      if (top < fmt.emin) {
        shl64(S[2]!, S[3]!, rLsb - fmt.denormLsb);
      } else {
        field = top + bias;
        shl64(S[2]!, S[3]!, rLsb - (top - fracBits));
      }
      // Drop the integer bit (bit fracBits) of a normal result.
      if (fracBits >= 32) {
        fh = S[0]! & ((1 << (fracBits - 32)) - 1);
        fl = S[1]!;
      } else {
        fl = S[1]! & ((1 << fracBits) - 1);
      }
    }
  }
  if (f64) {
    HIGH[0] = (signWord | (field << expShift) | fh) >>> 0;
    return fl >>> 0;
  }
  return (signWord | (field << expShift) | fl) >>> 0;
}

/** FST m32fp: the binary32 bits of a, rounded under RC. */
export function toF32(env: FpEnv, a: F80): number {
  return narrow(env, a, FMT_F32, 8);
}

/** FST m64fp: the low 32 bits of the binary64 value of a, rounded under RC; the high 32 bits are in HIGH[0]. */
export function toF64(env: FpEnv, a: F80): number {
  return narrow(env, a, FMT_F64, 11);
}

/** FILD: an exact conversion of a signed 64-bit integer given as two's-complement halves. */
export function fromInt64(lo: number, hi: number): F80 {
  const sign = hi >>> 31;
  let mh = hi >>> 0;
  let ml = lo >>> 0;
  if (sign) {
    ml = (~ml + 1) >>> 0;
    mh = (~mh + (ml === 0 ? 1 : 0)) >>> 0;
  }
  const n = bitLength64(mh, ml);
  if (n === 0) return zero(0);
  shl64(mh, ml, 64 - n);
  return setF80(CONV, sign, n - 1 + EXP_BIAS, S[0]!, S[1]!);
}

/** FILD m16int/m32int and small exact integers: v is a signed 32-bit value. */
export function fromInt(v: number): F80 {
  return fromInt64(v | 0, v < 0 ? -1 : 0);
}

/**
 * FIST/FISTP/FISTTP: converts to a `bits`-wide signed integer (16, 32 or 64), rounding under RC
 * (or truncating when `truncate`). NaN, infinity, unsupported and out-of-range values raise IE
 * and give the integer indefinite (the most negative value). Returns the low 32 bits of the
 * sign-extended two's-complement result; the high 32 bits go to HIGH[0].
 */
export function toInt(env: FpEnv, a: F80, bits: number, truncate: boolean): number {
  env.c1 = 0;
  HIGH[0] = 0;
  const ca = classify(a);
  if (ca === Cls.Unsupported || isNaN80(ca) || ca === Cls.Infinity) {
    env.flags |= IE;
    return intIndefinite(bits);
  }
  if (ca === Cls.Zero) return 0;
  const e = lsbExponent(a);
  let mh: number;
  let ml: number;
  if (e >= 0) {
    // Normal values have the integer bit set, so e ≥ 1 means ≥ 2^64; only −2^63 (e = 0) can fit.
    if (e > 0) {
      env.flags |= IE;
      return intIndefinite(bits);
    }
    mh = a.hi;
    ml = a.lo;
    if (!fits(a.sign, mh, ml, bits)) {
      env.flags |= IE;
      return intIndefinite(bits);
    }
  } else {
    const saved = env.flags;
    roundSigToInt(env, a.sign, a.hi, a.lo, e, truncate ? RC_ZERO : rcOf(env));
    mh = S[4]!;
    ml = S[5]!;
    if (!fits(a.sign, mh, ml, bits)) {
      env.flags = saved | IE;
      env.c1 = 0;
      return intIndefinite(bits);
    }
  }
  if (a.sign && (mh | ml) !== 0) {
    ml = (~ml + 1) >>> 0;
    mh = (~mh + (ml === 0 ? 1 : 0)) >>> 0;
  }
  HIGH[0] = mh;
  return ml;
}

/** Whether magnitude mh:ml with the given sign fits a `bits`-wide signed integer. */
function fits(sign: number, mh: number, ml: number, bits: number): boolean {
  if (bits === 64) return mh < INT_HI || (sign === 1 && mh === INT_HI && ml === 0);
  if (mh !== 0) return false;
  const lim = 2 ** (bits - 1);
  return ml < lim || (sign === 1 && ml === lim);
}

/** The integer indefinite (most negative value) for `bits`, low half returned, high half in HIGH[0]. */
function intIndefinite(bits: number): number {
  if (bits === 64) {
    HIGH[0] = INT_HI;
    return 0;
  }
  HIGH[0] = 0xffffffff;
  return bits === 32 ? 0x80000000 : 0xffff8000;
}

export { EXP_BIAS, invalid, isDenormalClass, lsbExponent, propagateNaN2, quiet };
