/**
 * SSE3 (SDM Vol. 1, §12.3 "SSE3 Instructions"; Vol. 2 entries ADDSUBPS/PD, HADDPS/PD, HSUBPS/PD,
 * MOVSLDUP, MOVSHDUP, MOVDDUP, LDDQU) and SSSE3 (§12.7 "SSSE3 Instructions": PSHUFB, PHADD*,
 * PHSUB*, PMADDUBSW, PSIGN*, PMULHRSW, PABS*, PALIGNR) on XMM registers. The MMX-register forms
 * are not implemented (#UD).
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import type { OpRow } from '../table.js';
import { copy4, fpBegin, fpEnd, STAGE, src64, src128, xreg } from './access.js';
import { add32, add64, out64, sub32, sub64 } from './float-ops.js';

const STAGE_B = STAGE << 2;
const s8 = (v: number): number => (v << 24) >> 24;
const s16 = (v: number): number => (v << 16) >> 16;
const satS16 = (v: number): number => (v > 32767 ? 32767 : Math.max(v, -32768)) & 0xffff;

// ---- SSE3 ----------------------------------------------------------------------------------------

/** ADDSUBPS: subtract in the even lanes, add in the odd lanes. */
function addsubps(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true);
  const d = xreg(i);
  const u = cpu.r;
  fpBegin(cpu);
  u[STAGE] = sub32(u[d]!, u[s]!);
  u[STAGE + 1] = add32(u[d + 1]!, u[s + 1]!);
  u[STAGE + 2] = sub32(u[d + 2]!, u[s + 2]!);
  u[STAGE + 3] = add32(u[d + 3]!, u[s + 3]!);
  fpEnd(cpu);
  copy4(u, d, STAGE);
}
function addsubpd(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true);
  const d = xreg(i);
  const u = cpu.r;
  fpBegin(cpu);
  sub64(u[d + 1]!, u[d]!, u[s + 1]!, u[s]!);
  u[STAGE] = out64.lo;
  u[STAGE + 1] = out64.hi;
  add64(u[d + 3]!, u[d + 2]!, u[s + 3]!, u[s + 2]!);
  u[STAGE + 2] = out64.lo;
  u[STAGE + 3] = out64.hi;
  fpEnd(cpu);
  copy4(u, d, STAGE);
}
/** HADDPS/HSUBPS: pairwise within destination (low half of the result) then source. */
function hps(sub: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src128(cpu, i, true);
    const d = xreg(i);
    const u = cpu.r;
    const op = sub ? sub32 : add32;
    fpBegin(cpu);
    u[STAGE] = op(u[d]!, u[d + 1]!);
    u[STAGE + 1] = op(u[d + 2]!, u[d + 3]!);
    u[STAGE + 2] = op(u[s]!, u[s + 1]!);
    u[STAGE + 3] = op(u[s + 2]!, u[s + 3]!);
    fpEnd(cpu);
    copy4(u, d, STAGE);
  };
}
function hpd(sub: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src128(cpu, i, true);
    const d = xreg(i);
    const u = cpu.r;
    const op = sub ? sub64 : add64;
    fpBegin(cpu);
    op(u[d + 1]!, u[d]!, u[d + 3]!, u[d + 2]!);
    u[STAGE] = out64.lo;
    u[STAGE + 1] = out64.hi;
    op(u[s + 1]!, u[s]!, u[s + 3]!, u[s + 2]!);
    u[STAGE + 2] = out64.lo;
    u[STAGE + 3] = out64.hi;
    fpEnd(cpu);
    copy4(u, d, STAGE);
  };
}
/** MOVSLDUP (odd = false) / MOVSHDUP: duplicate the even (odd) dwords. */
function movdup32(odd: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src128(cpu, i, true) + (odd ? 1 : 0);
    const d = xreg(i);
    const u = cpu.r;
    const a = u[s]!;
    const b = u[s + 2]!;
    u[d] = a;
    u[d + 1] = a;
    u[d + 2] = b;
    u[d + 3] = b;
  };
}
/** MOVDDUP: the low quadword (m64) into both halves. */
function movddup(cpu: Cpu, i: Insn): void {
  const s = src64(cpu, i);
  const d = xreg(i);
  const u = cpu.r;
  const lo = u[s]!;
  const hi = u[s + 1]!;
  u[d] = lo;
  u[d + 1] = hi;
  u[d + 2] = lo;
  u[d + 3] = hi;
}
/** LDDQU: unaligned 16-byte load. */
function lddqu(cpu: Cpu, i: Insn): void {
  copy4(cpu.u32, xreg(i), src128(cpu, i, false));
}

