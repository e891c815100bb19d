/**
 * MXCSR, the SSE control/status register (Intel SDM Vol. 1, §10.2.3 "MXCSR Control and Status
 * Register"), and the floating-point environment the SSE semantic functions read and report into.
 */

/** Invalid-operation exception flag (IE). */
export const MX_IE = 0x1;
/** Denormal-operand exception flag (DE). */
export const MX_DE = 0x2;
/** Divide-by-zero exception flag (ZE). */
export const MX_ZE = 0x4;
/** Overflow exception flag (OE). */
export const MX_OE = 0x8;
/** Underflow exception flag (UE). */
export const MX_UE = 0x10;
/** Precision (inexact) exception flag (PE). */
export const MX_PE = 0x20;
/** All six sticky exception flags. */
export const MX_FLAGS = 0x3f;
/** Denormals-are-zeros: denormal source operands are read as signed zeros. */
export const MX_DAZ = 0x40;
/** Shift from an exception flag to its mask bit (IM is bit 7 … PM is bit 12). */
export const MX_MASK_SHIFT = 7;
/** All six exception mask bits. */
export const MX_MASKS = 0x1f80;
/** Rounding-control field shift (bits 13–14). */
export const MX_RC_SHIFT = 13;
/** Flush-to-zero: tiny results become signed zeros when underflow is masked. */
export const MX_FTZ = 0x8000;
/** MXCSR after reset and the value the ABI hands to a new thread. */
export const MXCSR_DEFAULT = 0x1f80;
/**
 * Misaligned-SSE mode (bit 17, AMD64 APM Vol. 4 "MXCSR"; the host CPU has it): when set, legacy SSE
 * instructions other than the explicitly aligned moves accept misaligned 16-byte operands.
 */
export const MX_MM = 0x20000;
/**
 * Bits ldmxcsr/fxrstor accept (MXCSR_MASK as fxsave reports it on the host: DAZ and MM). Setting
 * any other bit raises #GP (SDM Vol. 1, §11.6.6 "Guidelines for Writing to the MXCSR Register").
 */
export const MXCSR_WRITABLE = 0x2ffff;

/** Rounding-control values (SDM Vol. 1, table 4-8). */
export const RC_NEAREST = 0;
/** Round toward −∞. */
export const RC_DOWN = 1;
/** Round toward +∞. */
export const RC_UP = 2;
/** Round toward zero (truncate). */
export const RC_ZERO = 3;

/**
 * The environment one SSE instruction runs in. Handlers set `mxcsr` from the CPU, clear `pre` and
 * `post`, run the lane operations, then decide with {@link sseFaults} whether the instruction
 * faults (#XM, destination unchanged) or commits (flags OR-ed into MXCSR).
 *
 * Exceptions come in two groups (SDM Vol. 1, §11.5.2 "SIMD Floating-Point Exception Conditions" and
 * the priority rules of §11.5.1): pre-computation ones (IE, DE, ZE), detected from the operands of
 * every lane before anything is computed, and post-computation ones (OE, UE, PE) from the results.
 * An unmasked pre-computation exception in any lane stops the instruction before post-computation
 * flags are gathered.
 */
export const sseEnv = {
  /** MXCSR in effect (control bits are read from it; flags are not written here). */
  mxcsr: MXCSR_DEFAULT,
  /** Pre-computation exception flags raised so far by this instruction. */
  pre: 0,
  /** Post-computation exception flags raised so far by this instruction. */
  post: 0,
  /** Set by {@link sseEnd}: the instruction raised an unmasked exception (#XM). */
  faulted: false,
};

/** Clears the per-instruction exception accumulators and loads the control bits to use. */
export function sseBegin(mxcsr: number): void {
  sseEnv.mxcsr = mxcsr;
  sseEnv.pre = 0;
  sseEnv.post = 0;
}

/**
 * After the lanes of one instruction ran: returns the MXCSR the instruction leaves behind and
 * whether it faults. On a fault the destination must stay unchanged; the flags are still recorded
 * (an #XM handler reads them).
 */
export function sseEnd(): number {
  const mx = sseEnv.mxcsr;
  const unmasked = ~(mx >>> MX_MASK_SHIFT) & MX_FLAGS;
  const pre = sseEnv.pre;
  if ((pre & unmasked) !== 0) {
    sseEnv.faulted = true;
    return mx | pre;
  }
  const all = pre | sseEnv.post;
  sseEnv.faulted = (all & unmasked) !== 0;
  return mx | all;
}

/** True when MXCSR has reserved bits set, so ldmxcsr/fxrstor must raise #GP. */
export function mxcsrReservedBitsSet(value: number): boolean {
  return (value & ~MXCSR_WRITABLE) !== 0;
}
