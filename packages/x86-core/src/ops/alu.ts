/**
 * Integer arithmetic and logic: add/or/adc/sbb/and/sub/xor/cmp in every form, test, inc/dec,
 * not/neg, mul/imul/div/idiv (Intel SDM Vol. 2A/2B under each mnemonic).
 */
import type { Cpu } from '../cpu.js';
import { CpuFault } from '../fault.js';
import { LF_IMUL64, LF_SUB } from '../flags.js';
import type { Handler, Insn } from '../insn.js';
import { AF, CF, OF, PF, SF, ZF } from '../state.js';
import type { OpRow } from '../table.js';
import { fastEG, fastEI, fastGE, fastTest } from './alu-fast.js';
import {
  alu,
  CMP,
  divu128,
  getG,
  getReg,
  incdec,
  ld,
  MASK,
  mul64Low,
  mulHi64,
  mulu64,
  negWide,
  rmAddr,
  setG,
  setReg,
  sext,
  st,
  subHigh,
  wide,
} from './common.js';

const NAMES = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
const LOGIC_UNDEF = AF;

/** Register–register form for 32/64-bit operands: GPR (dk/2) op= GPR (sk/2). */
function regReg(cpu: Cpu, op: number, size: number, dk: number, sk: number): void {
  const r = cpu.r;
  const v = alu(cpu, op, size, r[dk]!, r[dk + 1]!, r[sk]!, r[sk + 1]!);
  if (op !== CMP) {
    r[dk] = v;
    r[dk + 1] = cpu.hi;
  }
}

/** E op= G. */
function aluEG(op: number, byte: boolean): Handler {
  return (cpu, i) => {
    const size = byte ? 1 : i.opsize;
    if (i.mod === 3 && size >= 4) {
      regReg(cpu, op, size, i.rm << 1, i.reg << 1);
      return;
    }
    const a = rmAddr(cpu, i);
    // A read-modify-write operand is accessed with write intent: probe the write first.
    if (op !== CMP && a >= 0) cpu.probeWrite(a, size);
    const d = ld(cpu, i, a, size);
    const dh = cpu.hi;
    const s = getG(cpu, i, size);
    const sh = cpu.hi;
    const r = alu(cpu, op, size, d, dh, s, sh);
    if (op !== CMP) st(cpu, i, a, size, r, cpu.hi);
  };
}

/** G op= E. */
function aluGE(op: number, byte: boolean): Handler {
  return (cpu, i) => {
    const size = byte ? 1 : i.opsize;
    if (i.mod === 3 && size >= 4) {
      regReg(cpu, op, size, i.reg << 1, i.rm << 1);
      return;
    }
    const s = ld(cpu, i, rmAddr(cpu, i), size);
    const sh = cpu.hi;
    const d = getG(cpu, i, size);
    const dh = cpu.hi;
    const r = alu(cpu, op, size, d, dh, s, sh);
    if (op !== CMP) setG(cpu, i, size, r, cpu.hi);
  };
}

/** AL/rAX op= imm. */
function aluAI(op: number, byte: boolean): Handler {
  return (cpu, i) => {
    const size = byte ? 1 : i.opsize;
    const d = getReg(cpu, 0, size);
    const r = alu(cpu, op, size, d, cpu.hi, i.imm, i.immHi);
    if (op !== CMP) setReg(cpu, 0, size, r, cpu.hi);
  };
}

/** E op= imm (group 1). */
function aluEI(op: number, byte: boolean): Handler {
  return (cpu, i) => {
    const size = byte ? 1 : i.opsize;
    if (i.mod === 3 && size >= 4) {
      const r = cpu.r;
      const k = i.rm << 1;
      const v = alu(cpu, op, size, r[k]!, r[k + 1]!, i.imm, i.immHi);
      if (op !== CMP) {
        r[k] = v;
        r[k + 1] = cpu.hi;
      }
      return;
    }
    const a = rmAddr(cpu, i);
    if (op !== CMP && a >= 0) cpu.probeWrite(a, size);
    const d = ld(cpu, i, a, size);
    const r = alu(cpu, op, size, d, cpu.hi, i.imm, i.immHi);
    if (op !== CMP) st(cpu, i, a, size, r, cpu.hi);
  };
}

