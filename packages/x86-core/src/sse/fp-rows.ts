/**
 * Opcode rows and handlers of the SSE/SSE2 floating-point instructions (SDM Vol. 2, one entry per
 * mnemonic; encodings from Vol. 2, Appendix A, table A-3 "Two-byte Opcode Map"): packed and scalar
 * arithmetic, sqrt, min/max, compares, comis/ucomis, logic, conversions, shuffles and unpacks,
 * movmsk. Lane semantics come from float-ops.ts.
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { AF, CF, OF, PF, SF, XMM_I32, ZF } from '../state.js';
import type { OpRow } from '../table.js';
import { copy4, fpBegin, fpEnd, STAGE, src32, src64, src128, xreg } from './access.js';
import {
  add32,
  add64,
  cmp32,
  cmp64,
  comi32,
  comi64,
  cvt32to64,
  cvt64to32,
  div32,
  div64,
  f32toI32,
  f32toI64,
  f64toI32,
  f64toI64,
  i32to32,
  i32to64,
  i64to32,
  i64to64,
  max32,
  max64,
  min32,
  min64,
  mul32,
  mul64,
  out64,
  rcp32,
  rsqrt32,
  sqrt32,
  sqrt64,
  sub32,
  sub64,
} from './float-ops.js';

/**
 * Arithmetic kinds of the 0F 51/58–5F rows. Handlers dispatch through one switch instead of
 * calling a per-row function value, so every lane call site stays monomorphic for the JIT.
 */
const enum K {
  Add = 0,
  Mul = 1,
  Sub = 2,
  Min = 3,
  Div = 4,
  Max = 5,
  Sqrt = 6,
}

function lane32(k: K, a: number, b: number): number {
  switch (k) {
    case K.Add:
      return add32(a, b);
    case K.Mul:
      return mul32(a, b);
    case K.Sub:
      return sub32(a, b);
    case K.Min:
      return min32(a, b);
    case K.Div:
      return div32(a, b);
    case K.Max:
      return max32(a, b);
    default:
      return sqrt32(b);
  }
}
function lane64(k: K, ah: number, al: number, bh: number, bl: number): void {
  switch (k) {
    case K.Add:
      add64(ah, al, bh, bl);
      return;
    case K.Mul:
      mul64(ah, al, bh, bl);
      return;
    case K.Sub:
      sub64(ah, al, bh, bl);
      return;
    case K.Min:
      min64(ah, al, bh, bl);
      return;
    case K.Div:
      div64(ah, al, bh, bl);
      return;
    case K.Max:
      max64(ah, al, bh, bl);
      return;
    default:
      sqrt64(bh, bl);
  }
}

/** Packed single: four binary32 lanes. */
function ps(k: K) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src128(cpu, i, true);
    const d = xreg(i);
    const u = cpu.r;
    fpBegin(cpu);
    u[STAGE] = lane32(k, u[d]!, u[s]!);
    u[STAGE + 1] = lane32(k, u[d + 1]!, u[s + 1]!);
    u[STAGE + 2] = lane32(k, u[d + 2]!, u[s + 2]!);
    u[STAGE + 3] = lane32(k, u[d + 3]!, u[s + 3]!);
    fpEnd(cpu);
    copy4(u, d, STAGE);
  };
}
/** Scalar single: lane 0 only; the other lanes of the destination are kept. */
function ss(k: K) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src32(cpu, i);
    const d = xreg(i);
    const u = cpu.r;
    fpBegin(cpu);
    const r = lane32(k, u[d]!, u[s]!);
    fpEnd(cpu);
    u[d] = r;
  };
}
/** Packed double: two binary64 lanes. */
function pd(k: K) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src128(cpu, i, true);
    const d = xreg(i);
    const u = cpu.r;
    fpBegin(cpu);
    lane64(k, u[d + 1]!, u[d]!, u[s + 1]!, u[s]!);
    u[STAGE] = out64.lo;
    u[STAGE + 1] = out64.hi;
    lane64(k, u[d + 3]!, u[d + 2]!, u[s + 3]!, u[s + 2]!);
    u[STAGE + 2] = out64.lo;
    u[STAGE + 3] = out64.hi;
    fpEnd(cpu);
    copy4(u, d, STAGE);
  };
}
/** Scalar double: the low lane; the high lane of the destination is kept. */
function sd(k: K) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src64(cpu, i);
    const d = xreg(i);
    const u = cpu.r;
    fpBegin(cpu);
    lane64(k, u[d + 1]!, u[d]!, u[s + 1]!, u[s]!);
    fpEnd(cpu);
    u[d] = out64.lo;
    u[d + 1] = out64.hi;
  };
}

