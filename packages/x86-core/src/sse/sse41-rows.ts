/**
 * SSE4.1 (SDM Vol. 1, §12.8 "SSE4.1 Instruction Set"; Vol. 2 per mnemonic): blends, ptest,
 * pmovsx/pmovzx, pmuldq, pcmpeqq, movntdqa, packusdw, signed/unsigned min/max, pmulld,
 * phminposuw, round, insert/extract, dpps/dppd and mpsadbw. All are 66-prefixed 0F 38 / 0F 3A forms.
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { AF, CF, OF, PF, SF, XMM_I32, ZF } from '../state.js';
import type { OpRow } from '../table.js';
import {
  Align,
  copy4,
  fpBegin,
  fpEnd,
  fpStage,
  SRC,
  STAGE,
  src32,
  src64,
  src128,
  xmm,
  xreg,
} from './access.js';
import { add32, add64, mul32, mul64, out64, round32, round64 } from './float-ops.js';
import { packusdw } from './int-rows.js';

const _STAGE_B = STAGE << 2;
const s8 = (v: number): number => (v << 24) >> 24;
const s16 = (v: number): number => (v << 16) >> 16;
type Exec = (cpu: Cpu, i: Insn) => void;

// ---- blends --------------------------------------------------------------------------------------

/** PBLENDVB/BLENDVPS/BLENDVPD: element k from the source where the sign bit of XMM0's element is set. */
function blendv(size: number): Exec {
  return (cpu, i) => {
    const s = src128(cpu, i, true) << 2;
    const d = xreg(i) << 2;
    const m = XMM_I32 << 2;
    const b = cpu.b;
    for (let k = 0; k < 16; k += size) {
      if (b[m + k + size - 1]! & 0x80) for (let j = 0; j < size; j++) b[d + k + j] = b[s + k + j]!;
    }
  };
}
/** BLENDPS/BLENDPD/PBLENDW: element k from the source where imm8 bit k is set. */
function blendi(size: number): Exec {
  return (cpu, i) => {
    const s = src128(cpu, i, true) << 2;
    const d = xreg(i) << 2;
    const b = cpu.b;
    for (let k = 0, bit = 0; k < 16; k += size, bit++) {
      if ((i.imm >>> bit) & 1) for (let j = 0; j < size; j++) b[d + k + j] = b[s + k + j]!;
    }
  };
}

/** PTEST: ZF = (dst AND src) = 0, CF = (NOT dst AND src) = 0; AF, OF, PF, SF cleared. */
function ptest(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true);
  const d = xreg(i);
  const u = cpu.r;
  let and = 0;
  let andn = 0;
  for (let k = 0; k < 4; k++) {
    and |= u[d + k]! & u[s + k]!;
    andn |= ~u[d + k]! & u[s + k]!;
  }
  cpu.setArithFlags(CF | PF | AF | ZF | SF | OF, (and === 0 ? ZF : 0) | (andn === 0 ? CF : 0));
}

// ---- widening moves ------------------------------------------------------------------------------

/** PMOVSX/PMOVZX: `from`-byte elements of the low source bytes widened to `to` bytes. */
function pmov(from: number, to: number, signed: boolean): Exec {
  const n = 16 / to;
  const bytes = n * from;
  return (cpu, i) => {
    const s = (bytes === 8 ? src64(cpu, i) : bytes === 4 ? src32(cpu, i) : src16or32(cpu, i)) << 2;
    const d = xreg(i);
    const b = cpu.b;
    const r = cpu.r;
    const vals = STAGE;
    for (let k = 0; k < n; k++) {
      let v = 0;
      const o = s + k * from;
      if (from === 1) v = signed ? s8(b[o]!) : b[o]!;
      else if (from === 2) v = signed ? s16(b[o]! | (b[o + 1]! << 8)) : b[o]! | (b[o + 1]! << 8);
      else v = b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
      if (to === 8) {
        r[vals + 2 * k] = v;
        r[vals + 2 * k + 1] = signed && v < 0 ? -1 : 0;
      } else if (to === 4) r[vals + k] = v;
      else cpu.w[(vals << 1) + k] = v;
    }
    copy4(cpu.u32, d, STAGE);
  };
}
/** A 16-bit source (pmovsxbq/pmovzxbq): the low word of the register, or m16. */
function src16or32(cpu: Cpu, i: Insn): number {
  if (i.mod === 3) return XMM_I32 + (i.rm << 2);
  cpu.u32[SRC] = cpu.memory.read16(cpu.ea(i));
  return SRC;
}