function testWith(cpu: Cpu, size: number, d: number, dh: number, s: number, sh: number): void {
  if (size === 8) cpu.setFlagsLogic(64, d & s, dh & sh);
  else cpu.setFlagsLogic(size << 3, d & s & MASK[size]!, 0);
}

const testEG =
  (byte: boolean): Handler =>
  (cpu, i) => {
    const size = byte ? 1 : i.opsize;
    const d = ld(cpu, i, rmAddr(cpu, i), size);
    const dh = cpu.hi;
    const s = getG(cpu, i, size);
    testWith(cpu, size, d, dh, s, cpu.hi);
  };
const testAI =
  (byte: boolean): Handler =>
  (cpu, i) => {
    const size = byte ? 1 : i.opsize;
    const d = getReg(cpu, 0, size);
    testWith(cpu, size, d, cpu.hi, i.imm, i.immHi);
  };
const testEI =
  (byte: boolean): Handler =>
  (cpu, i) => {
    const size = byte ? 1 : i.opsize;
    const d = ld(cpu, i, rmAddr(cpu, i), size);
    testWith(cpu, size, d, cpu.hi, i.imm, i.immHi);
  };

const incDecE =
  (dir: number, byte: boolean): Handler =>
  (cpu, i) => {
    const size = byte ? 1 : i.opsize;
    const a = rmAddr(cpu, i);
    if (a >= 0) cpu.probeWrite(a, size);
    const d = ld(cpu, i, a, size);
    const dh = cpu.hi;
    const r = incdec(cpu, dir, size, d, dh);
    st(cpu, i, a, size, r, cpu.hi);
  };

const notE =
  (byte: boolean): Handler =>
  (cpu, i) => {
    const size = byte ? 1 : i.opsize;
    const a = rmAddr(cpu, i);
    if (a >= 0) cpu.probeWrite(a, size);
    const d = ld(cpu, i, a, size);
    const dh = cpu.hi;
    st(cpu, i, a, size, ~d & MASK[size === 8 ? 4 : size]!, ~dh);
  };

/** neg: 0 − x, CF = (x != 0) (SDM Vol. 2B, NEG). */
const negE =
  (byte: boolean): Handler =>
  (cpu, i) => {
    const size = byte ? 1 : i.opsize;
    const a = rmAddr(cpu, i);
    if (a >= 0) cpu.probeWrite(a, size);
    const d = ld(cpu, i, a, size);
    const dh = cpu.hi;
    let r: number;
    let rh = 0;
    if (size === 8) {
      r = -d | 0;
      rh = (~dh + (d === 0 ? 1 : 0)) | 0;
      cpu.setFlagsOp64(LF_SUB, 0, 0, d, dh, r, rh);
    } else {
      r = -d & MASK[size]!;
      cpu.setFlagsOp(LF_SUB, size << 3, 0, d, r);
    }
    st(cpu, i, a, size, r, rh);
  };

