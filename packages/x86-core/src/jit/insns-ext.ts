/**
 * Further instruction forms of the JIT, tried when {@link emitInsn} (insns.ts) declines one:
 * the same contract — emit the instruction through the {@link Emitter} and return true, or emit
 * nothing and return false (the interpreter then runs it). Every form writes registers, memory
 * and the lazy-flag record exactly as the interpreter's handler does (ops/*.ts), including the
 * interpreter's choice for flags the SDM leaves undefined; a form that can fault (#DE, a memory
 * access the TLB does not admit) leaves the region before itself so that the interpreter raises
 * the fault with its own state. The SSE forms are in ext-sse.ts.
 */
import {
  LF_ADC,
  LF_AUX,
  LF_BITS,
  LF_DEC,
  LF_FLAGS,
  LF_INC,
  LF_NONE,
  LF_OP,
  LF_RES,
  LF_RESH,
  LF_SBB,
  LF_SUB,
  LF_SZP,
} from '../flags.js';
import { EA_ABS, type Insn, PFX_LOCK, PFX_REP, PFX_REPNE, PFX_VEX } from '../insn.js';
import { ARITH_FLAGS, CF, OF, ZF } from '../state.js';
import {
  ALU_ADD,
  ALU_AND,
  ALU_CMP,
  ALU_OR,
  ALU_SUB,
  ALU_XOR,
  type Emitter,
  IMM,
  L_ADDR,
  L_MEM,
  L_T32A,
  L_T32B,
  L_T32C,
  L_T64A,
  L_T64B,
  L_T64C,
  MEM,
  TEST,
} from './emitter.js';
import { emitSseExt } from './ext-sse.js';
import { OP, VOID } from './wasm.js';

/** WebAssembly opcodes the Emitter's table lacks (core specification §5.4.7). */
export const XOP = {
  i32Clz: 0x67,
  i32Ctz: 0x68,
  i64Clz: 0x79,
  i64Ctz: 0x7a,
  i64Popcnt: 0x7b,
  i64DivS: 0x7f,
  i64DivU: 0x80,
  i64RemS: 0x81,
  i64RemU: 0x82,
  i64Eq: 0x51,
  i64GtU: 0x56,
  i64GeU: 0x5a,
} as const;

const ADC = 2;
const SBB = 3;

/** Emits `i` if it is one of the forms of this file (see the module comment). */
export function emitExt(e: Emitter, i: Insn): boolean {
  if (i.row === null || i.row.invalid64 || i.pfx & PFX_VEX) return false;
  const op = i.opcode;
  if (i.map === 1 && i.mandatory !== 0) {
    // F3 0F B8/BC/BD (popcnt, tzcnt, lzcnt) carry F3 as part of the opcode.
    if (i.mandatory === 0xf3 && (op === 0xb8 || op === 0xbc || op === 0xbd)) {
      return (i.pfx & (PFX_LOCK | PFX_REPNE)) === 0 && emitBitScan(e, i);
    }
    return (i.pfx & PFX_LOCK) === 0 && emitSseExt(e, i);
  }
  if (i.pfx & PFX_LOCK) return emitLocked(e, i);
  if (i.pfx & (PFX_REP | PFX_REPNE)) return false;
  if (i.map === 1) return emitMap1Ext(e, i);
  if (i.map !== 0) return false;
  const size = i.opsize;
  if (size === 2) return emitWord(e, i);
  if (op < 0x40 && (op >> 3 === ADC || op >> 3 === SBB) && (op & 7) % 2 === 1 && (op & 7) <= 5)
    return emitAdcSbb(e, i, op >> 3);
  switch (op) {
    case 0x98:
      // cdqe / cwde (SDM Vol. 2A CBW/CWDE/CDQE): sign-extend the lower half of rAX into it.
      if (size === 8) e.reg32(0).op(OP.i64ExtendI32S).setReg64(0);
      else e.reg32(0).op(OP.i32Extend16S).setReg32(0);
      return true;
    case 0x99:
      // cqo / cdq (SDM Vol. 2A CWD/CDQ/CQO): rDX receives the sign of rAX in every bit.
      if (size === 8) e.reg64(0).i64(63, 0).op(OP.i64ShrS).setReg64(2);
      else e.reg32(0).i32(31).op(OP.i32ShrS).setReg32(2);
      return true;
    case 0x8d:
      // lea of an absolute or RIP-relative address (SDM Vol. 2A LEA): the decoder resolved it
      // into `disp`; the value is taken modulo 2^64 and truncated to the operand size.
      // A negative address stays with the interpreter, whose lea takes the sign extension of
      // an absolute disp32 twice (the high half becomes 0xfffffffe, hardware gives 0xffffffff).
      if (i.mod === 3 || i.eaKind !== EA_ABS || i.adsize !== 8 || i.disp < 0) return false;
      if (size === 8) e.i64(lo32(i.disp), hi32(i.disp)).setReg64(i.reg);
      else e.i32(lo32(i.disp)).setReg32(i.reg);
      return true;
    case 0x81:
    case 0x83:
      if (i.reg !== ADC && i.reg !== SBB) return false;
      return emitAdcSbb(e, i, i.reg);
    case 0x87:
      return emitXchg(e, i);
    case 0x90:
    case 0x91:
    case 0x92:
    case 0x93:
    case 0x94:
    case 0x95:
    case 0x96:
    case 0x97:
      // 90 (without REX.B) is a true nop; 90+r exchanges rAX with r (SDM Vol. 2B XCHG).
      if (i.reg === 0) return true;
      swap(e, size, 0, i.reg);
      return true;
    case 0xb0:
    case 0xb1:
    case 0xb2:
    case 0xb3:
    case 0xb4:
    case 0xb5:
    case 0xb6:
    case 0xb7:
      // mov r8, imm8 (SDM Vol. 2B MOV): AH–BH without REX.
      e.i32(i.imm).setByteReg(i.regB);
      return true;
    case 0xf7:
      if (i.reg === 6 || i.reg === 7) return emitDiv(e, i, i.reg === 7);
      if ((i.reg === 2 || i.reg === 3) && i.mod !== 3) return emitMemUnary(e, i);
      return false;
    case 0xff:
      if (i.reg < 2 && i.mod !== 3) return emitMemUnary(e, i);
      return false;
    case 0xd3:
      if (i.reg === 0 || i.reg === 1) return emitRotateCl(e, i, i.reg === 0);
      return false;
    case 0xc0:
    case 0xd0:
      if (i.reg < 4) return false;
      return emitShift8(e, i, (op === 0xd0 ? 1 : i.imm) & 0x1f);
    case 0xc9:
      // leave (SDM Vol. 2A LEAVE): rsp = rbp, then pop rbp; a fault leaves both unchanged.
      if (size !== 8) return false;
      e.reg64(5).set(L_T64A);
      e.checkAt(i, 8, false);
      e.get(L_ADDR).memLoad(8, 0).set(L_MEM);
      e.get(L_T64A).i64(8, 0).op(OP.i64Add).setReg64(4);
      e.get(L_MEM).setReg64(5);
      return true;
    default:
      return false;
  }
}

