/**
 * SSE4.2 (SDM Vol. 1, §12.10 "SSE4.2 Instruction Set"): the packed string compares
 * PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM (Vol. 2B, §4.1 "Imm8 Control Byte Operation for
 * PCMPESTRI / PCMPESTRM / PCMPISTRI / PCMPISTRM"), PCMPGTQ and CRC32 (CRC-32C, polynomial
 * 0x11EDC6F41, bit-reflected). POPCNT is implemented by the core.
 */
import type { Cpu } from '../cpu.js';
import type { Insn } from '../insn.js';
import { AF, CF, OF, PF, SF, XMM_I32, ZF } from '../state.js';
import type { OpRow } from '../table.js';
import { Align, src128, xreg } from './access.js';
import { cmpq } from './sse41-rows.js';

// ---- string compares -----------------------------------------------------------------------------

const elemA = new Int32Array(16);
const elemB = new Int32Array(16);

/** Loads the elements of the 16 bytes at byte offset `o` (imm8[1:0]: ub, uw, sb, sw). */
function loadElems(b: Uint8Array, o: number, fmt: number, out: Int32Array): number {
  const words = (fmt & 1) !== 0;
  const signed = (fmt & 2) !== 0;
  const n = words ? 8 : 16;
  for (let k = 0; k < n; k++) {
    let v = words ? b[o + 2 * k]! | (b[o + 2 * k + 1]! << 8) : b[o + k]!;
    if (signed) v = words ? (v << 16) >> 16 : (v << 24) >> 24;
    out[k] = v;
  }
  return n;
}
/** Implicit length: index of the first zero element (n when none). */
function implicitLength(e: Int32Array, n: number): number {
  for (let k = 0; k < n; k++) if (e[k] === 0) return k;
  return n;
}
/** Explicit length from a GPR: |value| as a signed 32- or 64-bit integer, saturated to n. */
function explicitLength(cpu: Cpu, reg: number, wide: boolean, n: number): number {
  const lo = cpu.r[reg << 1]!;
  if (wide) {
    const hi = cpu.r[(reg << 1) + 1]!;
    if (hi !== 0 && hi !== -1) return n;
    const v = hi === -1 ? -((~lo >>> 0) + 1) : lo >>> 0;
    const a = Math.abs(v);
    return Math.min(a, n);
  }
  const a = Math.abs(lo);
  return Math.min(a, n);
}

/**
 * The common core: returns IntRes2 (bit k for element k) after aggregation and polarity, and sets
 * the flags (CF: IntRes2 ≠ 0, ZF: source 2 shorter than n, SF: source 1 shorter than n,
 * OF: IntRes2 bit 0; AF, PF cleared).
 */
function stringCompare(cpu: Cpu, i: Insn, explicit: boolean): number {
  const s = src128(cpu, i, Align.None) << 2;
  const d = xreg(i) << 2;
  const imm = i.imm;
  const b = cpu.b;
  const n = loadElems(b, d, imm & 3, elemA);
  loadElems(b, s, imm & 3, elemB);
  const wide = i.opsize === 8;
  const la = explicit ? explicitLength(cpu, 0, wide, n) : implicitLength(elemA, n);
  const lb = explicit ? explicitLength(cpu, 2, wide, n) : implicitLength(elemB, n);
  let res = 0;
  switch ((imm >>> 2) & 3) {
    case 0: // equal any: element j of source 2 equals any valid element of source 1
      for (let j = 0; j < lb; j++) {
        for (let k = 0; k < la; k++) {
          if (elemA[k] === elemB[j]) {
            res |= 1 << j;
            break;
          }
        }
      }
      break;
    case 1: // ranges: source 1 holds (low, high) pairs
      for (let j = 0; j < lb; j++) {
        const v = elemB[j]!;
        for (let k = 0; k + 1 < la; k += 2) {
          if (v >= elemA[k]! && v <= elemA[k + 1]!) {
            res |= 1 << j;
            break;
          }
        }
      }
      break;
    case 2: // equal each: both invalid → true, one invalid → false
      for (let j = 0; j < n; j++) {
        const va = j < la;
        const vb = j < lb;
        if (va && vb ? elemA[j] === elemB[j] : !va && !vb) res |= 1 << j;
      }
      break;
    default: // equal ordered: source 1 found as a substring starting at j
      for (let j = 0; j < n; j++) {
        let ok = true;
        for (let k = 0; k < n - j && ok; k++) {
          if (k >= la) break; // source 1 element invalid → true
          if (j + k >= lb)
            ok = false; // source 1 valid, source 2 invalid → false
          else if (elemA[k] !== elemB[j + k]) ok = false;
        }
        if (ok) res |= 1 << j;
      }
  }
  const all = n === 16 ? 0xffff : 0xff;
  switch ((imm >>> 4) & 3) {
    case 1:
      res = ~res & all;
      break;
    case 3:
      res ^= (1 << lb) - 1;
      break;
  }
  cpu.setArithFlags(
    CF | PF | AF | ZF | SF | OF,
    (res !== 0 ? CF : 0) | (lb < n ? ZF : 0) | (la < n ? SF : 0) | (res & 1 ? OF : 0),
  );
  return res;
}
/** PCMPESTRI/PCMPISTRI: ECX = least (imm8[6] = 0) or most significant set bit of IntRes2, else n. */
function strIndex(explicit: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const res = stringCompare(cpu, i, explicit);
    const n = (i.imm & 1) !== 0 ? 8 : 16;
    let idx = n;
    if (res !== 0) idx = (i.imm & 0x40) !== 0 ? 31 - Math.clz32(res) : 31 - Math.clz32(res & -res);
    cpu.setReg32(1, idx);
  };
}
/** PCMPESTRM/PCMPISTRM: XMM0 = IntRes2 as a bit mask (imm8[6] = 0) or expanded to elements. */
function strMask(explicit: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const res = stringCompare(cpu, i, explicit);
    const u = cpu.u32;
    const x = XMM_I32;
    if ((i.imm & 0x40) === 0) {
      u[x] = res;
      u[x + 1] = 0;
      u[x + 2] = 0;
      u[x + 3] = 0;
      return;
    }
    const b = cpu.b;
    const words = (i.imm & 1) !== 0;
    for (let k = 0; k < 16; k++) b[(x << 2) + k] = (res >>> (words ? k >> 1 : k)) & 1 ? 0xff : 0;
  };
}

