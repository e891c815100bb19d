/**
 * The instruction decoder: turns the bytes at an address into an {@link Insn} using the opcode
 * table. Prefix and encoding rules follow the Intel SDM Vol. 2A, chapter 2 (legacy prefixes, REX,
 * ModRM/SIB, VEX) in 64-bit mode.
 */
import { CpuFault } from './fault.js';
import {
  EA_ABS,
  EA_BASE,
  EA_BASE_INDEX,
  EA_INDEX,
  type Handler,
  Insn,
  PFX_ADSIZE,
  PFX_LOCK,
  PFX_OPSIZE,
  PFX_REP,
  PFX_REPNE,
  PFX_REX,
  PFX_VEX,
  PFX_W,
  SEG_FS,
  SEG_GS,
  SEG_NONE,
} from './insn.js';
import { type GuestMemory, PAGE_MAPPED, PAGE_SHIFT, PROT_EXEC } from './memory.js';
import type { OpRow } from './table.js';

/** Immediate kinds a row's operand template implies, in encoding order. */
const IMM_NONE = 0;
const IMM_B = 1; // imm8, zero-extended
const IMM_BS = 2; // imm8, sign-extended
const IMM_W = 3; // imm16, zero-extended
const IMM_Z = 4; // imm16/imm32 by operand size, sign-extended
const IMM_V = 5; // imm16/32/64 by operand size
const IMM_JB = 6; // rel8
const IMM_JZ = 7; // rel32
const IMM_O = 8; // moffs: 64-bit address (32 with 67)

/** An opcode row with what the decoder derives from its operand template. */
export interface RowInfo {
  /** The row as declared. */
  row: OpRow;
  /** Whether a ModRM byte follows the opcode. */
  modrm: boolean;
  /** The form reads VEX.vvvv (a `B` or `H` operand); otherwise vvvv must be 1111b. */
  usesVvvv: boolean;
  /** Kind of the first immediate (internal code; 0 = none). */
  imm1: number;
  /** Kind of the second immediate (internal code; 0 = none). */
  imm2: number;
}

/** Opcode lookup tables, built once from the rows. */
export class OpcodeTables {
  /** [map][opcode] → candidate rows (legacy/REX encodings). */
  readonly legacy: (RowInfo[] | undefined)[][] = [[], [], [], []];
  /** [map][opcode] → candidate rows (VEX encodings). */
  readonly vex: (RowInfo[] | undefined)[][] = [[], [], [], []];
  /** Every row, in registration order (for generated tests and documentation). */
  readonly rows: OpRow[] = [];

  constructor(groups: readonly (readonly OpRow[])[]) {
    for (const g of groups) for (const r of g) this.add(r);
  }

  private add(row: OpRow): void {
    const ops = row.operands === '' ? [] : row.operands.split(',').map((s) => s.trim());
    const modrm =
      row.modrm === true ||
      row.ext !== undefined ||
      ops.some((o) => /^[EGMRVWUNPQ]/.test(o) || o.startsWith('m') || o === 'STi');
    const imms: number[] = [];
    for (const o of ops) {
      const k = immKind(o);
      if (k !== IMM_NONE) imms.push(k);
    }
    const usesVvvv = ops.some((o) => o.startsWith('B') || o.startsWith('H'));
    const info: RowInfo = { row, modrm, usesVvvv, imm1: imms[0] ?? IMM_NONE, imm2: imms[1] ?? IMM_NONE };
    const table = row.vex ? this.vex : this.legacy;
    const count = row.plusReg ? 8 : 1;
    for (let k = 0; k < count; k++) {
      const list = (table[row.map]![row.opcode + k] ??= []);
      list.push(info);
    }
    this.rows.push(row);
  }
}

function immKind(o: string): number {
  switch (o) {
    case 'Ib':
      return IMM_B;
    case 'Ibs':
      return IMM_BS;
    case 'Iw':
      return IMM_W;
    case 'Iz':
      return IMM_Z;
    case 'Iv':
      return IMM_V;
    case 'Jb':
      return IMM_JB;
    case 'Jz':
      return IMM_JZ;
    case 'Ob':
    case 'Ov':
      return IMM_O;
    default:
      return IMM_NONE;
  }
}