/** The low and high 32 bits (as int32) of an integer number taken modulo 2^64. */
function lo32(v: number): number {
  return v | 0;
}
function hi32(v: number): number {
  return Math.floor(v / 4294967296) | 0;
}

/** Exchanges registers a and b at `size` (4: both zero-extended; 8). */
function swap(e: Emitter, size: number, a: number, b: number): void {
  e.reg64(a).set(L_T64A);
  if (size === 8) {
    e.reg64(b).setReg64(a);
    e.get(L_T64A).setReg64(b);
  } else {
    e.reg32(b).setReg32(a);
    e.get(L_T64A).op(OP.i32WrapI64).setReg32(b);
  }
}

/** Pops an i32 into the low 16 bits of register n, keeping the others (SDM Vol. 1 §3.4.1.1). */
function setReg16(e: Emitter, n: number): void {
  e.i32(0xffff).op(OP.i32And).op(OP.i64ExtendI32U);
  e.reg64(n).i64(~0xffff, -1).op(OP.i64And).op(OP.i64Or).setReg64(n);
}

/**
 * Writes the arithmetic flags of `mask` from the i32 pushed by `value` (bits outside `mask`
 * zero), as the interpreter's setArithFlags does: a writer of all six needs only the
 * non-arithmetic bits of the record's flag word; a partial one materialises RFLAGS first.
 * The record is LF_NONE afterwards. Nothing is written when the flags are dead.
 */
export function writeFlags(e: Emitter, mask: number, value: () => void): void {
  const all = (mask & ARITH_FLAGS) === ARITH_FLAGS;
  e.fxWrite = all ? 1 : 2;
  if (e.dead) return;
  if (all) e.lf(LF_FLAGS).i32(~ARITH_FLAGS).op(OP.i32And);
  else {
    e.fxRead = true;
    e.flagsWord().i32(~mask).op(OP.i32And);
  }
  value();
  e.op(OP.i32Or).setLf(LF_FLAGS);
  e.i32(LF_NONE).setLf(LF_OP);
  e.kind = LF_NONE;
}

/** Opens a guarded section that may leave before `i` (see Emitter.guard); marks the side exit. */
function guard(e: Emitter): void {
  e.fxExit = true;
  e.guard();
}

/**
 * div / idiv r/m32, r/m64 (F7 /6, /7; SDM Vol. 2A DIV, IDIV): quotient to rAX, remainder to
 * rDX; the flags stay as they are (the interpreter leaves the undefined flags untouched). A zero
 * divisor or a quotient that does not fit leaves the region before the instruction, so the
 * interpreter raises #DE; so does a 128-bit dividend whose high half is not just the sign or
 * zero extension of the low half (the interpreter's long division handles it).
 */