/** mul/imul with one operand: rDX:rAX = rAX × E (SDM Vol. 2B, MUL; Vol. 2A, IMUL). */
const mulE =
  (signed: boolean, byte: boolean): Handler =>
  (cpu, i) => {
    const size = byte ? 1 : i.opsize;
    const s = ld(cpu, i, rmAddr(cpu, i), size);
    const sh = cpu.hi;
    const r = cpu.r;
    let over: number;
    let low: number;
    let lowHi = 0;
    switch (size) {
      case 1: {
        const p = signed ? sext(cpu.b[0]!, 1) * sext(s, 1) : cpu.b[0]! * s;
        cpu.w[0] = p;
        low = p & 0xff;
        over = signed ? (p !== sext(p & 0xff, 1) ? 1 : 0) : p > 0xff ? 1 : 0;
        break;
      }
      case 2: {
        const p = signed ? sext(cpu.w[0]!, 2) * sext(s, 2) : cpu.w[0]! * s;
        cpu.w[0] = p;
        cpu.w[8] = p >> 16;
        low = p & 0xffff;
        over = signed ? (p !== sext(p & 0xffff, 2) ? 1 : 0) : p > 0xffff ? 1 : 0;
        break;
      }
      case 4: {
        const x = r[0]!;
        if (signed) mulu64(x, x >> 31, s, s >> 31);
        else mulu64(x, 0, s, 0);
        low = wide[0]!;
        r[0] = low;
        r[1] = 0;
        r[4] = wide[1]!;
        r[5] = 0;
        over = signed ? (wide[1] !== low >> 31 ? 1 : 0) : wide[1] !== 0 ? 1 : 0;
        break;
      }
      default: {
        const xl = r[0]!;
        const xh = r[1]!;
        mulu64(xl, xh, s, sh);
        if (signed) {
          // Signed high half = unsigned high half − (x<0 ? s : 0) − (s<0 ? x : 0) (mod 2^64).
          if (xh < 0) subHigh(s, sh);
          if (sh < 0) subHigh(xl, xh);
        }
        low = wide[0]!;
        lowHi = wide[1]!;
        r[0] = low;
        r[1] = lowHi;
        r[4] = wide[2]!;
        r[5] = wide[3]!;
        over = signed
          ? wide[2] !== lowHi >> 31 || wide[3] !== lowHi >> 31
            ? 1
            : 0
          : (wide[2]! | wide[3]!) !== 0
            ? 1
            : 0;
      }
    }
    cpu.setFlagsSZP(size << 3, low, lowHi, over ? CF | OF : 0);
  };

/** imul G, E[, imm]: truncated signed product, CF = OF = truncation changed the value. */
function imulInto(cpu: Cpu, i: Insn, s: number, sh: number, t: number, th: number): void {
  const size = i.opsize;
  if (size === 8) {
    // Truncated product now; CF/OF only if someone reads them (lazy LF_IMUL64).
    const lo = mul64Low(s, sh, t, th);
    const hi = mulHi64;
    setG(cpu, i, 8, lo, hi);
    cpu.setFlagsOp64(LF_IMUL64, s, sh, t, th, lo, hi);
    return;
  }
  let low: number;
  let over: number;
  if (size === 2) {
    const p = sext(s, 2) * sext(t, 2);
    low = p & 0xffff;
    over = p !== sext(low, 2) ? 1 : 0;
  } else {
    // The double product is exact below 2^53; above that it cannot equal an int32 anyway.
    low = Math.imul(s, t);
    over = (s | 0) * (t | 0) !== low ? 1 : 0;
  }
  setG(cpu, i, size, low, 0);
  cpu.setFlagsSZP(size << 3, low, 0, over ? CF | OF : 0);
}

const imulGE: Handler = (cpu, i) => {
  if (i.mod === 3 && i.opsize === 8) {
    // Register form at 64 bits: truncated product now, overflow lazily (LF_IMUL64).
    const r = cpu.r;
    const d = i.reg << 1;
    const k = i.rm << 1;
    const al = r[d]!;
    const ah = r[d + 1]!;
    const bl = r[k]!;
    const bh = r[k + 1]!;
    const lo = mul64Low(al, ah, bl, bh);
    const hi = mulHi64;
    r[d] = lo;
    r[d + 1] = hi;
    cpu.setFlagsOp64(LF_IMUL64, al, ah, bl, bh, lo, hi);
    return;
  }
  const s = ld(cpu, i, rmAddr(cpu, i), i.opsize);
  const sh = cpu.hi;
  const g = getG(cpu, i, i.opsize);
  imulInto(cpu, i, g, cpu.hi, s, sh);
};
const imulGEI: Handler = (cpu, i) => {
  const s = ld(cpu, i, rmAddr(cpu, i), i.opsize);
  imulInto(cpu, i, s, cpu.hi, i.imm, i.immHi);
};

