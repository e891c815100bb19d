/**
 * The decoded-instruction record. The decoder fills one {@link Insn} per instruction address and
 * the decoded-code cache keeps it, so execution never re-parses bytes. Handlers read the fields
 * they need; nothing here is allocated on the execution path.
 */
import type { Cpu } from './cpu.js';
import type { OpRow } from './table.js';

/** An instruction handler. On entry `cpu.rip` already equals `insn.next`; branches overwrite it. */
export type Handler = (cpu: Cpu, insn: Insn) => void;

/** Prefix bits in {@link Insn.pfx}. */
export const PFX_LOCK = 1;
/** F3 (REP/REPE, or the mandatory prefix of an SSE form). */
export const PFX_REP = 2;
/** F2 (REPNE, or the mandatory prefix of an SSE form). */
export const PFX_REPNE = 4;
/** 66 operand-size prefix present. */
export const PFX_OPSIZE = 8;
/** 67 address-size prefix present. */
export const PFX_ADSIZE = 16;
/** A REX prefix (40–4F) applies to the instruction. */
export const PFX_REX = 32;
/** REX.W (or VEX.W) is set. */
export const PFX_W = 64;
/** The instruction is VEX-encoded (C4/C5). */
export const PFX_VEX = 128;

/** Segment override in {@link Insn.seg}: none (or a null segment in 64-bit mode), FS or GS. */
export const SEG_NONE = 0;
export const SEG_FS = 1;
export const SEG_GS = 2;

/** Effective-address forms in {@link Insn.eaKind}. */
export const EA_NONE = 0;
/** Absolute address (disp32 with SIB and no base, or RIP-relative, already resolved into `disp`). */
export const EA_ABS = 1;
/** base + disp. */
export const EA_BASE = 2;
/** base + index*2^scale + disp. */
export const EA_BASE_INDEX = 3;
/** index*2^scale + disp. */
export const EA_INDEX = 4;

/** One decoded instruction. */
export class Insn {
  /** Address of the first byte (prefixes included). */
  addr = 0;
  /** Length in bytes (1–15). */
  len = 0;
  /** Address of the following instruction (`addr + len`). */
  next = 0;
  /** The handler that executes it. */
  exec: Handler;
  /** The opcode-table row it was decoded from (null for undecodable bytes). */
  row: OpRow | null = null;
  /** Opcode map: 0 one-byte, 1 = 0F, 2 = 0F 38, 3 = 0F 3A. */
  map = 0;
  /** The opcode byte within its map. */
  opcode = 0;
  /** PFX_* bits. */
  pfx = 0;
  /** The last of the F2/F3 prefixes (0 when neither): REPNE vs REPE for cmps/scas. */
  lastRep = 0;
  /** The mandatory prefix that selected an SSE row (0, 0x66, 0xF2, 0xF3). */
  mandatory = 0;
  /** Effective operand size in bytes for 'v'/'z'/'y' operands: 2, 4 or 8. */
  opsize = 4;
  /** Effective address size in bytes: 8, or 4 with a 67 prefix. */
  adsize = 8;
  /** SEG_NONE, SEG_FS or SEG_GS. */
  seg = SEG_NONE;
  /** ModRM.mod (3 = register operand); 3 as well for instructions without ModRM. */
  mod = 3;
  /** ModRM.reg extended by REX.R (0–15); for +r opcodes, the register from the opcode with REX.B. */
  reg = 0;
  /** ModRM.rm extended by REX.B (0–15), meaningful when mod == 3. */
  rm = 0;
  /** Byte offset into the GPR file of the 8-bit register selected by `reg` (AH–BH without REX). */
  regB = 0;
  /** Byte offset into the GPR file of the 8-bit register selected by `rm` when mod == 3. */
  rmB = 0;
  /** EA_* form of the memory operand. */
  eaKind = EA_NONE;
  /** Base register (0–15) of the memory operand. */
  base = 0;
  /** Index register (0–15) of the memory operand. */
  index = 0;
  /** log2 of the SIB scale (0–3). */
  scale = 0;
  /**
   * Displacement, sign-extended. For EA_ABS it is the complete address: RIP-relative operands
   * are resolved at decode time (next + disp32) and may be negative or ≥ 2^32 (then they fault).
   */
  disp = 0;
  /** 64-bit addressing without a segment override (the effective-address fast path applies). */
  plainEa = false;
  /** The memory operand is RIP-relative (for the disassembler; `disp` is already absolute). */
  ripRel = false;
  /** First immediate, low 32 bits as a signed int32 (sign- or zero-extended as the form says). */
  imm = 0;
  /** High 32 bits of a 64-bit immediate (mov r64, imm64; moffs64), else the sign extension of imm. */
  immHi = 0;
  /** Second immediate (enter's Ib) . */
  imm2 = 0;
  /** VEX.vvvv (register number, already un-inverted), 0 when not VEX. */
  vvvv = 0;
  /** VEX.L. */
  vexL = 0;
  /** Branch target for relative jumps/calls (absolute, may be out of range). */
  target = 0;
  /** A REP-prefixed string instruction whose handler batches iterations (see OpRow.repBatch). */
  batch = false;
  /** Cached successor when execution falls through (`rip == next`). */
  fall: Insn | null = null;
  /** Cached successor when a branch is taken (`rip == target`). */
  taken: Insn | null = null;
  /** Set when the decoded-code cache dropped this record; links to it must not be followed. */
  dead = false;

  constructor(exec: Handler) {
    this.exec = exec;
  }
}
