/**
 * The x87 constant-load instructions (SDM Vol. 2A, FLD1/FLDL2T/FLDL2E/FLDPI/FLDLG2/FLDLN2/FLDZ).
 * The CPU holds the irrational constants with more than 64 bits and rounds them under the current
 * rounding control (precision control does not apply), so the last bit depends on RC.
 */
import { fdiv, LN2, LN10, PI, PREC } from './bigfix.js';
import { type F80, type FpEnv, roundToReg, zero } from './float80.js';

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

/** Builds constant `k` (the low three bits of D9 E8+k) under rounding control `rc`. */
export function loadConstant(k: number, rc: number, env: FpEnv): F80 {
  if (k === 0) return { sign: 0, exp: 0x3fff, sig: 1n << 63n };
  if (k === 6) return zero(0);
  const saved = env.cw;
  env.cw = (env.cw & ~0x0c00) | (rc << 10);
  const v = roundToReg(env, 0, VALUES[k]!, -PREC, true, false);
  env.cw = saved;
  return v;
}