function divideError(): CpuFault {
  return new CpuFault('divide-error');
}

/** div/idiv: quotient to rAX (AL), remainder to rDX (AH); #DE on zero or overflow (SDM Vol. 2A, DIV/IDIV). */
const divE =
  (signed: boolean, byte: boolean): Handler =>
  (cpu, i) => {
    const size = byte ? 1 : i.opsize;
    const s = ld(cpu, i, rmAddr(cpu, i), size);
    const sh = size === 8 ? cpu.hi : 0;
    const r = cpu.r;
    if (size < 8 && (s & MASK[size]!) === 0) throw divideError();
    if (size === 8 && (s | sh) === 0) throw divideError();
    switch (size) {
      case 1:
      case 2: {
        const n =
          size === 1
            ? signed
              ? sext(cpu.w[0]!, 2)
              : cpu.w[0]!
            : signed
              ? (cpu.w[8]! << 16) | cpu.w[0]!
              : cpu.w[8]! * 65536 + cpu.w[0]!;
        const d = signed ? sext(s, size) : s;
        const q = Math.trunc(n / d);
        const rem = n - q * d;
        const bits = size * 8;
        if (signed ? q < -(2 ** (bits - 1)) || q >= 2 ** (bits - 1) : q >= 2 ** bits) throw divideError();
        if (size === 1) {
          cpu.b[0] = q;
          cpu.b[1] = rem;
        } else {
          cpu.w[0] = q;
          cpu.w[8] = rem;
        }
        return;
      }
      case 4: {
        const lo = r[0]! >>> 0;
        const hi = r[4]! >>> 0;
        if (!signed) {
          if (hi === 0) {
            const d = s >>> 0;
            const q = Math.floor(lo / d);
            r[0] = q;
            r[4] = lo - q * d;
          } else {
            wide[0] = lo;
            wide[1] = hi;
            wide[2] = 0;
            wide[3] = 0;
            if (!divu128(s, 0) || wide[1] !== 0) throw divideError();
            r[0] = wide[0]!;
            r[4] = wide[2]!;
          }
        } else {
          divSigned(lo | 0, hi | 0, s | 0, s >> 31, 32);
          r[0] = wide[0]!;
          r[4] = wide[2]!;
        }
        r[1] = 0;
        r[5] = 0;
        return;
      }
      default: {
        wide[0] = r[0]!;
        wide[1] = r[1]!;
        wide[2] = r[4]!;
        wide[3] = r[5]!;
        if (!signed) {
          if (!divu128(s, sh)) throw divideError();
        } else {
          divSigned128(s, sh);
        }
        r[0] = wide[0]!;
        r[1] = wide[1]!;
        r[4] = wide[2]!;
        r[5] = wide[3]!;
      }
    }
  };

/** Signed 64/32 division for idiv r/m32: quotient in wide[0], remainder in wide[2]. */
function divSigned(lo: number, hi: number, dl: number, dh: number, bits: number): void {
  wide[0] = lo;
  wide[1] = hi;
  wide[2] = hi >> 31;
  wide[3] = hi >> 31;
  divSigned128(dl, dh);
  // The quotient must fit in `bits` signed.
  if (bits === 32 && wide[1] !== wide[0]! >> 31) throw divideError();
}

