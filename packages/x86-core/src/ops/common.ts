/**
 * Operand access and arithmetic helpers shared by the integer handlers. Sizes are in bytes
 * (1, 2, 4, 8). Values narrower than 64 bits travel as numbers zero-extended from their width
 * (32-bit values as int32); 64-bit values travel as a low int32 returned and a high int32 left in
 * `cpu.hi`. An address argument of -1 means "the ModRM r/m register".
 */
import type { Cpu } from '../cpu.js';
import { LF_ADC, LF_ADD, LF_AUX, LF_DEC, LF_INC, LF_SBB, LF_SUB } from '../flags.js';
import type { Insn } from '../insn.js';

/** Value masks by operand size in bytes (index 8 unused: 64-bit values go in halves). */
export const MASK = [0, 0xff, 0xffff, 0, -1, 0, 0, 0, -1] as const;

/** The r/m operand's address, or -1 for a register operand. */
export function rmAddr(cpu: Cpu, i: Insn): number {
  return i.mod === 3 ? -1 : cpu.ea(i);
}

/** Loads the r/m operand of `size` bytes from address `a` (or the rm register when a < 0). */
export function ld(cpu: Cpu, i: Insn, a: number, size: number): number {
  if (a < 0) {
    switch (size) {
      case 1:
        return cpu.b[i.rmB]!;
      case 2:
        return cpu.w[i.rm << 2]!;
      case 4:
        return cpu.r[i.rm << 1]!;
      default:
        cpu.hi = cpu.r[(i.rm << 1) + 1]!;
        return cpu.r[i.rm << 1]!;
    }
  }
  switch (size) {
    case 1:
      return cpu.memory.read8(a);
    case 2:
      return cpu.memory.read16(a);
    case 4:
      return cpu.memory.read32(a);
    default:
      return cpu.read64(a);
  }
}

/** Stores the r/m operand (a 32-bit register store zero-extends). */
export function st(cpu: Cpu, i: Insn, a: number, size: number, lo: number, hi: number): void {
  if (a < 0) {
    const r = cpu.r;
    switch (size) {
      case 1:
        cpu.b[i.rmB] = lo;
        return;
      case 2:
        cpu.w[i.rm << 2] = lo;
        return;
      case 4:
        r[i.rm << 1] = lo;
        r[(i.rm << 1) + 1] = 0;
        return;
      default:
        r[i.rm << 1] = lo;
        r[(i.rm << 1) + 1] = hi;
        return;
    }
  }
  switch (size) {
    case 1:
      cpu.memory.write8(a, lo);
      return;
    case 2:
      cpu.memory.write16(a, lo);
      return;
    case 4:
      cpu.memory.write32(a, lo);
      return;
    default:
      cpu.write64(a, lo, hi);
  }
}

/** Reads the ModRM.reg operand. */
export function getG(cpu: Cpu, i: Insn, size: number): number {
  switch (size) {
    case 1:
      return cpu.b[i.regB]!;
    case 2:
      return cpu.w[i.reg << 2]!;
    case 4:
      return cpu.r[i.reg << 1]!;
    default:
      cpu.hi = cpu.r[(i.reg << 1) + 1]!;
      return cpu.r[i.reg << 1]!;
  }
}

/** Writes the ModRM.reg operand. */
export function setG(cpu: Cpu, i: Insn, size: number, lo: number, hi: number): void {
  const r = cpu.r;
  switch (size) {
    case 1:
      cpu.b[i.regB] = lo;
      return;
    case 2:
      cpu.w[i.reg << 2] = lo;
      return;
    case 4:
      r[i.reg << 1] = lo;
      r[(i.reg << 1) + 1] = 0;
      return;
    default:
      r[i.reg << 1] = lo;
      r[(i.reg << 1) + 1] = hi;
  }
}

/** Reads GPR n (register number; for size 1 the low byte, no AH mapping). */
export function getReg(cpu: Cpu, n: number, size: number): number {
  switch (size) {
    case 1:
      return cpu.b[n << 3]!;
    case 2:
      return cpu.w[n << 2]!;
    case 4:
      return cpu.r[n << 1]!;
    default:
      cpu.hi = cpu.r[(n << 1) + 1]!;
      return cpu.r[n << 1]!;
  }
}

/** Writes GPR n by size (size 1: the low byte). */
export function setReg(cpu: Cpu, n: number, size: number, lo: number, hi: number): void {
  const r = cpu.r;
  switch (size) {
    case 1:
      cpu.b[n << 3] = lo;
      return;
    case 2:
      cpu.w[n << 2] = lo;
      return;
    case 4:
      r[n << 1] = lo;
      r[(n << 1) + 1] = 0;
      return;
    default:
      r[n << 1] = lo;
      r[(n << 1) + 1] = hi;
  }
}

/** ALU operation numbers: the ModRM /digit of the 80–83 group. */
export const ADD = 0;
export const OR = 1;
export const ADC = 2;
export const SBB = 3;
export const AND = 4;
export const SUB = 5;
export const XOR = 6;
export const CMP = 7;