// ---- integer arithmetic --------------------------------------------------------------------------

/** PMULDQ: signed low dwords of each quadword multiplied into 64-bit products. */
function pmuldq(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true);
  const d = xreg(i);
  const r = cpu.r;
  for (let k = 0; k < 4; k += 2) {
    const a = r[d + k]!;
    const b = r[s + k]!;
    const ua = Math.abs(a);
    const ub = Math.abs(b);
    const al = ua % 65536;
    const ah = Math.floor(ua / 65536);
    const bl = ub % 65536;
    const bh = Math.floor(ub / 65536);
    const mid = ah * bl + al * bh;
    const low = al * bl + (mid % 65536) * 65536;
    let lo = low % 4294967296;
    let hi = ah * bh + Math.floor(mid / 65536) + Math.floor(low / 4294967296);
    if (a < 0 !== b < 0) {
      // Two's complement of the 64-bit magnitude hi:lo.
      hi = ~hi + (lo === 0 ? 1 : 0);
      lo = (4294967296 - lo) % 4294967296;
    }
    r[STAGE + k] = lo | 0;
    r[STAGE + k + 1] = hi | 0;
  }
  r[d] = r[STAGE]!;
  r[d + 1] = r[STAGE + 1]!;
  r[d + 2] = r[STAGE + 2]!;
  r[d + 3] = r[STAGE + 3]!;
}
/** PCMPEQQ (and SSE4.2 PCMPGTQ when `gt`). */
export function cmpq(gt: boolean): Exec {
  return (cpu, i) => {
    const s = src128(cpu, i, true);
    const d = xreg(i);
    const r = cpu.r;
    for (let k = 0; k < 4; k += 2) {
      const ah = r[d + k + 1]!;
      const bh = r[s + k + 1]!;
      const al = r[d + k]! >>> 0;
      const bl = r[s + k]! >>> 0;
      const t = gt ? ah > bh || (ah === bh && al > bl) : ah === bh && al === bl;
      r[d + k] = r[d + k + 1] = t ? -1 : 0;
    }
  };
}
function p8(fn: (a: number, b: number) => number): Exec {
  return (cpu, i) => {
    const s = src128(cpu, i, true) << 2;
    const d = xreg(i) << 2;
    const b = cpu.b;
    for (let k = 0; k < 16; k++) b[d + k] = fn(b[d + k]!, b[s + k]!);
  };
}
function p16(fn: (a: number, b: number) => number): Exec {
  return (cpu, i) => {
    const s = src128(cpu, i, true) << 1;
    const d = xreg(i) << 1;
    const w = cpu.w;
    for (let k = 0; k < 8; k++) w[d + k] = fn(w[d + k]!, w[s + k]!);
  };
}
function p32(fn: (a: number, b: number) => number): Exec {
  return (cpu, i) => {
    const s = src128(cpu, i, true);
    const d = xreg(i);
    const r = cpu.r;
    for (let k = 0; k < 4; k++) r[d + k] = fn(r[d + k]!, r[s + k]!);
  };
}
/** PHMINPOSUW: the smallest unsigned word and its (lowest) index; the rest is zeroed. */
function phminposuw(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true) << 1;
  const d = xreg(i);
  const w = cpu.w;
  let min = w[s]!;
  let at = 0;
  for (let k = 1; k < 8; k++) {
    if (w[s + k]! < min) {
      min = w[s + k]!;
      at = k;
    }
  }
  const u = cpu.r;
  u[d] = min | (at << 16);
  u[d + 1] = 0;
  u[d + 2] = 0;
  u[d + 3] = 0;
}
/** MPSADBW: eight sums of absolute differences of 4-byte windows, offsets from imm8. */
function mpsadbw(cpu: Cpu, i: Insn): void {
  const s = (src128(cpu, i, true) << 2) + (i.imm & 3) * 4;
  const dx = xreg(i) << 2;
  const d = dx + (i.imm & 4);
  const b = cpu.b;
  const w = cpu.w;
  for (let k = 0; k < 8; k++) {
    let sum = 0;
    for (let j = 0; j < 4; j++) sum += Math.abs(b[d + k + j]! - b[s + j]!);
    w[(STAGE << 1) + k] = sum;
  }
  copy4(cpu.u32, dx >> 2, STAGE);
}

