/**
 * Exact IEEE-754 rounding of binary32/binary64 results under every MXCSR rounding mode, without a
 * native directed-rounding primitive.
 *
 * Every operation first produces its exact result as `(hi + tail) · 2^k`, where `hi` is the exact
 * value rounded to nearest in binary64 (an error-free transformation: TwoSum, Dekker's TwoProduct,
 * or a division/square-root residual) and only the sign of the tail is known. Because every grid
 * point and every midpoint of the target format is itself a binary64 number near `hi`, the position
 * of the exact value relative to them equals that of `hi`, with the tail's sign breaking the tie
 * when `hi` lands on one. {@link roundPack} then rounds to the target grid, detects overflow and
 * underflow and applies FTZ.
 *
 * Underflow follows SDM Vol. 1, §4.9.1.5 "Numeric Underflow Exception (#U)" as SSE implements it:
 * tininess is detected after rounding (the result rounded to the format's precision with an
 * unbounded exponent is below the smallest normal); with the exception masked, UE is reported only
 * when the denormalized result is also inexact; unmasked, any tiny result reports UE alone. This
 * was checked against the host CPU (see round.test.ts).
 */
import {
  MX_FTZ,
  MX_MASK_SHIFT,
  MX_OE,
  MX_PE,
  MX_RC_SHIFT,
  MX_UE,
  RC_DOWN,
  RC_NEAREST,
  RC_UP,
  sseEnv,
} from './mxcsr.js';

const scratch = new ArrayBuffer(8);
const sF64 = new Float64Array(scratch);
const sU32 = new Uint32Array(scratch);

/** 2^n for n in [-1074, 1023], index n + 1074. */
const POW2 = new Float64Array(2098);
{
  let v = 1;
  for (let n = 0; n <= 1023; n++, v *= 2) POW2[n + 1074] = v;
  v = 1;
  for (let n = 0; n >= -1074; n--, v /= 2) POW2[n + 1074] = v;
}

/** 2^n as a double, exact for n in [-1074, 1023]. */
export function pow2(n: number): number {
  return POW2[n + 1074]!;
}

/** x · 2^n without intermediate rounding as long as the exact result is representable. */
export function scale2(x: number, n: number): number {
  while (n > 1023) {
    x *= POW2[1023 + 1074]!;
    n -= 1023;
  }
  while (n < -1022) {
    // Step down through the normal range only; the last step lands on the (exact) final value.
    x *= POW2[-1022 + 1074]!;
    n += 1022;
  }
  return x * POW2[n + 1074]!;
}

const TWO64 = 2 ** 64;

/** floor(log2 |x|) for a finite non-zero double, exact (denormals included). */
export function exponentOf(x: number): number {
  sF64[0] = x;
  const e = (sU32[1]! >>> 20) & 0x7ff;
  if (e !== 0) return e - 1023;
  sF64[0] = x * TWO64; // 2^64 brings a denormal into the normal range exactly
  return ((sU32[1]! >>> 20) & 0x7ff) - 1023 - 64;
}

/** Result format of a rounding: precision in bits and the normal exponent range. */
export interface FloatFormat {
  readonly p: number;
  readonly emin: number;
  readonly emax: number;
  /** Largest finite magnitude. */
  readonly max: number;
}

/** IEEE binary32 (single precision). */
export const F32: FloatFormat = { p: 24, emin: -126, emax: 127, max: 3.4028234663852886e38 };
/** IEEE binary64 (double precision). */
export const F64: FloatFormat = { p: 53, emin: -1022, emax: 1023, max: Number.MAX_VALUE };

let inexact = false;

/**
 * Rounds the positive magnitude `x` (with a tail of sign `s` relative to the magnitude) to a
 * multiple of the power of two `g`. `up` selects rounding away from zero for directed modes,
 * `nearest` round-to-nearest-even. Sets `inexact`.
 */
function roundGrid(x: number, s: number, g: number, nearest: boolean, up: boolean): number {
  const q = x / g;
  const n = Math.floor(q);
  const f = q - n;
  if (f === 0) {
    if (s === 0) {
      inexact = false;
      return x;
    }
    inexact = true;
    // The exact value lies just above n (s > 0) or just below it (s < 0).
    if (nearest) return x;
    if (s > 0) return up ? (n + 1) * g : x;
    return up ? x : (n - 1) * g;
  }
  inexact = true;
  let m = n;
  if (nearest) {
    if (f > 0.5 || (f === 0.5 && (s > 0 || (s === 0 && n % 2 === 1)))) m = n + 1;
  } else if (up) {
    m = n + 1;
  }
  return m * g;
}