function emitDiv(e: Emitter, i: Insn, signed: boolean): boolean {
  const size = i.opsize;
  if (i.mod !== 3 && !e.load(i, size)) return false;
  const brIf = () => e.op(OP.brIf).code.u32(0);
  // T64B = divisor, T64A = dividend (its low 64 bits).
  if (size === 8) {
    if (i.mod === 3) e.reg64(i.rm);
    else e.get(L_MEM);
    e.set(L_T64B);
    e.reg64(0).set(L_T64A);
  } else {
    if (i.mod === 3) e.reg32(i.rm);
    else e.get(L_MEM).op(OP.i32WrapI64);
    e.op(signed ? OP.i64ExtendI32S : OP.i64ExtendI32U).set(L_T64B);
    e.reg64(2).i64(32, 0).op(OP.i64Shl);
    e.reg32(0).op(OP.i64ExtendI32U).op(OP.i64Or).set(L_T64A);
  }
  guard(e);
  e.get(L_T64B).op(OP.i64Eqz);
  brIf();
  if (size === 8) {
    // The high half must be the extension of the low half.
    e.reg64(2);
    if (signed) e.get(L_T64A).i64(63, 0).op(OP.i64ShrS);
    else e.i64(0, 0);
    e.op(OP.i64Ne);
    brIf();
  } else if (!signed) {
    // Unsigned 64/32: the quotient fits in 32 bits when the high half is below the divisor.
    e.get(L_T64A).i64(32, 0).op(OP.i64ShrU).get(L_T64B).op(XOP.i64GeU);
    brIf();
  }
  if (signed) {
    // INT64_MIN / -1 overflows (and would trap in WebAssembly).
    e.get(L_T64A)
      .i64(0, 0x80000000 | 0)
      .op(XOP.i64Eq);
    e.get(L_T64B).i64(-1, -1).op(XOP.i64Eq).op(OP.i32And);
    brIf();
  }
  e.get(L_T64A)
    .get(L_T64B)
    .op(signed ? XOP.i64DivS : XOP.i64DivU)
    .set(L_T64C);
  if (size === 4 && signed) {
    // The quotient must fit in 32 signed bits.
    e.get(L_T64C).get(L_T64C).op(OP.i32WrapI64).op(OP.i64ExtendI32S).op(OP.i64Ne);
    brIf();
  }
  e.guardEnd(i);
  e.get(L_T64A)
    .get(L_T64B)
    .op(signed ? XOP.i64RemS : XOP.i64RemU);
  if (size === 8) {
    e.setReg64(2);
    e.get(L_T64C).setReg64(0);
  } else {
    e.op(OP.i32WrapI64).setReg32(2);
    e.get(L_T64C).op(OP.i32WrapI64).setReg32(0);
  }
  return true;
}

/**
 * adc / sbb (11/13/19/1B, 81/83 /2 /3; SDM Vol. 2A ADC, Vol. 2B SBB) at 32 and 64 bits, register
 * or read-modify-write memory destination: the record is LF_ADC/LF_SBB with the carry-in in
 * LF_AUX, as the interpreter keeps it. The Emitter's own flag getters do not know these kinds,
 * so the record kind is unknown to later instructions of the block (they go through RFLAGS).
 */
function emitAdcSbb(e: Emitter, i: Insn, alu: number): boolean {
  const size = i.opsize;
  if (size !== 4 && size !== 8) return false;
  const op = i.opcode;
  let dst: number;
  let src: number;
  if (op === 0x81 || op === 0x83) {
    dst = i.mod === 3 ? i.rm : MEM;
    src = IMM;
  } else if ((op & 7) === 5) {
    dst = 0;
    src = IMM;
  } else if ((op & 7) === 1) {
    dst = i.mod === 3 ? i.rm : MEM;
    src = i.reg;
  } else {
    dst = i.reg;
    src = i.mod === 3 ? i.rm : MEM;
  }
  const body = () => adcSbb(e, alu === SBB, size, dst, src, i.imm, i.immHi);
  if (dst === MEM) return e.rmw(i, size, body);
  if (src === MEM && !e.load(i, size)) return false;
  body();
  return true;
}

function adcSbb(
  e: Emitter,
  sub: boolean,
  size: number,
  dst: number,
  src: number,
  imm: number,
  immHi: number,
): void {
  e.fxWrite = 1;
  e.fxRead = true;
  // Carry-in (0/1) first: the record it comes from is about to be replaced.
  e.cf();
  e.set(L_T32A);
  const bin = size === 8 ? (sub ? OP.i64Sub : OP.i64Add) : sub ? OP.i32Sub : OP.i32Add;
  if (size === 8) {
    e.operand(dst, 8, imm, immHi).set(L_T64A);
    e.operand(src, 8, imm, immHi).set(L_T64B);
    e.get(L_T64A).get(L_T64B).op(bin).get(L_T32A).op(OP.i64ExtendI32U).op(bin).set(L_T64C);
  } else {
    e.operand(dst, 4, imm, immHi).set(L_T32B);
    e.operand(src, 4, imm, immHi).set(L_T32C);
    e.get(L_T32B).get(L_T32C).op(bin).get(L_T32A).op(bin);
    // T32C becomes the result (a memory destination's new value); the source goes to T64B.
    e.get(L_T32C).op(OP.i64ExtendI32U).set(L_T64B);
    e.set(L_T32C);
  }
  if (!e.dead) {
    e.i32(sub ? LF_SBB : LF_ADC).setLf(LF_OP);
    e.i32(size * 8).setLf(LF_BITS);
    if (size === 8) {
      e.lfPair(L_T64A, 2, 3);
      e.lfPair(L_T64B, 4, 5);
      e.lfPair(L_T64C, LF_RES, LF_RESH);
    } else {
      e.get(L_T32B).setLf(2);
      e.i32(0).setLf(3);
      e.get(L_T64B).op(OP.i32WrapI64).setLf(4);
      e.i32(0).setLf(5);
      e.get(L_T32C).setLf(LF_RES);
      e.i32(0).setLf(LF_RESH);
    }
    e.get(L_T32A).setLf(LF_AUX);
  }
  if (dst !== MEM) {
    if (size === 8) e.get(L_T64C).setReg64(dst);
    else e.get(L_T32C).setReg32(dst);
  } else e.get(size === 8 ? L_T64C : L_T32C);
  e.kind = -1;
  e.bits = 32;
}

