/**
 * Packed BCD conversions for FBLD/FBSTP (SDM Vol. 1, 4.7 "BCD and packed BCD integers"): 18 decimal
 * digits, two per byte from the least significant byte up, and the sign in bit 7 of byte 9.
 * The 60-bit magnitudes are handled as two 32-bit halves.
 */
import { Cls, classify, type F80, type FpEnv, fromInt64, HIGH, IE, isNaN80, PE, toInt } from './float80.js';

/** 10^18 as 32-bit halves: the first magnitude FBSTP cannot encode. */
const TEN18_HI = 0x0de0b6b3;
const TEN18_LO = 0xa7640000;
const E9 = 1e9;

/** FBLD: converts 10 packed-BCD bytes exactly (digits above 9 are taken at face value). */
export function bcdToF80(b: Uint8Array): F80 {
  // Two 9-digit halves, each below 2^30 (even with digits above 9).
  let high = 0;
  let low = 0;
  for (let i = 8; i >= 5; i--) high = high * 100 + (b[i]! >> 4) * 10 + (b[i]! & 15);
  high = high * 10 + (b[4]! >> 4);
  low = b[4]! & 15;
  for (let i = 3; i >= 0; i--) low = low * 100 + (b[i]! >> 4) * 10 + (b[i]! & 15);
  // v = high × 10^9 + low = (high × 1953125) × 2^9 + low; the first product stays below 2^53.
  const p = high * 1953125;
  const ph = Math.floor(p / 2 ** 32);
  const pl = p - ph * 2 ** 32;
  let hi = ((ph << 9) | (pl >>> 23)) >>> 0;
  let lo = (pl << 9) >>> 0;
  const sum = lo + low;
  lo = sum >>> 0;
  if (sum > 0xffffffff) hi = (hi + 1) >>> 0;
  const r = fromInt64(lo, hi);
  return { sign: b[9]! & 0x80 ? 1 : 0, exp: r.exp, hi: r.hi, lo: r.lo };
}

/**
 * FBSTP: rounds under RC to an integer and encodes it; values that do not fit 18 digits, NaNs,
 * infinities and unsupported encodings raise IE and give the BCD indefinite.
 */
export function f80ToBcd(env: FpEnv, v: F80): Uint8Array {
  const c = classify(v);
  const bad = c === Cls.Unsupported || isNaN80(c) || c === Cls.Infinity;
  const saved = env.flags;
  let lo = 0;
  let hi = 0;
  if (!bad) {
    lo = toInt(env, v, 64, false);
    hi = HIGH[0]!;
    if (hi >= 0x80000000) {
      lo = (~lo + 1) >>> 0;
      hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
    }
  }
  if (bad || (env.flags & IE) !== 0 || hi > TEN18_HI || (hi === TEN18_HI && lo >= TEN18_LO)) {
    env.flags = (saved | IE) & ~PE;
    env.c1 = 0;
    return Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff);
  }
  // Split the magnitude into 9-digit halves by long division in 16-bit steps (all exact).
  let rem = 0;
  let q = 0;
  for (const limb of [hi >>> 16, hi & 0xffff, lo >>> 16, lo & 0xffff]) {
    const cur = rem * 65536 + limb;
    const d = Math.floor(cur / E9);
    rem = cur - d * E9;
    q = q * 65536 + d;
  }
  const out = new Uint8Array(10);
  let m = rem;
  for (let i = 0; i < 9; i++) {
    if (i === 4) {
      // Digit 9 (the low nibble of byte 4) is the first digit of the high half.
      const d8 = m % 10;
      m = q;
      const d9 = m % 10;
      m = (m - d9) / 10;
      out[i] = (d9 << 4) | d8;
      continue;
    }
    const dLo = m % 10;
    m = (m - dLo) / 10;
    const dHi = m % 10;
    m = (m - dHi) / 10;
    out[i] = (dHi << 4) | dLo;
  }
  out[9] = v.sign ? 0x80 : 0;
  return out;
}
