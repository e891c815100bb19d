/**
 * Operand access for the SSE handlers: XMM registers live in the CPU register file (state.ts:
 * XMM n at Uint32 index XMM_I32 + 4n, MXCSR at MXCSR_I32); memory operands are copied into a
 * 16-byte source scratch in the same file so every handler addresses its operands as Uint32
 * indices of `cpu.u32` (and the matching byte/word/float views).
 *
 * Scratch claimed by the SSE module inside the extension area of the register file
 * (state.ts EXT_FREE_OFFSET): bytes 992–1007 hold a memory source operand, bytes 1008–1023 stage
 * a result until the instruction can no longer fault (an unmasked SIMD exception leaves the
 * destination unchanged, SDM Vol. 1, §11.5.1).
 */
import type { Cpu } from '../cpu.js';
import { CpuFault } from '../fault.js';
import { EA_BASE, EA_BASE_INDEX, EA_INDEX, type Insn, SEG_FS, SEG_NONE } from '../insn.js';
import { FS_BASE_I32, GS_BASE_I32, MXCSR_I32, XMM_I32 } from '../state.js';
import { MX_MM, sseBegin, sseEnd, sseEnv } from './mxcsr.js';

/** Uint32 index of the memory-source scratch (byte 992). */
export const SRC = 248;
/** Uint32 index of the result staging area (byte 1008). */
export const STAGE = 252;

/** Uint32 index of XMM register `n`. */
export const xmm = (n: number): number => XMM_I32 + (n << 2);
/** Uint32 index of the ModRM.reg XMM register. */
export const xreg = (i: Insn): number => XMM_I32 + (i.reg << 2);

/** #GP for a misaligned 16-byte operand of a legacy SSE instruction (SDM Vol. 1, §11.6.7). */
function misaligned(cpu: Cpu, low4: number): CpuFault {
  return cpu.gp(`misaligned 16-byte SSE operand (address = ${low4} mod 16)`);
}

/** Alignment rule of a 16-byte memory operand. */
export const enum Align {
  /** Unaligned access allowed (movups, movdqu, lddqu, pcmpXstrX…). */
  None = 0,
  /** Legacy SSE m128 operand: 16-byte alignment unless MXCSR.MM is set. */
  Sse = 1,
  /** The explicitly aligned moves (movaps, movdqa, movntdq…): always 16-byte aligned. */
  Always = 2,
}

/**
 * The low four bits of the instruction's effective address, computed from its parts without the
 * range checks of `cpu.ea` (alignment #GP takes priority over a page fault, as on the host CPU).
 */
function eaLow4(cpu: Cpu, i: Insn): number {
  const r = cpu.r;
  let a = i.disp;
  switch (i.eaKind) {
    case EA_BASE:
      a += r[i.base << 1]!;
      break;
    case EA_BASE_INDEX:
      a += r[i.base << 1]! + (r[i.index << 1]! << i.scale);
      break;
    case EA_INDEX:
      a += r[i.index << 1]! << i.scale;
      break;
  }
  if (i.seg !== SEG_NONE) a += r[i.seg === SEG_FS ? FS_BASE_I32 : GS_BASE_I32]!;
  return a & 15;
}

/** The linear address of a 16-byte memory operand, raising #GP first when it is misaligned. */
function alignedEa(cpu: Cpu, i: Insn, align: Align): number {
  if (align !== Align.None && (align === Align.Always || (cpu.u32[MXCSR_I32]! & MX_MM) === 0)) {
    const low = eaLow4(cpu, i);
    if (low !== 0) throw misaligned(cpu, low);
  }
  return cpu.ea(i);
}

/**
 * The 128-bit r/m source: the rm XMM register, or memory copied into {@link SRC}, checking the
 * 16-byte alignment legacy SSE requires of m128 operands (`true` = {@link Align.Sse}).
 */
export function src128(cpu: Cpu, i: Insn, align: boolean | Align): number {
  if (i.mod === 3) return XMM_I32 + (i.rm << 2);
  const a = alignedEa(cpu, i, align === true ? Align.Sse : align === false ? Align.None : align);
  cpu.read128(a, SRC);
  return SRC;
}