/** xchg r/m, r (87; SDM Vol. 2B XCHG): with memory a read-modify-write (locked on hardware). */
function emitXchg(e: Emitter, i: Insn): boolean {
  const size = i.opsize;
  if (size !== 4 && size !== 8) return false;
  if (i.mod === 3) {
    swap(e, size, i.rm, i.reg);
    return true;
  }
  if (!e.rmw(i, size, () => (size === 8 ? e.reg64(i.reg) : e.reg32(i.reg)))) return false;
  if (size === 8) e.get(L_MEM).setReg64(i.reg);
  else e.get(L_MEM).op(OP.i32WrapI64).setReg32(i.reg);
  return true;
}

/**
 * LOCK-prefixed read-modify-writes: cmpxchg, xadd and xchg with memory. The JIT runs only on an
 * unshared memory (JitCpu), where a region runs without interruption, so the lock adds nothing
 * observable; F2/F3 with LOCK are the XACQUIRE/XRELEASE hints (SDM Vol. 1 §16.3.3), ignored.
 */
function emitLocked(e: Emitter, i: Insn): boolean {
  if (i.mod === 3) return false;
  if (i.map === 0) {
    const op = i.opcode;
    const size = i.opsize;
    if (op === 0x87) return emitXchg(e, i);
    if (size !== 4 && size !== 8) return false;
    if (op === 0xff && i.reg < 2) return emitMemUnary(e, i);
    if (op === 0xf7 && (i.reg === 2 || i.reg === 3)) return emitMemUnary(e, i);
    // add/or/adc/sbb/and/sub/xor m, r and m, imm (cmp cannot be locked: #UD).
    const alu = op < 0x40 && (op & 7) === 1 ? op >> 3 : op === 0x81 || op === 0x83 ? i.reg : -1;
    if (alu === ADC || alu === SBB) return emitAdcSbb(e, i, alu);
    if (alu < 0 || alu === ALU_CMP) return false;
    const src = op < 0x40 ? i.reg : IMM;
    return e.rmw(i, size, () => {
      e.alu(alu, size, MEM, src, i.imm, i.immHi);
      e.get(size === 8 ? L_T64C : L_T32C);
    });
  }
  if (i.map !== 1) return false;
  if (i.opcode === 0xb1) return emitCmpxchg(e, i);
  if (i.opcode === 0xc1) return emitXadd(e, i);
  return false;
}

/**
 * cmpxchg m, r (0F B1; SDM Vol. 2A CMPXCHG): the record of cmp rAX, m; when equal the register
 * is stored, otherwise the old value is written back and loaded into rAX (zero-extended at 32
 * bits; rAX keeps all its bits when equal).
 */
function emitCmpxchg(e: Emitter, i: Insn): boolean {
  const size = i.opsize;
  if (size !== 4 && size !== 8) return false;
  const eq = () => {
    if (size === 8) e.reg64(0).get(L_MEM).op(XOP.i64Eq);
    else e.reg32(0).get(L_MEM).op(OP.i32WrapI64).op(OP.i32Eq);
  };
  const ok = e.rmw(i, size, () => {
    e.alu(ALU_CMP, size, 0, MEM, 0, 0);
    if (size === 8) e.reg64(i.reg).get(L_MEM);
    else e.reg32(i.reg).get(L_MEM).op(OP.i32WrapI64);
    eq();
    e.op(OP.select);
  });
  if (!ok) return false;
  eq();
  e.op(OP.i32Eqz).op(OP.if).op(VOID);
  if (size === 8) e.get(L_MEM).setReg64(0);
  else e.get(L_MEM).op(OP.i32WrapI64).setReg32(0);
  e.op(OP.end);
  return true;
}

/** xadd m, r (0F C1; SDM Vol. 2B XADD): m = m + r with the record of add, r = old m. */
function emitXadd(e: Emitter, i: Insn): boolean {
  const size = i.opsize;
  if (size !== 4 && size !== 8) return false;
  const ok = e.rmw(i, size, () => {
    e.alu(ALU_ADD, size, MEM, i.reg, 0, 0);
    e.get(size === 8 ? L_T64C : L_T32C);
  });
  if (!ok) return false;
  if (size === 8) e.get(L_MEM).setReg64(i.reg);
  else e.get(L_MEM).op(OP.i32WrapI64).setReg32(i.reg);
  return true;
}

/** Two-byte opcodes without a mandatory prefix. */
function emitMap1Ext(e: Emitter, i: Insn): boolean {
  switch (i.opcode) {
    case 0xbc:
    case 0xbd:
      return emitBitScan(e, i);
    case 0xb1:
      return i.mod !== 3 && emitCmpxchg(e, i);
    case 0xc1:
      return i.mod !== 3 && emitXadd(e, i);
    case 0xa3:
    case 0xab:
    case 0xb3:
    case 0xbb:
      // bt/bts/btr/btc r/m, r: with memory the bit offset reaches other operands (left out).
      if (i.mod !== 3) return false;
      return emitBitTest(e, i, (i.opcode >> 3) & 3, null);
    case 0xba:
      if (i.reg < 4) return false;
      return emitBitTest(e, i, i.reg & 3, i.imm);
    case 0x2e:
    case 0x2f:
      return emitComiss(e, i);
    case 0x50:
      return emitMovmskps(e, i);
    default:
      return false;
  }
}

