/**
 * MMX-register forms (SDM Vol. 1, chapter 9 "Programming with Intel MMX Technology"; the SSE/SSE2/
 * SSSE3 integer instructions without a 66 prefix operate on MM0–MM7).
 *
 * MMn is the 64-bit significand field of x87 physical register Rn (state.ts X87_REG_OFFSET).
 * Every MMX instruction except EMMS first raises #MF when an x87 exception is pending (FSW.ES),
 * then sets TOP to 0 and tags all registers valid; writing MMn also sets Rn's sign/exponent field
 * to all ones (SDM Vol. 1, §9.5 "Compatibility with x87 FPU Architecture"). EMMS tags all
 * registers empty.
 *
 * Most forms reuse the XMM handler: the MMX operands are placed in the low quadwords of two
 * scratch XMM registers (XMM14 and XMM15, saved and restored around the call) and the low
 * quadword of the result is taken back. Where the MMX layout differs (high unpacks, packs,
 * horizontal adds, pshufb, palignr) the operands are arranged so that the XMM result's low
 * quadword is the MMX result.
 */
import type { Cpu } from '../cpu.js';
import { CpuFault } from '../fault.js';
import { Insn } from '../insn.js';
import { X87_FCW_OFFSET, X87_FSW_OFFSET, X87_FTW_OFFSET, XMM_I32 } from '../state.js';
import type { OpRow } from '../table.js';
import { fpBegin, fpEnd, maskmovAddress, SRC, src128 } from './access.js';
import { f32toI32, f64toI32, i32to32, i32to64, out64 } from './float-ops.js';
import { intRows } from './int-rows.js';
import { ssse3Rows } from './sse3-rows.js';

type Exec = (cpu: Cpu, i: Insn) => void;

/** Uint32 index of MMn (the significand of physical x87 register Rn). */
const mm = (n: number): number => 132 + ((n & 7) << 2);
const X14 = XMM_I32 + 56;
const X15 = XMM_I32 + 60;
const saved = new Uint32Array(8);
const fake = new Insn(() => {});

/**
 * #MF when an x87 exception is pending: an exception flag in FSW whose mask bit in FCW is clear
 * (ES is derived from exactly that, SDM Vol. 1, §8.1.3.1; the host CPU ignores a stale ES).
 */
function checkPending(cpu: Cpu): void {
  const dv = cpu.dv;
  if ((dv.getUint16(X87_FSW_OFFSET, true) & ~dv.getUint16(X87_FCW_OFFSET, true) & 0x3f) !== 0) {
    throw new CpuFault('floating-point', undefined, undefined, 'pending x87 exception (#MF)');
  }
}
/**
 * The x87 state change of an MMX instruction: TOP = 0, all registers tagged valid; ES and B read
 * as clear, since no unmasked exception is pending. Measured on the host CPU: a page fault or #GP
 * of an MMX form's memory operand leaves the x87 state unchanged (the change comes with the
 * result), but MASKMOVQ's page faults and the #XM of the conversions to and from MMX registers
 * (cvt(t)ps2pi, cvt(t)pd2pi, cvtpi2ps mm) are delivered after it; those handlers call this first.
 */
function enterMmx(cpu: Cpu): void {
  const dv = cpu.dv;
  dv.setUint16(X87_FSW_OFFSET, dv.getUint16(X87_FSW_OFFSET, true) & ~0xb880, true);
  dv.setUint16(X87_FTW_OFFSET, 0, true);
}
/** Writes MMn (lo, hi) and sets Rn's sign/exponent to all ones. */
function setMm(cpu: Cpu, n: number, lo: number, hi: number): void {
  const o = mm(n);
  const u = cpu.r;
  u[o] = lo;
  u[o + 1] = hi;
  cpu.w[(o + 2) << 1] = 0xffff;
}
/** The 64-bit source operand (MMn or m64) into `src[0..1]` of the given index. */
function readQ(cpu: Cpu, i: Insn, u: Int32Array, at: number): void {
  if (i.mod === 3) {
    const o = mm(i.rm);
    u[at] = u[o]!;
    u[at + 1] = u[o + 1]!;
  } else {
    u[at] = cpu.read64(cpu.ea(i));
    u[at + 1] = cpu.hi;
  }
}

