/**
 * Shifts and rotates: rol/ror/rcl/rcr/shl/shr/sar and shld/shrd (Intel SDM Vol. 2B, "RCL/RCR/ROL/
 * ROR", "SAL/SAR/SHL/SHR", "SHLD", "SHRD"). The count is masked to 5 bits (6 for 64-bit operands);
 * a masked count of zero changes neither the operand nor the flags.
 */
import type { Cpu } from '../cpu.js';
import type { Handler, Insn } from '../insn.js';
import { AF, CF, OF, PF, SF, ZF } from '../state.js';
import type { OpRow } from '../table.js';
import { ld, MASK, rmAddr, sext, st } from './common.js';

let outHi = 0;

/** (lo,hi) << c for c in 0..64 (result low half returned, high in outHi). */
function shl64(lo: number, hi: number, c: number): number {
  if (c === 0) {
    outHi = hi;
    return lo;
  }
  if (c < 32) {
    outHi = (hi << c) | (lo >>> (32 - c));
    return lo << c;
  }
  if (c < 64) {
    outHi = lo << (c - 32);
    return 0;
  }
  outHi = 0;
  return 0;
}

/** (lo,hi) >>> c (logical) for c in 0..64. */
function shr64(lo: number, hi: number, c: number): number {
  if (c === 0) {
    outHi = hi;
    return lo;
  }
  if (c < 32) {
    outHi = hi >>> c;
    return (lo >>> c) | (hi << (32 - c));
  }
  if (c < 64) {
    outHi = 0;
    return hi >>> (c - 32);
  }
  outHi = 0;
  return 0;
}

/** Bit `n` (0..63) of (lo,hi). */
function bit64(lo: number, hi: number, n: number): number {
  return n < 32 ? (lo >>> n) & 1 : (hi >>> (n - 32)) & 1;
}

const ROL = 0;
const ROR = 1;
const RCL = 2;

const SHL = 4;
const SHR = 5;