/** The four arithmetic forms of one 0F opcode (none/66/F3/F2 = ps/pd/ss/sd). */
function arith4(opcode: number, name: string, k: K): OpRow[] {
  return [
    { map: 1, opcode, prefix: 0, mnemonic: `${name}ps`, operands: 'Vps, Wps', exec: ps(k) },
    { map: 1, opcode, prefix: 0x66, mnemonic: `${name}pd`, operands: 'Vpd, Wpd', exec: pd(k) },
    { map: 1, opcode, prefix: 0xf3, mnemonic: `${name}ss`, operands: 'Vss, Wss', exec: ss(k) },
    { map: 1, opcode, prefix: 0xf2, mnemonic: `${name}sd`, operands: 'Vsd, Wsd', exec: sd(k) },
  ];
}

// ---- approximations ------------------------------------------------------------------------------

/** RCPPS/RSQRTPS (all lanes) and RCPSS/RSQRTSS (lane 0): no exceptions, MXCSR not involved. */
function approx(rsqrt: boolean, scalar: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const s = scalar ? src32(cpu, i) : src128(cpu, i, true);
    const d = xreg(i);
    const u = cpu.r;
    const n = scalar ? 1 : 4;
    for (let k = 0; k < n; k++) u[STAGE + k] = rsqrt ? rsqrt32(u[s + k]!) : rcp32(u[s + k]!);
    for (let k = 0; k < n; k++) u[d + k] = u[STAGE + k]!;
  };
}

// ---- compares ------------------------------------------------------------------------------------

function cmpps(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true);
  const d = xreg(i);
  const u = cpu.r;
  const p = i.imm & 7;
  fpBegin(cpu);
  for (let k = 0; k < 4; k++) u[STAGE + k] = cmp32(p, u[d + k]!, u[s + k]!);
  fpEnd(cpu);
  copy4(u, d, STAGE);
}
function cmpss(cpu: Cpu, i: Insn): void {
  const s = src32(cpu, i);
  const d = xreg(i);
  const u = cpu.r;
  fpBegin(cpu);
  const r = cmp32(i.imm & 7, u[d]!, u[s]!);
  fpEnd(cpu);
  u[d] = r;
}
function cmppd(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true);
  const d = xreg(i);
  const u = cpu.r;
  const p = i.imm & 7;
  fpBegin(cpu);
  const r0 = cmp64(p, u[d + 1]!, u[d]!, u[s + 1]!, u[s]!) ? 0xffffffff : 0;
  const r1 = cmp64(p, u[d + 3]!, u[d + 2]!, u[s + 3]!, u[s + 2]!) ? 0xffffffff : 0;
  fpEnd(cpu);
  u[d] = u[d + 1] = r0;
  u[d + 2] = u[d + 3] = r1;
}
function cmpsd(cpu: Cpu, i: Insn): void {
  const s = src64(cpu, i);
  const d = xreg(i);
  const u = cpu.r;
  fpBegin(cpu);
  const r = cmp64(i.imm & 7, u[d + 1]!, u[d]!, u[s + 1]!, u[s]!) ? 0xffffffff : 0;
  fpEnd(cpu);
  u[d] = u[d + 1] = r;
}

const COMI_FLAGS = CF | PF | AF | ZF | SF | OF;
/** COMISS/UCOMISS/COMISD/UCOMISD: ZF, PF, CF from the comparison; OF, SF, AF cleared. */
function comi(double: boolean, signaling: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const s = double ? src64(cpu, i) : src32(cpu, i);
    const d = xreg(i);
    const u = cpu.r;
    fpBegin(cpu);
    const f = double
      ? comi64(u[d + 1]!, u[d]!, u[s + 1]!, u[s]!, signaling)
      : comi32(u[d]!, u[s]!, signaling);
    fpEnd(cpu);
    cpu.setArithFlags(COMI_FLAGS, f);
  };
}

// ---- bitwise logic -----------------------------------------------------------------------------