/** Signed 128/64 division of wide[] by dh:dl; quotient wide[0..1], remainder wide[2..3]. */
function divSigned128(dl: number, dh: number): void {
  const nNeg = wide[3]! < 0;
  const dNeg = dh < 0;
  if (nNeg) negWide();
  let ul = dl;
  let uh = dh;
  if (dNeg) {
    ul = -dl | 0;
    uh = (~dh + (dl === 0 ? 1 : 0)) | 0;
  }
  if (!divu128(ul, uh)) throw divideError();
  const qNeg = nNeg !== dNeg;
  // |q| must fit: ≤ 2^63 − 1 when positive, ≤ 2^63 when negative.
  const qh = wide[1]!;
  if (qh < 0 && !(qNeg && qh === -0x80000000 && wide[0] === 0)) throw divideError();
  let q0 = wide[0]!;
  let q1 = qh;
  let r0 = wide[2]!;
  let r1 = wide[3]!;
  if (qNeg) {
    q1 = (~q1 + (q0 === 0 ? 1 : 0)) | 0;
    q0 = -q0 | 0;
  }
  if (nNeg) {
    r1 = (~r1 + (r0 === 0 ? 1 : 0)) | 0;
    r0 = -r0 | 0;
  }
  wide[0] = q0;
  wide[1] = q1;
  wide[2] = r0;
  wide[3] = r1;
}