/** How the MMX operands are laid out in XMM14 (destination) and XMM15 (source). */
const enum Layout {
  /** Lane-wise operations: XMM14 = dst, XMM15 = src (upper quadwords zero). */
  Lanes = 0,
  /** Unpack high halves: the high dwords of dst and src copied to dword 2, where the XMM form reads. */
  High = 1,
  /** Packs and horizontal operations: XMM14 = dst:src. */
  Concat = 2,
  /** PSHUFB: XMM14 = dst:dst so indices wrap modulo 8. */
  Dup = 3,
  /** PALIGNR: XMM14 = 0, XMM15 = src:dst, so the 32-byte shift yields the 16-byte MMX shift. */
  Align = 4,
}

/**
 * Wraps an XMM handler of `Pq, Qq` shape for MMX registers. `m32`: the memory operand is 32 bits
 * (punpcklbw/wd/dq mm, mm/m32, SDM Vol. 2B PUNPCKLBW: only the low halves are used, and only they
 * are read, so no fault can come from the four bytes after them).
 */
function wrap(exec: Exec, layout: Layout, m32: boolean): Exec {
  return (cpu, i) => {
    checkPending(cpu);
    const u = cpu.r;
    for (let k = 0; k < 4; k++) {
      saved[k] = u[X14 + k]!;
      saved[4 + k] = u[X15 + k]!;
    }
    if (m32 && i.mod !== 3) {
      u[X15] = cpu.read32(cpu.ea(i));
      u[X15 + 1] = 0;
    } else readQ(cpu, i, u, X15);
    u[X15 + 2] = 0;
    u[X15 + 3] = 0;
    const d = mm(i.reg);
    u[X14] = u[d]!;
    u[X14 + 1] = u[d + 1]!;
    u[X14 + 2] = 0;
    u[X14 + 3] = 0;
    switch (layout) {
      case Layout.High:
        u[X14 + 2] = u[X14 + 1]!;
        u[X15 + 2] = u[X15 + 1]!;
        break;
      case Layout.Concat:
        u[X14 + 2] = u[X15]!;
        u[X14 + 3] = u[X15 + 1]!;
        break;
      case Layout.Dup:
        u[X14 + 2] = u[X14]!;
        u[X14 + 3] = u[X14 + 1]!;
        break;
      case Layout.Align:
        u[X15 + 2] = u[X14]!;
        u[X15 + 3] = u[X14 + 1]!;
        u[X14] = 0;
        u[X14 + 1] = 0;
        break;
    }
    fake.mod = 3;
    fake.reg = 14;
    fake.rm = 15;
    fake.imm = i.imm;
    exec(cpu, fake);
    enterMmx(cpu);
    setMm(cpu, i.reg, u[X14]!, u[X14 + 1]!);
    for (let k = 0; k < 4; k++) {
      u[X14 + k] = saved[k]!;
      u[X15 + k] = saved[4 + k]!;
    }
  };
}
/** Shift-by-immediate groups (0F 71/72/73 /2 /4 /6, operand Nq). */
function wrapShiftImm(exec: Exec): Exec {
  return (cpu, i) => {
    checkPending(cpu);
    const u = cpu.r;
    for (let k = 0; k < 4; k++) saved[k] = u[X14 + k]!;
    const s = mm(i.rm);
    u[X14] = u[s]!;
    u[X14 + 1] = u[s + 1]!;
    fake.mod = 3;
    fake.rm = 14;
    fake.imm = i.imm;
    exec(cpu, fake);
    enterMmx(cpu);
    setMm(cpu, i.rm, u[X14]!, u[X14 + 1]!);
    for (let k = 0; k < 4; k++) u[X14 + k] = saved[k]!;
  };
}
/** PMOVMSKB r32, mm and PEXTRW r32, mm, imm8: a general-purpose destination. */
function wrapToGpr(exec: Exec, immMask: number): Exec {
  return (cpu, i) => {
    checkPending(cpu);
    const u = cpu.r;
    for (let k = 0; k < 4; k++) saved[k] = u[X15 + k]!;
    const s = mm(i.rm);
    u[X15] = u[s]!;
    u[X15 + 1] = u[s + 1]!;
    u[X15 + 2] = 0;
    u[X15 + 3] = 0;
    fake.mod = 3;
    fake.reg = i.reg;
    fake.rm = 15;
    fake.imm = i.imm & immMask;
    exec(cpu, fake);
    enterMmx(cpu);
    for (let k = 0; k < 4; k++) u[X15 + k] = saved[k]!;
  };
}