/**
 * Computes `d op s` at `size` bytes and records the flags (SDM Vol. 2: ADD, OR, ADC, SBB, AND,
 * SUB, XOR, CMP). 64-bit operands pass their high halves in dh/sh and get the result's in cpu.hi.
 */
export function alu(
  cpu: Cpu,
  op: number,
  size: number,
  d: number,
  dh: number,
  s: number,
  sh: number,
): number {
  if (size === 8) return alu64(cpu, op, d, dh, s, sh);
  const mask = MASK[size]!;
  const bits = size << 3;
  s &= mask;
  let r: number;
  cpu.hi = 0;
  switch (op) {
    case ADD:
      r = (d + s) & mask;
      cpu.setFlagsOp(LF_ADD, bits, d, s, r);
      return r;
    case OR:
      r = d | s;
      cpu.setFlagsLogic(bits, r, 0);
      return r;
    case ADC: {
      const c = cpu.getCF();
      r = (d + s + c) & mask;
      cpu.setFlagsOp(LF_ADC, bits, d, s, r);
      cpu.lf[LF_AUX] = c;
      return r;
    }
    case SBB: {
      const c = cpu.getCF();
      r = (d - s - c) & mask;
      cpu.setFlagsOp(LF_SBB, bits, d, s, r);
      cpu.lf[LF_AUX] = c;
      return r;
    }
    case AND:
      r = d & s;
      cpu.setFlagsLogic(bits, r, 0);
      return r;
    case XOR:
      r = d ^ s;
      cpu.setFlagsLogic(bits, r, 0);
      return r;
    default:
      r = (d - s) & mask;
      cpu.setFlagsOp(LF_SUB, bits, d, s, r);
      return r;
  }
}

/** The 64-bit case of {@link alu}, in 32-bit halves. */
export function alu64(cpu: Cpu, op: number, dl: number, dh: number, sl: number, sh: number): number {
  let rl: number;
  let rh: number;
  switch (op) {
    case ADD:
    case ADC: {
      const c = op === ADC ? cpu.getCF() : 0;
      const t = (dl >>> 0) + (sl >>> 0) + c;
      rl = t | 0;
      rh = (dh + sh + (t > 0xffffffff ? 1 : 0)) | 0;
      cpu.setFlagsOp64(op === ADC ? LF_ADC : LF_ADD, dl, dh, sl, sh, rl, rh);
      if (op === ADC) cpu.lf[LF_AUX] = c;
      break;
    }
    case SBB:
    case SUB:
    case CMP: {
      const c = op === SBB ? cpu.getCF() : 0;
      const t = (dl >>> 0) - (sl >>> 0) - c;
      rl = t | 0;
      rh = (dh - sh - (t < 0 ? 1 : 0)) | 0;
      cpu.setFlagsOp64(op === SBB ? LF_SBB : LF_SUB, dl, dh, sl, sh, rl, rh);
      if (op === SBB) cpu.lf[LF_AUX] = c;
      break;
    }
    case OR:
      rl = dl | sl;
      rh = dh | sh;
      cpu.setFlagsLogic(64, rl, rh);
      break;
    case AND:
      rl = dl & sl;
      rh = dh & sh;
      cpu.setFlagsLogic(64, rl, rh);
      break;
    default:
      rl = dl ^ sl;
      rh = dh ^ sh;
      cpu.setFlagsLogic(64, rl, rh);
  }
  cpu.hi = rh;
  return rl;
}

/** inc (dir = 1) or dec (dir = -1) with CF preserved (SDM Vol. 2: INC, DEC). */
export function incdec(cpu: Cpu, dir: number, size: number, d: number, dh: number): number {
  const cf = cpu.getCF();
  let r: number;
  if (size === 8) {
    const t = (d >>> 0) + dir;
    r = t | 0;
    const rh = (dh + (t > 0xffffffff ? 1 : t < 0 ? -1 : 0)) | 0;
    cpu.setFlagsOp64(dir > 0 ? LF_INC : LF_DEC, d, dh, 1, 0, r, rh);
    cpu.hi = rh;
  } else {
    r = (d + dir) & MASK[size]!;
    cpu.setFlagsOp(dir > 0 ? LF_INC : LF_DEC, size << 3, d, 1, r);
    cpu.hi = 0;
  }
  cpu.lf[LF_AUX] = cf;
  return r;
}

/** Sign-extends a `size`-byte value to int32 (size 4 is already int32). */
export function sext(v: number, size: number): number {
  return size === 1 ? (v << 24) >> 24 : size === 2 ? (v << 16) >> 16 : v | 0;
}

/** Scratch words for wide multiplication/division results. */
export const wide = new Int32Array(4);