/** SSE3 rows (FISTTP, the remaining SSE3 instruction, belongs to the x87 module). */
export const sse3Rows: readonly OpRow[] = [
  { map: 1, opcode: 0xd0, prefix: 0x66, mnemonic: 'addsubpd', operands: 'Vpd, Wpd', exec: addsubpd },
  { map: 1, opcode: 0xd0, prefix: 0xf2, mnemonic: 'addsubps', operands: 'Vps, Wps', exec: addsubps },
  { map: 1, opcode: 0x7c, prefix: 0x66, mnemonic: 'haddpd', operands: 'Vpd, Wpd', exec: hpd(false) },
  { map: 1, opcode: 0x7c, prefix: 0xf2, mnemonic: 'haddps', operands: 'Vps, Wps', exec: hps(false) },
  { map: 1, opcode: 0x7d, prefix: 0x66, mnemonic: 'hsubpd', operands: 'Vpd, Wpd', exec: hpd(true) },
  { map: 1, opcode: 0x7d, prefix: 0xf2, mnemonic: 'hsubps', operands: 'Vps, Wps', exec: hps(true) },
  { map: 1, opcode: 0x12, prefix: 0xf3, mnemonic: 'movsldup', operands: 'Vps, Wps', exec: movdup32(false) },
  { map: 1, opcode: 0x16, prefix: 0xf3, mnemonic: 'movshdup', operands: 'Vps, Wps', exec: movdup32(true) },
  { map: 1, opcode: 0x12, prefix: 0xf2, mnemonic: 'movddup', operands: 'Vpd, Wsd', exec: movddup },
  { map: 1, opcode: 0xf0, prefix: 0xf2, mod: 'mem', mnemonic: 'lddqu', operands: 'Vdq, Mdq', exec: lddqu },
];

// ---- SSSE3 ---------------------------------------------------------------------------------------

