/**
 * Packed BCD conversions for FBLD/FBSTP (SDM Vol. 1, 4.7 "BCD and packed BCD integers"): 18 decimal
 * digits, two per byte from the least significant byte up, and the sign in bit 7 of byte 9.
 */
import { Cls, classify, type F80, type FpEnv, fromInt, IE, isNaN80, PE, toInt } from './float80.js';

const TEN18 = 10n ** 18n;

/** FBLD: converts 10 packed-BCD bytes exactly (digits above 9 are taken at face value). */
export function bcdToF80(b: Uint8Array): F80 {
  let v = 0n;
  for (let i = 8; i >= 0; i--) {
    const byte = b[i]!;
    v = v * 100n + BigInt((byte >> 4) * 10 + (byte & 15));
  }
  const negative = (b[9]! & 0x80) !== 0;
  const r = fromInt(v);
  if (negative) r.sign = 1;
  return r;
}

/**
 * FBSTP: rounds under RC to an integer and encodes it; values that do not fit 18 digits, NaNs,
 * infinities and unsupported encodings raise IE and give the BCD indefinite.
 */
export function f80ToBcd(env: FpEnv, v: F80): Uint8Array {
  const c = classify(v);
  const bad = c === Cls.Unsupported || isNaN80(c) || c === Cls.Infinity;
  const saved = env.flags;
  const n = bad ? 0n : toInt(env, v, 64, false);
  const mag = n < 0n ? -n : n;
  if (bad || (env.flags & IE) !== 0 || mag >= TEN18) {
    env.flags = (saved | IE) & ~PE;
    env.c1 = 0;
    return Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff);
  }
  const out = new Uint8Array(10);
  let m = mag;
  for (let i = 0; i < 9; i++) {
    const lo = Number(m % 10n);
    m /= 10n;
    const hi = Number(m % 10n);
    m /= 10n;
    out[i] = (hi << 4) | lo;
  }
  out[9] = v.sign ? 0x80 : 0;
  return out;
}
