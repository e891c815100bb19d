/**
 * Lazy flags (the technique of recording the last flag-setting operation and computing individual
 * flags only when something reads them). The record lives in the register-file buffer (Int32
 * words starting at LF_I32) so generated code can reach it. Flag definitions follow the Intel SDM
 * Vol. 1 §3.4.3.1 and Appendix A (EFLAGS cross-reference).
 *
 * Record words (indices into `Cpu.lf`):
 * - LF_OP: the operation kind (LF_NONE means every flag is already in LF_FLAGS);
 * - LF_BITS: operand width in bits (8, 16, 32, 64);
 * - LF_DST/LF_DSTH, LF_SRC/LF_SRCH, LF_RES/LF_RESH: operands and result. For widths below 64 the
 *   low words hold the values zero-extended to 32 bits (the 32-bit case as int32) and the high
 *   words are zero;
 * - LF_AUX: carry-in for ADC/SBB, the preserved CF for INC/DEC, or explicit CF/OF/AF bits for
 *   LF_SZP;
 * - LF_FLAGS: the materialised RFLAGS (authoritative for all bits when LF_OP is LF_NONE, and for
 *   the non-arithmetic bits always).
 */
export const LF_OP = 0;
export const LF_BITS = 1;
export const LF_DST = 2;
export const LF_DSTH = 3;
export const LF_SRC = 4;
export const LF_SRCH = 5;
export const LF_RES = 6;
export const LF_RESH = 7;
export const LF_AUX = 8;
export const LF_FLAGS = 9;

/** Flags are materialised in LF_FLAGS. */
export const LF_NONE = 0;
/** add: CF/OF/AF from the operands. */
export const LF_ADD = 1;
/** adc: like add with carry-in LF_AUX. */
export const LF_ADC = 2;
/** sub, cmp, neg (0 − x). */
export const LF_SUB = 3;
/** sbb: like sub with borrow-in LF_AUX. */
export const LF_SBB = 4;
/** and, or, xor, test: CF = OF = 0, AF = 0. */
export const LF_LOGIC = 5;
/** inc: add of 1, CF preserved in LF_AUX. */
export const LF_INC = 6;
/** dec: sub of 1, CF preserved in LF_AUX. */
export const LF_DEC = 7;
/** SF/ZF/PF from the result; CF, OF and AF given explicitly in LF_AUX (shifts, mul, BMI). */
export const LF_SZP = 8;

/**
 * Two- and three-operand imul at 64 bits: RES/RESH hold the truncated product, DST/DSTH and
 * SRC/SRCH the factors; CF = OF (signed overflow) is computed from them only when read.
 */
export const LF_IMUL64 = 9;

/** PARITY[b] is PF (0x4) when byte b has an even number of set bits. */
export const PARITY = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  let n = b;
  n ^= n >> 4;
  n ^= n >> 2;
  n ^= n >> 1;
  PARITY[b] = n & 1 ? 0 : 4;
}