/** PSHUFB: byte k ← 0 when the control byte's bit 7 is set, else destination[control & 15]. */
function pshufb(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true) << 2;
  const d = xreg(i) << 2;
  const b = cpu.b;
  for (let k = 0; k < 16; k++) {
    const c = b[s + k]!;
    b[STAGE_B + k] = c & 0x80 ? 0 : b[d + (c & 15)]!;
  }
  copy4(cpu.u32, d >> 2, STAGE);
}
/** PHADDW/PHSUBW/PHADDSW/PHSUBSW: pairwise word sums/differences of destination then source. */
function phw(fn: (a: number, b: number) => number) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src128(cpu, i, true) << 1;
    const d = xreg(i) << 1;
    const w = cpu.w;
    const o = STAGE << 1;
    for (let k = 0; k < 4; k++) {
      w[o + k] = fn(s16(w[d + 2 * k]!), s16(w[d + 2 * k + 1]!));
      w[o + 4 + k] = fn(s16(w[s + 2 * k]!), s16(w[s + 2 * k + 1]!));
    }
    copy4(cpu.u32, d >> 1, STAGE);
  };
}
/** PHADDD/PHSUBD. */
function phd(sub: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src128(cpu, i, true);
    const d = xreg(i);
    const r = cpu.r;
    r[STAGE] = sub ? r[d]! - r[d + 1]! : r[d]! + r[d + 1]!;
    r[STAGE + 1] = sub ? r[d + 2]! - r[d + 3]! : r[d + 2]! + r[d + 3]!;
    r[STAGE + 2] = sub ? r[s]! - r[s + 1]! : r[s]! + r[s + 1]!;
    r[STAGE + 3] = sub ? r[s + 2]! - r[s + 3]! : r[s + 2]! + r[s + 3]!;
    copy4(cpu.u32, d, STAGE);
  };
}
/** PMADDUBSW: unsigned bytes of the destination × signed bytes of the source, pairs summed with saturation. */
function pmaddubsw(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true) << 2;
  const d = xreg(i) << 2;
  const b = cpu.b;
  const w = cpu.w;
  const o = STAGE << 1;
  for (let k = 0; k < 8; k++) {
    w[o + k] = satS16(b[d + 2 * k]! * s8(b[s + 2 * k]!) + b[d + 2 * k + 1]! * s8(b[s + 2 * k + 1]!));
  }
  copy4(cpu.u32, d >> 2, STAGE);
}
/** PSIGNB/W/D: negate, keep or zero each destination element by the sign of the source element. */
function psign(size: number) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src128(cpu, i, true);
    const d = xreg(i);
    if (size === 4) {
      const r = cpu.r;
      for (let k = 0; k < 4; k++) {
        const c = r[s + k]!;
        r[d + k] = c < 0 ? -r[d + k]! | 0 : c === 0 ? 0 : r[d + k]!;
      }
    } else if (size === 2) {
      const w = cpu.w;
      for (let k = 0; k < 8; k++) {
        const c = s16(w[(s << 1) + k]!);
        const x = w[(d << 1) + k]!;
        w[(d << 1) + k] = c < 0 ? -x : c === 0 ? 0 : x;
      }
    } else {
      const b = cpu.b;
      for (let k = 0; k < 16; k++) {
        const c = s8(b[(s << 2) + k]!);
        const x = b[(d << 2) + k]!;
        b[(d << 2) + k] = c < 0 ? -x : c === 0 ? 0 : x;
      }
    }
  };
}
/** PMULHRSW: ((a × b >> 14) + 1) >> 1 on signed words. */
function pmulhrsw(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true) << 1;
  const d = xreg(i) << 1;
  const w = cpu.w;
  for (let k = 0; k < 8; k++) w[d + k] = (((s16(w[d + k]!) * s16(w[s + k]!)) >> 14) + 1) >> 1;
}
/** PABSB/W/D: absolute values (the most negative value stays as its unsigned magnitude). */
function pabs(size: number) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src128(cpu, i, true);
    const d = xreg(i);
    if (size === 4) {
      const r = cpu.r;
      for (let k = 0; k < 4; k++) r[STAGE + k] = Math.abs(r[s + k]!) | 0;
    } else if (size === 2) {
      const w = cpu.w;
      for (let k = 0; k < 8; k++) w[(STAGE << 1) + k] = Math.abs(s16(w[(s << 1) + k]!));
    } else {
      const b = cpu.b;
      for (let k = 0; k < 16; k++) b[STAGE_B + k] = Math.abs(s8(b[(s << 2) + k]!));
    }
    copy4(cpu.u32, d, STAGE);
  };
}
/** PALIGNR: the 32-byte concatenation destination:source shifted right by imm8 bytes, low 16 kept. */
function palignr(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true) << 2;
  const d = xreg(i) << 2;
  const b = cpu.b;
  const n = i.imm & 0xff;
  for (let k = 0; k < 16; k++) {
    const j = k + n;
    b[STAGE_B + k] = j < 16 ? b[s + j]! : j < 32 ? b[d + j - 16]! : 0;
  }
  copy4(cpu.u32, d >> 2, STAGE);
}

const r38 = (opcode: number, mnemonic: string, exec: (cpu: Cpu, i: Insn) => void): OpRow => ({
  map: 2,
  opcode,
  prefix: 0x66,
  mnemonic,
  operands: 'Vdq, Wdq',
  exec,
});

/** SSSE3 rows (66-prefixed XMM forms). */
export const ssse3Rows: readonly OpRow[] = [
  r38(0x00, 'pshufb', pshufb),
  r38(
    0x01,
    'phaddw',
    phw((a, b) => (a + b) & 0xffff),
  ),
  r38(0x02, 'phaddd', phd(false)),
  r38(
    0x03,
    'phaddsw',
    phw((a, b) => satS16(a + b)),
  ),
  r38(0x04, 'pmaddubsw', pmaddubsw),
  r38(
    0x05,
    'phsubw',
    phw((a, b) => (a - b) & 0xffff),
  ),
  r38(0x06, 'phsubd', phd(true)),
  r38(
    0x07,
    'phsubsw',
    phw((a, b) => satS16(a - b)),
  ),
  r38(0x08, 'psignb', psign(1)),
  r38(0x09, 'psignw', psign(2)),
  r38(0x0a, 'psignd', psign(4)),
  r38(0x0b, 'pmulhrsw', pmulhrsw),
  r38(0x1c, 'pabsb', pabs(1)),
  r38(0x1d, 'pabsw', pabs(2)),
  r38(0x1e, 'pabsd', pabs(4)),
  { map: 3, opcode: 0x0f, prefix: 0x66, mnemonic: 'palignr', operands: 'Vdq, Wdq, Ib', exec: palignr },
];