/**
 * bsf / bsr (0F BC/BD), tzcnt / lzcnt (F3 0F BC/BD), popcnt (F3 0F B8) at 32 and 64 bits (SDM
 * Vol. 2A BSF, BSR, LZCNT, Vol. 2B POPCNT, TZCNT). Flags as the interpreter sets them: bsf/bsr
 * ZF alone (a zero source leaves the destination unchanged, all 64 bits); tzcnt/lzcnt CF and
 * ZF; popcnt all six (ZF from the count, the others cleared).
 */
function emitBitScan(e: Emitter, i: Insn): boolean {
  const size = i.opsize;
  if (size !== 4 && size !== 8) return false;
  const m = i.row?.mnemonic;
  if (m !== 'bsf' && m !== 'bsr' && m !== 'tzcnt' && m !== 'lzcnt' && m !== 'popcnt') return false;
  if (i.mod !== 3 && !e.load(i, size)) return false;
  // T64A = source (zero-extended at 32 bits).
  if (i.mod === 3) {
    if (size === 8) e.reg64(i.rm);
    else e.reg32(i.rm).op(OP.i64ExtendI32U);
  } else e.get(L_MEM);
  e.set(L_T64A);
  const zero = () => e.get(L_T64A).op(OP.i64Eqz);
  if (m === 'bsf' || m === 'bsr') {
    writeFlags(e, ZF, () => {
      zero();
      e.i32(6).op(OP.i32Shl);
    });
    zero();
    e.op(OP.i32Eqz).op(OP.if).op(VOID);
    if (m === 'bsf') e.get(L_T64A).op(XOP.i64Ctz);
    else e.i64(63, 0).get(L_T64A).op(XOP.i64Clz).op(OP.i64Sub);
    if (size === 8) e.setReg64(i.reg);
    else e.op(OP.i32WrapI64).setReg32(i.reg);
    e.op(OP.end);
    return true;
  }
  // T32A = the count.
  if (m === 'popcnt') e.get(L_T64A).op(XOP.i64Popcnt).op(OP.i32WrapI64);
  else if (size === 8)
    e.get(L_T64A)
      .op(m === 'tzcnt' ? XOP.i64Ctz : XOP.i64Clz)
      .op(OP.i32WrapI64);
  else
    e.get(L_T64A)
      .op(OP.i32WrapI64)
      .op(m === 'tzcnt' ? XOP.i32Ctz : XOP.i32Clz);
  e.set(L_T32A);
  const countZero = () => e.get(L_T32A).op(OP.i32Eqz).i32(6).op(OP.i32Shl);
  if (m === 'popcnt') writeFlags(e, ARITH_FLAGS, countZero);
  else
    writeFlags(e, CF | ZF, () => {
      countZero();
      zero();
      e.op(OP.i32Or);
    });
  e.get(L_T32A);
  if (size === 8) e.op(OP.i64ExtendI32U).setReg64(i.reg);
  else e.setReg32(i.reg);
  return true;
}

const ALU16 = new Set([ALU_ADD, ALU_OR, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP]);

/**
 * 16-bit operand-size forms (66 prefix): mov, and add/or/and/sub/xor/cmp/test with register,
 * immediate and memory operands. A 16-bit register write keeps bits 16–63 (SDM Vol. 1
 * §3.4.1.1); the record holds the operands and result zero-extended at 16 bits, as the
 * interpreter's.
 */