/** The 64-bit r/m source (low quadword of the rm register, or m64 copied into SRC[0..1]). */
export function src64(cpu: Cpu, i: Insn): number {
  if (i.mod === 3) return XMM_I32 + (i.rm << 2);
  const u = cpu.u32;
  u[SRC] = cpu.read64(cpu.ea(i));
  u[SRC + 1] = cpu.hi;
  return SRC;
}

/** The 32-bit r/m source (low dword of the rm register, or m32 copied into SRC[0]). */
export function src32(cpu: Cpu, i: Insn): number {
  if (i.mod === 3) return XMM_I32 + (i.rm << 2);
  cpu.u32[SRC] = cpu.memory.read32(cpu.ea(i));
  return SRC;
}

/** The 16-bit r/m source (low word of the rm register or m16) in SRC[0]'s low half. */
export function src16(cpu: Cpu, i: Insn): number {
  if (i.mod === 3) return XMM_I32 + (i.rm << 2);
  cpu.u32[SRC] = cpu.memory.read16(cpu.ea(i));
  return SRC;
}

/**
 * The destination address of maskmovq/maskmovdqu: DS:rDI (EDI with a 67 prefix) plus an FS/GS
 * base. Guest memory ends at 4 GiB, so a canonical address at or above it is a page fault (write)
 * and a non-canonical one is #GP (SDM Vol. 2B MASKMOVDQU, 64-bit mode exceptions).
 */
export function maskmovAddress(cpu: Cpu, i: Insn): number {
  const r = cpu.r;
  let lo = r[14]! >>> 0;
  let hi = i.adsize === 4 ? 0 : r[15]!;
  if (i.seg !== SEG_NONE) {
    const k = i.seg === SEG_FS ? FS_BASE_I32 : GS_BASE_I32;
    const sum = lo + (r[k]! >>> 0);
    lo = sum >>> 0;
    hi = (hi + r[k + 1]! + (sum >= 0x100000000 ? 1 : 0)) | 0;
  }
  if (hi === 0) return lo;
  const top = hi >> 15;
  if (top === 0 || top === -1) throw new CpuFault('page-not-present', hi * 0x100000000 + lo, 'write');
  throw cpu.gp('maskmov: non-canonical destination');
}

/** Address of a 128-bit memory destination, checking alignment when required. */
export function dst128(cpu: Cpu, i: Insn, align: Align): number {
  return alignedEa(cpu, i, align);
}

/** Copies 4 dwords within the register file. */
export function copy4(u: Int32Array | Uint32Array, d: number, s: number): void {
  u[d] = u[s]!;
  u[d + 1] = u[s + 1]!;
  u[d + 2] = u[s + 2]!;
  u[d + 3] = u[s + 3]!;
}

/** Flags of the completed stages of a multi-stage instruction (dpps/dppd). */
let staged = 0;

/** Starts a floating-point instruction: loads MXCSR into the SSE environment. */
export function fpBegin(cpu: Cpu): void {
  sseBegin(cpu.u32[MXCSR_I32]!);
  staged = 0;
}

function xm(): CpuFault {
  return new CpuFault('floating-point', undefined, undefined, 'unmasked SIMD floating-point exception (#XM)');
}

/**
 * Ends one stage of a multi-stage instruction (the products, then the sums of dpps/dppd): an
 * unmasked exception faults right here, so later stages never run; the flags of this stage (by
 * the pre/post-computation priority) and of every completed stage are recorded, as on the host
 * CPU (a denormal product, for instance, raises DE in the following addition).
 */
export function fpStage(cpu: Cpu): void {
  const f = sseEnv.pre | sseEnv.post;
  if (f === 0) return;
  const mx = sseEnd();
  if (sseEnv.faulted) {
    cpu.u32[MXCSR_I32] = mx | staged;
    throw xm();
  }
  staged |= f;
  sseEnv.pre = 0;
  sseEnv.post = 0;
}

/**
 * Ends a floating-point instruction: records the exception flags in MXCSR and raises #XM when an
 * unmasked exception occurred (the caller then must not have written the destination yet).
 */
export function fpEnd(cpu: Cpu): void {
  if ((sseEnv.pre | sseEnv.post | staged) === 0) return;
  cpu.u32[MXCSR_I32] = sseEnd() | staged;
  if (sseEnv.faulted) throw xm();
}