/** andps/andnps/orps/xorps (and the pd forms): 0 and, 1 andn, 2 or, 3 xor. */
function logic(kind: number) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src128(cpu, i, true);
    const d = xreg(i);
    const u = cpu.r;
    for (let k = 0; k < 4; k++) {
      const a = u[d + k]!;
      const b = u[s + k]!;
      u[d + k] = kind === 0 ? a & b : kind === 1 ? ~a & b : kind === 2 ? a | b : a ^ b;
    }
  };
}

// ---- conversions -------------------------------------------------------------------------------

/** CVTPS2PD: the two low singles widen to doubles. */
function cvtps2pd(cpu: Cpu, i: Insn): void {
  const s = src64(cpu, i);
  const d = xreg(i);
  const u = cpu.r;
  fpBegin(cpu);
  cvt32to64(u[s]!);
  u[STAGE] = out64.lo;
  u[STAGE + 1] = out64.hi;
  cvt32to64(u[s + 1]!);
  u[STAGE + 2] = out64.lo;
  u[STAGE + 3] = out64.hi;
  fpEnd(cpu);
  copy4(u, d, STAGE);
}
/** CVTPD2PS: two doubles narrow into the low singles; the high quadword is zeroed. */
function cvtpd2ps(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true);
  const d = xreg(i);
  const u = cpu.r;
  fpBegin(cpu);
  const r0 = cvt64to32(u[s + 1]!, u[s]!);
  const r1 = cvt64to32(u[s + 3]!, u[s + 2]!);
  fpEnd(cpu);
  u[d] = r0;
  u[d + 1] = r1;
  u[d + 2] = 0;
  u[d + 3] = 0;
}
function cvtss2sd(cpu: Cpu, i: Insn): void {
  const s = src32(cpu, i);
  const d = xreg(i);
  const u = cpu.r;
  fpBegin(cpu);
  cvt32to64(u[s]!);
  fpEnd(cpu);
  u[d] = out64.lo;
  u[d + 1] = out64.hi;
}
function cvtsd2ss(cpu: Cpu, i: Insn): void {
  const s = src64(cpu, i);
  const d = xreg(i);
  const u = cpu.r;
  fpBegin(cpu);
  const r = cvt64to32(u[s + 1]!, u[s]!);
  fpEnd(cpu);
  u[d] = r;
}
/** CVTDQ2PS: four int32 → single. */
function cvtdq2ps(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true);
  const d = xreg(i);
  const u = cpu.r;
  fpBegin(cpu);
  for (let k = 0; k < 4; k++) u[STAGE + k] = i32to32(u[s + k]!);
  fpEnd(cpu);
  copy4(u, d, STAGE);
}
/** CVTPS2DQ / CVTTPS2DQ: four single → int32 (indefinite 0x80000000 when out of range). */
function cvtps2dq(truncate: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src128(cpu, i, true);
    const d = xreg(i);
    const u = cpu.r;
    fpBegin(cpu);
    for (let k = 0; k < 4; k++) u[STAGE + k] = f32toI32(u[s + k]!, truncate);
    fpEnd(cpu);
    copy4(u, d, STAGE);
  };
}
/** CVTDQ2PD: two int32 (m64) → double. */
function cvtdq2pd(cpu: Cpu, i: Insn): void {
  const s = src64(cpu, i);
  const d = xreg(i);
  const u = cpu.r;
  const a = u[s]!;
  const b = u[s + 1]!;
  i32to64(a);
  u[d] = out64.lo;
  u[d + 1] = out64.hi;
  i32to64(b);
  u[d + 2] = out64.lo;
  u[d + 3] = out64.hi;
}
/** CVTPD2DQ / CVTTPD2DQ: two double → int32 in the low quadword; the high quadword is zeroed. */
function cvtpd2dq(truncate: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src128(cpu, i, true);
    const d = xreg(i);
    const u = cpu.r;
    fpBegin(cpu);
    const r0 = f64toI32(u[s + 1]!, u[s]!, truncate);
    const r1 = f64toI32(u[s + 3]!, u[s + 2]!, truncate);
    fpEnd(cpu);
    u[d] = r0;
    u[d + 1] = r1;
    u[d + 2] = 0;
    u[d + 3] = 0;
  };
}
/** CVTSI2SS/CVTSI2SD from r/m32 or r/m64 (REX.W). */
function cvtsi2s(double: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const d = xreg(i);
    const u = cpu.r;
    let lo: number;
    let hi = 0;
    const wide = i.opsize === 8;
    if (wide) {
      lo = cpu.getRm64(i);
      hi = cpu.hi;
    } else {
      lo = cpu.getRm32(i);
    }
    fpBegin(cpu);
    if (double) {
      if (wide) i64to64(hi, lo);
      else i32to64(lo);
      fpEnd(cpu);
      u[d] = out64.lo;
      u[d + 1] = out64.hi;
    } else {
      const r = wide ? i64to32(hi, lo) : i32to32(lo);
      fpEnd(cpu);
      u[d] = r;
    }
  };
}
/** CVT(T)SS2SI / CVT(T)SD2SI to r32 or r64 (REX.W). */
function cvts2si(double: boolean, truncate: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const s = double ? src64(cpu, i) : src32(cpu, i);
    const u = cpu.r;
    const r = cpu.r;
    const g = i.reg << 1;
    fpBegin(cpu);
    if (i.opsize === 8) {
      if (double) f64toI64(u[s + 1]!, u[s]!, truncate);
      else f32toI64(u[s]!, truncate);
      fpEnd(cpu);
      r[g] = out64.lo;
      r[g + 1] = out64.hi;
    } else {
      const v = double ? f64toI32(u[s + 1]!, u[s]!, truncate) : f32toI32(u[s]!, truncate);
      fpEnd(cpu);
      r[g] = v;
      r[g + 1] = 0;
    }
  };
}