// ---- rounding and dot products --------------------------------------------------------------------

function roundps(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true);
  const d = xreg(i);
  const u = cpu.r;
  fpBegin(cpu);
  for (let k = 0; k < 4; k++) u[STAGE + k] = round32(u[s + k]!, i.imm);
  fpEnd(cpu);
  copy4(u, d, STAGE);
}
function roundpd(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true);
  const d = xreg(i);
  const u = cpu.r;
  fpBegin(cpu);
  for (let k = 0; k < 4; k += 2) {
    round64(u[s + k + 1]!, u[s + k]!, i.imm);
    u[STAGE + k] = out64.lo;
    u[STAGE + k + 1] = out64.hi;
  }
  fpEnd(cpu);
  copy4(u, d, STAGE);
}
function roundss(cpu: Cpu, i: Insn): void {
  const s = src32(cpu, i);
  const d = xreg(i);
  const u = cpu.r;
  fpBegin(cpu);
  const r = round32(u[s]!, i.imm);
  fpEnd(cpu);
  u[d] = r;
}
function roundsd(cpu: Cpu, i: Insn): void {
  const s = src64(cpu, i);
  const d = xreg(i);
  const u = cpu.r;
  fpBegin(cpu);
  round64(u[s + 1]!, u[s]!, i.imm);
  fpEnd(cpu);
  u[d] = out64.lo;
  u[d + 1] = out64.hi;
}
/**
 * DPPS: products of the lanes selected by imm8[7:4] (others +0.0), summed as (p0 + p1) + (p2 + p3)
 * with a rounding at every step, broadcast to the lanes selected by imm8[3:0] (others zero).
 */
function dpps(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true);
  const d = xreg(i);
  const u = cpu.r;
  const m = i.imm;
  fpBegin(cpu);
  const p0 = m & 0x10 ? mul32(u[d]!, u[s]!) : 0;
  const p1 = m & 0x20 ? mul32(u[d + 1]!, u[s + 1]!) : 0;
  const p2 = m & 0x40 ? mul32(u[d + 2]!, u[s + 2]!) : 0;
  const p3 = m & 0x80 ? mul32(u[d + 3]!, u[s + 3]!) : 0;
  fpStage(cpu);
  const t0 = add32(p0, p1);
  const t1 = add32(p2, p3);
  fpStage(cpu);
  const r = add32(t0, t1);
  fpEnd(cpu);
  for (let k = 0; k < 4; k++) u[d + k] = (m >>> k) & 1 ? r : 0;
}
/** DPPD: as DPPS on two binary64 lanes (imm8[5:4] select, imm8[1:0] broadcast). */
function dppd(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true);
  const d = xreg(i);
  const u = cpu.r;
  const m = i.imm;
  fpBegin(cpu);
  let h0 = 0;
  let l0 = 0;
  let h1 = 0;
  let l1 = 0;
  if (m & 0x10) {
    mul64(u[d + 1]!, u[d]!, u[s + 1]!, u[s]!);
    h0 = out64.hi;
    l0 = out64.lo;
  }
  if (m & 0x20) {
    mul64(u[d + 3]!, u[d + 2]!, u[s + 3]!, u[s + 2]!);
    h1 = out64.hi;
    l1 = out64.lo;
  }
  fpStage(cpu);
  add64(h0, l0, h1, l1);
  fpEnd(cpu);
  const hi = out64.hi;
  const lo = out64.lo;
  u[d] = m & 1 ? lo : 0;
  u[d + 1] = m & 1 ? hi : 0;
  u[d + 2] = m & 2 ? lo : 0;
  u[d + 3] = m & 2 ? hi : 0;
}

