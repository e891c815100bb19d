/**
 * SSE floating-point lane semantics, bit-exact with hardware: arithmetic, square root, min/max,
 * compares and the conversions, for binary32 (values as their 32-bit patterns) and binary64
 * (values as two 32-bit words; results in {@link out64}).
 *
 * References: SDM Vol. 1, §4.8.3 (NaN encodings and the "real indefinite" QNaN), table 4-7 (NaN
 * operand selection: SSE returns the first source operand when it is a NaN, quieting an SNaN),
 * §10.2.3 (MXCSR: DAZ, FTZ, rounding control), §11.5 (SIMD floating-point exceptions); Vol. 2 for
 * each instruction's special cases (MINPS/MAXPS return the second operand when either is a NaN or
 * both are zeros; COMISS signals invalid on QNaN, UCOMISS only on SNaN).
 */
import {
  MX_DAZ,
  MX_DE,
  MX_IE,
  MX_PE,
  MX_RC_SHIFT,
  MX_ZE,
  RC_DOWN,
  RC_NEAREST,
  RC_UP,
  RC_ZERO,
  sseEnv,
} from './mxcsr.js';
import { exponentOf, F32, F64, productError, roundPack, scale2, sumError } from './round.js';

const scratch = new ArrayBuffer(8);
const sF32 = new Float32Array(scratch);
const sF64 = new Float64Array(scratch);
const sU32 = new Uint32Array(scratch);
const sI32 = new Int32Array(scratch);

/**
 * Bit patterns travel as int32 values (the register file's Int32Array view), which V8 keeps
 * unboxed; inputs may also be given as uint32.
 */

/** The binary32 default QNaN ("real indefinite"). */
export const QNAN32 = 0xffc00000 | 0;
/** High word of the binary64 default QNaN (low word zero). */
export const QNAN64_HI = 0xfff80000 | 0;
/** The 32-bit integer indefinite returned by out-of-range conversions. */
export const INT32_INDEFINITE = 0x80000000 | 0;

/** Result of a binary64 operation: high and low 32-bit words (int32). */
export const out64 = { hi: 0, lo: 0 };

/** Decodes a binary32 bit pattern that is not a NaN. */
export function f32FromBits(b: number): number {
  sU32[0] = b;
  return sF32[0]!;
}
/** Encodes a double that is exactly representable in binary32 (or ±∞) as its bit pattern. */
export function f32ToBits(x: number): number {
  sF32[0] = x;
  return sI32[0]!;
}
/** Decodes a binary64 that is not a NaN from its words. */
export function f64FromWords(hi: number, lo: number): number {
  sU32[0] = lo;
  sU32[1] = hi;
  return sF64[0]!;
}
function put64(x: number): void {
  sF64[0] = x;
  out64.lo = sI32[0]!;
  out64.hi = sI32[1]!;
}

// ---------------------------------------------------------------------------------------------
// Classification on bit patterns.

const isNaN32 = (b: number): boolean => (b & 0x7fffffff) > 0x7f800000;
const isSNaN32 = (b: number): boolean => (b & 0x7fc00000) === 0x7f800000 && (b & 0x3fffff) !== 0;
const isDenormal32 = (b: number): boolean => (b & 0x7f800000) === 0 && (b & 0x7fffff) !== 0;
const isNaN64 = (hi: number, lo: number): boolean => {
  const h = hi & 0x7fffffff;
  return h > 0x7ff00000 || (h === 0x7ff00000 && lo !== 0);
};
const isSNaN64 = (hi: number, lo: number): boolean =>
  (hi & 0x7ff80000) === 0x7ff00000 && ((hi & 0x7ffff) !== 0 || lo !== 0);
const isDenormal64 = (hi: number, lo: number): boolean =>
  (hi & 0x7ff00000) === 0 && ((hi & 0xfffff) !== 0 || lo !== 0);

/**
 * Reads a binary32 operand as a double, applying DAZ or reporting DE for a denormal. The caller
 * has already dealt with NaNs.
 */
