/**
 * CPUID feature bits of the instruction-set extensions implemented in this directory — the SSE
 * module's part of the answer the core's cpuid gives (SDM Vol. 2A, CPUID, tables 3-10 "Feature
 * Information Returned in the ECX Register" and 3-11 "... EDX Register"). A bit is listed here
 * only when every instruction it covers is implemented and tested against the host CPU.
 *
 * ================================ ADVERTISED BY THE SSE MODULE ================================
 */

/** Leaf 1 EDX: MMX (bit 23), SSE (bit 25), SSE2 (bit 26), CLFSH (bit 19); FXSR is the x87 module's. */
export const SSE_LEAF1_EDX = (1 << 23) | (1 << 25) | (1 << 26) | (1 << 19);
/**
 * Leaf 1 ECX: SSE3 (bit 0; its FISTTP is the x87 module's and implemented there), SSSE3 (bit 9),
 * SSE4.1 (bit 19), SSE4.2 (bit 20; POPCNT, bit 23, is the core's).
 */
export const SSE_LEAF1_ECX = (1 << 0) | (1 << 9) | (1 << 19) | (1 << 20);

/** Leaf 7 (subleaf 0) EBX: CLFLUSHOPT (bit 23). */
export const SSE_LEAF7_EBX = 1 << 23;

/** Names of the advertised extensions, for documentation and diagnostics. */
export const SSE_FEATURES: readonly string[] = [
  'sse',
  'sse2',
  'clflush',
  'clflushopt',
  'sse3',
  'ssse3',
  'sse4.1',
  'sse4.2',
];
