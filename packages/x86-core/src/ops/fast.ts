/**
 * Decode-time specialisation for the interpreter's hot path. After the decoder has chosen a row,
 * {@link selectFastOp} looks at the decoded form (operand size, register or memory operand,
 * immediate) and, for the integer forms compilers emit most, records how `Cpu.run` executes it
 * inline: `Insn.fsrc` says where the source operand comes from (a register, the immediate, or
 * memory through the effective address), `Insn.fop` what to do with it, and `Insn.fd`/`Insn.fs`
 * which register slots (Int32 indices into the register file, or byte offsets for 8-bit
 * registers) are involved. The run loop then needs no call through `Insn.exec` and no look at
 * ModRM fields or operand sizes. Every other instruction keeps `fop = 0` and calls its handler.
 *
 * A fast form must behave exactly like the row's handler (results, flags, faults and the order of
 * memory accesses): the handlers in this directory remain the reference, and the differential
 * suite runs through `Cpu.run`, so it checks the fast forms against the host CPU.
 */
import type { Insn } from '../insn.js';
import { EA_NONE, PFX_LOCK, PFX_VEX } from '../insn.js';

// Source operands, loaded before the operation runs.
/** No source operand (or the form reads its own). */
export const S_NONE = 0;
/** 64-bit register at slot fs. */
export const S_REG64 = 1;
/** 32-bit register at slot fs. */
export const S_REG32 = 2;
/** 8-bit register at byte offset fs. */
export const S_REG8 = 3;
/** The immediate (imm, immHi). */
export const S_IMM = 4;
/** 64 bits of memory at the effective address. */
export const S_MEM64 = 5;
/** 32 bits of memory at the effective address. */
export const S_MEM32 = 6;
/** 8 bits of memory at the effective address. */
export const S_MEM8 = 7;

// Operations (destination register slot fd unless said otherwise).
/** No fast form: call `Insn.exec`. */
export const F_NONE = 0;
/** fd ← source (64 bits). */
export const F_MOV64 = 1;
/** fd ← source (32 bits, zero-extended). */
export const F_MOV32 = 2;
/** fd ← sign-extended 32-bit source (movsxd). */
export const F_MOVSXD = 3;
/** mov [m], r64 (register slot fs). */
export const F_STORE64 = 4;
/** mov [m], r32. */
export const F_STORE32 = 5;
/** mov [m], r8 (byte offset fs). */
export const F_STORE8 = 6;
/** lea r64, [m] with 64-bit addressing. */
export const F_LEA64 = 7;
/** jcc rel (condition code in fs). */
export const F_JCC = 8;
/** jmp rel. */
export const F_JMP = 9;
/** call rel. */
export const F_CALL = 10;
/** ret. */
export const F_RET = 11;
/** push r64 (slot fs). */
export const F_PUSH = 12;
/** pop r64 (slot fd). */
export const F_POP = 13;
/** jmp r64 (64-bit register source). */
export const F_JMP_R = 14;
/** nop (0F 1F). */
export const F_NOP = 15;
/** cmp [m64], imm / cmp [m64], r64 (slot fd) / the 32-bit forms; memory is the source load. */
export const F_CMPM_I64 = 16;
export const F_CMPM_R64 = 17;
export const F_CMPM_I32 = 18;
export const F_CMPM_R32 = 19;
// Shifts and rotates of register fd by a non-zero, already masked immediate count in fs.
export const F_SHL64 = 20;
export const F_SHR64 = 21;
export const F_SAR64 = 22;
export const F_SHL32 = 23;
export const F_SHR32 = 24;
export const F_SAR32 = 25;
export const F_ROL32 = 26;
export const F_ROR32 = 27;
/** inc/dec of register fd at 64 and 32 bits. */
export const F_INC64 = 28;
export const F_DEC64 = 29;
export const F_INC32 = 30;
export const F_DEC32 = 31;
/**
 * ALU fd ∘= source: F_ALU64 + op and F_ALU32 + op, with op the 80–83 group's /digit (0 add,
 * 1 or, 4 and, 5 sub, 6 xor, 7 cmp) and 8 for test.
 */
export const F_ALU64 = 32;
export const F_ALU32 = 48;

/** The ALU operation number of a mnemonic (8 for test), or -1. */
function aluOp(m: string): number {
  switch (m) {
    case 'add':
      return 0;
    case 'or':
      return 1;
    case 'and':
      return 4;
    case 'sub':
      return 5;
    case 'xor':
      return 6;
    case 'cmp':
      return 7;
    case 'test':
      return 8;
    default:
      return -1;
  }
}

/**
 * Chooses the fast form of a completely decoded, valid instruction (its row is set and its
 * handler is the row's). Leaves `fop = 0` when the form has none.
 */
