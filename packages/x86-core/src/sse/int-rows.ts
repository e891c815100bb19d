/**
 * SSE2 packed-integer instructions on XMM registers (66-prefixed 0F opcodes; SDM Vol. 2 entries
 * PADDB…PXOR, Vol. 1 §11.4.4 "SSE2 128-Bit SIMD Integer Instruction Extensions"): add/sub with
 * wrap-around and saturation, multiplies, shifts, compares, logic, pack/unpack, shuffles,
 * pinsrw/pextrw, pmovmskb, psadbw, pavg, pmin/pmax. Results are staged before being written so a
 * source that aliases the destination reads its original value.
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { XMM_I32 } from '../state.js';
import type { OpRow } from '../table.js';
import { copy4, STAGE, src128, xreg } from './access.js';
import { unpckq } from './fp-rows.js';

const STAGE_B = STAGE << 2;

const s8 = (v: number): number => (v << 24) >> 24;
const s16 = (v: number): number => (v << 16) >> 16;
const satS8 = (v: number): number => (v > 127 ? 127 : Math.max(v, -128)) & 0xff;
const satU8 = (v: number): number => (v > 255 ? 255 : Math.max(v, 0));
const satS16 = (v: number): number => (v > 32767 ? 32767 : Math.max(v, -32768)) & 0xffff;
const satU16 = (v: number): number => (v > 65535 ? 65535 : Math.max(v, 0));

/**
 * Lane operations, selected by a numeric kind and dispatched through one switch so that every
 * call site stays monomorphic for the JIT (a function value per row would make the shared loop
 * megamorphic).
 */
const enum L {
  Add8,
  Sub8,
  AddS8,
  AddUS8,
  SubS8,
  SubUS8,
  Avg8,
  MinU8,
  MaxU8,
  CmpEq8,
  CmpGt8,
  Add16,
  Sub16,
  AddS16,
  AddUS16,
  SubS16,
  SubUS16,
  MulLo16,
  MulHi16,
  MulHiU16,
  Avg16,
  MinS16,
  MaxS16,
  CmpEq16,
  CmpGt16,
  Add32,
  Sub32,
  CmpEq32,
  CmpGt32,
  And,
  AndN,
  Or,
  Xor,
}

function lane(k: L, a: number, b: number): number {
  switch (k) {
    case L.Add8:
      return (a + b) & 0xff;
    case L.Sub8:
      return (a - b) & 0xff;
    case L.AddS8:
      return satS8(s8(a) + s8(b));
    case L.AddUS8:
      return satU8(a + b);
    case L.SubS8:
      return satS8(s8(a) - s8(b));
    case L.SubUS8:
      return satU8(a - b);
    case L.Avg8:
    case L.Avg16:
      return (a + b + 1) >>> 1;
    case L.MinU8:
      return Math.min(a, b);
    case L.MaxU8:
      return Math.max(a, b);
    case L.CmpEq8:
      return a === b ? 0xff : 0;
    case L.CmpGt8:
      return s8(a) > s8(b) ? 0xff : 0;
    case L.Add16:
      return (a + b) & 0xffff;
    case L.Sub16:
      return (a - b) & 0xffff;
    case L.AddS16:
      return satS16(s16(a) + s16(b));
    case L.AddUS16:
      return satU16(a + b);
    case L.SubS16:
      return satS16(s16(a) - s16(b));
    case L.SubUS16:
      return satU16(a - b);
    case L.MulLo16:
      return Math.imul(a, b) & 0xffff;
    case L.MulHi16:
      return ((s16(a) * s16(b)) >> 16) & 0xffff;
    case L.MulHiU16:
      return (a * b) >>> 16;
    case L.MinS16:
      return s16(a) < s16(b) ? a : b;
    case L.MaxS16:
      return s16(a) > s16(b) ? a : b;
    case L.CmpEq16:
      return a === b ? 0xffff : 0;
    case L.CmpGt16:
      return s16(a) > s16(b) ? 0xffff : 0;
    case L.Add32:
      return (a + b) | 0;
    case L.Sub32:
      return (a - b) | 0;
    case L.CmpEq32:
      return a === b ? -1 : 0;
    case L.CmpGt32:
      return a > b ? -1 : 0;
    case L.And:
      return a & b;
    case L.AndN:
      return ~a & b;
    case L.Or:
      return a | b;
    default:
      return a ^ b;
  }
}