function emitWord(e: Emitter, i: Insn): boolean {
  const op = i.opcode;
  if (op < 0x40 && (op & 7) < 6 && (op & 7) !== 0 && (op & 7) !== 2 && (op & 7) !== 4) {
    const alu = op >> 3;
    if (!ALU16.has(alu)) return false;
    if ((op & 7) === 5) {
      alu16(e, alu, 0, IMM, i.imm);
      return true;
    }
    const toRm = (op & 7) === 1;
    if (i.mod === 3) {
      if (toRm) alu16(e, alu, i.rm, i.reg, 0);
      else alu16(e, alu, i.reg, i.rm, 0);
      return true;
    }
    if (toRm && alu !== ALU_CMP) return e.rmw(i, 2, () => alu16(e, alu, MEM, i.reg, 0));
    if (!e.load(i, 2)) return false;
    if (toRm) alu16(e, alu, MEM, i.reg, 0);
    else alu16(e, alu, i.reg, MEM, 0);
    return true;
  }
  switch (op) {
    case 0x81:
    case 0x83:
      if (!ALU16.has(i.reg)) return false;
      if (i.mod === 3) {
        alu16(e, i.reg, i.rm, IMM, i.imm);
        return true;
      }
      if (i.reg !== ALU_CMP) return e.rmw(i, 2, () => alu16(e, i.reg, MEM, IMM, i.imm));
      if (!e.load(i, 2)) return false;
      alu16(e, ALU_CMP, MEM, IMM, i.imm);
      return true;
    case 0x85:
      if (i.mod === 3) alu16(e, TEST, i.rm, i.reg, 0);
      else {
        if (!e.load(i, 2)) return false;
        alu16(e, TEST, MEM, i.reg, 0);
      }
      return true;
    case 0xa9:
      alu16(e, TEST, 0, IMM, i.imm);
      return true;
    case 0xf7:
      if (i.reg !== 0) return false;
      if (i.mod === 3) alu16(e, TEST, i.rm, IMM, i.imm);
      else {
        if (!e.load(i, 2)) return false;
        alu16(e, TEST, MEM, IMM, i.imm);
      }
      return true;
    case 0x89:
      if (i.mod !== 3) return e.store(i, 2, () => e.reg32(i.reg));
      e.reg32(i.reg);
      setReg16(e, i.rm);
      return true;
    case 0x8b:
      if (i.mod === 3) e.reg32(i.rm);
      else {
        if (!e.load(i, 2)) return false;
        e.get(L_MEM).op(OP.i32WrapI64);
      }
      setReg16(e, i.reg);
      return true;
    case 0xc7:
      if (i.reg !== 0) return false;
      if (i.mod !== 3) return e.store(i, 2, () => e.i32(i.imm & 0xffff));
      e.i32(i.imm);
      setReg16(e, i.rm);
      return true;
    case 0xb8:
    case 0xb9:
    case 0xba:
    case 0xbb:
    case 0xbc:
    case 0xbd:
    case 0xbe:
    case 0xbf:
      e.i32(i.imm);
      setReg16(e, i.reg);
      return true;
    case 0x90:
      // 66 90: xchg ax, ax — a nop.
      return i.reg === 0;
    default:
      return false;
  }
}

/**
 * A 16-bit ALU operation: `dst` a register or MEM (the loaded word; the result is then pushed
 * for the store), `src` a register, MEM or IMM.
 */
function alu16(e: Emitter, op: number, dst: number, src: number, imm: number): void {
  const writes = e.aluNarrow(
    op,
    16,
    (o) => {
      if (o === MEM) e.get(L_MEM).op(OP.i32WrapI64);
      else if (o === IMM) e.i32(imm & 0xffff);
      else e.reg32(o).i32(0xffff).op(OP.i32And);
    },
    dst,
    src,
  );
  if (!writes) return;
  e.get(L_T32C);
  if (dst !== MEM) setReg16(e, dst);
}

/** Pushes the top bit of register `reg` (bit `bits − 1 − k`) as 0/1. */
function topBit(e: Emitter, reg: number, bits: number, k: number): void {
  e.reg64(reg)
    .i64(bits - 1 - k, 0)
    .op(OP.i64ShrU)
    .op(OP.i32WrapI64)
    .i32(1)
    .op(OP.i32And);
}

/**
 * rol / ror r32, r64 by CL (D3 /0, /1; SDM Vol. 2B RCL/RCR/ROL/ROR): the count is masked to 5
 * or 6 bits; a masked count of 0 writes the register back (a 32-bit one zero-extended) and
 * changes no flag. Otherwise only CF and OF change — rol: CF = bit 0 of the result, OF = its top
 * bit xor CF; ror: CF = the top bit, OF = the top two bits xored — as the interpreter computes
 * them, so the record kind is unknown afterwards.
 */
function emitRotateCl(e: Emitter, i: Insn, left: boolean): boolean {
  const size = i.opsize;
  if ((size !== 4 && size !== 8) || i.mod !== 3) return false;
  const bits = size * 8;
  e.reg32(1)
    .i32(bits - 1)
    .op(OP.i32And)
    .set(L_T32B);
  if (size === 8) {
    e.reg64(i.rm).get(L_T32B).op(OP.i64ExtendI32U);
    e.op(left ? OP.i64Rotl : OP.i64Rotr).setReg64(i.rm);
  } else {
    e.reg32(i.rm).get(L_T32B);
    e.op(left ? OP.i32Rotl : OP.i32Rotr).setReg32(i.rm);
  }
  e.fxWrite = 2;
  if (e.dead) return true;
  e.fxRead = true;
  e.get(L_T32B).op(OP.if).op(VOID);
  // T32A = CF, T32C = OF.
  if (left) {
    e.reg64(i.rm).op(OP.i32WrapI64).i32(1).op(OP.i32And).set(L_T32A);
    topBit(e, i.rm, bits, 0);
    e.get(L_T32A).op(OP.i32Xor).set(L_T32C);
  } else {
    topBit(e, i.rm, bits, 0);
    e.set(L_T32A);
    topBit(e, i.rm, bits, 1);
    e.get(L_T32A).op(OP.i32Xor).set(L_T32C);
  }
  e.flagsWord()
    .i32(~(CF | OF))
    .op(OP.i32And)
    .get(L_T32A)
    .op(OP.i32Or)
    .get(L_T32C)
    .i32(11)
    .op(OP.i32Shl)
    .op(OP.i32Or)
    .setLf(LF_FLAGS);
  e.i32(LF_NONE).setLf(LF_OP);
  e.op(OP.end);
  e.kind = -1;
  e.bits = 32;
  return true;
}