/** Applies shift/rotate `op` to d (and dh) by raw count `count`; writes through `a` (-1 = rm register). */
function shiftOp(cpu: Cpu, i: Insn, a: number, size: number, op: number, count: number): void {
  const c = count & (size === 8 ? 0x3f : 0x1f);
  if (a >= 0) cpu.probeWrite(a, size);
  const d = ld(cpu, i, a, size);
  const dh = size === 8 ? cpu.hi : 0;
  if (c === 0) {
    // The operand is still read and written back (a 32-bit register is zero-extended).
    st(cpu, i, a, size, d, dh);
    return;
  }
  const bits = size << 3;
  if (op >= SHL) {
    let r: number;
    let rh = 0;
    let cf: number;
    let of: number;
    if (size === 8) {
      if (op === SHL || op === 6) {
        r = shl64(d, dh, c);
        rh = outHi;
        cf = bit64(d, dh, 64 - c);
        of = (rh >>> 31) ^ cf;
      } else if (op === SHR) {
        r = shr64(d, dh, c);
        rh = outHi;
        cf = bit64(d, dh, c - 1);
        of = dh >>> 31;
      } else {
        const sign = dh >> 31;
        r = shr64(d, dh, c);
        rh = outHi;
        // Fill the vacated high bits with the sign.
        if (sign) {
          const fill = shl64(-1, -1, 64 - c);
          r |= fill;
          rh |= outHi;
        }
        cf = bit64(d, dh, c - 1);
        of = 0;
      }
    } else {
      const mask = MASK[size]!;
      if (op === SHL || op === 6) {
        r = c < 32 ? (d << c) & mask : 0;
        cf = c <= bits ? (d >>> (bits - c)) & 1 : 0;
        of = ((r >>> (bits - 1)) & 1) ^ cf;
      } else if (op === SHR) {
        const u = d & mask;
        r = (u >>> 0) >>> c;
        if (bits === 32) r |= 0;
        cf = c <= 32 ? ((u >>> 0) >>> (c - 1)) & 1 : 0;
        of = ((u >>> 0) >>> (bits - 1)) & 1;
      } else {
        const sd = sext(d, size);
        r = (sd >> c) & mask;
        cf = (sd >> (c - 1)) & 1;
        of = 0;
      }
    }
    st(cpu, i, a, size, r, rh);
    cpu.setFlagsSZP(bits, r, rh, (cf ? CF : 0) | (of ? OF : 0));
    return;
  }
  // Rotates change only CF and OF.
  const oldCf = cpu.getCF();
  let r: number;
  let rh = 0;
  let cf: number;
  let of: number;
  if (size === 8) {
    if (op === ROL || op === ROR) {
      const k = op === ROL ? c : 64 - c;
      const l1 = shl64(d, dh, k);
      const h1 = outHi;
      const l2 = shr64(d, dh, 64 - k);
      r = l1 | l2;
      rh = h1 | outHi;
      if (op === ROL) {
        cf = r & 1;
        of = (rh >>> 31) ^ cf;
      } else {
        cf = rh >>> 31;
        of = (rh >>> 31) ^ ((rh >>> 30) & 1);
      }
    } else if (op === RCL) {
      const l1 = shl64(d, dh, c);
      const h1 = outHi;
      const l2 = shr64(d, dh, 65 - c);
      const h2 = outHi;
      const l3 = shl64(oldCf, 0, c - 1);
      r = l1 | l2 | l3;
      rh = h1 | h2 | outHi;
      cf = bit64(d, dh, 64 - c);
      of = (rh >>> 31) ^ cf;
    } else {
      of = (dh >>> 31) ^ oldCf;
      const l1 = shr64(d, dh, c);
      const h1 = outHi;
      const l2 = shl64(d, dh, 65 - c);
      const h2 = outHi;
      const l3 = shl64(oldCf, 0, 64 - c);
      r = l1 | l2 | l3;
      rh = h1 | h2 | outHi;
      cf = bit64(d, dh, c - 1);
    }
  } else {
    const mask = MASK[size]!;
    const u = (d & mask) >>> 0;
    if (op === ROL || op === ROR) {
      const k0 = c % bits;
      const k = op === ROL ? k0 : (bits - k0) % bits;
      r = k === 0 ? u : ((u << k) | (u >>> (bits - k))) & mask;
      if (bits === 32) r |= 0;
      if (op === ROL) {
        cf = r & 1;
        of = ((r >>> (bits - 1)) & 1) ^ cf;
      } else {
        cf = (r >>> (bits - 1)) & 1;
        of = cf ^ ((r >>> (bits - 2)) & 1);
      }
    } else {
      // Rotate the (bits+1)-bit value CF:u; doubles hold it exactly.
      const k0 = c % (bits + 1);
      if (k0 === 0) {
        st(cpu, i, a, size, d, dh);
        return;
      }
      const k = op === RCL ? k0 : bits + 1 - k0;
      const v = oldCf * 2 ** bits + u;
      const span = 2 ** (bits + 1);
      const rot = ((v * 2 ** k) % span) + Math.floor(v / 2 ** (bits + 1 - k));
      cf = Math.floor(rot / 2 ** bits) & 1;
      r = rot % 2 ** bits;
      if (bits === 32) r |= 0;
      if (op === RCL) of = ((r >>> (bits - 1)) & 1) ^ cf;
      else of = ((u >>> (bits - 1)) & 1) ^ oldCf;
    }
  }
  st(cpu, i, a, size, r, rh);
  cpu.setArithFlags(CF | OF, (cf ? CF : 0) | (of ? OF : 0));
}

const NAMES = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];

type CountSrc = 'one' | 'cl' | 'imm';
function shiftHandler(op: number, byte: boolean, src: CountSrc): Handler {
  return (cpu, i) => {
    const count = src === 'one' ? 1 : src === 'cl' ? cpu.b[8]! : i.imm;
    shiftOp(cpu, i, rmAddr(cpu, i), byte ? 1 : i.opsize, op, count);
  };
}