let mulLo = 0;
let mulHi = 0;
/** Unsigned 32×32 → 64: low word in mulLo, high word in mulHi (both int32). */
function mul32(a: number, b: number): void {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  mulLo = Math.imul(a, b);
  mulHi = (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
}

/** Low 64 bits of the product al:ah × bl:bh (same for signed and unsigned): returns the low word, high word in `mulHi64`. */
export function mul64Low(al: number, ah: number, bl: number, bh: number): number {
  mul32(al, bl);
  const lo = mulLo;
  mulHi64 = (mulHi + Math.imul(al, bh) + Math.imul(ah, bl)) | 0;
  return lo;
}
/** High word written by {@link mul64Low}. */
export let mulHi64 = 0;

/** Whether the signed 64×64 product al:ah × bl:bh overflows 64 bits (imul's CF/OF). */
export function imulOverflow64(al: number, ah: number, bl: number, bh: number): boolean {
  mulu64(al, ah, bl, bh);
  if (ah < 0) subHigh(bl, bh);
  if (bh < 0) subHigh(al, ah);
  const s = wide[1]! >> 31;
  return wide[2] !== s || wide[3] !== s;
}

/** wide[2..3] −= h:l (turns the unsigned high half into the signed one). */
export function subHigh(l: number, h: number): void {
  const t = (wide[2]! >>> 0) - (l >>> 0);
  wide[2] = t | 0;
  wide[3] = (wide[3]! - h - (t < 0 ? 1 : 0)) | 0;
}

/**
 * Unsigned 64×64 → 128-bit multiply of al:ah by bl:bh into `wide` (low word first), from four
 * exact 32×32 partial products.
 */
export function mulu64(al: number, ah: number, bl: number, bh: number): void {
  mul32(al, bl);
  const w0 = mulLo;
  const c1 = mulHi >>> 0;
  mul32(al, bh);
  const x0 = mulLo >>> 0;
  const x1 = mulHi >>> 0;
  mul32(ah, bl);
  const y0 = mulLo >>> 0;
  const y1 = mulHi >>> 0;
  mul32(ah, bh);
  const z0 = mulLo >>> 0;
  const z1 = mulHi >>> 0;
  // Column sums stay below 2^34, exact in doubles.
  const s1 = c1 + x0 + y0;
  const s2 = x1 + y1 + z0 + Math.floor(s1 / 4294967296);
  const s3 = z1 + Math.floor(s2 / 4294967296);
  wide[0] = w0;
  wide[1] = s1 | 0;
  wide[2] = s2 | 0;
  wide[3] = s3 | 0;
}

/** Negates the 128-bit value in `wide` (two's complement). */
export function negWide(): void {
  let carry = 1;
  for (let k = 0; k < 4; k++) {
    const t = (~wide[k]! >>> 0) + carry;
    wide[k] = t | 0;
    carry = t > 0xffffffff ? 1 : 0;
  }
}

/**
 * Unsigned 128 / 64 division of wide[0..3] by bl:bh. Returns false when the quotient does not fit
 * in 64 bits (the caller raises #DE). On success wide[0..1] is the quotient and wide[2..3] the
 * remainder. Restoring binary long division over 32-bit words.
 */
export function divu128(bl: number, bh: number): boolean {
  const dl = bl >>> 0;
  const dh = bh >>> 0;
  // The quotient fits iff the high 64 bits of the dividend are below the divisor.
  const nh = wide[3]! >>> 0;
  const nl = wide[2]! >>> 0;
  if (nh > dh || (nh === dh && nl >= dl)) return false;
  let rh = nh;
  let rl = nl;
  let qh = wide[1]! >>> 0;
  let ql = wide[0]! >>> 0;
  // Fast path: the dividend is below 2^52, so the double division is exact.
  if (rh === 0 && rl === 0 && dh === 0 && qh < 0x100000) {
    const n = qh * 4294967296 + ql;
    const q = Math.floor(n / dl);
    const rem = n - q * dl;
    wide[0] = (q % 4294967296) | 0;
    wide[1] = Math.floor(q / 4294967296) | 0;
    wide[2] = rem | 0;
    wide[3] = 0;
    return true;
  }
  for (let k = 0; k < 64; k++) {
    // Shift remainder:quotient left by one.
    const top = rh >>> 31;
    rh = ((rh << 1) | (rl >>> 31)) >>> 0;
    rl = ((rl << 1) | (qh >>> 31)) >>> 0;
    qh = ((qh << 1) | (ql >>> 31)) >>> 0;
    ql = (ql << 1) >>> 0;
    if (top || rh > dh || (rh === dh && rl >= dl)) {
      const t = rl - dl;
      rl = t >>> 0;
      rh = (rh - dh - (t < 0 ? 1 : 0)) >>> 0;
      ql = (ql | 1) >>> 0;
    }
  }
  wide[0] = ql | 0;
  wide[1] = qh | 0;
  wide[2] = rl | 0;
  wide[3] = rh | 0;
  return true;
}

/** Condition-code suffixes in encoding order (SDM Vol. 1 Appendix B). */
export const CC_NAMES = [
  'o',
  'no',
  'b',
  'ae',
  'e',
  'ne',
  'be',
  'a',
  's',
  'ns',
  'p',
  'np',
  'l',
  'ge',
  'le',
  'g',
] as const;
