/**
 * The full 64-bit effective address of a memory operand, without the range checks of `cpu.ea`
 * (which faults on anything at or above 4 GiB). For the instructions whose faults depend on more
 * than the operand's first byte: alignment checks that take priority over paging and canonicality
 * (cmpxchg16b, SDM Vol. 3A §6.15 exception priorities) and the bit-base addressing of bt/bts/btr/btc
 * with a register offset, where the unit accessed lies anywhere around the operand (SDM Vol. 2A,
 * BT). Address arithmetic per SDM Vol. 2A §2.1.5 and Vol. 1 §3.7.5 (FS/GS bases, 67 prefix).
 */
import type { Cpu } from '../cpu.js';
import { EA_ABS, EA_BASE, EA_BASE_INDEX, EA_INDEX, type Insn, SEG_FS, SEG_NONE } from '../insn.js';
import { FS_BASE_I32, GS_BASE_I32 } from '../state.js';

const TWO32 = 4294967296;

/**
 * The linear address modulo 2^64 (the offset taken modulo 2^32 with a 67 prefix, then the FS/GS
 * base added): returns the low 32 bits as an unsigned number and leaves the high 32 bits (int32)
 * in `cpu.hi`. With `withBase` false, the offset alone (no FS/GS base).
 */
export function eaWide(cpu: Cpu, i: Insn, withBase = true): number {
  const r = cpu.r;
  let lo: number;
  let hi: number;
  switch (i.eaKind) {
    case EA_BASE: {
      const b = i.base << 1;
      lo = (r[b]! >>> 0) + i.disp;
      hi = r[b + 1]!;
      break;
    }
    case EA_BASE_INDEX: {
      const b = i.base << 1;
      const x = i.index << 1;
      const s = i.scale;
      lo = (r[b]! >>> 0) + (r[x]! >>> 0) * (1 << s) + i.disp;
      hi = r[b + 1]! + (r[x + 1]! << s);
      break;
    }
    case EA_INDEX: {
      const x = i.index << 1;
      const s = i.scale;
      lo = (r[x]! >>> 0) * (1 << s) + i.disp;
      hi = r[x + 1]! << s;
      break;
    }
    case EA_ABS:
      lo = i.disp;
      hi = 0;
      break;
    default:
      throw cpu.ud('instruction has no memory operand');
  }
  // lo may be negative (disp) or exceed 2^32 (index bits shifted past bit 31): fold the carry.
  const carry = Math.floor(lo / TWO32);
  hi = (hi + carry) | 0;
  lo -= carry * TWO32;
  if (i.adsize === 4) hi = 0;
  cpu.hi = hi;
  return withBase ? addSegmentBase(cpu, i, lo) : lo;
}

/**
 * Adds the FS/GS base of the instruction's override (if any) to the address `lo` + 2^32·`cpu.hi`;
 * returns the low half and leaves the high half in `cpu.hi`.
 */
export function addSegmentBase(cpu: Cpu, i: Insn, lo: number): number {
  if (i.seg === SEG_NONE) return lo;
  const r = cpu.r;
  const s = i.seg === SEG_FS ? FS_BASE_I32 : GS_BASE_I32;
  let sum = lo + (r[s]! >>> 0);
  const carry = sum >= TWO32 ? 1 : 0;
  sum -= carry * TWO32;
  cpu.hi = (cpu.hi + r[s + 1]! + carry) | 0;
  return sum;
}