function operand32(b: number): number {
  if (isDenormal32(b)) {
    if ((sseEnv.mxcsr & MX_DAZ) !== 0) return b < 0 || b >= 0x80000000 ? -0 : 0;
    sseEnv.pre |= MX_DE;
  }
  return f32FromBits(b);
}
function operand64(hi: number, lo: number): number {
  if (isDenormal64(hi, lo)) {
    if ((sseEnv.mxcsr & MX_DAZ) !== 0) return hi >= 0x80000000 || hi < 0 ? -0 : 0;
    sseEnv.pre |= MX_DE;
  }
  return f64FromWords(hi, lo);
}
/** Applies DAZ to a binary32 operand without reporting DE (conversions to integer). */
function dazOnly32(b: number): number {
  if ((sseEnv.mxcsr & MX_DAZ) !== 0 && isDenormal32(b)) return (b & 0x80000000) !== 0 ? -0 : 0;
  return f32FromBits(b);
}
function dazOnly64(hi: number, lo: number): number {
  if ((sseEnv.mxcsr & MX_DAZ) !== 0 && isDenormal64(hi, lo)) return (hi & 0x80000000) !== 0 ? -0 : 0;
  return f64FromWords(hi, lo);
}

/** The bit pattern of a binary32 operand after DAZ (no DE reported). */
function dazBits32(b: number): number {
  return (sseEnv.mxcsr & MX_DAZ) !== 0 && isDenormal32(b) ? b & 0x80000000 : b;
}

/** NaN propagation for two binary32 operands, at least one a NaN (SDM Vol. 1, table 4-7). */
function nan32(a: number, b: number): number {
  if (isSNaN32(a) || isSNaN32(b)) sseEnv.pre |= MX_IE;
  return (isNaN32(a) ? a : b) | 0x400000;
}
function nan64(ah: number, al: number, bh: number, bl: number): void {
  if (isSNaN64(ah, al) || isSNaN64(bh, bl)) sseEnv.pre |= MX_IE;
  if (isNaN64(ah, al)) {
    out64.hi = ah | 0x80000;
    out64.lo = al;
  } else {
    out64.hi = bh | 0x80000;
    out64.lo = bl;
  }
}

const rc = (): number => (sseEnv.mxcsr >>> MX_RC_SHIFT) & 3;

// ---------------------------------------------------------------------------------------------
// Exact arithmetic cores on doubles. Operands are finite; results go through roundPack.

const enum Op {
  Add = 0,
  Sub = 1,
  Mul = 2,
  Div = 3,
}

/**
 * Signed zero of an exact zero sum (SDM Vol. 1, §4.8.3.1): equal-signed zeros keep their sign;
 * otherwise +0, or −0 when rounding toward −∞.
 */
function zeroSum(a: number, b: number): number {
  if (a === 0 && b === 0 && isNegZero(a) === isNegZero(b)) return a;
  return rc() === RC_DOWN ? -0 : 0;
}

/** a + b, exactly rounded to fmt. Both finite. */
function addCore(a: number, b: number, fmt: typeof F32): number {
  if (b === 0) return a === 0 ? zeroSum(a, b) : roundPack(a, 0, 0, fmt);
  if (a === 0) return roundPack(b, 0, 0, fmt);
  if (fmt === F32) {
    const s = a + b;
    if (s === 0) return zeroSum(a, b);
    return roundPack(s, sumError(a, b, s), 0, fmt);
  }
  const ea = exponentOf(a);
  const eb = exponentOf(b);
  const m = Math.max(ea, eb);
  // A much smaller addend only decides the direction of the tail: replace it by a representative
  // of the same sign well below half an ulp of the larger one.
  if (ea < m - 60) a = a < 0 ? -scale2(1, m - 60) : scale2(1, m - 60);
  else if (eb < m - 60) b = b < 0 ? -scale2(1, m - 60) : scale2(1, m - 60);
  const sa = scale2(a, -m);
  const sb = scale2(b, -m);
  const s = sa + sb;
  if (s === 0) return zeroSum(a, b);
  return roundPack(s, sumError(sa, sb, s), m, fmt);
}

function mulCore(a: number, b: number, fmt: typeof F32): number {
  if (a === 0 || b === 0) return (a < 0 || Object.is(a, -0)) !== (b < 0 || Object.is(b, -0)) ? -0 : 0;
  if (fmt === F32) return roundPack(a * b, 0, 0, fmt);
  const ea = exponentOf(a);
  const eb = exponentOf(b);
  const ma = scale2(a, -ea);
  const mb = scale2(b, -eb);
  const p = ma * mb;
  return roundPack(p, productError(ma, mb, p), ea + eb, fmt);
}

function divCore(a: number, b: number, fmt: typeof F32): number {
  const ea = fmt === F32 ? 0 : exponentOf(a);
  const eb = fmt === F32 ? 0 : exponentOf(b);
  const ma = ea === 0 ? a : scale2(a, -ea);
  const mb = eb === 0 ? b : scale2(b, -eb);
  const q = ma / mb;
  const ph = q * mb;
  const r = ma - ph - productError(q, mb, ph);
  return roundPack(q, r === 0 ? 0 : r > 0 === mb > 0 ? 1 : -1, ea - eb, fmt);
}