/** Raises #UD; the handler of every undecodable byte sequence. */
export const invalidOpcode: Handler = () => {
  throw new CpuFault('invalid-opcode');
};

/** Decoding state shared between calls (the decoder is not re-entrant; nothing here escapes). */
let mem: GuestMemory;
let start = 0;
let pos = 0;
let touchedLast = -1;

function byte(): number {
  const at = pos;
  if (at - start >= 15) {
    // An instruction longer than 15 bytes raises #GP (Intel SDM Vol. 2A §2.3.11).
    throw new CpuFault('general-protection', undefined, undefined, 'instruction longer than 15 bytes');
  }
  const page = at >>> PAGE_SHIFT;
  if (page !== touchedLast) {
    if (at >= mem.u8.length || (mem.pages[page]! & (PAGE_MAPPED | PROT_EXEC)) !== (PAGE_MAPPED | PROT_EXEC)) {
      mem.checkAccess(at, 1, PROT_EXEC);
    }
    touchedLast = page;
  }
  pos = at + 1;
  return mem.u8[at]!;
}

function s8(): number {
  return (byte() << 24) >> 24;
}
function u16(): number {
  const lo = byte();
  return lo | (byte() << 8);
}
function i32(): number {
  const a = byte();
  const b = byte();
  const c = byte();
  return a | (b << 8) | (c << 16) | (byte() << 24);
}

/**
 * Decodes the instruction at `addr`. Throws a {@link CpuFault} only when the bytes cannot be
 * fetched (page fault, #GP for an over-long instruction); an undefined encoding yields an Insn
 * whose handler raises #UD, so the fault happens when (and if) it executes. The caller must check
 * that `addr` is a valid integer address below 2^32.
 */