/** shld/shrd E, G, count (SDM Vol. 2B, SHLD/SHRD). */
function doubleShift(left: boolean, src: 'cl' | 'imm'): Handler {
  return (cpu, i) => {
    const size = i.opsize;
    const c = (src === 'cl' ? cpu.b[8]! : i.imm) & (size === 8 ? 0x3f : 0x1f);
    const a = rmAddr(cpu, i);
    if (a >= 0) cpu.probeWrite(a, size);
    const d = ld(cpu, i, a, size);
    const dh = size === 8 ? cpu.hi : 0;
    if (c === 0) {
      st(cpu, i, a, size, d, dh);
      return;
    }
    const reg = i.reg << 1;
    const bits = size << 3;
    let r: number;
    let rh = 0;
    let cf: number;
    let of: number;
    if (size === 8) {
      const s = cpu.r[reg]!;
      const sh = cpu.r[reg + 1]!;
      if (left) {
        const l1 = shl64(d, dh, c);
        const h1 = outHi;
        r = l1 | shr64(s, sh, 64 - c);
        rh = h1 | outHi;
        cf = bit64(d, dh, 64 - c);
      } else {
        const l1 = shr64(d, dh, c);
        const h1 = outHi;
        r = l1 | shl64(s, sh, 64 - c);
        rh = h1 | outHi;
        cf = bit64(d, dh, c - 1);
      }
      of = (rh >>> 31) ^ (dh >>> 31);
    } else {
      const mask = MASK[size]!;
      const s = (size === 2 ? cpu.w[i.reg << 2]! : cpu.r[reg]!) >>> 0;
      const u = (d & mask) >>> 0;
      if (size === 2 && c > 16) {
        // Result and flags are undefined for counts above the width; hardware shifts the
        // 48-bit concatenation d:s:d, which this reproduces for 16 < c < 32.
        const hiPart = u * 2 ** 32 + s * 2 ** 16 + u;
        if (left) {
          r = Math.floor((hiPart * 2 ** c) / 2 ** 32) % 65536;
          cf = Math.floor(hiPart / 2 ** (48 - c)) & 1;
        } else {
          r = Math.floor(hiPart / 2 ** c) % 65536;
          cf = Math.floor(hiPart / 2 ** (c - 1)) & 1;
        }
      } else if (left) {
        r = ((u << c) | (c === bits ? s : s >>> (bits - c))) & mask;
        cf = (u >>> (bits - c)) & 1;
      } else {
        r = ((u >>> c) | (c === bits ? s : s << (bits - c))) & mask;
        cf = (u >>> (c - 1)) & 1;
      }
      if (bits === 32) r |= 0;
      of = ((r >>> (bits - 1)) ^ (u >>> (bits - 1))) & 1;
    }
    st(cpu, i, a, size, r, rh);
    cpu.setFlagsSZP(bits, r, rh, (cf ? CF : 0) | (of ? OF : 0));
  };
}

const rows: OpRow[] = [];
for (let op = 0; op < 8; op++) {
  const mnemonic = NAMES[op]!;
  const isShift = op >= 4;
  const undefinedFlagsWhen: NonNullable<OpRow['undefinedFlagsWhen']> = isShift
    ? [
        { flags: OF, when: 'count>1' },
        { flags: AF, when: 'count!=0' },
      ]
    : [{ flags: OF, when: 'count>1' }];
  if (op === SHL || op === SHR || op === 6) undefinedFlagsWhen.push({ flags: CF, when: 'count>=width' });
  const forms: [number, string, CountSrc, boolean][] = [
    [0xc0, 'Eb,Ib', 'imm', true],
    [0xc1, 'Ev,Ib', 'imm', false],
    [0xd0, 'Eb,1', 'one', true],
    [0xd1, 'Ev,1', 'one', false],
    [0xd2, 'Eb,CL', 'cl', true],
    [0xd3, 'Ev,CL', 'cl', false],
  ];
  for (const [opcode, operands, src, byte] of forms) {
    rows.push({
      map: 0,
      opcode,
      ext: op,
      mnemonic,
      operands,
      exec: shiftHandler(op, byte, src),
      undefinedFlagsWhen,
    });
  }
}
const dsUndef: NonNullable<OpRow['undefinedFlagsWhen']> = [
  { flags: OF, when: 'count>1' },
  { flags: AF, when: 'count!=0' },
  { flags: CF | OF | SF | ZF | PF, when: 'count>=width' },
];
rows.push(
  {
    map: 1,
    opcode: 0xa4,
    mnemonic: 'shld',
    operands: 'Ev,Gv,Ib',
    exec: doubleShift(true, 'imm'),
    undefinedFlagsWhen: dsUndef,
  },
  {
    map: 1,
    opcode: 0xa5,
    mnemonic: 'shld',
    operands: 'Ev,Gv,CL',
    exec: doubleShift(true, 'cl'),
    undefinedFlagsWhen: dsUndef,
  },
  {
    map: 1,
    opcode: 0xac,
    mnemonic: 'shrd',
    operands: 'Ev,Gv,Ib',
    exec: doubleShift(false, 'imm'),
    undefinedFlagsWhen: dsUndef,
  },
  {
    map: 1,
    opcode: 0xad,
    mnemonic: 'shrd',
    operands: 'Ev,Gv,CL',
    exec: doubleShift(false, 'cl'),
    undefinedFlagsWhen: dsUndef,
  },
);

/** Shift and rotate rows. */
export const shiftRows: readonly OpRow[] = rows;
