/**
 * Bit instructions: bt/bts/btr/btc, bsf/bsr, popcnt, lzcnt/tzcnt, bswap and the VEX-encoded BMI1/
 * BMI2 general-purpose forms (Intel SDM Vol. 2A/2B under each mnemonic).
 */
import type { Cpu } from '../cpu.js';
import type { Handler, Insn } from '../insn.js';
import { AF, CF, OF, PF, SF, ZF } from '../state.js';
import type { OpRow } from '../table.js';
import { getG, ld, MASK, mulu64, rmAddr, setG, wide } from './common.js';
import { addSegmentBase, eaWide } from './ea-wide.js';

const BT = 0;
const BTS = 1;
const BTR = 2;
const BTC = 3;

function applyBit(op: number, v: number, bit: number): number {
  switch (op) {
    case BTS:
      return v | (1 << bit);
    case BTR:
      return v & ~(1 << bit);
    case BTC:
      return v ^ (1 << bit);
    default:
      return v;
  }
}

/** bt* E, G: with a memory operand the signed bit offset may reach outside the operand. */
function btEG(op: number): Handler {
  return (cpu, i) => {
    const size = i.opsize;
    const bits = size << 3;
    let off = getG(cpu, i, size);
    if (i.mod === 3) {
      off &= bits - 1;
      btReg(cpu, i, op, size, off);
      return;
    }
    // Signed offset: the operand-sized unit holding the bit is at
    // ea + size * floor(offset / bits) (SDM Vol. 2A, BT: "bit base" addressing).
    let byteLo: number;
    let byteHi: number;
    if (size === 8) {
      byteLo = ((off >>> 3) | (cpu.hi << 29)) & ~7;
      byteHi = cpu.hi >> 3;
    } else {
      byteLo = size === 4 ? (off >> 5) * 4 : (((off << 16) >> 16) >> 4) * 2;
      byteHi = byteLo >> 31;
    }
    // The operand's own address may be outside guest memory while the unit holding the bit is
    // not (and the other way round): only the final address is checked.
    // The bit offset is part of the effective address (wrapping at 2^32 with a 67 prefix); an
    // FS/GS base is added after.
    let lo = eaWide(cpu, i, false) + (byteLo >>> 0);
    let hi = (cpu.hi + byteHi) | 0;
    if (lo >= 4294967296) {
      lo -= 4294967296;
      hi = (hi + 1) | 0;
    }
    if (i.adsize === 4) hi = 0;
    cpu.hi = hi;
    lo = addSegmentBase(cpu, i, lo);
    hi = cpu.hi;
    if (hi !== 0) throw cpu.badAddress(lo, hi, cpu.stackOperand(i));
    btMem(cpu, op, lo, size, off & (bits - 1));
  };
}

function btEI(op: number): Handler {
  return (cpu, i) => {
    const size = i.opsize;
    const off = i.imm & ((size << 3) - 1);
    if (i.mod === 3) btReg(cpu, i, op, size, off);
    else btMem(cpu, op, cpu.ea(i), size, off);
  };
}

function btReg(cpu: Cpu, i: Insn, op: number, size: number, off: number): void {
  const k = i.rm << 1;
  const r = cpu.r;
  if (size === 8) {
    const half = off < 32 ? k : k + 1;
    const bit = off & 31;
    const v = r[half]!;
    cpu.setCF((v >>> bit) & 1);
    if (op !== BT) r[half] = applyBit(op, v, bit);
  } else if (size === 4) {
    const v = r[k]!;
    cpu.setCF((v >>> off) & 1);
    if (op !== BT) {
      r[k] = applyBit(op, v, off);
      r[k + 1] = 0;
    }
  } else {
    const v = cpu.w[i.rm << 2]!;
    cpu.setCF((v >>> off) & 1);
    if (op !== BT) cpu.w[i.rm << 2] = applyBit(op, v, off);
  }
}

function btMem(cpu: Cpu, op: number, addr: number, size: number, bit: number): void {
  let v: number;
  let vh = 0;
  if (op !== BT) cpu.probeWrite(addr, size);
  if (size === 2) v = cpu.read16(addr);
  else if (size === 4) v = cpu.read32(addr);
  else {
    v = cpu.read64(addr);
    vh = cpu.hi;
  }
  const inHigh = bit >= 32;
  const word = inHigh ? vh : v;
  const b = bit & 31;
  if (op !== BT) {
    const nv = applyBit(op, word, b);
    if (size === 2) cpu.write16(addr, nv);
    else if (size === 4) cpu.write32(addr, nv);
    else cpu.write64(addr, inHigh ? v : nv, inHigh ? nv : vh);
  }
  cpu.setCF((word >>> b) & 1);
}