// ---- MMX-only forms --------------------------------------------------------------------------------

/** MOVD mm, r/m32 / MOVQ mm, r/m64 (0F 6E). */
function movdToMm(cpu: Cpu, i: Insn): void {
  checkPending(cpu);
  let lo: number;
  let hi = 0;
  if (i.opsize === 8) {
    lo = cpu.getRm64(i);
    hi = cpu.hi;
  } else lo = cpu.getRm32(i);
  enterMmx(cpu);
  setMm(cpu, i.reg, lo, hi);
}
/** MOVD r/m32, mm / MOVQ r/m64, mm (0F 7E). */
function movdFromMm(cpu: Cpu, i: Insn): void {
  checkPending(cpu);
  const u = cpu.r;
  const s = mm(i.reg);
  if (i.opsize === 8) cpu.setRm64(i, u[s]!, u[s + 1]!);
  else cpu.setRm32(i, u[s]!);
  enterMmx(cpu);
}
/** MOVQ mm, mm/m64 (0F 6F). */
function movqToMm(cpu: Cpu, i: Insn): void {
  checkPending(cpu);
  const u = cpu.r;
  readQ(cpu, i, u, SRC);
  enterMmx(cpu);
  setMm(cpu, i.reg, u[SRC]!, u[SRC + 1]!);
}
/** MOVQ mm/m64, mm (0F 7F) and MOVNTQ m64, mm (0F E7). */
function movqFromMm(cpu: Cpu, i: Insn): void {
  checkPending(cpu);
  const u = cpu.r;
  const s = mm(i.reg);
  const lo = u[s]!;
  const hi = u[s + 1]!;
  if (i.mod === 3) {
    enterMmx(cpu);
    setMm(cpu, i.rm, lo, hi);
    return;
  }
  cpu.write64(cpu.ea(i), lo, hi);
  enterMmx(cpu);
}
/** MOVQ2DQ xmm, mm (F3 0F D6): the upper quadword is zeroed. */
function movq2dq(cpu: Cpu, i: Insn): void {
  checkPending(cpu);
  const u = cpu.r;
  const s = mm(i.rm);
  const d = XMM_I32 + (i.reg << 2);
  u[d] = u[s]!;
  u[d + 1] = u[s + 1]!;
  u[d + 2] = 0;
  u[d + 3] = 0;
  enterMmx(cpu);
}
/** MOVDQ2Q mm, xmm (F2 0F D6). */
function movdq2q(cpu: Cpu, i: Insn): void {
  checkPending(cpu);
  const u = cpu.r;
  const s = XMM_I32 + (i.rm << 2);
  enterMmx(cpu);
  setMm(cpu, i.reg, u[s]!, u[s + 1]!);
}
/** PSHUFW mm, mm/m64, imm8 (0F 70). */
function pshufw(cpu: Cpu, i: Insn): void {
  checkPending(cpu);
  const u = cpu.r;
  const w = cpu.w;
  const t = SRC;
  readQ(cpu, i, u, t);
  const m = i.imm;
  const o = t << 1;
  const r0 = w[o + (m & 3)]! | (w[o + ((m >>> 2) & 3)]! << 16);
  const r1 = w[o + ((m >>> 4) & 3)]! | (w[o + ((m >>> 6) & 3)]! << 16);
  enterMmx(cpu);
  setMm(cpu, i.reg, r0, r1);
}
/** PINSRW mm, r32/m16, imm8 (0F C4). */
function pinsrw(cpu: Cpu, i: Insn): void {
  checkPending(cpu);
  const v = i.mod === 3 ? cpu.r[i.rm << 1]! & 0xffff : cpu.memory.read16(cpu.ea(i));
  const d = mm(i.reg);
  const u = cpu.r;
  let lo = u[d]!;
  let hi = u[d + 1]!;
  const k = i.imm & 3;
  if (k === 0) lo = (lo & 0xffff0000) | v;
  else if (k === 1) lo = (lo & 0xffff) | (v << 16);
  else if (k === 2) hi = (hi & 0xffff0000) | v;
  else hi = (hi & 0xffff) | (v << 16);
  enterMmx(cpu);
  setMm(cpu, i.reg, lo, hi);
}
/** MASKMOVQ mm1, mm2 (0F F7): bytes of mm1 whose mask byte in mm2 has bit 7 set go to [RDI]. */
function maskmovq(cpu: Cpu, i: Insn): void {
  checkPending(cpu);
  const b = cpu.b;
  const src = mm(i.reg) << 2;
  const mask = mm(i.rm) << 2;
  enterMmx(cpu);
  const base = maskmovAddress(cpu, i);
  cpu.memory.checkWrite(base, 8);
  for (let k = 0; k < 8; k++) if (b[mask + k]! & 0x80) cpu.memory.write8(base + k, b[src + k]!);
}
/** EMMS (0F 77): tags every x87 register empty; the host CPU also resets TOP to 0. */
function emms(cpu: Cpu, _i: Insn): void {
  checkPending(cpu);
  const dv = cpu.dv;
  dv.setUint16(X87_FSW_OFFSET, dv.getUint16(X87_FSW_OFFSET, true) & ~0xb880, true);
  dv.setUint16(X87_FTW_OFFSET, 0xffff, true);
}