/** Byte-lane operation (values unsigned 0–255 in, result masked to 8 bits). */
function p8(k: L) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src128(cpu, i, true) << 2;
    const d = xreg(i) << 2;
    const b = cpu.b;
    for (let j = 0; j < 16; j++) b[d + j] = lane(k, b[d + j]!, b[s + j]!);
  };
}
/** Word-lane operation (values unsigned 0–65535 in). */
function p16(k: L) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src128(cpu, i, true) << 1;
    const d = xreg(i) << 1;
    const w = cpu.w;
    for (let j = 0; j < 8; j++) w[d + j] = lane(k, w[d + j]!, w[s + j]!);
  };
}
/** Dword-lane operation (values as int32). */
function p32(k: L) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src128(cpu, i, true);
    const d = xreg(i);
    const r = cpu.r;
    for (let j = 0; j < 4; j++) r[d + j] = lane(k, r[d + j]!, r[s + j]!);
  };
}
/** paddq/psubq: quadword add or subtract with carry between the halves. */
function addq(sub: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src128(cpu, i, true);
    const d = xreg(i);
    const u = cpu.u32;
    for (let k = 0; k < 4; k += 2) {
      const al = u[d + k]!;
      const bl = u[s + k]!;
      const t = sub ? al - bl : al + bl;
      u[d + k] = t >>> 0;
      u[d + k + 1] =
        (sub
          ? u[d + k + 1]! - u[s + k + 1]! - (t < 0 ? 1 : 0)
          : u[d + k + 1]! + u[s + k + 1]! + (t > 0xffffffff ? 1 : 0)) >>> 0;
    }
  };
}
/** Unsigned 32×32 → 64-bit product of two dwords into u[o], u[o+1]. */
function mul32x32(u: Uint32Array, o: number, a: number, b: number): void {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const mid = ah * bl + al * bh; // < 2^33, exact
  const lo = ll + (mid % 65536) * 65536;
  u[o] = lo >>> 0;
  u[o + 1] = (ah * bh + Math.floor(mid / 65536) + Math.floor(lo / 4294967296)) >>> 0;
}
/** PMULUDQ: low dwords of each quadword multiplied into 64-bit products. */
function pmuludq(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true);
  const d = xreg(i);
  const u = cpu.u32;
  const a0 = u[d]!;
  const b0 = u[s]!;
  const a2 = u[d + 2]!;
  const b2 = u[s + 2]!;
  mul32x32(u, d, a0, b0);
  mul32x32(u, d + 2, a2, b2);
}
/** PMADDWD: signed word products summed pairwise into dwords. */
function pmaddwd(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true);
  const d = xreg(i);
  const w = cpu.w;
  const r = cpu.r;
  const dw = d << 1;
  const sw = s << 1;
  for (let k = 0; k < 4; k++) {
    const p = s16(w[dw + 2 * k]!) * s16(w[sw + 2 * k]!) + s16(w[dw + 2 * k + 1]!) * s16(w[sw + 2 * k + 1]!);
    r[STAGE + k] = p | 0;
  }
  copy4(cpu.u32, d, STAGE);
}
/** PSADBW: sums of absolute byte differences per quadword, in the low word of each quadword. */
function psadbw(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true) << 2;
  const d = xreg(i) << 2;
  const b = cpu.b;
  const u = cpu.u32;
  let lo = 0;
  let hi = 0;
  for (let k = 0; k < 8; k++) lo += Math.abs(b[d + k]! - b[s + k]!);
  for (let k = 8; k < 16; k++) hi += Math.abs(b[d + k]! - b[s + k]!);
  const o = d >> 2;
  u[o] = lo;
  u[o + 1] = 0;
  u[o + 2] = hi;
  u[o + 3] = 0;
}

// ---- shifts ------------------------------------------------------------------------------------

/**
 * Shift of every `bits`-wide lane by `count` (an unsigned count; SDM: counts above the lane width
 * give 0 for logical shifts and the sign fill for arithmetic ones). kind: 0 srl, 1 sra, 2 sll.
 */
