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
 * The effective address modulo 2^64 (2^32 with a 67 prefix, before adding an FS/GS base): returns
 * the low 32 bits as an unsigned number and leaves the high 32 bits (int32) in `cpu.hi`.
 */
export function eaWide(cpu: Cpu, i: Insn): number {
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
  let carry = Math.floor(lo / TWO32);
  hi = (hi + carry) | 0;
  lo -= carry * TWO32;
  if (i.adsize === 4) hi = 0;
  if (i.seg !== SEG_NONE) {
    const s = i.seg === SEG_FS ? FS_BASE_I32 : GS_BASE_I32;
    lo += r[s]! >>> 0;
    carry = lo >= TWO32 ? 1 : 0;
    lo -= carry * TWO32;
    hi = (hi + r[s + 1]! + carry) | 0;
  }
  cpu.hi = hi;
  return lo;
}