// ---- conversions between MMX and XMM ---------------------------------------------------------------

/** CVTPI2PS xmm, mm/m64: two int32 to singles in the low lanes (MMX transition only for a register source). */
function cvtpi2ps(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) checkPending(cpu);
  const u = cpu.r;
  const t = SRC;
  readQ(cpu, i, u, t);
  const d = XMM_I32 + (i.reg << 2);
  if (i.mod === 3) enterMmx(cpu);
  fpBegin(cpu);
  const r0 = i32to32(u[t]!);
  const r1 = i32to32(u[t + 1]!);
  fpEnd(cpu);
  u[d] = r0;
  u[d + 1] = r1;
}
/** CVTPI2PD xmm, mm/m64: two int32 to doubles (exact). */
function cvtpi2pd(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) checkPending(cpu);
  const u = cpu.r;
  const t = SRC;
  readQ(cpu, i, u, t);
  const d = XMM_I32 + (i.reg << 2);
  const a = u[t]!;
  const b = u[t + 1]!;
  i32to64(a);
  u[d] = out64.lo;
  u[d + 1] = out64.hi;
  i32to64(b);
  u[d + 2] = out64.lo;
  u[d + 3] = out64.hi;
  if (i.mod === 3) enterMmx(cpu);
}
/** CVT(T)PS2PI mm, xmm/m64: the two low singles to int32. */
function cvtps2pi(truncate: boolean): Exec {
  return (cpu, i) => {
    checkPending(cpu);
    const u = cpu.r;
    const t = SRC;
    if (i.mod === 3) {
      const s = XMM_I32 + (i.rm << 2);
      u[t] = u[s]!;
      u[t + 1] = u[s + 1]!;
    } else {
      u[t] = cpu.read64(cpu.ea(i));
      u[t + 1] = cpu.hi;
    }
    enterMmx(cpu);
    fpBegin(cpu);
    const r0 = f32toI32(u[t]!, truncate);
    const r1 = f32toI32(u[t + 1]!, truncate);
    fpEnd(cpu);
    setMm(cpu, i.reg, r0, r1);
  };
}
/** CVT(T)PD2PI mm, xmm/m128: two doubles to int32 (m128 must be aligned). */
function cvtpd2pi(truncate: boolean): Exec {
  return (cpu, i) => {
    checkPending(cpu);
    const u = cpu.r;
    const s = src128(cpu, i, true);
    enterMmx(cpu);
    fpBegin(cpu);
    const r0 = f64toI32(u[s + 1]!, u[s]!, truncate);
    const r1 = f64toI32(u[s + 3]!, u[s + 2]!, truncate);
    fpEnd(cpu);
    setMm(cpu, i.reg, r0, r1);
  };
}

// ---- the table -------------------------------------------------------------------------------------

const LAYOUT: Record<string, Layout> = {
  punpckhbw: Layout.High,
  punpckhwd: Layout.High,
  punpckhdq: Layout.High,
  packsswb: Layout.Concat,
  packuswb: Layout.Concat,
  packssdw: Layout.Concat,
  phaddw: Layout.Concat,
  phaddd: Layout.Concat,
  phaddsw: Layout.Concat,
  phsubw: Layout.Concat,
  phsubd: Layout.Concat,
  phsubsw: Layout.Concat,
  pshufb: Layout.Dup,
  palignr: Layout.Align,
};
/** XMM-only integer forms with no MMX counterpart. */
const XMM_ONLY = new Set(['punpcklqdq', 'punpckhqdq', 'psrldq', 'pslldq', 'pshufd', 'pshufhw', 'pshuflw']);