export function selectFastOp(i: Insn): void {
  const row = i.row;
  if (row === null || i.pfx & (PFX_VEX | PFX_LOCK)) return;
  const size = i.opsize;
  // The multi-byte nop does nothing at any operand size (66 0F 1F is a common padding form).
  if (i.map === 1 && i.opcode === 0x1f && row.mnemonic === 'nop') {
    set(i, F_NOP, S_NONE, 0, 0);
    return;
  }
  // 16-bit operands (a 66 prefix) keep their handlers; branches are always 64-bit here.
  if (size !== 4 && size !== 8) return;
  const m = row.mnemonic;
  const wide = size === 8;
  const reg = i.mod === 3;
  const g = i.reg << 1;
  const e = i.rm << 1;
  const rmSrc = reg ? (wide ? S_REG64 : S_REG32) : wide ? S_MEM64 : S_MEM32;
  const alu = aluOp(m);
  if (i.map === 1) {
    if ((i.opcode & 0xf0) === 0x80 && row.operands === 'Jz' && m.startsWith('j'))
      set(i, F_JCC, S_NONE, 0, i.opcode & 15);
    else if (i.opcode === 0xb6 && m === 'movzx' && !wide) set(i, F_MOV32, reg ? S_REG8 : S_MEM8, g, i.rmB);
    return;
  }
  if (i.map !== 0) return;
  switch (row.operands) {
    case 'Ev,Gv':
      if (m === 'mov') {
        if (reg) set(i, wide ? F_MOV64 : F_MOV32, wide ? S_REG64 : S_REG32, e, g);
        else set(i, wide ? F_STORE64 : F_STORE32, S_NONE, 0, g);
      } else if (alu >= 0) {
        if (reg) set(i, (wide ? F_ALU64 : F_ALU32) + alu, wide ? S_REG64 : S_REG32, e, g);
        else if (alu === 7) set(i, wide ? F_CMPM_R64 : F_CMPM_R32, rmSrc, g, 0);
      }
      return;
    case 'Gv,Ev':
      if (m === 'mov') set(i, wide ? F_MOV64 : F_MOV32, rmSrc, g, e);
      else if (alu >= 0 && alu !== 8) set(i, (wide ? F_ALU64 : F_ALU32) + alu, rmSrc, g, e);
      return;
    case 'Eb,Gb':
      if (m === 'mov' && !reg) set(i, F_STORE8, S_NONE, 0, i.regB);
      return;
    case 'Ev,Ibs':
    case 'Ev,Iz':
      if (m === 'mov') {
        if (reg) set(i, wide ? F_MOV64 : F_MOV32, S_IMM, e, 0);
      } else if (alu >= 0) {
        if (reg) set(i, (wide ? F_ALU64 : F_ALU32) + alu, S_IMM, e, 0);
        else if (alu === 7) set(i, wide ? F_CMPM_I64 : F_CMPM_I32, rmSrc, 0, 0);
      }
      return;
    case 'rAX,Iz':
      if (alu >= 0) set(i, (wide ? F_ALU64 : F_ALU32) + alu, S_IMM, 0, 0);
      return;
    case 'Zv,Iv':
      if (m === 'mov') set(i, wide ? F_MOV64 : F_MOV32, S_IMM, g, 0);
      return;
    case 'Zv':
      if (wide && m === 'push') set(i, F_PUSH, S_NONE, 0, g);
      else if (wide && m === 'pop') set(i, F_POP, S_NONE, g, 0);
      return;
    case 'Gv,M':
      if (m === 'lea' && wide && i.adsize === 8 && i.eaKind !== EA_NONE) set(i, F_LEA64, S_NONE, g, 0);
      return;
    case 'Gv,Ed':
      if (m === 'movsxd' && wide) set(i, F_MOVSXD, reg ? S_REG32 : S_MEM32, g, e);
      return;
    case 'Ev,Ib':
      if (reg) shiftImm(i, m, wide, e);
      return;
    case 'Ev':
      if (reg && m === 'inc') set(i, wide ? F_INC64 : F_INC32, S_NONE, e, 0);
      else if (reg && m === 'dec') set(i, wide ? F_DEC64 : F_DEC32, S_NONE, e, 0);
      return;
    case 'Eq':
      if (m === 'jmp' && reg) set(i, F_JMP_R, S_REG64, 0, e);
      return;
    case 'Jb':
    case 'Jz':
      if (m === 'jmp') set(i, F_JMP, S_NONE, 0, 0);
      else if (m === 'call') set(i, F_CALL, S_NONE, 0, 0);
      else if (m.startsWith('j') && (i.opcode & 0xf0) === 0x70) set(i, F_JCC, S_NONE, 0, i.opcode & 15);
      return;
    case '':
      if (m === 'ret' && i.opcode === 0xc3) set(i, F_RET, S_NONE, 0, 0);
      return;
  }
}

function set(i: Insn, fop: number, fsrc: number, fd: number, fs: number): void {
  i.fop = fop;
  i.fsrc = fsrc;
  i.fd = fd;
  i.fs = fs;
}

/** Shifts and rotates by imm8 with a non-zero masked count (a zero count keeps the handler). */
function shiftImm(i: Insn, m: string, wide: boolean, e: number): void {
  const c = i.imm & (wide ? 0x3f : 0x1f);
  if (c === 0) return;
  let fop = F_NONE;
  switch (m) {
    case 'shl':
    case 'sal':
      fop = wide ? F_SHL64 : F_SHL32;
      break;
    case 'shr':
      fop = wide ? F_SHR64 : F_SHR32;
      break;
    case 'sar':
      fop = wide ? F_SAR64 : F_SAR32;
      break;
    case 'rol':
      if (!wide) fop = F_ROL32;
      break;
    case 'ror':
      if (!wide) fop = F_ROR32;
      break;
  }
  if (fop !== F_NONE) set(i, fop, S_NONE, e, c);
}