// ---- shuffles, unpacks, movmsk --------------------------------------------------------------------

function shufps(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true);
  const d = xreg(i);
  const u = cpu.r;
  const m = i.imm;
  u[STAGE] = u[d + (m & 3)]!;
  u[STAGE + 1] = u[d + ((m >>> 2) & 3)]!;
  u[STAGE + 2] = u[s + ((m >>> 4) & 3)]!;
  u[STAGE + 3] = u[s + ((m >>> 6) & 3)]!;
  copy4(u, d, STAGE);
}
function shufpd(cpu: Cpu, i: Insn): void {
  const s = src128(cpu, i, true);
  const d = xreg(i);
  const u = cpu.r;
  const m = i.imm;
  const a = d + ((m & 1) << 1);
  const b = s + ((m & 2) << 0);
  u[STAGE] = u[a]!;
  u[STAGE + 1] = u[a + 1]!;
  u[STAGE + 2] = u[b]!;
  u[STAGE + 3] = u[b + 1]!;
  copy4(u, d, STAGE);
}
/** unpcklps/unpckhps: interleave the low (high) two dwords of destination and source. */
function unpckps(high: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src128(cpu, i, true) + (high ? 2 : 0);
    const d = xreg(i);
    const u = cpu.r;
    const o = d + (high ? 2 : 0);
    u[STAGE] = u[o]!;
    u[STAGE + 1] = u[s]!;
    u[STAGE + 2] = u[o + 1]!;
    u[STAGE + 3] = u[s + 1]!;
    copy4(u, d, STAGE);
  };
}
/** unpcklpd/unpckhpd (also punpcklqdq/punpckhqdq): low (high) quadwords of destination and source. */
export function unpckq(high: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const s = src128(cpu, i, true) + (high ? 2 : 0);
    const d = xreg(i);
    const u = cpu.r;
    const o = d + (high ? 2 : 0);
    u[STAGE] = u[o]!;
    u[STAGE + 1] = u[o + 1]!;
    u[STAGE + 2] = u[s]!;
    u[STAGE + 3] = u[s + 1]!;
    copy4(u, d, STAGE);
  };
}
function movmskps(cpu: Cpu, i: Insn): void {
  const u = cpu.r;
  const s = XMM_I32 + (i.rm << 2);
  const m =
    (u[s]! >>> 31) | ((u[s + 1]! >>> 31) << 1) | ((u[s + 2]! >>> 31) << 2) | ((u[s + 3]! >>> 31) << 3);
  cpu.setReg32(i.reg, m);
}
function movmskpd(cpu: Cpu, i: Insn): void {
  const u = cpu.r;
  const s = XMM_I32 + (i.rm << 2);
  cpu.setReg32(i.reg, (u[s + 1]! >>> 31) | ((u[s + 3]! >>> 31) << 1));
}