function shiftLanes(cpu: Cpu, d: number, bits: number, kind: number, count: number): void {
  const u = cpu.u32;
  if (bits === 64) {
    for (let k = 0; k < 4; k += 2) {
      const lo = u[d + k]!;
      const hi = u[d + k + 1]!;
      let nl = 0;
      let nh = 0;
      if (count < 64) {
        if (kind === 2) {
          if (count >= 32) nh = lo << (count - 32);
          else if (count > 0) {
            nh = (hi << count) | (lo >>> (32 - count));
            nl = lo << count;
          } else {
            nh = hi;
            nl = lo;
          }
        } else if (count >= 32) nl = hi >>> (count - 32);
        else if (count > 0) {
          nl = (lo >>> count) | (hi << (32 - count));
          nh = hi >>> count;
        } else {
          nl = lo;
          nh = hi;
        }
      }
      u[d + k] = nl >>> 0;
      u[d + k + 1] = nh >>> 0;
    }
    return;
  }
  if (bits === 32) {
    const r = cpu.r;
    for (let k = 0; k < 4; k++) {
      const v = r[d + k]!;
      r[d + k] =
        kind === 1 ? v >> Math.min(count, 31) : count > 31 ? 0 : kind === 0 ? v >>> count : v << count;
    }
    return;
  }
  const w = cpu.w;
  const dw = d << 1;
  for (let k = 0; k < 8; k++) {
    const v = w[dw + k]!;
    w[dw + k] =
      kind === 1 ? s16(v) >> Math.min(count, 15) : count > 15 ? 0 : kind === 0 ? v >>> count : v << count;
  }
}
/** Shift count from the low quadword of an xmm/m128 operand, saturated. */
function countOf(cpu: Cpu, i: Insn): number {
  const s = src128(cpu, i, true);
  const u = cpu.u32;
  return u[s + 1] !== 0 || u[s]! > 255 ? 255 : u[s]!;
}
function shiftX(bits: number, kind: number) {
  return (cpu: Cpu, i: Insn): void => shiftLanes(cpu, xreg(i), bits, kind, countOf(cpu, i));
}
function shiftI(bits: number, kind: number) {
  return (cpu: Cpu, i: Insn): void => shiftLanes(cpu, XMM_I32 + (i.rm << 2), bits, kind, i.imm & 0xff);
}
/** PSRLDQ/PSLLDQ: whole-register byte shift (counts above 15 clear the register). */
function byteShift(left: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const d = (XMM_I32 + (i.rm << 2)) << 2;
    const b = cpu.b;
    const n = i.imm & 0xff;
    for (let k = 0; k < 16; k++) {
      const from = left ? k - n : k + n;
      b[STAGE_B + k] = from >= 0 && from < 16 ? b[d + from]! : 0;
    }
    copy4(cpu.u32, d >> 2, STAGE);
  };
}

// ---- pack / unpack / shuffle -------------------------------------------------------------------