export function decode(memory: GuestMemory, tables: OpcodeTables, addr: number): Insn {
  mem = memory;
  start = addr;
  pos = addr;
  touchedLast = -1;
  const insn = new Insn(invalidOpcode);
  insn.addr = addr;

  let pfx = 0;
  let lastRep = 0;
  let seg = SEG_NONE;
  let rex = 0;
  let b = byte();
  for (;;) {
    let isPrefix = true;
    switch (b) {
      case 0xf0:
        pfx |= PFX_LOCK;
        break;
      case 0xf2:
        pfx |= PFX_REPNE;
        lastRep = 0xf2;
        break;
      case 0xf3:
        pfx |= PFX_REP;
        lastRep = 0xf3;
        break;
      case 0x2e:
      case 0x36:
      case 0x3e:
      case 0x26:
        // CS/SS/DS/ES overrides are null prefixes in 64-bit mode (SDM Vol. 1 §3.3.7.1).
        seg = SEG_NONE;
        break;
      case 0x64:
        seg = SEG_FS;
        break;
      case 0x65:
        seg = SEG_GS;
        break;
      case 0x66:
        pfx |= PFX_OPSIZE;
        break;
      case 0x67:
        pfx |= PFX_ADSIZE;
        break;
      default:
        isPrefix = false;
    }
    if (isPrefix) {
      // A REX prefix only counts when it immediately precedes the opcode.
      rex = 0;
      b = byte();
      continue;
    }
    if ((b & 0xf0) === 0x40) {
      rex = b;
      b = byte();
      continue;
    }
    break;
  }
  if (rex) {
    pfx |= PFX_REX;
    if (rex & 8) pfx |= PFX_W;
  }

  let map = 0;
  let vexR = 0;
  let vexX = 0;
  let vexB = 0;
  let vexPP = 0;
  let isVex = false;
  if (b === 0x0f) {
    b = byte();
    map = 1;
    if (b === 0x38) {
      map = 2;
      b = byte();
    } else if (b === 0x3a) {
      map = 3;
      b = byte();
    }
  } else if (b === 0xc4 || b === 0xc5) {
    // VEX (SDM Vol. 2A §2.3.5). In 64-bit mode C4/C5 are always VEX (LES/LDS do not exist).
    isVex = true;
    if (pfx & (PFX_LOCK | PFX_OPSIZE | PFX_REP | PFX_REPNE | PFX_REX)) return finish(insn, map, b, pfx);
    const b1 = byte();
    let b2: number;
    if (b === 0xc5) {
      vexR = b1 & 0x80 ? 0 : 8;
      b2 = b1;
      map = 1;
    } else {
      vexR = b1 & 0x80 ? 0 : 8;
      vexX = b1 & 0x40 ? 0 : 8;
      vexB = b1 & 0x20 ? 0 : 8;
      const m = b1 & 0x1f;
      b2 = byte();
      if (m < 1 || m > 3) return finish(insn, 0, b, pfx);
      map = m;
      if (b2 & 0x80) pfx |= PFX_W;
    }
    insn.vvvv = (~b2 >>> 3) & 15;
    insn.vexL = (b2 >>> 2) & 1;
    vexPP = [0, 0x66, 0xf3, 0xf2][b2 & 3]!;
    pfx |= PFX_VEX;
    b = byte();
  }
  insn.map = map;
  insn.opcode = b;
  insn.seg = seg;
  insn.pfx = pfx;
  insn.lastRep = lastRep;

  const cands = (isVex ? tables.vex : tables.legacy)[map]![b];
  if (cands === undefined) return finish(insn, map, b, pfx);

  const needModrm = cands[0]!.modrm;
  let mod = 3;
  let regField = 0;
  let rmField = 0;
  const rexR = isVex ? vexR : rex & 4 ? 8 : 0;
  const rexX = isVex ? vexX : rex & 2 ? 8 : 0;
  const rexB = isVex ? vexB : rex & 1 ? 8 : 0;
  if (needModrm) {
    const m = byte();
    mod = m >>> 6;
    regField = (m >>> 3) & 7;
    rmField = m & 7;
    insn.mod = mod;
    insn.reg = regField | rexR;
    insn.rm = rmField | rexB;
    if (mod !== 3) decodeMemory(insn, mod, rmField, rexX, rexB, (pfx & PFX_ADSIZE) !== 0);
  } else {
    insn.mod = 3;
    insn.reg = (b & 7) | rexB;
    insn.rm = insn.reg;
  }
  const anyRex = rex !== 0 || isVex;
  insn.regB = byteReg(insn.reg, anyRex);
  insn.rmB = byteReg(insn.rm, anyRex);

  // Row selection: mandatory prefix, /digit, mod, rm, W.
  const mandatory = isVex ? vexPP : lastRep !== 0 ? lastRep : pfx & PFX_OPSIZE ? 0x66 : 0;
  let chosen: RowInfo | undefined;
  let fallback: RowInfo | undefined;
  for (const c of cands) {
    const r = c.row;
    if (r.ext !== undefined && r.ext !== regField) continue;
    if (r.mod === 'reg' && mod !== 3) continue;
    if (r.mod === 'mem' && mod === 3) continue;
    if (r.rm !== undefined && r.rm !== rmField) continue;
    if (r.w !== undefined && r.w !== (pfx & PFX_W ? 1 : 0)) continue;
    if (r.vex && r.vex.l !== insn.vexL) continue;
    if (r.prefix === undefined) {
      if (isVex) {
        if (vexPP === 0) chosen ??= c;
        continue;
      }
      fallback ??= c;
      continue;
    }
    if (r.prefix === mandatory) {
      chosen = c;
      break;
    }
  }
  chosen ??= fallback;
  if (chosen === undefined) return finish(insn, map, b, pfx);
  const row = chosen.row;
  insn.row = row;
  if (row.prefix !== undefined && !isVex) insn.mandatory = row.prefix;

  // Operand and address size (SDM Vol. 1 §3.6.1, Vol. 2A §2.2.1.7).
  const opsize66 = (pfx & PFX_OPSIZE) !== 0 && insn.mandatory !== 0x66;
  switch (row.size) {
    case 'f64':
      insn.opsize = 8;
      break;
    case 'd64':
      insn.opsize = pfx & PFX_W ? 8 : opsize66 ? 2 : 8;
      break;
    default:
      insn.opsize = pfx & PFX_W ? 8 : opsize66 ? 2 : 4;
  }
  insn.adsize = pfx & PFX_ADSIZE ? 4 : 8;
  insn.plainEa = insn.adsize === 8 && seg === SEG_NONE;

  if (chosen.imm1 !== IMM_NONE) readImm(insn, chosen.imm1, false);
  if (chosen.imm2 !== IMM_NONE) readImm(insn, chosen.imm2, true);

  insn.len = pos - addr;
  insn.next = pos;
  if (insn.eaKind === EA_ABS && ripRelative) {
    insn.ripRel = true;
    insn.disp = insn.adsize === 4 ? (insn.next + insn.disp) >>> 0 : insn.next + insn.disp;
  }
  if (chosen.imm1 === IMM_JB || chosen.imm1 === IMM_JZ) insn.target = insn.next + insn.imm;

  // Invalid-in-64-bit forms and illegal LOCK prefixes are #UD (SDM Vol. 2A §2.5, Vol. 3A §8.1.2.2).
  if (row.invalid64) return finish(insn, map, b, pfx);
  // VEX.vvvv is reserved (must be 1111b) when the form has no vvvv operand (SDM Vol. 2A §2.3.6).
  if (isVex && !chosen.usesVvvv && insn.vvvv !== 0) return finish(insn, map, b, pfx);
  if (pfx & PFX_LOCK && (row.lock !== true || mod === 3)) return finish(insn, map, b, pfx);
  insn.exec = row.exec;
  insn.batch = row.repBatch === true && (pfx & (PFX_REP | PFX_REPNE)) !== 0;
  return insn;
}

