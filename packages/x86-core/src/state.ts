/**
 * Layout of the CPU register file. Every piece of architectural state lives in one ArrayBuffer so
 * that typed-array views (and a later WebAssembly JIT) can reach it directly. Offsets are in bytes;
 * the `*_I32` constants are indices into an Int32Array/Uint32Array view of the same buffer.
 */

/** Total size of the register-file buffer in bytes. */
export const STATE_BYTES = 1024;

/** GPR n occupies bytes 8n..8n+7 (little-endian): Int32 index 2n is the low half, 2n+1 the high half. */
export const GPR_OFFSET = 0;
/** FS base (two int32 halves) at this Int32 index. */
export const FS_BASE_I32 = 32;
/** GS base (two int32 halves) at this Int32 index. */
export const GS_BASE_I32 = 34;
/** Lazy-flag record (see flags.ts) starts at this Int32 index and spans {@link LF_WORDS} words. */
export const LF_I32 = 40;
/** Number of Int32 words in the lazy-flag record. */
export const LF_WORDS = 12;

/** XMM0–XMM15, 16 bytes each, little-endian, starting at this byte offset (Uint32 index 64 + 4n). */
export const XMM_OFFSET = 256;
/** Uint32 index of XMM0's lowest dword. */
export const XMM_I32 = XMM_OFFSET / 4;
/** MXCSR as a Uint32 at this index (byte 512). */
export const MXCSR_I32 = 128;

/**
 * x87 physical registers R0–R7, 16 bytes each starting at this byte offset: bytes 0–7 hold the
 * 64-bit significand (little-endian, explicit integer bit at bit 63), bytes 8–9 the sign (bit 15)
 * and biased exponent (bits 0–14); bytes 10–15 are padding. ST(i) is R((TOP + i) mod 8).
 */
export const X87_REG_OFFSET = 528;
/** FPU control word (Uint16 at this byte offset). */
export const X87_FCW_OFFSET = 656;
/** FPU status word incl. TOP in bits 11–13 (Uint16 at this byte offset). */
export const X87_FSW_OFFSET = 658;
/** Full FPU tag word, 2 bits per physical register (Uint16 at this byte offset). */
export const X87_FTW_OFFSET = 660;
/** Last x87 opcode, 11 bits (Uint16 at this byte offset). */
export const X87_FOP_OFFSET = 662;
/** Last x87 instruction pointer (two Uint32: low, high) at this byte offset. */
export const X87_FIP_OFFSET = 664;
/** Last x87 data pointer (two Uint32: low, high) at this byte offset. */
export const X87_FDP_OFFSET = 672;
/** Bytes 680–1023 are free for extension modules; claim a range in CONTRACT.md before using it. */
export const EXT_FREE_OFFSET = 680;

/** RFLAGS bits (Intel SDM Vol. 1, §3.4.3). */
export const CF = 0x1;
export const PF = 0x4;
export const AF = 0x10;
export const ZF = 0x40;
export const SF = 0x80;
export const TF = 0x100;
export const IF = 0x200;
export const DF = 0x400;
export const OF = 0x800;
export const AC = 0x40000;
export const ID = 0x200000;
/** The six status flags the lazy-flag machinery computes. */
export const ARITH_FLAGS = CF | PF | AF | ZF | SF | OF;
/** Flags a user-mode program may change with popf (TF is not emulated; IF, IOPL, RF and VM stay fixed). */
export const USER_FLAGS = ARITH_FLAGS | DF | AC | ID;