const rows: OpRow[] = [];
for (let op = 0; op < 8; op++) {
  const m = NAMES[op]!;
  const base = op * 8;
  const undef = op === 1 || op === 4 || op === 6 ? LOGIC_UNDEF : 0;
  const lock = op !== CMP;
  const common = { mnemonic: m, undefinedFlags: undef };
  rows.push(
    { ...common, map: 0, opcode: base, operands: 'Eb,Gb', exec: aluEG(op, true), lock },
    { ...common, map: 0, opcode: base + 1, operands: 'Ev,Gv', exec: fastEG(op, aluEG(op, false)), lock },
    { ...common, map: 0, opcode: base + 2, operands: 'Gb,Eb', exec: aluGE(op, true) },
    { ...common, map: 0, opcode: base + 3, operands: 'Gv,Ev', exec: fastGE(op, aluGE(op, false)) },
    { ...common, map: 0, opcode: base + 4, operands: 'AL,Ib', exec: aluAI(op, true) },
    { ...common, map: 0, opcode: base + 5, operands: 'rAX,Iz', exec: aluAI(op, false) },
    { ...common, map: 0, opcode: 0x80, ext: op, operands: 'Eb,Ib', exec: aluEI(op, true), lock },
    { ...common, map: 0, opcode: 0x81, ext: op, operands: 'Ev,Iz', exec: fastEI(op, aluEI(op, false)), lock },
    {
      ...common,
      map: 0,
      opcode: 0x83,
      ext: op,
      operands: 'Ev,Ibs',
      exec: fastEI(op, aluEI(op, false)),
      lock,
    },
  );
}
const MUL_UNDEF = SF | ZF | AF | PF;
const DIV_UNDEF = CF | OF | SF | ZF | AF | PF;
rows.push(
  { map: 0, opcode: 0x84, mnemonic: 'test', operands: 'Eb,Gb', exec: testEG(true), undefinedFlags: AF },
  {
    map: 0,
    opcode: 0x85,
    mnemonic: 'test',
    operands: 'Ev,Gv',
    exec: fastTest(testEG(false)),
    undefinedFlags: AF,
  },
  { map: 0, opcode: 0xa8, mnemonic: 'test', operands: 'AL,Ib', exec: testAI(true), undefinedFlags: AF },
  { map: 0, opcode: 0xa9, mnemonic: 'test', operands: 'rAX,Iz', exec: testAI(false), undefinedFlags: AF },
  // F6/F7 /1 is an undocumented alias of /0 that hardware executes as TEST.
  ...[0, 1].flatMap((ext): OpRow[] => [
    {
      map: 0,
      opcode: 0xf6,
      ext,
      mnemonic: 'test',
      operands: 'Eb,Ib',
      exec: testEI(true),
      undefinedFlags: AF,
    },
    {
      map: 0,
      opcode: 0xf7,
      ext,
      mnemonic: 'test',
      operands: 'Ev,Iz',
      exec: testEI(false),
      undefinedFlags: AF,
    },
  ]),
  { map: 0, opcode: 0xf6, ext: 2, mnemonic: 'not', operands: 'Eb', exec: notE(true), lock: true },
  { map: 0, opcode: 0xf7, ext: 2, mnemonic: 'not', operands: 'Ev', exec: notE(false), lock: true },
  { map: 0, opcode: 0xf6, ext: 3, mnemonic: 'neg', operands: 'Eb', exec: negE(true), lock: true },
  { map: 0, opcode: 0xf7, ext: 3, mnemonic: 'neg', operands: 'Ev', exec: negE(false), lock: true },
  {
    map: 0,
    opcode: 0xf6,
    ext: 4,
    mnemonic: 'mul',
    operands: 'Eb',
    exec: mulE(false, true),
    undefinedFlags: MUL_UNDEF,
  },
  {
    map: 0,
    opcode: 0xf7,
    ext: 4,
    mnemonic: 'mul',
    operands: 'Ev',
    exec: mulE(false, false),
    undefinedFlags: MUL_UNDEF,
  },
  {
    map: 0,
    opcode: 0xf6,
    ext: 5,
    mnemonic: 'imul',
    operands: 'Eb',
    exec: mulE(true, true),
    undefinedFlags: MUL_UNDEF,
  },
  {
    map: 0,
    opcode: 0xf7,
    ext: 5,
    mnemonic: 'imul',
    operands: 'Ev',
    exec: mulE(true, false),
    undefinedFlags: MUL_UNDEF,
  },
  {
    map: 0,
    opcode: 0xf6,
    ext: 6,
    mnemonic: 'div',
    operands: 'Eb',
    exec: divE(false, true),
    undefinedFlags: DIV_UNDEF,
  },
  {
    map: 0,
    opcode: 0xf7,
    ext: 6,
    mnemonic: 'div',
    operands: 'Ev',
    exec: divE(false, false),
    undefinedFlags: DIV_UNDEF,
  },
  {
    map: 0,
    opcode: 0xf6,
    ext: 7,
    mnemonic: 'idiv',
    operands: 'Eb',
    exec: divE(true, true),
    undefinedFlags: DIV_UNDEF,
  },
  {
    map: 0,
    opcode: 0xf7,
    ext: 7,
    mnemonic: 'idiv',
    operands: 'Ev',
    exec: divE(true, false),
    undefinedFlags: DIV_UNDEF,
  },
  { map: 1, opcode: 0xaf, mnemonic: 'imul', operands: 'Gv,Ev', exec: imulGE, undefinedFlags: MUL_UNDEF },
  { map: 0, opcode: 0x69, mnemonic: 'imul', operands: 'Gv,Ev,Iz', exec: imulGEI, undefinedFlags: MUL_UNDEF },
  { map: 0, opcode: 0x6b, mnemonic: 'imul', operands: 'Gv,Ev,Ibs', exec: imulGEI, undefinedFlags: MUL_UNDEF },
  { map: 0, opcode: 0xfe, ext: 0, mnemonic: 'inc', operands: 'Eb', exec: incDecE(1, true), lock: true },
  { map: 0, opcode: 0xfe, ext: 1, mnemonic: 'dec', operands: 'Eb', exec: incDecE(-1, true), lock: true },
  { map: 0, opcode: 0xff, ext: 0, mnemonic: 'inc', operands: 'Ev', exec: incDecE(1, false), lock: true },
  { map: 0, opcode: 0xff, ext: 1, mnemonic: 'dec', operands: 'Ev', exec: incDecE(-1, false), lock: true },
);

/** Arithmetic and logic rows. */
export const aluRows: readonly OpRow[] = rows;