/** The SSE/SSE2 floating-point rows. */
export const fpRows: readonly OpRow[] = [
  ...arith4(0x58, 'add', K.Add),
  ...arith4(0x59, 'mul', K.Mul),
  ...arith4(0x5c, 'sub', K.Sub),
  ...arith4(0x5d, 'min', K.Min),
  ...arith4(0x5e, 'div', K.Div),
  ...arith4(0x5f, 'max', K.Max),
  ...arith4(0x51, 'sqrt', K.Sqrt),
  // The approximations' low-order bits are implementation-specific (SDM: relative error at most
  // 1.5 · 2^-12), so the bit-exact differential suite skips them; float-ops.test.ts checks the
  // bound and every special case against the host instead.
  {
    map: 1,
    opcode: 0x52,
    prefix: 0,
    mnemonic: 'rsqrtps',
    operands: 'Vps, Wps',
    exec: approx(true, false),
    noDiffTest: true,
  },
  {
    map: 1,
    opcode: 0x52,
    prefix: 0xf3,
    mnemonic: 'rsqrtss',
    operands: 'Vss, Wss',
    exec: approx(true, true),
    noDiffTest: true,
  },
  {
    map: 1,
    opcode: 0x53,
    prefix: 0,
    mnemonic: 'rcpps',
    operands: 'Vps, Wps',
    exec: approx(false, false),
    noDiffTest: true,
  },
  {
    map: 1,
    opcode: 0x53,
    prefix: 0xf3,
    mnemonic: 'rcpss',
    operands: 'Vss, Wss',
    exec: approx(false, true),
    noDiffTest: true,
  },
  { map: 1, opcode: 0xc2, prefix: 0, mnemonic: 'cmpps', operands: 'Vps, Wps, Ib', exec: cmpps },
  { map: 1, opcode: 0xc2, prefix: 0x66, mnemonic: 'cmppd', operands: 'Vpd, Wpd, Ib', exec: cmppd },
  { map: 1, opcode: 0xc2, prefix: 0xf3, mnemonic: 'cmpss', operands: 'Vss, Wss, Ib', exec: cmpss },
  { map: 1, opcode: 0xc2, prefix: 0xf2, mnemonic: 'cmpsd', operands: 'Vsd, Wsd, Ib', exec: cmpsd },
  { map: 1, opcode: 0x2e, prefix: 0, mnemonic: 'ucomiss', operands: 'Vss, Wss', exec: comi(false, false) },
  { map: 1, opcode: 0x2e, prefix: 0x66, mnemonic: 'ucomisd', operands: 'Vsd, Wsd', exec: comi(true, false) },
  { map: 1, opcode: 0x2f, prefix: 0, mnemonic: 'comiss', operands: 'Vss, Wss', exec: comi(false, true) },
  { map: 1, opcode: 0x2f, prefix: 0x66, mnemonic: 'comisd', operands: 'Vsd, Wsd', exec: comi(true, true) },
  { map: 1, opcode: 0x54, prefix: 0, mnemonic: 'andps', operands: 'Vps, Wps', exec: logic(0) },
  { map: 1, opcode: 0x54, prefix: 0x66, mnemonic: 'andpd', operands: 'Vpd, Wpd', exec: logic(0) },
  { map: 1, opcode: 0x55, prefix: 0, mnemonic: 'andnps', operands: 'Vps, Wps', exec: logic(1) },
  { map: 1, opcode: 0x55, prefix: 0x66, mnemonic: 'andnpd', operands: 'Vpd, Wpd', exec: logic(1) },
  { map: 1, opcode: 0x56, prefix: 0, mnemonic: 'orps', operands: 'Vps, Wps', exec: logic(2) },
  { map: 1, opcode: 0x56, prefix: 0x66, mnemonic: 'orpd', operands: 'Vpd, Wpd', exec: logic(2) },
  { map: 1, opcode: 0x57, prefix: 0, mnemonic: 'xorps', operands: 'Vps, Wps', exec: logic(3) },
  { map: 1, opcode: 0x57, prefix: 0x66, mnemonic: 'xorpd', operands: 'Vpd, Wpd', exec: logic(3) },
  { map: 1, opcode: 0x5a, prefix: 0, mnemonic: 'cvtps2pd', operands: 'Vpd, Wq', exec: cvtps2pd },
  { map: 1, opcode: 0x5a, prefix: 0x66, mnemonic: 'cvtpd2ps', operands: 'Vps, Wpd', exec: cvtpd2ps },
  { map: 1, opcode: 0x5a, prefix: 0xf3, mnemonic: 'cvtss2sd', operands: 'Vsd, Wss', exec: cvtss2sd },
  { map: 1, opcode: 0x5a, prefix: 0xf2, mnemonic: 'cvtsd2ss', operands: 'Vss, Wsd', exec: cvtsd2ss },
  { map: 1, opcode: 0x5b, prefix: 0, mnemonic: 'cvtdq2ps', operands: 'Vps, Wdq', exec: cvtdq2ps },
  { map: 1, opcode: 0x5b, prefix: 0x66, mnemonic: 'cvtps2dq', operands: 'Vdq, Wps', exec: cvtps2dq(false) },
  { map: 1, opcode: 0x5b, prefix: 0xf3, mnemonic: 'cvttps2dq', operands: 'Vdq, Wps', exec: cvtps2dq(true) },
  { map: 1, opcode: 0xe6, prefix: 0xf3, mnemonic: 'cvtdq2pd', operands: 'Vpd, Wq', exec: cvtdq2pd },
  { map: 1, opcode: 0xe6, prefix: 0xf2, mnemonic: 'cvtpd2dq', operands: 'Vdq, Wpd', exec: cvtpd2dq(false) },
  { map: 1, opcode: 0xe6, prefix: 0x66, mnemonic: 'cvttpd2dq', operands: 'Vdq, Wpd', exec: cvtpd2dq(true) },
  { map: 1, opcode: 0x2a, prefix: 0xf3, mnemonic: 'cvtsi2ss', operands: 'Vss, Ey', exec: cvtsi2s(false) },
  { map: 1, opcode: 0x2a, prefix: 0xf2, mnemonic: 'cvtsi2sd', operands: 'Vsd, Ey', exec: cvtsi2s(true) },
  {
    map: 1,
    opcode: 0x2c,
    prefix: 0xf3,
    mnemonic: 'cvttss2si',
    operands: 'Gy, Wss',
    exec: cvts2si(false, true),
  },
  {
    map: 1,
    opcode: 0x2c,
    prefix: 0xf2,
    mnemonic: 'cvttsd2si',
    operands: 'Gy, Wsd',
    exec: cvts2si(true, true),
  },
  {
    map: 1,
    opcode: 0x2d,
    prefix: 0xf3,
    mnemonic: 'cvtss2si',
    operands: 'Gy, Wss',
    exec: cvts2si(false, false),
  },
  {
    map: 1,
    opcode: 0x2d,
    prefix: 0xf2,
    mnemonic: 'cvtsd2si',
    operands: 'Gy, Wsd',
    exec: cvts2si(true, false),
  },
  { map: 1, opcode: 0xc6, prefix: 0, mnemonic: 'shufps', operands: 'Vps, Wps, Ib', exec: shufps },
  { map: 1, opcode: 0xc6, prefix: 0x66, mnemonic: 'shufpd', operands: 'Vpd, Wpd, Ib', exec: shufpd },
  { map: 1, opcode: 0x14, prefix: 0, mnemonic: 'unpcklps', operands: 'Vps, Wps', exec: unpckps(false) },
  { map: 1, opcode: 0x15, prefix: 0, mnemonic: 'unpckhps', operands: 'Vps, Wps', exec: unpckps(true) },
  { map: 1, opcode: 0x14, prefix: 0x66, mnemonic: 'unpcklpd', operands: 'Vpd, Wpd', exec: unpckq(false) },
  { map: 1, opcode: 0x15, prefix: 0x66, mnemonic: 'unpckhpd', operands: 'Vpd, Wpd', exec: unpckq(true) },
  { map: 1, opcode: 0x50, prefix: 0, mod: 'reg', mnemonic: 'movmskps', operands: 'Gd, Ups', exec: movmskps },
  {
    map: 1,
    opcode: 0x50,
    prefix: 0x66,
    mod: 'reg',
    mnemonic: 'movmskpd',
    operands: 'Gd, Upd',
    exec: movmskpd,
  },
];