function sqrtCore(a: number, fmt: typeof F32): number {
  let e = fmt === F32 ? 0 : exponentOf(a);
  e -= e & 1;
  const m = e === 0 ? a : scale2(a, -e);
  const s = Math.sqrt(m);
  const ph = s * s;
  const r = m - ph - productError(s, s, ph);
  return roundPack(s, r, e / 2, fmt);
}

const isNegZero = (x: number): boolean => x === 0 && 1 / x < 0;

/** Special operands of add/sub/mul/div (infinities, zeros), or NaN when the operation is invalid. */
function arith(op: Op, a: number, b: number, fmt: typeof F32): number {
  switch (op) {
    case Op.Add:
    case Op.Sub: {
      if (op === Op.Sub) b = -b;
      const ai = a === Number.POSITIVE_INFINITY || a === Number.NEGATIVE_INFINITY;
      const bi = b === Number.POSITIVE_INFINITY || b === Number.NEGATIVE_INFINITY;
      if (ai || bi) {
        if (ai && bi && a !== b) return Number.NaN;
        return ai ? a : b;
      }
      return addCore(a, b, fmt);
    }
    case Op.Mul: {
      const ai = a === Number.POSITIVE_INFINITY || a === Number.NEGATIVE_INFINITY;
      const bi = b === Number.POSITIVE_INFINITY || b === Number.NEGATIVE_INFINITY;
      if (ai || bi) {
        if (a === 0 || b === 0) return Number.NaN;
        return a < 0 !== b < 0 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
      }
      return mulCore(a, b, fmt);
    }
    default: {
      const neg = (a < 0 || isNegZero(a)) !== (b < 0 || isNegZero(b));
      const ai = a === Number.POSITIVE_INFINITY || a === Number.NEGATIVE_INFINITY;
      const bi = b === Number.POSITIVE_INFINITY || b === Number.NEGATIVE_INFINITY;
      if (ai) return bi ? Number.NaN : neg ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
      if (bi) return neg ? -0 : 0;
      if (b === 0) {
        if (a === 0) return Number.NaN;
        sseEnv.pre |= MX_ZE;
        return neg ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
      }
      if (a === 0) return neg ? -0 : 0;
      return divCore(a, b, fmt);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Fast paths: round-to-nearest with normal operands and a result safely inside the normal range.
// The native binary64 operation is then the correctly rounded result (for binary32, rounding the
// binary64 result again is innocuous: 53 ≥ 2·24 + 2, Figueroa's double-rounding theorem), and
// only the inexact flag needs an error-free check, skipped when PE is already set and masked.

const MIN_NORMAL32 = 1.1754943508222875e-38;
const MAX32 = 3.4028234663852886e38;
/** Results in [2^-960, 2^960] keep every error term of the binary64 checks exact. */
const SAFE_LO = 1.0261342003245941e-289;
const SAFE_HI = 9.745314011399999e288;
/** MXCSR bits meaning "PE already set and masked": inexactness need not be computed. */
const PE_STICKY = MX_PE | (MX_PE << 7);

/** Biased exponent in [0x100, 0x6ff] (|x| in [2^-767, 2^768)), or a zero. */
const moderate64 = (hi: number, lo: number): boolean => {
  const e = hi & 0x7ff00000;
  return (e >= 0x10000000 && e < 0x70000000) || ((hi & 0x7fffffff) === 0 && lo === 0);
};
/** A normal binary32 or a zero. */
const normalOrZero32 = (b: number): boolean => {
  const e = b & 0x7f800000;
  return e === 0 ? (b & 0x7fffffff) === 0 : e !== 0x7f800000;
};
/**
 * Whether a zero result of the fast path is exact: a zero sum is (a non-zero sum of such operands
 * is far above the underflow range); a zero product only with a zero factor; a zero quotient only
 * with a zero dividend.
 */
function zeroExact(op: Op, x: number, y: number): boolean {
  return op === Op.Add || op === Op.Sub || x === 0 || (op === Op.Mul && y === 0);
}

/** Set by {@link fast32}: whether it produced the result. */
let fastHit = false;

function fast32(op: Op, a: number, b: number): number {
  const x = f32FromBits(a);
  const y = f32FromBits(b);
  let r: number;
  let inexact: boolean;
  const check = (sseEnv.mxcsr & PE_STICKY) !== PE_STICKY;
  switch (op) {
    case Op.Add:
    case Op.Sub: {
      const yy = op === Op.Sub ? -y : y;
      const s = x + yy;
      r = Math.fround(s);
      inexact = check && (r !== s || sumError(x, yy, s) !== 0);
      break;
    }
    case Op.Mul: {
      const p = x * y;
      r = Math.fround(p);
      inexact = r !== p;
      break;
    }
    default:
      if (y === 0) {
        fastHit = false;
        return 0;
      }
      r = Math.fround(x / y);
      inexact = check && r * y !== x;
  }
  const m = r < 0 ? -r : r;
  fastHit = (m > MIN_NORMAL32 && m <= MAX32) || (m === 0 && zeroExact(op, x, y));
  if (!fastHit) return 0;
  if (inexact) sseEnv.post |= MX_PE;
  return f32ToBits(r);
}

function fast64(op: Op, x: number, y: number): boolean {
  let r: number;
  let inexact = false;
  const check = (sseEnv.mxcsr & PE_STICKY) !== PE_STICKY;
  switch (op) {
    case Op.Add:
      r = x + y;
      if (check) inexact = sumError(x, y, r) !== 0;
      break;
    case Op.Sub:
      r = x - y;
      if (check) inexact = sumError(x, -y, r) !== 0;
      break;
    case Op.Mul:
      r = x * y;
      if (check) inexact = productError(x, y, r) !== 0;
      break;
    default:
      if (y === 0) return false;
      r = x / y;
      if (check) {
        const p = r * y;
        inexact = x - p !== 0 || productError(r, y, p) !== 0;
      }
  }
  const m = r < 0 ? -r : r;
  if (!((m >= SAFE_LO && m <= SAFE_HI) || (m === 0 && zeroExact(op, x, y)))) return false;
  if (inexact) sseEnv.post |= MX_PE;
  put64(r);
  return true;
}

/** The neighbouring binary32 pattern away from zero (`away`) or toward it; `x` is finite, non-zero. */
function step32(x: number, up: boolean): number {
  const bits = f32ToBits(x);
  return f32FromBits(up === x > 0 ? bits + 1 : bits - 1);
}
/** The neighbouring double toward +∞ (`up`) or −∞; `x` is finite and non-zero. */
function step64(x: number, up: boolean): number {
  sF64[0] = x;
  let lo = sU32[0]!;
  let hi = sU32[1]!;
  if (up === x > 0) {
    lo = (lo + 1) >>> 0;
    if (lo === 0) hi++;
  } else {
    if (lo === 0) hi--;
    lo = (lo - 1) >>> 0;
  }
  sU32[0] = lo;
  sU32[1] = hi;
  return sF64[0]!;
}
/**
 * Whether a directed rounding moves the round-to-nearest result `r` one step, given the sign of
 * the exact remainder `t` (exact = r + t): up for RU with t > 0, down for RD with t < 0, toward
 * zero for RZ when t points there.
 */
function directedStep(rc: number, r: number, t: number): boolean {
  return t > 0 ? rc === RC_UP || (rc === RC_ZERO && r < 0) : rc === RC_DOWN || (rc === RC_ZERO && r > 0);
}

/**
 * Directed-rounding fast path for binary32: the nearest result and the sign of the exact
 * remainder (all computed exactly in binary64), then one step when the mode requires it. Zero and
 * out-of-range results take the general path.
 */
function directed32(op: Op, a: number, b: number, rc: number): number {
  const x = f32FromBits(a);
  const y = f32FromBits(b);
  let r: number;
  let t: number;
  switch (op) {
    case Op.Add:
    case Op.Sub: {
      const yy = op === Op.Sub ? -y : y;
      const s = x + yy;
      r = Math.fround(s);
      const d = s - r;
      t = d !== 0 ? d : sumError(x, yy, s);
      break;
    }
    case Op.Mul: {
      const p = x * y;
      r = Math.fround(p);
      t = p - r;
      break;
    }
    default: {
      if (y === 0) {
        fastHit = false;
        return 0;
      }
      r = Math.fround(x / y);
      const rem = x - r * y;
      t = y > 0 ? rem : -rem;
    }
  }
  // Both the nearest and the stepped result must be normal and finite (else: overflow/underflow).
  let m = r < 0 ? -r : r;
  fastHit = m > MIN_NORMAL32 && m <= MAX32;
  if (!fastHit) return 0;
  if (t !== 0 && directedStep(rc, r, t)) {
    r = step32(r, t > 0);
    m = r < 0 ? -r : r;
    fastHit = m > MIN_NORMAL32 && m <= MAX32;
    if (!fastHit) return 0;
  }
  if (t !== 0) sseEnv.post |= MX_PE;
  return f32ToBits(r);
}
/** Directed-rounding fast path for binary64, as {@link directed32}. */
function directed64(op: Op, x: number, y: number, rc: number): boolean {
  let r: number;
  let t: number;
  switch (op) {
    case Op.Add:
      r = x + y;
      t = sumError(x, y, r);
      break;
    case Op.Sub:
      r = x - y;
      t = sumError(x, -y, r);
      break;
    case Op.Mul:
      r = x * y;
      t = productError(x, y, r);
      break;
    default: {
      if (y === 0) return false;
      r = x / y;
      const p = r * y;
      const rem = x - p - productError(r, y, p);
      t = y > 0 ? rem : -rem;
    }
  }
  const m = r < 0 ? -r : r;
  if (!(m >= SAFE_LO && m <= SAFE_HI)) return false;
  if (t !== 0) {
    sseEnv.post |= MX_PE;
    if (directedStep(rc, r, t)) r = step64(r, t > 0);
  }
  put64(r);
  return true;
}

function binary32(op: Op, a: number, b: number): number {
  if (normalOrZero32(a) && normalOrZero32(b)) {
    const rc = (sseEnv.mxcsr >>> MX_RC_SHIFT) & 3;
    const r = rc === RC_NEAREST ? fast32(op, a, b) : directed32(op, a, b, rc);
    if (fastHit) return r;
  }
  if (isNaN32(a) || isNaN32(b)) return nan32(a, b);
  // x ÷ 0 reports ZE without DE for a denormal dividend (observed on hardware).
  const x = op === Op.Div && (b & 0x7fffffff) === 0 ? dazOnly32(a) : operand32(a);
  const r = arith(op, x, operand32(b), F32);
  if (Number.isNaN(r)) {
    sseEnv.pre |= MX_IE;
    return QNAN32;
  }
  return f32ToBits(r);
}
function binary64(op: Op, ah: number, al: number, bh: number, bl: number): void {
  if (moderate64(ah, al) && moderate64(bh, bl)) {
    const rc = (sseEnv.mxcsr >>> MX_RC_SHIFT) & 3;
    const x = f64FromWords(ah, al);
    const y = f64FromWords(bh, bl);
    if (rc === RC_NEAREST ? fast64(op, x, y) : directed64(op, x, y, rc)) return;
  }
  if (isNaN64(ah, al) || isNaN64(bh, bl)) {
    nan64(ah, al, bh, bl);
    return;
  }
  const x = op === Op.Div && (bh & 0x7fffffff) === 0 && bl === 0 ? dazOnly64(ah, al) : operand64(ah, al);
  const r = arith(op, x, operand64(bh, bl), F64);
  if (Number.isNaN(r)) {
    sseEnv.pre |= MX_IE;
    out64.hi = QNAN64_HI;
    out64.lo = 0;
    return;
  }
  put64(r);
}

/** ADDSS lane: a + b on binary32 bit patterns. */
export const add32 = (a: number, b: number): number => binary32(Op.Add, a, b);
/** SUBSS lane: a − b. */
export const sub32 = (a: number, b: number): number => binary32(Op.Sub, a, b);
/** MULSS lane: a × b. */
export const mul32 = (a: number, b: number): number => binary32(Op.Mul, a, b);
/** DIVSS lane: a ÷ b. */
export const div32 = (a: number, b: number): number => binary32(Op.Div, a, b);
/** ADDSD lane: a + b on binary64 words; result in {@link out64}. */
export const add64 = (ah: number, al: number, bh: number, bl: number): void =>
  binary64(Op.Add, ah, al, bh, bl);
/** SUBSD lane. */
export const sub64 = (ah: number, al: number, bh: number, bl: number): void =>
  binary64(Op.Sub, ah, al, bh, bl);
/** MULSD lane. */
export const mul64 = (ah: number, al: number, bh: number, bl: number): void =>
  binary64(Op.Mul, ah, al, bh, bl);
/** DIVSD lane. */
export const div64 = (ah: number, al: number, bh: number, bl: number): void =>
  binary64(Op.Div, ah, al, bh, bl);

/** SQRTSS lane. Invalid for negative non-zero operands (a negative denormal is invalid, not DE). */
export function sqrt32(b: number): number {
  if (isNaN32(b)) return nan32(b, b);
  if (
    (b & 0x80000000) !== 0 &&
    (b & 0x7fffffff) !== 0 &&
    !((sseEnv.mxcsr & MX_DAZ) !== 0 && isDenormal32(b))
  ) {
    sseEnv.pre |= MX_IE;
    return QNAN32;
  }
  const x = operand32(b);
  if (x === 0 || x === Number.POSITIVE_INFINITY) return f32ToBits(x);
  return f32ToBits(sqrtCore(x, F32));
}
/** SQRTSD lane; result in {@link out64}. */
export function sqrt64(bh: number, bl: number): void {
  if (isNaN64(bh, bl)) {
    nan64(bh, bl, bh, bl);
    return;
  }
  if (
    (bh & 0x80000000) !== 0 &&
    ((bh & 0x7fffffff) !== 0 || bl !== 0) &&
    !((sseEnv.mxcsr & MX_DAZ) !== 0 && isDenormal64(bh, bl))
  ) {
    sseEnv.pre |= MX_IE;
    out64.hi = QNAN64_HI;
    out64.lo = 0;
    return;
  }
  const x = operand64(bh, bl);
  if (x === 0 || x === Number.POSITIVE_INFINITY) {
    put64(x);
    return;
  }
  put64(sqrtCore(x, F64));
}

// ---------------------------------------------------------------------------------------------
// Min/max and compares.

/** MINSS lane: a < b ? a : b; the second operand when either is a NaN (IE) or both are zeros. */
export function min32(a: number, b: number): number {
  if (isNaN32(a) || isNaN32(b)) {
    sseEnv.pre |= MX_IE;
    return dazBits32(b);
  }
  const x = operand32(a);
  const y = operand32(b);
  return x < y ? f32ToBits(x) : f32ToBits(y);
}
/** MAXSS lane: a > b ? a : b, else the second operand. */
export function max32(a: number, b: number): number {
  if (isNaN32(a) || isNaN32(b)) {
    sseEnv.pre |= MX_IE;
    return dazBits32(b);
  }
  const x = operand32(a);
  const y = operand32(b);
  return x > y ? f32ToBits(x) : f32ToBits(y);
}
/** MINSD lane; result in {@link out64}. */
export function min64(ah: number, al: number, bh: number, bl: number): void {
  minmax64(ah, al, bh, bl, false);
}
/** MAXSD lane; result in {@link out64}. */
export function max64(ah: number, al: number, bh: number, bl: number): void {
  minmax64(ah, al, bh, bl, true);
}
function minmax64(ah: number, al: number, bh: number, bl: number, max: boolean): void {
  if (isNaN64(ah, al) || isNaN64(bh, bl)) {
    sseEnv.pre |= MX_IE;
    if ((sseEnv.mxcsr & MX_DAZ) !== 0 && isDenormal64(bh, bl)) {
      out64.hi = bh & 0x80000000;
      out64.lo = 0;
    } else {
      out64.hi = bh;
      out64.lo = bl;
    }
    return;
  }
  const x = operand64(ah, al);
  const y = operand64(bh, bl);
  put64((max ? x > y : x < y) ? x : y);
}

/**
 * CMPSS/CMPSD predicate (imm8 bits 0–2: EQ, LT, LE, UNORD, NEQ, NLT, NLE, ORD). LT/LE/NLT/NLE
 * signal invalid on any NaN, the others only on an SNaN (SDM Vol. 2A, CMPPS, table 3-1).
 */
function cmpResult(pred: number, x: number, y: number, unordered: boolean): boolean {
  switch (pred & 7) {
    case 0:
      return !unordered && x === y;
    case 1:
      return !unordered && x < y;
    case 2:
      return !unordered && x <= y;
    case 3:
      return unordered;
    case 4:
      return unordered || x !== y;
    case 5:
      return unordered || !(x < y);
    case 6:
      return unordered || !(x <= y);
    default:
      return !unordered;
  }
}
const signalsOnQNaN = (pred: number): boolean => (pred & 3) === 1 || (pred & 3) === 2;

/** CMPSS lane: all ones when the predicate holds, else zero. */
export function cmp32(pred: number, a: number, b: number): number {
  const un = isNaN32(a) || isNaN32(b);
  if (un) {
    if (signalsOnQNaN(pred) || isSNaN32(a) || isSNaN32(b)) sseEnv.pre |= MX_IE;
    return cmpResult(pred, 0, 0, true) ? -1 : 0;
  }
  return cmpResult(pred, operand32(a), operand32(b), false) ? -1 : 0;
}
/** CMPSD lane: true when the predicate holds (the caller writes all ones or zeros). */
export function cmp64(pred: number, ah: number, al: number, bh: number, bl: number): boolean {
  const un = isNaN64(ah, al) || isNaN64(bh, bl);
  if (un) {
    if (signalsOnQNaN(pred) || isSNaN64(ah, al) || isSNaN64(bh, bl)) sseEnv.pre |= MX_IE;
    return cmpResult(pred, 0, 0, true);
  }
  return cmpResult(pred, operand64(ah, al), operand64(bh, bl), false);
}

/** RFLAGS bits COMIS/UCOMIS produce: ZF, PF, CF (OF, SF, AF cleared). */
export const CF = 0x1;
/** Parity flag. */
export const PF = 0x4;
/** Zero flag. */
export const ZF = 0x40;

/**
 * COMISS/UCOMISS: returns ZF|PF|CF as hardware sets them (unordered 111, less 001, equal 100,
 * greater 000). `signaling` is COMISS (invalid on QNaN too).
 */
export function comi32(a: number, b: number, signaling: boolean): number {
  if (isNaN32(a) || isNaN32(b)) {
    if (signaling || isSNaN32(a) || isSNaN32(b)) sseEnv.pre |= MX_IE;
    return ZF | PF | CF;
  }
  const x = operand32(a);
  const y = operand32(b);
  return x < y ? CF : x === y ? ZF : 0;
}
/** COMISD/UCOMISD. */
export function comi64(ah: number, al: number, bh: number, bl: number, signaling: boolean): number {
  if (isNaN64(ah, al) || isNaN64(bh, bl)) {
    if (signaling || isSNaN64(ah, al) || isSNaN64(bh, bl)) sseEnv.pre |= MX_IE;
    return ZF | PF | CF;
  }
  const x = operand64(ah, al);
  const y = operand64(bh, bl);
  return x < y ? CF : x === y ? ZF : 0;
}

// ---------------------------------------------------------------------------------------------
// Conversions.

/** CVTSS2SD lane: exact widening; SNaN → IE and quieted; result in {@link out64}. */
export function cvt32to64(b: number): void {
  if (isNaN32(b)) {
    if (isSNaN32(b)) sseEnv.pre |= MX_IE;
    out64.hi = (b & 0x80000000) | 0x7ff80000 | ((b & 0x3fffff) >>> 3);
    out64.lo = b << 29;
    return;
  }
  put64(operand32(b));
}
/** CVTSD2SS lane: rounds under MXCSR; a NaN keeps its sign and top payload bits. */
export function cvt64to32(bh: number, bl: number): number {
  if (isNaN64(bh, bl)) {
    if (isSNaN64(bh, bl)) sseEnv.pre |= MX_IE;
    return (bh & 0x80000000) | 0x7fc00000 | ((bh & 0x7ffff) << 3) | (bl >>> 29);
  }
  const x = operand64(bh, bl);
  if (x === 0 || x === Number.POSITIVE_INFINITY || x === Number.NEGATIVE_INFINITY) return f32ToBits(x);
  return f32ToBits(roundPack(x, 0, 0, F32));
}

/** CVTSI2SS lane from a signed 32-bit integer. */
export function i32to32(v: number): number {
  v |= 0;
  if (v === 0) return 0;
  return f32ToBits(roundPack(v, 0, 0, F32));
}
/** CVTSI2SS lane from a signed 64-bit integer given as words. */
export function i64to32(hi: number, lo: number): number {
  const h = (hi | 0) * 4294967296;
  const l = lo >>> 0;
  const s = h + l;
  if (s === 0) return 0;
  return f32ToBits(roundPack(s, sumError(h, l, s), 0, F32));
}
/** CVTSI2SD lane from a signed 32-bit integer (always exact). */
export function i32to64(v: number): void {
  put64(v | 0);
}
/** CVTSI2SD lane from a signed 64-bit integer given as words. */
export function i64to64(hi: number, lo: number): void {
  const h = (hi | 0) * 4294967296;
  const l = lo >>> 0;
  const s = h + l;
  if (s === 0) {
    put64(0);
    return;
  }
  put64(roundPack(s, sumError(h, l, s), 0, F64));
}

/** 2^63. */
const TWO63 = 2 ** 63;

/** Rounds a finite double to an integer under rounding control `mode`; reports PE when inexact. */
function toInteger(x: number, mode: number): number {
  const n = Math.floor(x);
  const f = x - n;
  if (f === 0) return x;
  let r: number;
  switch (mode) {
    case RC_NEAREST:
      r = f > 0.5 || (f === 0.5 && n % 2 !== 0) ? n + 1 : n;
      break;
    case RC_DOWN:
      r = n;
      break;
    case RC_UP:
      r = n + 1;
      break;
    default:
      r = x < 0 ? n + 1 : n;
  }
  return r;
}

/**
 * Conversion to a 32-bit integer (CVTSS2SI/CVTSD2SI/CVTPS2DQ…, truncating when `truncate`): NaN,
 * ∞ and out-of-range values give the integer indefinite 0x80000000 and IE; otherwise PE when
 * inexact. DAZ applies; denormal operands do not report DE.
 */
function toInt32(x: number, truncate: boolean): number {
  if (!Number.isFinite(x)) {
    sseEnv.pre |= MX_IE;
    return INT32_INDEFINITE;
  }
  const r = toInteger(x, truncate ? RC_ZERO : rc());
  if (r >= 2147483648 || r < -2147483648) {
    sseEnv.pre |= MX_IE;
    return INT32_INDEFINITE;
  }
  if (r !== x) sseEnv.post |= MX_PE;
  return r | 0;
}
/** As {@link toInt32} for 64-bit results; words in {@link out64}. */
function toInt64(x: number, truncate: boolean): void {
  if (!Number.isFinite(x)) {
    sseEnv.pre |= MX_IE;
    out64.hi = INT32_INDEFINITE;
    out64.lo = 0;
    return;
  }
  const r = toInteger(x, truncate ? RC_ZERO : rc());
  if (r >= TWO63 || r < -TWO63) {
    sseEnv.pre |= MX_IE;
    out64.hi = INT32_INDEFINITE;
    out64.lo = 0;
    return;
  }
  if (r !== x) sseEnv.post |= MX_PE;
  const hi = Math.floor(r / 4294967296);
  out64.hi = hi | 0;
  out64.lo = (r - hi * 4294967296) | 0;
}

/** CVTSS2SI/CVTTSS2SI (32-bit destination) on a binary32 pattern. */
export function f32toI32(b: number, truncate: boolean): number {
  return toInt32(isNaN32(b) ? Number.NaN : dazOnly32(b), truncate);
}
/** CVTSS2SI/CVTTSS2SI with a 64-bit destination; result in {@link out64}. */
export function f32toI64(b: number, truncate: boolean): void {
  toInt64(isNaN32(b) ? Number.NaN : dazOnly32(b), truncate);
}
/** CVTSD2SI/CVTTSD2SI (32-bit destination). */
export function f64toI32(hi: number, lo: number, truncate: boolean): number {
  return toInt32(isNaN64(hi, lo) ? Number.NaN : dazOnly64(hi, lo), truncate);
}
/** CVTSD2SI/CVTTSD2SI with a 64-bit destination; result in {@link out64}. */
export function f64toI64(hi: number, lo: number, truncate: boolean): void {
  toInt64(isNaN64(hi, lo) ? Number.NaN : dazOnly64(hi, lo), truncate);
}

// ---------------------------------------------------------------------------------------------
// SSE4.1 ROUNDPS/ROUNDPD/ROUNDSS/ROUNDSD (SDM Vol. 2B, ROUNDSS, table 4-18 "Rounding Modes and
// Encoding of Rounding Control (RC) Field"): imm8 bits 1:0 give the mode unless bit 2 selects
// MXCSR.RC; bit 3 suppresses the precision exception. Only an SNaN raises IE; no DE.

function roundMode(imm: number): number {
  return (imm & 4) !== 0 ? rc() : imm & 3;
}

/** ROUNDSS lane: round a binary32 to an integral value. */
export function round32(b: number, imm: number): number {
  if (isNaN32(b)) {
    if (isSNaN32(b)) sseEnv.pre |= MX_IE;
    return b | 0x400000;
  }
  const x = dazOnly32(b);
  if (x === 0 || !Number.isFinite(x)) return f32ToBits(x);
  const r = toInteger(x, roundMode(imm));
  if (r !== x && (imm & 8) === 0) sseEnv.post |= MX_PE;
  return f32ToBits(r === 0 ? (x < 0 ? -0 : 0) : r);
}
/** ROUNDSD lane; result in {@link out64}. */
export function round64(hi: number, lo: number, imm: number): void {
  if (isNaN64(hi, lo)) {
    if (isSNaN64(hi, lo)) sseEnv.pre |= MX_IE;
    out64.hi = hi | 0x80000;
    out64.lo = lo;
    return;
  }
  const x = dazOnly64(hi, lo);
  if (x === 0 || !Number.isFinite(x)) {
    put64(x);
    return;
  }
  const r = toInteger(x, roundMode(imm));
  if (r !== x && (imm & 8) === 0) sseEnv.post |= MX_PE;
  put64(r === 0 ? (x < 0 ? -0 : 0) : r);
}

// RCPSS/RCPPS and RSQRTSS/RSQRTPS: the host CPU's approximations, bit for bit (approx.ts).
export { rcp32, rsqrt32 } from './approx.js';