/** PACKSSWB/PACKUSWB: words of destination then source saturated to bytes. */
function packWB(unsigned: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src128(cpu, i, true) << 1;
    const d = xreg(i) << 1;
    const w = cpu.w;
    const b = cpu.b;
    for (let k = 0; k < 8; k++) {
      b[STAGE_B + k] = unsigned ? satU8(s16(w[d + k]!)) : satS8(s16(w[d + k]!));
      b[STAGE_B + 8 + k] = unsigned ? satU8(s16(w[s + k]!)) : satS8(s16(w[s + k]!));
    }
    copy4(cpu.u32, d >> 1, STAGE);
  };
}
/** PACKSSDW: dwords saturated to signed words. */
function packssdw(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true);
  const d = xreg(i);
  const r = cpu.r;
  const w = cpu.w;
  const o = STAGE << 1;
  for (let k = 0; k < 4; k++) {
    w[o + k] = satS16(r[d + k]!);
    w[o + 4 + k] = satS16(r[s + k]!);
  }
  copy4(cpu.u32, d, STAGE);
}
/** PACKUSDW (SSE4.1): dwords saturated to unsigned words. */
export function packusdw(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true);
  const d = xreg(i);
  const r = cpu.r;
  const w = cpu.w;
  const o = STAGE << 1;
  for (let k = 0; k < 4; k++) {
    w[o + k] = satU16(r[d + k]!);
    w[o + 4 + k] = satU16(r[s + k]!);
  }
  copy4(cpu.u32, d, STAGE);
}
/** PUNPCKL/H BW/WD/DQ: interleave elements of `size` bytes from the low or high halves. */
function punpck(size: number, high: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const s = (src128(cpu, i, true) << 2) + (high ? 8 : 0);
    const dx = xreg(i) << 2;
    const d = dx + (high ? 8 : 0);
    const b = cpu.b;
    const n = 8 / size;
    for (let k = 0; k < n; k++)
      for (let j = 0; j < size; j++) {
        b[STAGE_B + 2 * k * size + j] = b[d + k * size + j]!;
        b[STAGE_B + (2 * k + 1) * size + j] = b[s + k * size + j]!;
      }
    copy4(cpu.u32, dx >> 2, STAGE);
  };
}
function pshufd(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true);
  const d = xreg(i);
  const u = cpu.u32;
  const m = i.imm;
  for (let k = 0; k < 4; k++) u[STAGE + k] = u[s + ((m >>> (2 * k)) & 3)]!;
  copy4(u, d, STAGE);
}
/** PSHUFLW (high = false) / PSHUFHW: shuffle the words of one half, copy the other half. */
function pshufw(high: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src128(cpu, i, true);
    const d = xreg(i);
    const w = cpu.w;
    const u = cpu.u32;
    const m = i.imm;
    const sw = (s << 1) + (high ? 4 : 0);
    const o = (STAGE << 1) + (high ? 4 : 0);
    for (let k = 0; k < 4; k++) w[o + k] = w[sw + ((m >>> (2 * k)) & 3)]!;
    if (high) {
      u[STAGE] = u[s]!;
      u[STAGE + 1] = u[s + 1]!;
    } else {
      u[STAGE + 2] = u[s + 2]!;
      u[STAGE + 3] = u[s + 3]!;
    }
    copy4(u, d, STAGE);
  };
}
/** PINSRW xmm, r32/m16, imm8. */
function pinsrw(cpu: Cpu, i: Insn): void {
  const v = i.mod === 3 ? cpu.r[i.rm << 1]! : cpu.memory.read16(cpu.ea(i));
  cpu.w[(xreg(i) << 1) + (i.imm & 7)] = v;
}
/** PEXTRW r32, xmm, imm8 (zero-extended into the 64-bit register). */
function pextrw(cpu: Cpu, i: Insn): void {
  cpu.setReg32(i.reg, cpu.w[((XMM_I32 + (i.rm << 2)) << 1) + (i.imm & 7)]!);
}
/** PMOVMSKB r32, xmm: the sign bits of the 16 bytes. */
function pmovmskb(cpu: Cpu, i: Insn): void {
  const b = cpu.b;
  const s = (XMM_I32 + (i.rm << 2)) << 2;
  let m = 0;
  for (let k = 0; k < 16; k++) m |= (b[s + k]! >>> 7) << k;
  cpu.setReg32(i.reg, m);
}

const row = (opcode: number, mnemonic: string, exec: (cpu: Cpu, i: Insn) => void): OpRow => ({
  map: 1,
  opcode,
  prefix: 0x66,
  mnemonic,
  operands: 'Vdq, Wdq',
  exec,
});
const imm = (opcode: number, ext: number, mnemonic: string, exec: (cpu: Cpu, i: Insn) => void): OpRow => ({
  map: 1,
  opcode,
  prefix: 0x66,
  ext,
  mod: 'reg',
  mnemonic,
  operands: 'Udq, Ib',
  exec,
});