// ---- insert / extract ----------------------------------------------------------------------------

/** PEXTRB/PEXTRW/PEXTRD/PEXTRQ/EXTRACTPS: element imm8 of xmm to a register (zero-extended) or memory. */
function extract(size: number): Exec {
  return (cpu, i) => {
    const o = (xreg(i) << 2) + (i.imm & (16 / size - 1)) * size;
    const b = cpu.b;
    if (size === 1 || size === 2) {
      const v = size === 1 ? b[o]! : b[o]! | (b[o + 1]! << 8);
      if (i.mod === 3) cpu.setReg32(i.rm, v);
      else if (size === 1) cpu.memory.write8(cpu.ea(i), v);
      else cpu.memory.write16(cpu.ea(i), v);
      return;
    }
    const lo = cpu.r[o >> 2]!;
    if (size === 8) cpu.setRm64(i, lo, cpu.r[(o >> 2) + 1]!);
    else cpu.setRm32(i, lo);
  };
}
/** PINSRB/PINSRD/PINSRQ: a byte/dword/qword from a register or memory into element imm8. */
function insert(size: number): Exec {
  return (cpu, i) => {
    const x = xreg(i) << 2;
    const b = cpu.b;
    if (size === 1) {
      const v = i.mod === 3 ? cpu.r[i.rm << 1]! : cpu.memory.read8(cpu.ea(i));
      b[x + (i.imm & 15)] = v;
      return;
    }
    if (i.opsize === 8) {
      const lo = cpu.getRm64(i);
      const o = (x >> 2) + (i.imm & 1) * 2;
      cpu.r[o] = lo;
      cpu.r[o + 1] = cpu.hi;
    } else cpu.r[(x >> 2) + (i.imm & 3)] = cpu.getRm32(i);
  };
}
/** INSERTPS: a single from xmm (imm8[7:6]) or m32 into lane imm8[5:4], then zero lanes of imm8[3:0]. */
function insertps(cpu: Cpu, i: Insn): void {
  const d = xreg(i);
  const u = cpu.r;
  const m = i.imm;
  const v = i.mod === 3 ? u[xmm(i.rm) + ((m >>> 6) & 3)]! : cpu.memory.read32(cpu.ea(i));
  u[d + ((m >>> 4) & 3)] = v;
  for (let k = 0; k < 4; k++) if ((m >>> k) & 1) u[d + k] = 0;
}
/** MOVNTDQA: an aligned 16-byte load (the non-temporal hint has no effect here). */
function movntdqa(cpu: Cpu, i: Insn): void {
  copy4(cpu.u32, xreg(i), src128(cpu, i, Align.Always));
}

const r38 = (opcode: number, mnemonic: string, exec: Exec, operands = 'Vdq, Wdq'): OpRow => ({
  map: 2,
  opcode,
  prefix: 0x66,
  mnemonic,
  operands,
  exec,
});
const r3a = (opcode: number, mnemonic: string, exec: Exec, operands = 'Vdq, Wdq, Ib'): OpRow => ({
  map: 3,
  opcode,
  prefix: 0x66,
  mnemonic,
  operands,
  exec,
});