/** Index of the lowest set bit of (lo,hi), or -1. */
function lowest(lo: number, hi: number): number {
  if (lo !== 0) return 31 - Math.clz32(lo & -lo);
  if (hi !== 0) return 63 - Math.clz32(hi & -hi);
  return -1;
}
/** Index of the highest set bit of (lo,hi), or -1. */
function highest(lo: number, hi: number): number {
  if (hi !== 0) return 63 - Math.clz32(hi);
  if (lo !== 0) return 31 - Math.clz32(lo);
  return -1;
}

function srcPair(cpu: Cpu, i: Insn, size: number): number {
  const v = ld(cpu, i, rmAddr(cpu, i), size);
  if (size !== 8) cpu.hi = 0;
  return size === 4 ? v : v & MASK[size === 8 ? 4 : size]!;
}

const bsfBsr =
  (reverse: boolean): Handler =>
  (cpu, i) => {
    const size = i.opsize;
    const lo = srcPair(cpu, i, size);
    const hi = cpu.hi;
    const n = reverse ? highest(lo, hi) : lowest(lo, hi);
    if (n < 0) {
      // Source zero: ZF = 1 and the destination keeps its value (what hardware does).
      cpu.setArithFlags(ZF, ZF);
      return;
    }
    setG(cpu, i, size, n, 0);
    cpu.setArithFlags(ZF, 0);
  };