function mmxRowsFrom(rows: readonly OpRow[]): OpRow[] {
  const out: OpRow[] = [];
  for (const r of rows) {
    if (r.prefix !== 0x66 || XMM_ONLY.has(r.mnemonic)) continue;
    const base = { map: r.map, opcode: r.opcode, prefix: 0 as const, mnemonic: r.mnemonic };
    if (r.mnemonic === 'pinsrw') continue;
    if (r.mnemonic === 'pmovmskb' || r.mnemonic === 'pextrw') {
      const imm = r.mnemonic === 'pextrw' ? ', Ib' : '';
      out.push({ ...base, mod: 'reg', operands: `Gd, Nq${imm}`, exec: wrapToGpr(r.exec, 3) });
    } else if (r.ext !== undefined) {
      out.push({ ...base, ext: r.ext, mod: 'reg', operands: 'Nq, Ib', exec: wrapShiftImm(r.exec) });
    } else {
      const imm = r.operands.endsWith('Ib') ? ', Ib' : '';
      const m32 = /^punpckl(bw|wd|dq)$/.test(r.mnemonic);
      out.push({
        ...base,
        operands: `Pq, Qq${imm}`,
        exec: wrap(r.exec, LAYOUT[r.mnemonic] ?? Layout.Lanes, m32),
      });
    }
  }
  return out;
}

/** The MMX-register rows. */
export const mmxRows: readonly OpRow[] = [
  ...mmxRowsFrom(intRows),
  ...mmxRowsFrom(ssse3Rows),
  { map: 1, opcode: 0x6e, prefix: 0, mnemonic: 'movd', operands: 'Pq, Ey', exec: movdToMm },
  { map: 1, opcode: 0x7e, prefix: 0, mnemonic: 'movd', operands: 'Ey, Pq', exec: movdFromMm },
  { map: 1, opcode: 0x6f, prefix: 0, mnemonic: 'movq', operands: 'Pq, Qq', exec: movqToMm },
  { map: 1, opcode: 0x7f, prefix: 0, mnemonic: 'movq', operands: 'Qq, Pq', exec: movqFromMm },
  { map: 1, opcode: 0xe7, prefix: 0, mod: 'mem', mnemonic: 'movntq', operands: 'Mq, Pq', exec: movqFromMm },
  { map: 1, opcode: 0xd6, prefix: 0xf3, mod: 'reg', mnemonic: 'movq2dq', operands: 'Vdq, Nq', exec: movq2dq },
  { map: 1, opcode: 0xd6, prefix: 0xf2, mod: 'reg', mnemonic: 'movdq2q', operands: 'Pq, Uq', exec: movdq2q },
  { map: 1, opcode: 0x70, prefix: 0, mnemonic: 'pshufw', operands: 'Pq, Qq, Ib', exec: pshufw },
  { map: 1, opcode: 0xc4, prefix: 0, mnemonic: 'pinsrw', operands: 'Pq, Ry/Mw, Ib', exec: pinsrw },
  { map: 1, opcode: 0xf7, prefix: 0, mod: 'reg', mnemonic: 'maskmovq', operands: 'Pq, Nq', exec: maskmovq },
  { map: 1, opcode: 0x77, prefix: 0, mnemonic: 'emms', operands: '', exec: emms },
  { map: 1, opcode: 0x2a, prefix: 0, mnemonic: 'cvtpi2ps', operands: 'Vps, Qpi', exec: cvtpi2ps },
  { map: 1, opcode: 0x2a, prefix: 0x66, mnemonic: 'cvtpi2pd', operands: 'Vpd, Qpi', exec: cvtpi2pd },
  { map: 1, opcode: 0x2d, prefix: 0, mnemonic: 'cvtps2pi', operands: 'Ppi, Wps', exec: cvtps2pi(false) },
  { map: 1, opcode: 0x2c, prefix: 0, mnemonic: 'cvttps2pi', operands: 'Ppi, Wps', exec: cvtps2pi(true) },
  { map: 1, opcode: 0x2d, prefix: 0x66, mnemonic: 'cvtpd2pi', operands: 'Ppi, Wpd', exec: cvtpd2pi(false) },
  { map: 1, opcode: 0x2c, prefix: 0x66, mnemonic: 'cvttpd2pi', operands: 'Ppi, Wpd', exec: cvtpd2pi(true) },
];