/**
 * Rounds the exact value `(hi + tail) · 2^k` to `fmt` under the rounding mode and FTZ setting of
 * {@link sseEnv}; `lo` carries the sign of the tail (its magnitude is not used). `hi` must be the
 * binary64 round-to-nearest of `hi + tail` and non-zero. Reports OE/UE/PE into `sseEnv.post` and
 * returns the rounded value as a double (exactly representable in `fmt`).
 */
export function roundPack(hi: number, lo: number, k: number, fmt: FloatFormat): number {
  const mx = sseEnv.mxcsr;
  const rc = (mx >>> MX_RC_SHIFT) & 3;
  const neg = hi < 0;
  let x = neg ? -hi : hi;
  const s = lo === 0 ? 0 : lo > 0 !== neg ? 1 : -1;
  const nearest = rc === RC_NEAREST;
  const up = rc === (neg ? RC_DOWN : RC_UP);
  let e = exponentOf(x);
  if (e < -900) {
    // Keep every grid below exact in binary64: move a very small operand up (exactly).
    x *= POW2[200 + 1074]!;
    e += 200;
    k -= 200;
  }
  if (s < 0 && x === POW2[e + 1074]) e -= 1;
  const p = fmt.p;
  // Round to p bits with an unbounded exponent: decides overflow and (after-rounding) tininess.
  const r = roundGrid(x, s, POW2[e - p + 1 + 1074]!, nearest, up);
  const unboundedInexact = inexact;
  {
    const re = exponentOf(r) + k;
    if (re > fmt.emax) {
      // Overflow (SDM Vol. 1, §4.9.1.4): masked gives ∞ or the largest finite number by mode.
      if ((mx & (MX_OE << MX_MASK_SHIFT)) === 0) {
        // Unmasked: no result is delivered; PE reports whether the exponent-unbounded result
        // was inexact (observed on hardware, matching the x87's scaled-result rule).
        sseEnv.post |= inexact ? MX_OE | MX_PE : MX_OE;
      } else {
        sseEnv.post |= MX_OE | MX_PE;
      }
      const big = nearest || up ? Number.POSITIVE_INFINITY : fmt.max;
      return neg ? -big : big;
    }
    if (re >= fmt.emin) {
      if (inexact) sseEnv.post |= MX_PE;
      const v = scale2(r, k);
      return neg ? -v : v;
    }
  }
  {
    const umasked = (mx & (MX_UE << MX_MASK_SHIFT)) !== 0;
    if (!umasked) {
      sseEnv.post |= unboundedInexact ? MX_UE | MX_PE : MX_UE;
      return 0;
    }
    if ((mx & MX_FTZ) !== 0) {
      sseEnv.post |= MX_UE | MX_PE;
      return neg ? -0 : 0;
    }
    const ge = fmt.emin - p + 1 - k;
    let v: number;
    if (ge > e + 1) {
      // Below half of the smallest denormal: zero, or the smallest denormal when rounding away.
      inexact = true;
      v = up ? POW2[fmt.emin - p + 1 + 1074]! : 0;
    } else {
      v = scale2(roundGrid(x, s, POW2[ge + 1074]!, nearest, up), k);
    }
    if (inexact) sseEnv.post |= MX_UE | MX_PE;
    return neg ? -v : v;
  }
}

/** Splits a double for Dekker's exact product (Veltkamp splitting with 2^27 + 1). */
const SPLITTER = 134217729;

/**
 * The rounding error of `a · b` (so that `a · b = fl(a · b) + err` exactly), Dekker's TwoProduct.
 * Requires no overflow or underflow in the partial products.
 */
export function productError(a: number, b: number, p: number): number {
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** The rounding error of `a + b` (so that `a + b = fl(a + b) + err` exactly), Knuth's TwoSum. */
export function sumError(a: number, b: number, s: number): number {
  const bb = s - a;
  return a - (s - bb) + (b - bb);
}