function popcount32(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

const popcnt: Handler = (cpu, i) => {
  const size = i.opsize;
  const lo = srcPair(cpu, i, size);
  const n = popcount32(lo) + popcount32(cpu.hi);
  setG(cpu, i, size, n, 0);
  cpu.setArithFlags(CF | PF | AF | ZF | SF | OF, n === 0 ? ZF : 0);
};

const lzTzCnt =
  (leading: boolean): Handler =>
  (cpu, i) => {
    const size = i.opsize;
    const bits = size << 3;
    const lo = srcPair(cpu, i, size);
    const hi = cpu.hi;
    const idx = leading ? highest(lo, hi) : lowest(lo, hi);
    const n = idx < 0 ? bits : leading ? bits - 1 - idx : idx;
    setG(cpu, i, size, n, 0);
    cpu.setArithFlags(CF | ZF, (idx < 0 ? CF : 0) | (n === 0 ? ZF : 0));
  };

function bswap32(v: number): number {
  return (v >>> 24) | ((v >>> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24) | 0;
}

const bswap: Handler = (cpu, i) => {
  const k = i.reg << 1;
  const r = cpu.r;
  if (i.opsize === 8) {
    const lo = r[k]!;
    r[k] = bswap32(r[k + 1]!);
    r[k + 1] = bswap32(lo);
  } else if (i.opsize === 4) {
    r[k] = bswap32(r[k]!);
    r[k + 1] = 0;
  } else {
    // 16-bit operand: undefined in the SDM; hardware clears the low word.
    cpu.w[i.reg << 2] = 0;
  }
};

// ---- BMI1 / BMI2 (VEX-encoded GPR forms) -----------------------------------------------------

/** Reads VEX.vvvv as a GPR of the operand size. */
function getB(cpu: Cpu, i: Insn): number {
  const k = i.vvvv << 1;
  cpu.hi = i.opsize === 8 ? cpu.r[k + 1]! : 0;
  return cpu.r[k]!;
}
function setB(cpu: Cpu, i: Insn, lo: number, hi: number): void {
  const k = i.vvvv << 1;
  cpu.r[k] = lo;
  cpu.r[k + 1] = i.opsize === 8 ? hi : 0;
}
function srcE(cpu: Cpu, i: Insn): number {
  const v = ld(cpu, i, rmAddr(cpu, i), i.opsize);
  if (i.opsize !== 8) cpu.hi = 0;
  return v;
}
/** Records SF/ZF of a BMI result with CF as given and OF = 0. */
function bmiFlags(cpu: Cpu, i: Insn, lo: number, hi: number, cf: number): void {
  cpu.setFlagsSZP(i.opsize << 3, lo, hi, cf ? CF : 0);
}

const andn: Handler = (cpu, i) => {
  const a = getB(cpu, i);
  const ah = cpu.hi;
  const b = srcE(cpu, i);
  const bh = cpu.hi;
  const lo = ~a & b;
  const hi = ~ah & bh;
  setG(cpu, i, i.opsize, lo, hi);
  bmiFlags(cpu, i, lo, hi, 0);
};

let pairHi = 0;
/** (lo,hi) >>> c, c in 0..63. */
function shrPair(lo: number, hi: number, c: number): number {
  if (c === 0) {
    pairHi = hi;
    return lo;
  }
  if (c < 32) {
    pairHi = hi >>> c;
    return (lo >>> c) | (hi << (32 - c));
  }
  pairHi = 0;
  return hi >>> (c - 32);
}
/** Keeps the low n bits of (lo,hi), n in 0..64. */
function lowBits(lo: number, hi: number, n: number): number {
  if (n >= 64) {
    pairHi = hi;
    return lo;
  }
  if (n >= 32) {
    pairHi = n === 32 ? 0 : hi & (-1 >>> (64 - n));
    return lo;
  }
  pairHi = 0;
  return n === 0 ? 0 : lo & (-1 >>> (32 - n));
}

const bextr: Handler = (cpu, i) => {
  const bits = i.opsize << 3;
  const src = srcE(cpu, i);
  const sh = cpu.hi;
  const ctl = getB(cpu, i);
  const start = ctl & 0xff;
  const len = (ctl >>> 8) & 0xff;
  let lo = 0;
  let hi = 0;
  if (start < bits) {
    lo = shrPair(src, sh, start);
    hi = pairHi;
    lo = lowBits(lo, hi, Math.min(len, bits));
    hi = pairHi;
  }
  setG(cpu, i, i.opsize, lo, hi);
  bmiFlags(cpu, i, lo, hi, 0);
};

/** blsi/blsmsk/blsr: x & −x, x ^ (x − 1), x & (x − 1). */
const bls =
  (kind: 1 | 2 | 3): Handler =>
  (cpu, i) => {
    const x = srcE(cpu, i);
    const xh = cpu.hi;
    const t = (x >>> 0) - 1;
    const ml = t | 0;
    const mh = (xh - (t < 0 ? 1 : 0)) | 0;
    let lo: number;
    let hi: number;
    let cf: number;
    const zero = (x | xh) === 0;
    if (kind === 3) {
      const nl = -x | 0;
      const nh = (~xh + (x === 0 ? 1 : 0)) | 0;
      lo = x & nl;
      hi = xh & nh;
      cf = zero ? 0 : 1;
    } else if (kind === 2) {
      lo = x ^ ml;
      hi = xh ^ mh;
      cf = zero ? 1 : 0;
    } else {
      lo = x & ml;
      hi = xh & mh;
      cf = zero ? 1 : 0;
    }
    if (i.opsize !== 8) hi = 0;
    setB(cpu, i, lo, hi);
    bmiFlags(cpu, i, lo, hi, cf);
  };

const bzhi: Handler = (cpu, i) => {
  const bits = i.opsize << 3;
  const src = srcE(cpu, i);
  const sh = cpu.hi;
  const n = getB(cpu, i) & 0xff;
  const lo = lowBits(src, sh, Math.min(n, bits));
  const hi = i.opsize === 8 ? pairHi : 0;
  setG(cpu, i, i.opsize, lo, hi);
  bmiFlags(cpu, i, lo, hi, n > bits - 1 ? 1 : 0);
};

/** mulx: unsigned rDX × E; high half to G, low half to VEX.vvvv; flags untouched. */
const mulx: Handler = (cpu, i) => {
  const s = srcE(cpu, i);
  const sh = cpu.hi;
  if (i.opsize === 8) {
    mulu64(cpu.r[4]!, cpu.r[5]!, s, sh);
    const l0 = wide[0]!;
    const l1 = wide[1]!;
    const h0 = wide[2]!;
    const h1 = wide[3]!;
    setB(cpu, i, l0, l1);
    setG(cpu, i, 8, h0, h1);
  } else {
    mulu64(cpu.r[4]!, 0, s, 0);
    const l0 = wide[0]!;
    const h0 = wide[1]!;
    setB(cpu, i, l0, 0);
    setG(cpu, i, 4, h0, 0);
  }
};

/** pdep/pext: deposit or extract the bits selected by the mask (E) from/into the source (B). */
const pdepPext =
  (deposit: boolean): Handler =>
  (cpu, i) => {
    const mask = srcE(cpu, i);
    const mh = cpu.hi;
    const src = getB(cpu, i);
    const sh = cpu.hi;
    const n = i.opsize << 3;
    let lo = 0;
    let hi = 0;
    let k = 0;
    for (let b = 0; b < n; b++) {
      const mbit = b < 32 ? (mask >>> b) & 1 : (mh >>> (b - 32)) & 1;
      if (!mbit) continue;
      if (deposit) {
        const sbit = k < 32 ? (src >>> k) & 1 : (sh >>> (k - 32)) & 1;
        if (sbit) {
          if (b < 32) lo |= 1 << b;
          else hi |= 1 << (b - 32);
        }
      } else {
        const sbit = b < 32 ? (src >>> b) & 1 : (sh >>> (b - 32)) & 1;
        if (sbit) {
          if (k < 32) lo |= 1 << k;
          else hi |= 1 << (k - 32);
        }
      }
      k++;
    }
    setG(cpu, i, i.opsize, lo, hi);
  };

const rorx: Handler = (cpu, i) => {
  const s = srcE(cpu, i);
  const sh = cpu.hi;
  if (i.opsize === 8) {
    const c = i.imm & 63;
    // Rotate right by c = (x >>> c) | (x << (64 − c)).
    let lo = s;
    let hi = sh;
    if (c >= 32) {
      lo = sh;
      hi = s;
    }
    const k = c & 31;
    if (k !== 0) {
      const nl = (lo >>> k) | (hi << (32 - k));
      const nh = (hi >>> k) | (lo << (32 - k));
      lo = nl;
      hi = nh;
    }
    setG(cpu, i, 8, lo, hi);
  } else {
    const c = i.imm & 31;
    setG(cpu, i, 4, c === 0 ? s : (s >>> c) | (s << (32 - c)), 0);
  }
};

/** sarx/shlx/shrx: shift E by B (masked), flags untouched. */
const shiftX =
  (kind: 'sar' | 'shl' | 'shr'): Handler =>
  (cpu, i) => {
    const s = srcE(cpu, i);
    const sh = cpu.hi;
    const w = i.opsize === 8;
    const c = getB(cpu, i) & (w ? 63 : 31);
    if (!w) {
      setG(cpu, i, 4, kind === 'sar' ? s >> c : kind === 'shl' ? s << c : s >>> c, 0);
      return;
    }
    let lo: number;
    let hi: number;
    if (c === 0) {
      lo = s;
      hi = sh;
    } else if (kind === 'shl') {
      if (c < 32) {
        hi = (sh << c) | (s >>> (32 - c));
        lo = s << c;
      } else {
        hi = s << (c - 32);
        lo = 0;
      }
    } else if (c < 32) {
      lo = (s >>> c) | (sh << (32 - c));
      hi = kind === 'sar' ? sh >> c : sh >>> c;
    } else {
      lo = kind === 'sar' ? sh >> (c - 32) : sh >>> (c - 32);
      hi = kind === 'sar' ? sh >> 31 : 0;
    }
    setG(cpu, i, 8, lo, hi);
  };

const BT_UNDEF = OF | SF | AF | PF;
const rows: OpRow[] = [
  { map: 1, opcode: 0xa3, mnemonic: 'bt', operands: 'Ev,Gv', exec: btEG(BT), undefinedFlags: BT_UNDEF },
  {
    map: 1,
    opcode: 0xab,
    mnemonic: 'bts',
    operands: 'Ev,Gv',
    exec: btEG(BTS),
    lock: true,
    undefinedFlags: BT_UNDEF,
  },
  {
    map: 1,
    opcode: 0xb3,
    mnemonic: 'btr',
    operands: 'Ev,Gv',
    exec: btEG(BTR),
    lock: true,
    undefinedFlags: BT_UNDEF,
  },
  {
    map: 1,
    opcode: 0xbb,
    mnemonic: 'btc',
    operands: 'Ev,Gv',
    exec: btEG(BTC),
    lock: true,
    undefinedFlags: BT_UNDEF,
  },
  {
    map: 1,
    opcode: 0xba,
    ext: 4,
    mnemonic: 'bt',
    operands: 'Ev,Ib',
    exec: btEI(BT),
    undefinedFlags: BT_UNDEF,
  },
  {
    map: 1,
    opcode: 0xba,
    ext: 5,
    mnemonic: 'bts',
    operands: 'Ev,Ib',
    exec: btEI(BTS),
    lock: true,
    undefinedFlags: BT_UNDEF,
  },
  {
    map: 1,
    opcode: 0xba,
    ext: 6,
    mnemonic: 'btr',
    operands: 'Ev,Ib',
    exec: btEI(BTR),
    lock: true,
    undefinedFlags: BT_UNDEF,
  },
  {
    map: 1,
    opcode: 0xba,
    ext: 7,
    mnemonic: 'btc',
    operands: 'Ev,Ib',
    exec: btEI(BTC),
    lock: true,
    undefinedFlags: BT_UNDEF,
  },
  {
    map: 1,
    opcode: 0xbc,
    mnemonic: 'bsf',
    operands: 'Gv,Ev',
    exec: bsfBsr(false),
    undefinedFlags: CF | OF | SF | AF | PF,
    undefinedFlagsWhen: [{ flags: 0, when: 'src==0' }],
  },
  {
    map: 1,
    opcode: 0xbd,
    mnemonic: 'bsr',
    operands: 'Gv,Ev',
    exec: bsfBsr(true),
    undefinedFlags: CF | OF | SF | AF | PF,
    undefinedFlagsWhen: [{ flags: 0, when: 'src==0' }],
  },
  { map: 1, opcode: 0xb8, prefix: 0xf3, mnemonic: 'popcnt', operands: 'Gv,Ev', exec: popcnt },
  {
    map: 1,
    opcode: 0xbc,
    prefix: 0xf3,
    mnemonic: 'tzcnt',
    operands: 'Gv,Ev',
    exec: lzTzCnt(false),
    undefinedFlags: OF | SF | AF | PF,
  },
  {
    map: 1,
    opcode: 0xbd,
    prefix: 0xf3,
    mnemonic: 'lzcnt',
    operands: 'Gv,Ev',
    exec: lzTzCnt(true),
    undefinedFlags: OF | SF | AF | PF,
  },
  { map: 1, opcode: 0xc8, plusReg: true, mnemonic: 'bswap', operands: 'Zv', exec: bswap },
  // BMI1/BMI2 (SDM Vol. 2A §2.3 VEX, and each instruction): VEX.L must be 0.
  {
    map: 2,
    opcode: 0xf2,
    vex: { l: 0 },
    prefix: 0,
    mnemonic: 'andn',
    operands: 'Gy,By,Ey',
    exec: andn,
    undefinedFlags: AF | PF,
  },
  {
    map: 2,
    opcode: 0xf7,
    vex: { l: 0 },
    prefix: 0,
    mnemonic: 'bextr',
    operands: 'Gy,Ey,By',
    exec: bextr,
    undefinedFlags: AF | SF | PF,
  },
  {
    map: 2,
    opcode: 0xf3,
    ext: 1,
    vex: { l: 0 },
    prefix: 0,
    mnemonic: 'blsr',
    operands: 'By,Ey',
    exec: bls(1),
    undefinedFlags: AF | PF,
  },
  {
    map: 2,
    opcode: 0xf3,
    ext: 2,
    vex: { l: 0 },
    prefix: 0,
    mnemonic: 'blsmsk',
    operands: 'By,Ey',
    exec: bls(2),
    undefinedFlags: AF | PF,
  },
  {
    map: 2,
    opcode: 0xf3,
    ext: 3,
    vex: { l: 0 },
    prefix: 0,
    mnemonic: 'blsi',
    operands: 'By,Ey',
    exec: bls(3),
    undefinedFlags: AF | PF,
  },
  {
    map: 2,
    opcode: 0xf5,
    vex: { l: 0 },
    prefix: 0,
    mnemonic: 'bzhi',
    operands: 'Gy,Ey,By',
    exec: bzhi,
    undefinedFlags: AF | PF,
  },
  { map: 2, opcode: 0xf6, vex: { l: 0 }, prefix: 0xf2, mnemonic: 'mulx', operands: 'Gy,By,Ey', exec: mulx },
  {
    map: 2,
    opcode: 0xf5,
    vex: { l: 0 },
    prefix: 0xf2,
    mnemonic: 'pdep',
    operands: 'Gy,By,Ey',
    exec: pdepPext(true),
  },
  {
    map: 2,
    opcode: 0xf5,
    vex: { l: 0 },
    prefix: 0xf3,
    mnemonic: 'pext',
    operands: 'Gy,By,Ey',
    exec: pdepPext(false),
  },
  { map: 3, opcode: 0xf0, vex: { l: 0 }, prefix: 0xf2, mnemonic: 'rorx', operands: 'Gy,Ey,Ib', exec: rorx },
  {
    map: 2,
    opcode: 0xf7,
    vex: { l: 0 },
    prefix: 0xf3,
    mnemonic: 'sarx',
    operands: 'Gy,Ey,By',
    exec: shiftX('sar'),
  },
  {
    map: 2,
    opcode: 0xf7,
    vex: { l: 0 },
    prefix: 0x66,
    mnemonic: 'shlx',
    operands: 'Gy,Ey,By',
    exec: shiftX('shl'),
  },
  {
    map: 2,
    opcode: 0xf7,
    vex: { l: 0 },
    prefix: 0xf2,
    mnemonic: 'shrx',
    operands: 'Gy,Ey,By',
    exec: shiftX('shr'),
  },
];

/** Bit-manipulation rows. */
export const bitRows: readonly OpRow[] = rows;
