/**
 * The x87 constant-load instructions (SDM Vol. 2A, FLD1/FLDL2T/FLDL2E/FLDPI/FLDLG2/FLDLN2/FLDZ).
 * The CPU holds the irrational constants with more than 64 bits and rounds them under the current
 * rounding control (precision control does not apply), so the last bit depends on RC. All 28
 * (constant, RC) results are rounded once when the module loads.
 */
import { fdiv, LN2, LN10, PI, PREC, roundToReg } from './bigfix.js';
import { type F80, type FpEnv, zero } from './float80.js';

/** Fixed-point value of each D9 E8+i constant (index i), null for 1.0 and +0.0. */
const VALUES: (bigint | null)[] = [
  null,
  fdiv(LN10, LN2),
  fdiv(1n << BigInt(PREC), LN2),
  PI,
  fdiv(LN2, LN10),
  LN2,
  null,
];

function build(k: number, rc: number): F80 {
  if (k === 0) return { sign: 0, exp: 0x3fff, hi: 0x80000000, lo: 0 };
  if (k === 6) return zero(0);
  const env: FpEnv = { cw: 0x037f | (rc << 10), flags: 0, c1: 0 };
  return roundToReg(env, 0, VALUES[k]!, -PREC, true, false);
}

/** TABLE[4 × k + rc]: constant k rounded under rounding control rc. */
const TABLE: readonly Readonly<F80>[] = Array.from({ length: 28 }, (_, i) => build(i >> 2, i & 3));

/** Constant `k` (the low three bits of D9 E8+k) under rounding control `rc`. */
export function loadConstant(k: number, rc: number, _env: FpEnv): F80 {
  return TABLE[4 * k + rc]!;
}