/** The SSE2 packed-integer rows. */
export const intRows: readonly OpRow[] = [
  row(0xfc, 'paddb', p8(L.Add8)),
  row(0xfd, 'paddw', p16(L.Add16)),
  row(0xfe, 'paddd', p32(L.Add32)),
  row(0xd4, 'paddq', addq(false)),
  row(0xf8, 'psubb', p8(L.Sub8)),
  row(0xf9, 'psubw', p16(L.Sub16)),
  row(0xfa, 'psubd', p32(L.Sub32)),
  row(0xfb, 'psubq', addq(true)),
  row(0xec, 'paddsb', p8(L.AddS8)),
  row(0xed, 'paddsw', p16(L.AddS16)),
  row(0xdc, 'paddusb', p8(L.AddUS8)),
  row(0xdd, 'paddusw', p16(L.AddUS16)),
  row(0xe8, 'psubsb', p8(L.SubS8)),
  row(0xe9, 'psubsw', p16(L.SubS16)),
  row(0xd8, 'psubusb', p8(L.SubUS8)),
  row(0xd9, 'psubusw', p16(L.SubUS16)),
  row(0xd5, 'pmullw', p16(L.MulLo16)),
  row(0xe5, 'pmulhw', p16(L.MulHi16)),
  row(0xe4, 'pmulhuw', p16(L.MulHiU16)),
  row(0xf4, 'pmuludq', pmuludq),
  row(0xf5, 'pmaddwd', pmaddwd),
  row(0xf6, 'psadbw', psadbw),
  row(0xe0, 'pavgb', p8(L.Avg8)),
  row(0xe3, 'pavgw', p16(L.Avg16)),
  row(0xda, 'pminub', p8(L.MinU8)),
  row(0xde, 'pmaxub', p8(L.MaxU8)),
  row(0xea, 'pminsw', p16(L.MinS16)),
  row(0xee, 'pmaxsw', p16(L.MaxS16)),
  row(0x74, 'pcmpeqb', p8(L.CmpEq8)),
  row(0x75, 'pcmpeqw', p16(L.CmpEq16)),
  row(0x76, 'pcmpeqd', p32(L.CmpEq32)),
  row(0x64, 'pcmpgtb', p8(L.CmpGt8)),
  row(0x65, 'pcmpgtw', p16(L.CmpGt16)),
  row(0x66, 'pcmpgtd', p32(L.CmpGt32)),
  row(0xdb, 'pand', p32(L.And)),
  row(0xdf, 'pandn', p32(L.AndN)),
  row(0xeb, 'por', p32(L.Or)),
  row(0xef, 'pxor', p32(L.Xor)),
  row(0xd1, 'psrlw', shiftX(16, 0)),
  row(0xd2, 'psrld', shiftX(32, 0)),
  row(0xd3, 'psrlq', shiftX(64, 0)),
  row(0xe1, 'psraw', shiftX(16, 1)),
  row(0xe2, 'psrad', shiftX(32, 1)),
  row(0xf1, 'psllw', shiftX(16, 2)),
  row(0xf2, 'pslld', shiftX(32, 2)),
  row(0xf3, 'psllq', shiftX(64, 2)),
  imm(0x71, 2, 'psrlw', shiftI(16, 0)),
  imm(0x71, 4, 'psraw', shiftI(16, 1)),
  imm(0x71, 6, 'psllw', shiftI(16, 2)),
  imm(0x72, 2, 'psrld', shiftI(32, 0)),
  imm(0x72, 4, 'psrad', shiftI(32, 1)),
  imm(0x72, 6, 'pslld', shiftI(32, 2)),
  imm(0x73, 2, 'psrlq', shiftI(64, 0)),
  imm(0x73, 3, 'psrldq', byteShift(false)),
  imm(0x73, 6, 'psllq', shiftI(64, 2)),
  imm(0x73, 7, 'pslldq', byteShift(true)),
  row(0x63, 'packsswb', packWB(false)),
  row(0x67, 'packuswb', packWB(true)),
  row(0x6b, 'packssdw', packssdw),
  row(0x60, 'punpcklbw', punpck(1, false)),
  row(0x61, 'punpcklwd', punpck(2, false)),
  row(0x62, 'punpckldq', punpck(4, false)),
  row(0x68, 'punpckhbw', punpck(1, true)),
  row(0x69, 'punpckhwd', punpck(2, true)),
  row(0x6a, 'punpckhdq', punpck(4, true)),
  row(0x6c, 'punpcklqdq', unpckq(false)),
  row(0x6d, 'punpckhqdq', unpckq(true)),
  { map: 1, opcode: 0x70, prefix: 0x66, mnemonic: 'pshufd', operands: 'Vdq, Wdq, Ib', exec: pshufd },
  { map: 1, opcode: 0x70, prefix: 0xf3, mnemonic: 'pshufhw', operands: 'Vdq, Wdq, Ib', exec: pshufw(true) },
  { map: 1, opcode: 0x70, prefix: 0xf2, mnemonic: 'pshuflw', operands: 'Vdq, Wdq, Ib', exec: pshufw(false) },
  { map: 1, opcode: 0xc4, prefix: 0x66, mnemonic: 'pinsrw', operands: 'Vdq, Ry/Mw, Ib', exec: pinsrw },
  {
    map: 1,
    opcode: 0xc5,
    prefix: 0x66,
    mod: 'reg',
    mnemonic: 'pextrw',
    operands: 'Gd, Udq, Ib',
    exec: pextrw,
  },
  {
    map: 1,
    opcode: 0xd7,
    prefix: 0x66,
    mod: 'reg',
    mnemonic: 'pmovmskb',
    operands: 'Gd, Udq',
    exec: pmovmskb,
  },
];