/**
 * bt / bts / btr / btc (0F A3/AB/B3/BB register forms, 0F BA /4–/7 with an immediate; SDM Vol.
 * 2A BT, BTS, BTR, BTC) at 32 and 64 bits: the offset is taken modulo the operand width; CF is
 * the selected bit (the other flags as they were, as the interpreter's setCF leaves them); bt
 * writes nothing (a 32-bit register is not even zero-extended). `kind`: 0 bt, 1 bts, 2 btr,
 * 3 btc; `imm` the immediate offset, null for the register form.
 */
function emitBitTest(e: Emitter, i: Insn, kind: number, imm: number | null): boolean {
  const size = i.opsize;
  if (size !== 4 && size !== 8) return false;
  const bits = size * 8;
  const body = () => {
    // T64A = the operand, T64B = the offset.
    if (i.mod !== 3) e.get(L_MEM);
    else if (size === 8) e.reg64(i.rm);
    else e.reg32(i.rm).op(OP.i64ExtendI32U);
    e.set(L_T64A);
    if (imm !== null) e.i64(imm & (bits - 1), 0);
    else
      e.reg64(i.reg)
        .i64(bits - 1, 0)
        .op(OP.i64And);
    e.set(L_T64B);
    writeFlags(e, CF, () => {
      e.get(L_T64A).get(L_T64B).op(OP.i64ShrU).op(OP.i32WrapI64).i32(1).op(OP.i32And);
    });
    if (kind === 0) return;
    e.get(L_T64A).i64(1, 0).get(L_T64B).op(OP.i64Shl);
    if (kind === 2) e.i64(-1, -1).op(OP.i64Xor).op(OP.i64And);
    else e.op(kind === 1 ? OP.i64Or : OP.i64Xor);
    if (i.mod !== 3) {
      if (size === 4) e.op(OP.i32WrapI64);
    } else if (size === 8) e.setReg64(i.rm);
    else e.op(OP.i32WrapI64).setReg32(i.rm);
  };
  if (i.mod === 3) {
    body();
    return true;
  }
  if (kind === 0) {
    if (!e.load(i, size)) return false;
    body();
    return true;
  }
  return e.rmw(i, size, body);
}

/** Pushes 1 when the binary32 pattern in T32A is zero, normal or infinite (not NaN or denormal). */
function ordered32(e: Emitter, l: number): void {
  e.get(l).i32(23).op(OP.i32ShrU).i32(0xff).op(OP.i32And).i32(1).op(OP.i32Sub).i32(254).op(OP.i32LtU);
  e.get(l).i32(1).op(OP.i32Shl).op(OP.i32Eqz).op(OP.i32Or);
  e.get(l)
    .i32(1)
    .op(OP.i32Shl)
    .i32(0xff000000 | 0)
    .op(OP.i32Eq)
    .op(OP.i32Or);
}

/**
 * ucomiss / comiss (0F 2E/2F; SDM Vol. 2B UCOMISS, Vol. 2A COMISS): ZF, PF, CF from the
 * comparison, OF, SF, AF cleared. NaN and denormal operands (IE, DE) leave the region.
 */
function emitComiss(e: Emitter, i: Insn): boolean {
  if (i.mod !== 3 && !e.load(i, 4)) return false;
  xmmLow32(e, i.reg);
  e.set(L_T32A);
  if (i.mod === 3) xmmLow32(e, i.rm);
  else e.get(L_MEM).op(OP.i32WrapI64);
  e.set(L_T32B);
  e.fxExit = true;
  e.guard();
  ordered32(e, L_T32A);
  ordered32(e, L_T32B);
  e.op(OP.i32And).op(OP.i32Eqz).op(OP.brIf).code.u32(0);
  e.guardEnd(i);
  const f = (l: number) => e.get(l).op(OP.f32ReinterpretI32);
  writeFlags(e, ARITH_FLAGS, () => {
    f(L_T32A);
    f(L_T32B);
    e.op(OP.f32Eq).i32(6).op(OP.i32Shl);
    f(L_T32A);
    f(L_T32B);
    e.op(OP.f32Lt).op(OP.i32Or);
  });
  return true;
}

/** Pushes the low dword of XMM register n. */
function xmmLow32(e: Emitter, n: number): void {
  e.xmm64(n, 0).op(OP.i32WrapI64);
}

/** movmskps r32, xmm (0F 50; SDM Vol. 2B MOVMSKPS): the four sign bits, zero-extended. */
function emitMovmskps(e: Emitter, i: Insn): boolean {
  if (i.mod !== 3) return false;
  e.xmm64(i.rm, 0).i64(31, 0).op(OP.i64ShrU).i64(1, 0).op(OP.i64And);
  e.xmm64(i.rm, 0).i64(62, 0).op(OP.i64ShrU).i64(2, 0).op(OP.i64And).op(OP.i64Or);
  e.xmm64(i.rm, 1).i64(29, 0).op(OP.i64ShrU).i64(4, 0).op(OP.i64And).op(OP.i64Or);
  e.xmm64(i.rm, 1).i64(60, 0).op(OP.i64ShrU).i64(8, 0).op(OP.i64And).op(OP.i64Or);
  e.op(OP.i32WrapI64).setReg32(i.reg);
  return true;
}