// ---- CRC32 ---------------------------------------------------------------------------------------

/** Byte table of the reflected CRC-32C polynomial 0x82F63B78. */
const CRC_TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  CRC_TABLE[n] = c;
}
function crcBytes(crc: number, v: number, count: number): number {
  for (let k = 0; k < count; k++) {
    crc = CRC_TABLE[(crc ^ v) & 0xff]! ^ (crc >>> 8);
    v >>>= 8;
  }
  return crc;
}
/** CRC32 r32/r64, r/m8 (F2 0F 38 F0): accumulates one byte into the low 32 bits; the result is zero-extended. */
function crc32b(cpu: Cpu, i: Insn): void {
  const crc = crcBytes(cpu.r[i.reg << 1]!, cpu.getRm8(i), 1);
  cpu.setReg32(i.reg, crc);
}
/** CRC32 r32/r64, r/m16/32/64 (F2 0F 38 F1). */
function crc32v(cpu: Cpu, i: Insn): void {
  let crc = cpu.r[i.reg << 1]!;
  switch (i.opsize) {
    case 2:
      crc = crcBytes(crc, cpu.getRm16(i), 2);
      break;
    case 4:
      crc = crcBytes(crc, cpu.getRm32(i), 4);
      break;
    default: {
      const lo = cpu.getRm64(i);
      const hi = cpu.hi;
      crc = crcBytes(crcBytes(crc, lo, 4), hi, 4);
    }
  }
  cpu.setReg32(i.reg, crc);
}

/** The SSE4.2 rows. */
export const sse42Rows: readonly OpRow[] = [
  { map: 2, opcode: 0x37, prefix: 0x66, mnemonic: 'pcmpgtq', operands: 'Vdq, Wdq', exec: cmpq(true) },
  {
    map: 3,
    opcode: 0x60,
    prefix: 0x66,
    mnemonic: 'pcmpestrm',
    operands: 'Vdq, Wdq, Ib',
    exec: strMask(true),
  },
  {
    map: 3,
    opcode: 0x61,
    prefix: 0x66,
    mnemonic: 'pcmpestri',
    operands: 'Vdq, Wdq, Ib',
    exec: strIndex(true),
  },
  {
    map: 3,
    opcode: 0x62,
    prefix: 0x66,
    mnemonic: 'pcmpistrm',
    operands: 'Vdq, Wdq, Ib',
    exec: strMask(false),
  },
  {
    map: 3,
    opcode: 0x63,
    prefix: 0x66,
    mnemonic: 'pcmpistri',
    operands: 'Vdq, Wdq, Ib',
    exec: strIndex(false),
  },
  { map: 2, opcode: 0xf0, prefix: 0xf2, mnemonic: 'crc32', operands: 'Gy, Eb', exec: crc32b },
  { map: 2, opcode: 0xf1, prefix: 0xf2, mnemonic: 'crc32', operands: 'Gy, Ev', exec: crc32v },
];