/** The SSE4.1 rows. */
export const sse41Rows: readonly OpRow[] = [
  r38(0x10, 'pblendvb', blendv(1), 'Vdq, Wdq, XMM0'),
  r38(0x14, 'blendvps', blendv(4), 'Vps, Wps, XMM0'),
  r38(0x15, 'blendvpd', blendv(8), 'Vpd, Wpd, XMM0'),
  r38(0x17, 'ptest', ptest),
  r38(0x20, 'pmovsxbw', pmov(1, 2, true), 'Vdq, Wq'),
  r38(0x21, 'pmovsxbd', pmov(1, 4, true), 'Vdq, Wd'),
  r38(0x22, 'pmovsxbq', pmov(1, 8, true), 'Vdq, Ww'),
  r38(0x23, 'pmovsxwd', pmov(2, 4, true), 'Vdq, Wq'),
  r38(0x24, 'pmovsxwq', pmov(2, 8, true), 'Vdq, Wd'),
  r38(0x25, 'pmovsxdq', pmov(4, 8, true), 'Vdq, Wq'),
  r38(0x30, 'pmovzxbw', pmov(1, 2, false), 'Vdq, Wq'),
  r38(0x31, 'pmovzxbd', pmov(1, 4, false), 'Vdq, Wd'),
  r38(0x32, 'pmovzxbq', pmov(1, 8, false), 'Vdq, Ww'),
  r38(0x33, 'pmovzxwd', pmov(2, 4, false), 'Vdq, Wq'),
  r38(0x34, 'pmovzxwq', pmov(2, 8, false), 'Vdq, Wd'),
  r38(0x35, 'pmovzxdq', pmov(4, 8, false), 'Vdq, Wq'),
  r38(0x28, 'pmuldq', pmuldq),
  r38(0x29, 'pcmpeqq', cmpq(false)),
  {
    map: 2,
    opcode: 0x2a,
    prefix: 0x66,
    mod: 'mem',
    mnemonic: 'movntdqa',
    operands: 'Vdq, Mdq',
    exec: movntdqa,
  },
  r38(0x2b, 'packusdw', packusdw),
  r38(
    0x38,
    'pminsb',
    p8((a, b) => (s8(a) < s8(b) ? a : b)),
  ),
  r38(
    0x39,
    'pminsd',
    p32((a, b) => Math.min(a, b)),
  ),
  r38(
    0x3a,
    'pminuw',
    p16((a, b) => Math.min(a, b)),
  ),
  r38(
    0x3b,
    'pminud',
    p32((a, b) => (a >>> 0 < b >>> 0 ? a : b)),
  ),
  r38(
    0x3c,
    'pmaxsb',
    p8((a, b) => (s8(a) > s8(b) ? a : b)),
  ),
  r38(
    0x3d,
    'pmaxsd',
    p32((a, b) => Math.max(a, b)),
  ),
  r38(
    0x3e,
    'pmaxuw',
    p16((a, b) => Math.max(a, b)),
  ),
  r38(
    0x3f,
    'pmaxud',
    p32((a, b) => (a >>> 0 > b >>> 0 ? a : b)),
  ),
  r38(
    0x40,
    'pmulld',
    p32((a, b) => Math.imul(a, b)),
  ),
  r38(0x41, 'phminposuw', phminposuw),
  r3a(0x08, 'roundps', roundps),
  r3a(0x09, 'roundpd', roundpd),
  r3a(0x0a, 'roundss', roundss, 'Vss, Wss, Ib'),
  r3a(0x0b, 'roundsd', roundsd, 'Vsd, Wsd, Ib'),
  r3a(0x0c, 'blendps', blendi(4)),
  r3a(0x0d, 'blendpd', blendi(8)),
  r3a(0x0e, 'pblendw', blendi(2)),
  r3a(0x14, 'pextrb', extract(1), 'Rd/Mb, Vdq, Ib'),
  r3a(0x15, 'pextrw', extract(2), 'Rd/Mw, Vdq, Ib'),
  { map: 3, opcode: 0x16, prefix: 0x66, w: 0, mnemonic: 'pextrd', operands: 'Ed, Vdq, Ib', exec: extract(4) },
  { map: 3, opcode: 0x16, prefix: 0x66, w: 1, mnemonic: 'pextrq', operands: 'Eq, Vdq, Ib', exec: extract(8) },
  r3a(0x17, 'extractps', extract(4), 'Ed, Vdq, Ib'),
  r3a(0x20, 'pinsrb', insert(1), 'Vdq, Ry/Mb, Ib'),
  r3a(0x21, 'insertps', insertps, 'Vdq, Udq/Md, Ib'),
  { map: 3, opcode: 0x22, prefix: 0x66, w: 0, mnemonic: 'pinsrd', operands: 'Vdq, Ed, Ib', exec: insert(4) },
  { map: 3, opcode: 0x22, prefix: 0x66, w: 1, mnemonic: 'pinsrq', operands: 'Vdq, Eq, Ib', exec: insert(8) },
  r3a(0x40, 'dpps', dpps),
  r3a(0x41, 'dppd', dppd),
  r3a(0x42, 'mpsadbw', mpsadbw),
];