/**
 * shl/sal/shr/sar r/m8 by an immediate or 1 (C0/D0 /4–/7; SDM Vol. 2B SAL/SAR/SHL/SHR): the
 * count masked to 5 bits (it may exceed 8), the record LF_SZP with CF and OF as the interpreter
 * computes them (AF 0); a zero count changes no flag (memory is still written back).
 */
function emitShift8(e: Emitter, i: Insn, c: number): boolean {
  const op = i.reg;
  const shl = op === 4 || op === 6;
  const body = () => {
    if (i.mod === 3) e.byteReg(i.rmB);
    else e.get(L_MEM).op(OP.i32WrapI64);
    e.set(L_T32A);
    if (c === 0) {
      e.get(L_T32A).set(L_T32C);
      return;
    }
    // T32C = result, T32B = CF.
    if (shl) e.get(L_T32A).i32(c).op(OP.i32Shl);
    else if (op === 5) e.get(L_T32A).i32(c).op(OP.i32ShrU);
    else e.get(L_T32A).op(OP.i32Extend8S).i32(c).op(OP.i32ShrS);
    e.i32(0xff).op(OP.i32And).set(L_T32C);
    e.fxWrite = 1;
    if (e.dead) return;
    if (shl) {
      if (c <= 8)
        e.get(L_T32A)
          .i32(8 - c)
          .op(OP.i32ShrU)
          .i32(1)
          .op(OP.i32And);
      else e.i32(0);
    } else if (op === 5)
      e.get(L_T32A)
        .i32(c - 1)
        .op(OP.i32ShrU)
        .i32(1)
        .op(OP.i32And);
    else
      e.get(L_T32A)
        .op(OP.i32Extend8S)
        .i32(c - 1)
        .op(OP.i32ShrS)
        .i32(1)
        .op(OP.i32And);
    e.set(L_T32B);
    e.i32(LF_SZP).setLf(LF_OP);
    e.i32(8).setLf(LF_BITS);
    e.get(L_T32C).setLf(LF_RES);
    e.i32(0).setLf(LF_RESH);
    e.get(L_T32B);
    if (shl) e.get(L_T32C).i32(7).op(OP.i32ShrU).get(L_T32B).op(OP.i32Xor).i32(11).op(OP.i32Shl).op(OP.i32Or);
    else if (op === 5) e.get(L_T32A).i32(7).op(OP.i32ShrU).i32(11).op(OP.i32Shl).op(OP.i32Or);
    e.setLf(LF_AUX);
    e.kind = LF_SZP;
    e.bits = 8;
  };
  if (i.mod !== 3) {
    return e.rmw(i, 1, () => {
      body();
      e.get(L_T32C);
    });
  }
  body();
  if (c !== 0) e.get(L_T32C).setByteReg(i.rmB);
  return true;
}

/**
 * inc/dec (FF /0, /1), not/neg (F7 /2, /3) of a 32- or 64-bit memory operand (SDM Vol. 2A
 * INC, DEC, Vol. 2B NEG, NOT), read-modify-write: inc/dec keep CF in the record (LF_INC/LF_DEC
 * with the old CF in LF_AUX), neg records a sub from 0, not changes no flag.
 */
function emitMemUnary(e: Emitter, i: Insn): boolean {
  const size = i.opsize;
  if (size !== 4 && size !== 8) return false;
  const op = i.opcode === 0xff ? i.reg : 2 + i.reg; // 0 inc, 1 dec, 4 not, 5 neg
  return e.rmw(i, size, () => {
    const w = size === 8;
    if (op === 4) {
      e.get(L_MEM);
      if (w) e.i64(-1, -1).op(OP.i64Xor);
      else e.op(OP.i32WrapI64).i32(-1).op(OP.i32Xor);
      return;
    }
    if (op < 2) {
      // The carry flag survives: read it before the record changes (only when flags are live).
      e.fxWrite = 2;
      if (!e.dead) {
        e.fxRead = true;
        e.cf();
        e.set(L_T32B);
      }
    } else e.fxWrite = 1;
    const bin = op === 0 ? OP.i64Add : OP.i64Sub;
    // T64A = old value (zero-extended at 32 bits), T64C = result (masked at 32 bits).
    e.get(L_MEM).set(L_T64A);
    if (op === 5) e.i64(0, 0).get(L_T64A).op(bin);
    else e.get(L_T64A).i64(1, 0).op(bin);
    if (!w) e.i64(-1, 0).op(OP.i64And);
    e.set(L_T64C);
    if (!e.dead) {
      e.i32(op === 0 ? LF_INC : op === 1 ? LF_DEC : LF_SUB).setLf(LF_OP);
      e.i32(size * 8).setLf(LF_BITS);
      if (op === 5) {
        e.i32(0).setLf(2);
        e.i32(0).setLf(3);
        e.lfPair(L_T64A, 4, 5);
      } else {
        e.lfPair(L_T64A, 2, 3);
        e.i32(1).setLf(4);
        e.i32(0).setLf(5);
        e.get(L_T32B).setLf(LF_AUX);
      }
      e.lfPair(L_T64C, LF_RES, LF_RESH);
      e.kind = op === 0 ? LF_INC : op === 1 ? LF_DEC : LF_SUB;
      e.bits = size * 8;
    }
    e.get(L_T64C);
    if (!w) e.op(OP.i32WrapI64);
  });
}