/** Completes an undecodable instruction: its handler raises #UD. */
function finish(insn: Insn, map: number, opcode: number, pfx: number): Insn {
  insn.map = map;
  insn.opcode = opcode;
  insn.pfx = pfx;
  insn.row = null;
  insn.exec = invalidOpcode;
  insn.len = Math.max(pos - start, 1);
  insn.next = start + insn.len;
  return insn;
}

function byteReg(r: number, anyRex: boolean): number {
  // Without REX, 8-bit register numbers 4–7 are AH, CH, DH, BH (bits 8–15 of RAX..RBX).
  return !anyRex && r >= 4 && r < 8 ? (r - 4) * 8 + 1 : r * 8;
}

let ripRelative = false;

function decodeMemory(insn: Insn, mod: number, rm: number, rexX: number, rexB: number, a32: boolean): void {
  ripRelative = false;
  if (rm === 4) {
    // SIB byte (SDM Vol. 2A, table 2-3).
    const sib = byte();
    const scale = sib >>> 6;
    const idx = ((sib >>> 3) & 7) | rexX;
    const baseField = sib & 7;
    const hasIndex = idx !== 4;
    insn.scale = scale;
    insn.index = idx;
    if (baseField === 5 && mod === 0) {
      insn.disp = i32();
      insn.eaKind = hasIndex ? EA_INDEX : EA_ABS;
      if (!hasIndex && a32) insn.disp >>>= 0;
      return;
    }
    insn.base = baseField | rexB;
    insn.eaKind = hasIndex ? EA_BASE_INDEX : EA_BASE;
  } else if (rm === 5 && mod === 0) {
    // RIP-relative (SDM Vol. 2A §2.2.1.6); resolved once the length is known.
    insn.disp = i32();
    insn.eaKind = EA_ABS;
    ripRelative = true;
    return;
  } else {
    insn.base = rm | rexB;
    insn.eaKind = EA_BASE;
  }
  if (mod === 1) insn.disp = s8();
  else if (mod === 2) insn.disp = i32();
}

function readImm(insn: Insn, kind: number, second: boolean): void {
  let v = 0;
  let hi = 0;
  switch (kind) {
    case IMM_B:
      v = byte();
      break;
    case IMM_BS:
    case IMM_JB:
      v = s8();
      hi = v >> 31;
      break;
    case IMM_W:
      v = u16();
      break;
    case IMM_Z:
      if (insn.opsize === 2) v = (u16() << 16) >> 16;
      else v = i32();
      hi = v >> 31;
      break;
    case IMM_V:
      if (insn.opsize === 2) {
        v = (u16() << 16) >> 16;
        hi = v >> 31;
      } else if (insn.opsize === 4) {
        v = i32();
        hi = v >> 31;
      } else {
        v = i32();
        hi = i32();
      }
      break;
    case IMM_JZ:
      v = i32();
      hi = v >> 31;
      break;
    case IMM_O:
      v = i32();
      hi = insn.adsize === 8 ? i32() : 0;
      break;
  }
  if (second) insn.imm2 = v;
  else {
    insn.imm = v;
    insn.immHi = hi;
  }
}
