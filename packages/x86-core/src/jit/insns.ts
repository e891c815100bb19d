import { LF_FLAGS, LF_NONE, LF_OP } from '../flags.js';
import {
  EA_BASE,
  EA_BASE_INDEX,
  EA_INDEX,
  type Insn,
  PFX_LOCK,
  PFX_OPSIZE,
  PFX_REP,
  PFX_REPNE,
  PFX_VEX,
} from '../insn.js';
import { ARITH_FLAGS, MXCSR_I32 } from '../state.js';
import {
  ALU_ADD,
  ALU_AND,
  ALU_CMP,
  ALU_OR,
  ALU_SUB,
  ALU_XOR,
  type Emitter,
  IMM,
  L_FX,
  L_MEM,
  L_R0,
  L_SA,
  L_SB,
  L_T32C,
  L_T64A,
  L_T64B,
  L_T64C,
  L_VA,
  L_VB,
  L_VR,
  L_XA,
  L_XB,
  MEM,
  MXCSR_FAST_MASK,
  PE_STICKY,
  TEST,
  WASM_SIMD,
} from './emitter.js';
import { emitExt } from './insns-ext.js';
import { OP, SIMD_OP as V, VOID } from './wasm.js';

export const ALU_OPS = new Set([ALU_ADD, ALU_OR, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP]);

/**
 * Emits one instruction if it is in the translated subset; returns false (emitting nothing) for
 * anything else. Conditions that the translator cannot evaluate statically (a flag read with no
 * flag-setting instruction earlier in the block) also return false.
 */
export function emitInsn(e: Emitter, i: Insn): boolean {
  // Every block's first instruction has index 0 (translate.ts): per-block facts end here.
  if (e.index === 0) e.blockSerial++;
  // A /digit form's ModRM.reg is an opcode extension and REX.R does not apply to it (SDM Vol. 2A
  // §2.2.1.2), but Insn.reg includes REX.R: the forms here read the digit from Insn.reg, so a
  // redundant REX.R (rare) stays with the interpreter.
  if (i.row?.ext !== undefined && i.reg >= 8) return false;
  return emitCore(e, i) || emitExt(e, i);
}

/** The forms of this file (emitInsn's first choice). */
function emitCore(e: Emitter, i: Insn): boolean {
  // The multi-byte nop (0F 1F /0, SDM Vol. 2B NOP) touches neither registers nor memory.
  if (i.row?.mnemonic === 'nop' && i.map === 1 && i.opcode === 0x1f)
    return (i.pfx & (PFX_LOCK | PFX_VEX)) === 0;
  if (i.row !== null && !i.row.invalid64 && i.map === 1 && SSE_OPS.has(i.opcode)) {
    if (i.pfx & (PFX_LOCK | PFX_VEX)) return false;
    return emitSse(e, i);
  }
  // Undecodable or #UD encodings (and VEX forms) stay with the interpreter.
  if (i.row === null || i.row.invalid64 || i.pfx & (PFX_LOCK | PFX_REP | PFX_REPNE | PFX_VEX)) return false;
  const size = i.opsize;
  const sized = size === 4 || size === 8;
  const op = i.opcode;
  if (i.map === 1 && op === 0xaf) {
    if (!sized) return false;
    if (i.mod === 3) e.imul(size, i.reg, i.reg, i.rm, 0, 0);
    else {
      if (!e.load(i, size)) return false;
      e.imul(size, i.reg, i.reg, MEM, 0, 0);
    }
    return true;
  }
  if (i.map === 1) return emitMap1(e, i);
  if (i.map !== 0) return false;
  if (op < 0x40 && (op & 7) <= 3 && (op & 7) % 2 === 1) {
    // 01/03 family: Ev,Gv (1) and Gv,Ev (3).
    const alu = op >> 3;
    if (!ALU_OPS.has(alu) || !sized) return false;
    if (i.mod === 3) {
      if ((op & 7) === 1) e.alu(alu, size, i.rm, i.reg, 0, 0);
      else e.alu(alu, size, i.reg, i.rm, 0, 0);
      return true;
    }
    if ((op & 7) === 1 && alu !== ALU_CMP) {
      // Read-modify-write of the memory operand (SDM Vol. 2A ADD … XOR, "Ev, Gv").
      return e.rmw(i, size, () => {
        e.alu(alu, size, MEM, i.reg, 0, 0);
        e.get(size === 8 ? L_T64C : L_T32C);
      });
    }
    if (!e.load(i, size)) return false;
    if ((op & 7) === 1) e.alu(alu, size, MEM, i.reg, 0, 0);
    else e.alu(alu, size, i.reg, MEM, 0, 0);
    return true;
  }
  if (op < 0x40 && ((op & 7) === 0 || (op & 7) === 2)) {
    // 8-bit Eb,Gb (0) and Gb,Eb (2) forms.
    const alu = op >> 3;
    if (!ALU_OPS.has(alu)) return false;
    if (i.mod === 3) {
      if ((op & 7) === 0) e.alu8(alu, i.rmB, i.regB, 0);
      else e.alu8(alu, i.regB, i.rmB, 0);
      return true;
    }
    if ((op & 7) === 0 && alu !== ALU_CMP) {
      return e.rmw(i, 1, () => {
        e.alu8(alu, MEM, i.regB, 0);
        e.get(L_T32C);
      });
    }
    if (!e.load(i, 1)) return false;
    if ((op & 7) === 0) e.alu8(alu, MEM, i.regB, 0);
    else e.alu8(alu, i.regB, MEM, 0);
    return true;
  }
  if (op < 0x40 && (op & 7) === 4) {
    const alu = op >> 3;
    if (!ALU_OPS.has(alu)) return false;
    e.alu8(alu, 0, IMM, i.imm);
    return true;
  }
  if (op < 0x40 && (op & 7) === 5) {
    const alu = op >> 3;
    if (!ALU_OPS.has(alu) || !sized) return false;
    e.alu(alu, size, 0, IMM, i.imm, i.immHi);
    return true;
  }
  switch (op) {
    case 0xc1:
    case 0xd1: {
      if (i.mod !== 3 || !sized || i.reg === 2 || i.reg === 3) return false;
      const c = (op === 0xd1 ? 1 : i.imm) & (size === 8 ? 0x3f : 0x1f);
      if (i.reg < 2) e.rotate(i.reg, size, i.rm, c);
      else e.shift(i.reg, size, i.rm, c);
      return true;
    }
    case 0xd3:
      // By CL: shl/sal/shr/sar of a register or (read-modify-write) memory operand.
      if (!sized || i.reg < 4) return false;
      if (i.mod !== 3) return e.rmw(i, size, () => e.shiftCl(i.reg, size, MEM));
      e.shiftCl(i.reg, size, i.rm);
      return true;
    case 0x80:
      if (!ALU_OPS.has(i.reg)) return false;
      if (i.mod === 3) {
        e.alu8(i.reg, i.rmB, IMM, i.imm);
        return true;
      }
      if (i.reg !== ALU_CMP) {
        return e.rmw(i, 1, () => {
          e.alu8(i.reg, MEM, IMM, i.imm);
          e.get(L_T32C);
        });
      }
      if (!e.load(i, 1)) return false;
      e.alu8(ALU_CMP, MEM, IMM, i.imm);
      return true;
    case 0x84:
      if (i.mod === 3) e.alu8(TEST, i.rmB, i.regB, 0);
      else {
        if (!e.load(i, 1)) return false;
        e.alu8(TEST, MEM, i.regB, 0);
      }
      return true;
    case 0xa8:
      e.alu8(TEST, 0, IMM, i.imm);
      return true;
    case 0xf6:
      if (i.reg !== 0) return false;
      if (i.mod === 3) e.alu8(TEST, i.rmB, IMM, i.imm);
      else {
        if (!e.load(i, 1)) return false;
        e.alu8(TEST, MEM, IMM, i.imm);
      }
      return true;
    case 0xf7:
      if (sized && i.reg === 4) {
        if (i.mod === 3) e.mulu(size, i.rm);
        else {
          if (!e.load(i, size)) return false;
          e.mulu(size, MEM);
        }
        return true;
      }
      if (!sized || i.reg === 1 || i.reg > 3) return false;
      if (i.reg === 0) {
        // test r/m, imm32 (SDM Vol. 2B TEST).
        if (i.mod === 3) e.alu(TEST, size, i.rm, IMM, i.imm, i.immHi);
        else {
          if (!e.load(i, size)) return false;
          e.alu(TEST, size, MEM, IMM, i.imm, i.immHi);
        }
        return true;
      }
      if (i.mod !== 3) return false;
      if (i.reg === 3) e.neg(size, i.rm);
      else if (size === 8) e.reg64(i.rm).i64(-1, -1).op(OP.i64Xor).setReg64(i.rm);
      else e.reg32(i.rm).i32(-1).op(OP.i32Xor).setReg32(i.rm);
      return true;
    case 0x88:
      // mov r/m8, r8 (SDM Vol. 2B MOV).
      if (i.mod !== 3) return e.store(i, 1, () => e.byteReg(i.regB));
      e.byteReg(i.regB).setByteReg(i.rmB);
      return true;
    case 0x8a:
      if (i.mod === 3) e.byteReg(i.rmB);
      else {
        if (!e.load(i, 1)) return false;
        e.get(L_MEM).op(OP.i32WrapI64);
      }
      e.setByteReg(i.regB);
      return true;
    case 0xc6:
      if (i.reg !== 0) return false;
      if (i.mod !== 3) return e.store(i, 1, () => e.i32(i.imm & 0xff));
      e.i32(i.imm).setByteReg(i.rmB);
      return true;
    case 0x69:
    case 0x6b:
      if (!sized) return false;
      if (i.mod === 3) e.imul(size, i.reg, i.rm, IMM, i.imm, i.immHi);
      else {
        if (!e.load(i, size)) return false;
        e.imul(size, i.reg, MEM, IMM, i.imm, i.immHi);
      }
      return true;
    case 0x63:
      // movsxd (SDM Vol. 2B MOVSX/MOVSXD): 32-bit source, sign-extended at 64 bits.
      if (!sized) return false;
      if (i.mod === 3) e.reg32(i.rm);
      else {
        if (!e.load(i, 4)) return false;
        e.get(L_MEM).op(OP.i32WrapI64);
      }
      if (size === 8) e.op(OP.i64ExtendI32S).setReg64(i.reg);
      else e.setReg32(i.reg);
      return true;
    case 0x81:
    case 0x83:
      if (!ALU_OPS.has(i.reg) || !sized) return false;
      if (i.mod === 3) {
        e.alu(i.reg, size, i.rm, IMM, i.imm, i.immHi);
        return true;
      }
      if (i.reg !== ALU_CMP) {
        return e.rmw(i, size, () => {
          e.alu(i.reg, size, MEM, IMM, i.imm, i.immHi);
          e.get(size === 8 ? L_T64C : L_T32C);
        });
      }
      if (!e.load(i, size)) return false;
      e.alu(ALU_CMP, size, MEM, IMM, i.imm, i.immHi);
      return true;
    case 0x85:
      if (!sized) return false;
      if (i.mod === 3) {
        e.alu(TEST, size, i.rm, i.reg, 0, 0);
        return true;
      }
      if (!e.load(i, size)) return false;
      e.alu(TEST, size, MEM, i.reg, 0, 0);
      return true;
    case 0x89:
      if (!sized) return false;
      if (i.mod !== 3) return e.store(i, size, () => (size === 8 ? e.reg64(i.reg) : e.reg32(i.reg)));
      if (size === 8) e.reg64(i.reg).setReg64(i.rm);
      else e.reg32(i.reg).setReg32(i.rm);
      return true;
    case 0x8b:
      if (!sized) return false;
      if (i.mod !== 3) {
        if (!e.load(i, size)) return false;
        if (size === 8) e.get(L_MEM).setReg64(i.reg);
        else e.get(L_MEM).op(OP.i32WrapI64).setReg32(i.reg);
        return true;
      }
      if (size === 8) e.reg64(i.rm).setReg64(i.reg);
      else e.reg32(i.rm).setReg32(i.reg);
      return true;
    case 0x8d:
      if (i.mod === 3 || !sized || i.adsize !== 8) return false;
      if (i.eaKind !== EA_BASE && i.eaKind !== EA_BASE_INDEX && i.eaKind !== EA_INDEX) return false;
      return e.lea(i);
    case 0x90:
      return i.pfx === 0;
    case 0x50:
    case 0x51:
    case 0x52:
    case 0x53:
    case 0x54:
    case 0x55:
    case 0x56:
    case 0x57:
      if (size !== 8) return false;
      e.push(i, () => e.reg64(i.reg));
      return true;
    case 0x58:
    case 0x59:
    case 0x5a:
    case 0x5b:
    case 0x5c:
    case 0x5d:
    case 0x5e:
    case 0x5f:
      // pop (SDM Vol. 2B POP): rsp is incremented before the destination is written, so
      // pop rsp leaves the loaded value.
      if (size !== 8) return false;
      e.peek(i);
      e.reg64(4).i64(8, 0).op(OP.i64Add).setReg64(4);
      e.get(L_MEM).setReg64(i.reg);
      return true;
    case 0xc7:
      if (i.reg !== 0 || !sized) return false;
      if (i.mod !== 3) return e.store(i, size, () => (size === 8 ? e.i64(i.imm, i.immHi) : e.i32(i.imm)));
      if (size === 8) e.i64(i.imm, i.immHi).setReg64(i.rm);
      else e.i32(i.imm).setReg32(i.rm);
      return true;
    case 0xff:
      if (i.mod !== 3 || i.reg > 1 || !sized) return false;
      e.incdec(i.reg === 0 ? 1 : -1, size, i.rm);
      return true;
    default:
      if (op >= 0xb8 && op <= 0xbf && sized) {
        if (size === 8) e.i64(i.imm, i.immHi).setReg64(i.reg);
        else e.i32(i.imm).setReg32(i.reg);
        return true;
      }
      return false;
  }
}

/** SSE opcodes (0F xx) handled by {@link emitSse}. */
export const SSE_OPS = new Set([
  0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x28, 0x29, 0x2e, 0x2f, 0x51, 0x54, 0x55, 0x56, 0x57, 0x58,
  0x59, 0x5c, 0x5e, 0x6f, 0x7f, 0xc6,
]);

/*
 * When translated binary64 arithmetic may run natively (SDM Vol. 1 §4.9.1, §11.5.2; checked on
 * the host CPU over tens of millions of edge operands): with MXCSR rounding to nearest and PE
 * set and masked, the native result and an unchanged MXCSR are the hardware's exactly when no
 * exception but PE arises and no NaN is involved. Operands are then required to be zeros or
 * normal finite numbers ("good": no NaN propagation, no DE, no infinity arithmetic), and the
 * result to be finite with |r| ≥ 2^-1021 (no OE; no UE, whose tininess x86 detects after
 * rounding, so the margin above 2^-1022 covers results that round up to the smallest normal),
 * or an exact zero: a sum or difference (of finite operands a zero result is exact), a product
 * with a zero factor, a quotient with a zero dividend and a non-zero divisor. A NaN result of
 * good operands is IE (0/0, sqrt of a negative number) and fails the range test. FTZ and DAZ
 * change nothing under these conditions, nor do the other exception masks.
 */
/** Hi word of twice the pattern of 2^-1021, the smallest accepted |result|. */
const R2_LO_HI = 0x00400000;
/** Hi word of 2·bits(MAX) − 2·bits(2^-1021) + 1 (lo word all ones): accepted results lie below. */
const R2_SPAN_HI = 0xff9fffff;
/** Hi words of twice the patterns of 2^-1022 and +∞: good non-zero operands t lie between. */
const G2_LO_HI = 0x00200000;
const G2_INF_HI = 0xffe00000;

/**
 * Leaves through label `fail` (counted from the caller's nesting) unless the binary64 pattern
 * in i64 local `l` is good: a zero, or normal and finite. Uses L_FX.
 */
function requireGood(e: Emitter, l: number, fail: number): void {
  // Normal and finite (the common case) on one compare; a zero on the second.
  e.op(OP.block).op(VOID);
  e.get(l).i64(1, 0).op(OP.i64Shl).set(L_FX);
  e.get(L_FX)
    .i64(0, G2_LO_HI)
    .op(OP.i64Sub)
    .i64(0, G2_INF_HI - G2_LO_HI);
  e.op(OP.i64LtU).op(OP.brIf).code.u32(0);
  e.get(L_FX)
    .op(OP.i64Eqz)
    .op(OP.i32Eqz)
    .op(OP.brIf)
    .code.u32(fail + 1);
  e.op(OP.end);
}

/**
 * Pushes a v128 mask of the lanes of v128 local `l` that are not good (see requireGood):
 * |x| + 2^52 < 2^53 as signed i64 lanes holds for zeros, denormals and (by the wrap past 2^63)
 * infinities and NaNs; zeros are then removed.
 */
function badLanes(e: Emitter, l: number): void {
  e.get(l).simd(V.f64x2Abs).v64x2(0, 0x00100000).simd(V.i64Add);
  e.v64x2(0, 0x00200000).simd(V.i64LtS);
  e.get(l).v64x2(0, 0).simd(V.f64x2Eq).simd(V.andnot);
}

/** Pushes a v128 mask of the lanes of the result in L_VR outside [2^-1021, MAX] (NaN included). */
function badResult(e: Emitter): void {
  e.get(L_VR).simd(V.f64x2Abs).v64x2(0, 0x00100000).simd(V.i64Add);
  e.v64x2(0, 0x00300000).simd(V.i64LtS);
}

/** MXCSR once per block: translated code never writes it, and a block runs from its start. */
function mxcsrFast(e: Emitter): void {
  if (e.mxcsrSerial === e.blockSerial) return;
  e.i32(0)
    .op(OP.i32Load)
    .code.u32(2)
    .u32(MXCSR_I32 * 4);
  e.i32(MXCSR_FAST_MASK).op(OP.i32And).i32(PE_STICKY).op(OP.i32Ne).op(OP.brIf).code.u32(0);
  e.mxcsrSerial = e.blockSerial;
}

/**
 * ADDPD/SUBPD/MULPD/DIVPD/SQRTPD (SDM Vol. 2) as f64x2 operations on both lanes at once, under
 * the conditions above; the operand checks skip registers whose lanes are known good.
 */
function packedArith(e: Emitter, i: Insn, op: number): boolean {
  const d = i.reg;
  const mem = i.mod !== 3;
  if (mem && !e.loadV(i, 16)) return false;
  e.guard();
  e.usesXmm = true;
  mxcsrFast(e);
  if (!mem) e.xmmV(i.rm).set(L_VB);
  const sqrt = op === 0x51;
  if (!sqrt) e.xmmV(d).set(L_VA);
  const checkB = mem || !(e.isGood(i.rm, 0) && e.isGood(i.rm, 1));
  const checkA = !sqrt && !(e.isGood(d, 0) && e.isGood(d, 1));
  if (checkB) badLanes(e, L_VB);
  if (checkA) badLanes(e, L_VA);
  if (checkA && checkB) e.simd(V.or);
  if (checkA || checkB) e.simd(V.anyTrue).op(OP.brIf).code.u32(0);
  if (sqrt) {
    // Of a good operand only a negative non-zero one fails (IE, a NaN result).
    e.get(L_VB).simd(V.f64x2Sqrt).set(L_VR);
    e.get(L_VR).get(L_VR).simd(V.f64x2Ne).simd(V.anyTrue).op(OP.brIf).code.u32(0);
  } else {
    const f = op === 0x58 ? V.f64x2Add : op === 0x59 ? V.f64x2Mul : op === 0x5c ? V.f64x2Sub : V.f64x2Div;
    e.get(L_VA).get(L_VB).simd(f).set(L_VR);
    e.op(OP.block).op(VOID);
    badResult(e);
    e.simd(V.anyTrue).op(OP.i32Eqz).op(OP.brIf).code.u32(0);
    // Some lane is out of range: it passes only as an exact zero the operation allows.
    badResult(e);
    if (op === 0x58 || op === 0x5c) e.get(L_VR).v64x2(0, 0).simd(V.f64x2Eq);
    else if (op === 0x59) {
      e.get(L_VA).v64x2(0, 0).simd(V.f64x2Eq);
      e.get(L_VB).v64x2(0, 0).simd(V.f64x2Eq).simd(V.or);
    } else {
      e.get(L_VA).v64x2(0, 0).simd(V.f64x2Eq);
      e.get(L_VB).v64x2(0, 0).simd(V.f64x2Eq).simd(V.andnot);
    }
    e.simd(V.andnot).simd(V.anyTrue).op(OP.brIf).code.u32(1);
    e.op(OP.end);
  }
  e.guardEnd(i);
  e.setXmmV(d, () => e.get(L_VR));
  if (!mem) {
    e.setGood(i.rm, 0, true);
    e.setGood(i.rm, 1, true);
  }
  e.setGood(d, 0, true);
  e.setGood(d, 1, true);
  return true;
}

/** ADDSD/SUBSD/MULSD/DIVSD/SQRTSD (SDM Vol. 2) on lane 0, under the conditions above. */
function scalarArith(e: Emitter, i: Insn, op: number): boolean {
  const d = i.reg;
  const mem = i.mod !== 3;
  if (mem && !e.loadX(i, 8, 1)) return false;
  e.guard();
  e.usesXmm = true;
  mxcsrFast(e);
  // Operands as f64 straight from the register (or L_XA); bit patterns only where a check runs.
  if (mem) requireGood(e, L_XA, 0);
  else if (!e.isGood(i.rm, 0)) {
    e.xmm64(i.rm, 0).set(L_SB);
    requireGood(e, L_SB, 0);
  }
  const b = () => (mem ? e.get(L_XA).op(OP.f64ReinterpretI64) : e.xmmF(i.rm, 0));
  if (op === 0x51) {
    // sqrt of a negative non-zero operand is invalid (IE); of a good one the result is good.
    b().f64(0).op(OP.f64Lt).op(OP.brIf).code.u32(0);
    b().op(OP.f64Sqrt).set(L_R0);
  } else {
    if (!e.isGood(d, 0)) {
      e.xmm64(d, 0).set(L_SA);
      requireGood(e, L_SA, 0);
    }
    const a = () => e.xmmF(d, 0);
    a();
    b();
    e.op(op === 0x58 ? OP.f64Add : op === 0x59 ? OP.f64Mul : op === 0x5c ? OP.f64Sub : OP.f64Div).set(L_R0);
    e.op(OP.block).op(VOID);
    // 2^-1021 ≤ |r| ≤ MAX as one unsigned compare on the pattern shifted left by one (sign out).
    e.get(L_R0).op(OP.i64ReinterpretF64).i64(1, 0).op(OP.i64Shl).i64(0, R2_LO_HI).op(OP.i64Sub);
    e.i64(-1, R2_SPAN_HI | 0)
      .op(OP.i64LtU)
      .op(OP.brIf)
      .code.u32(0);
    // Out of range: only an exact zero the operation allows passes (NaN compares unequal).
    if (op === 0x58 || op === 0x5c) e.get(L_R0).f64(0).op(OP.f64Eq);
    else if (op === 0x59) {
      a().f64(0).op(OP.f64Eq);
      b().f64(0).op(OP.f64Eq).op(OP.i32Or);
    } else {
      a().f64(0).op(OP.f64Eq);
      b().f64(0).op(OP.f64Ne).op(OP.i32And);
    }
    e.op(OP.i32Eqz).op(OP.brIf).code.u32(1);
    e.op(OP.end);
  }
  e.guardEnd(i);
  e.setXmmF(d, 0, () => e.get(L_R0));
  if (!mem) e.setGood(i.rm, 0, true);
  e.setGood(d, 0, true);
  return true;
}

/**
 * ANDPD/ANDNPD/ORPD/XORPD (and the PS forms), UNPCKLPD, UNPCKHPD, SHUFPD (SDM Vol. 2) as single
 * v128 operations; the m128 source must be 16-byte aligned (legacy SSE).
 */
function logicShuffle(e: Emitter, i: Insn, op: number): boolean {
  const d = i.reg;
  const mem = i.mod !== 3;
  if (mem && !e.loadV(i, 16)) return false;
  const src = () => (mem ? e.get(L_VB) : e.xmmV(i.rm));
  const srcGood = (k: number) => !mem && e.isGood(i.rm, k);
  if (op >= 0x54 && op <= 0x57) {
    if ((op === 0x57 || op === 0x55) && !mem && i.rm === d) {
      // xorpd/andnpd of a register with itself: the zeroing idiom (zeros are good).
      e.setXmmV(d, () => e.v64x2(0, 0));
      copyGood(e, d, true, true);
      return true;
    }
    e.setXmmV(d, () => {
      // andnpd: ~dest & src = andnot(src, dest).
      if (op === 0x55) {
        src();
        e.xmmV(d);
      } else {
        e.xmmV(d);
        src();
      }
      e.simd(op === 0x54 ? V.and : op === 0x55 ? V.andnot : op === 0x56 ? V.or : V.xor);
    });
    return true;
  }
  // Lane 0 of the result from the destination, lane 1 from the source (i8x16.shuffle indices).
  const lo = op === 0x14 ? 0 : op === 0x15 ? 1 : i.imm & 1;
  const hi = op === 0x14 ? 0 : op === 0x15 ? 1 : (i.imm >> 1) & 1;
  const g0 = e.isGood(d, lo);
  const g1 = srcGood(hi);
  e.setXmmV(d, () => {
    e.xmmV(d);
    src();
    e.simd(V.shuffle);
    for (let k = 0; k < 8; k++) e.code.byte(lo * 8 + k);
    for (let k = 0; k < 8; k++) e.code.byte(16 + hi * 8 + k);
  });
  copyGood(e, d, g0, g1);
  return true;
}

/** Sets the lane facts of XMM `to` after a move or shuffle wrote both lanes. */
function copyGood(e: Emitter, to: number, g0: boolean, g1: boolean): void {
  e.setGood(to, 0, g0);
  e.setGood(to, 1, g1);
}

/** A 128-bit register–register or register–memory move (movaps/movapd/movups/movupd/movdqa/movdqu). */
export function move128(e: Emitter, i: Insn, store: boolean, align: number): boolean {
  const d = i.reg;
  if (i.mod !== 3) {
    if (WASM_SIMD) {
      if (store) return e.storeV(i, align, () => e.xmmV(d));
      if (!e.loadV(i, align)) return false;
      e.setXmmV(d, () => e.get(L_VB));
      return true;
    }
    if (store) return e.storeX(i, 2, align, (k) => e.xmm64(d, k));
    if (!e.loadX(i, 16, align)) return false;
    e.setXmm64(d, 0, () => e.get(L_XA));
    e.setXmm64(d, 1, () => e.get(L_XB));
    return true;
  }
  const to = store ? i.rm : d;
  const from = store ? d : i.rm;
  const g0 = e.isGood(from, 0);
  const g1 = e.isGood(from, 1);
  if (WASM_SIMD) e.setXmmV(to, () => e.xmmV(from));
  else {
    e.setXmm64(to, 0, () => e.xmm64(from, 0));
    e.setXmm64(to, 1, () => e.xmm64(from, 1));
  }
  copyGood(e, to, g0, g1);
  return true;
}

/**
 * SSE/SSE2 moves, logic, shuffles and double-precision arithmetic (SDM Vol. 2: MOVSD, MOVAPD,
 * MOVUPD, MOVLPD, MOVHPD, UNPCKLPD, UNPCKHPD, SHUFPD, ANDPD, ANDNPD, ORPD, XORPD and the PS
 * forms, ADDSD/PD, SUBSD/PD, MULSD/PD, DIVSD/PD, SQRTSD/PD, COMISD, UCOMISD). Arithmetic runs
 * natively only under the conditions above (packed forms as f64x2 where the engine has SIMD);
 * anything else leaves the region before the instruction, as do misaligned m128 operands of the
 * aligned forms. Moves and shuffles carry the per-lane facts (Emitter.isGood) along.
 */
export function emitSse(e: Emitter, i: Insn): boolean {
  const m = i.mandatory;
  const op = i.opcode;
  const d = i.reg;
  const mem = i.mod !== 3;
  const pd = m === 0x66;
  const sd = m === 0xf2;
  switch (op) {
    case 0x10:
    case 0x11:
      if (sd) {
        if (op === 0x10) {
          if (mem) {
            if (!e.loadX(i, 8, 1)) return false;
            e.setXmm64(d, 0, () => e.get(L_XA));
            e.setXmm64(d, 1, () => e.i64(0, 0));
            e.setGood(d, 1, true);
          } else {
            const g = e.isGood(i.rm, 0);
            e.setXmm64(d, 0, () => e.xmm64(i.rm, 0));
            e.setGood(d, 0, g);
          }
          return true;
        }
        if (mem) return e.storeX(i, 1, 1, () => e.xmm64(d, 0));
        const g = e.isGood(d, 0);
        e.setXmm64(i.rm, 0, () => e.xmm64(d, 0));
        e.setGood(i.rm, 0, g);
        return true;
      }
      if (m !== 0 && !pd) return false;
      return move128(e, i, op === 0x11, 1);
    case 0x28:
    case 0x29:
      if (m !== 0 && !pd) return false;
      return move128(e, i, op === 0x29, 16);
    case 0x6f:
    case 0x7f:
      // movdqa (66, #GP unless 16-byte aligned) / movdqu (F3), SDM Vol. 2B MOVDQA, MOVDQU; without
      // a mandatory prefix these are the MMX movq forms, which stay with the interpreter.
      if (pd) return move128(e, i, op === 0x7f, 16);
      if (m === 0xf3) return move128(e, i, op === 0x7f, 1);
      return false;
    case 0x12:
    case 0x13:
    case 0x16:
    case 0x17: {
      // movlpd/movlps/movhpd/movhps with memory (the register forms are movhlps/movlhps).
      if ((m !== 0 && !pd) || !mem) return false;
      const lane = op >= 0x16 ? 1 : 0;
      if (op & 1) return e.storeX(i, 1, 1, () => e.xmm64(d, lane));
      if (!e.loadX(i, 8, 1)) return false;
      e.setXmm64(d, lane, () => e.get(L_XA));
      return true;
    }
    default:
  }
  // Forms with a register destination and an xmm/m128 (or m64) source.
  if (op === 0x54 || op === 0x55 || op === 0x56 || op === 0x57) {
    if (m !== 0 && !pd) return false;
  } else if (op === 0x2e || op === 0x2f) {
    if (!pd) return false;
  } else if (!pd && !sd) return false;
  const arith = op === 0x51 || op === 0x58 || op === 0x59 || op === 0x5c || op === 0x5e;
  if (arith) {
    if (sd) return scalarArith(e, i, op);
    return WASM_SIMD && packedArith(e, i, op);
  }
  if (
    WASM_SIMD &&
    (pd || m === 0) &&
    ((op >= 0x54 && op <= 0x57) || (pd && (op === 0x14 || op === 0x15 || op === 0xc6)))
  )
    return logicShuffle(e, i, op);
  const scalar = sd || op === 0x2e || op === 0x2f;
  if (mem && !e.loadX(i, scalar ? 8 : 16, scalar ? 1 : 16)) return false;
  const src = (k: number) => (mem ? e.get(k === 0 ? L_XA : L_XB) : e.xmm64(i.rm, k));
  const srcF = (k: number) => (mem ? src(k).op(OP.f64ReinterpretI64) : e.xmmF(i.rm, k));
  const srcGood = (k: number) => !mem && e.isGood(i.rm, k);
  switch (op) {
    case 0x14: {
      const g = srcGood(0);
      e.setXmm64(d, 1, () => src(0));
      e.setGood(d, 1, g);
      return true;
    }
    case 0x15: {
      const g0 = e.isGood(d, 1);
      const g1 = srcGood(1);
      src(1).set(L_T64B);
      e.setXmm64(d, 0, () => e.xmm64(d, 1));
      e.setXmm64(d, 1, () => e.get(L_T64B));
      copyGood(e, d, g0, g1);
      return true;
    }
    case 0xc6: {
      const g0 = e.isGood(d, i.imm & 1);
      const g1 = srcGood((i.imm >> 1) & 1);
      e.xmm64(d, i.imm & 1).set(L_T64A);
      src((i.imm >> 1) & 1).set(L_T64B);
      e.setXmm64(d, 0, () => e.get(L_T64A));
      e.setXmm64(d, 1, () => e.get(L_T64B));
      copyGood(e, d, g0, g1);
      return true;
    }
    case 0x54:
    case 0x55:
    case 0x56:
    case 0x57:
      for (let k = 0; k < 2; k++) {
        src(k).set(L_T64B);
        e.setXmm64(d, k, () => {
          e.xmm64(d, k);
          if (op === 0x55) e.i64(-1, -1).op(OP.i64Xor);
          e.get(L_T64B).op(op === 0x56 ? OP.i64Or : op === 0x57 ? OP.i64Xor : OP.i64And);
        });
      }
      // xorpd/andnpd of a register with itself: the zeroing idiom (zeros are good).
      if ((op === 0x57 || op === 0x55) && !mem && i.rm === d) copyGood(e, d, true, true);
      return true;
    case 0x2e:
    case 0x2f:
      // comisd/ucomisd: ZF, PF, CF from the comparison, OF, SF, AF cleared (setArithFlags). Good
      // operands raise nothing (no NaN for IE, no denormal for DE), whatever MXCSR holds.
      if (mem || !e.isGood(d, 0) || !e.isGood(i.rm, 0)) {
        e.guard();
        if (!e.isGood(d, 0)) {
          e.xmm64(d, 0).set(L_SA);
          requireGood(e, L_SA, 0);
        }
        if (mem || !e.isGood(i.rm, 0)) {
          src(0).set(L_SB);
          requireGood(e, L_SB, 0);
        }
        e.guardEnd(i);
        e.setGood(d, 0, true);
        if (!mem) e.setGood(i.rm, 0, true);
      }
      e.fxWrite = 1;
      if (e.dead) return true;
      e.lf(LF_FLAGS).i32(~ARITH_FLAGS).op(OP.i32And).i32(2).op(OP.i32Or);
      e.xmmF(d, 0);
      srcF(0);
      e.op(OP.f64Eq).i32(6).op(OP.i32Shl).op(OP.i32Or);
      e.xmmF(d, 0);
      srcF(0);
      e.op(OP.f64Lt).op(OP.i32Or).setLf(LF_FLAGS);
      e.i32(LF_NONE).setLf(LF_OP);
      e.kind = LF_NONE;
      return true;
    default:
  }
  return false;
}

/** Two-byte opcodes (0F xx) of the translated subset. */
export function emitMap1(e: Emitter, i: Insn): boolean {
  const size = i.opsize;
  const sized = size === 4 || size === 8;
  const op = i.opcode;
  if (op === 0xb6 || op === 0xb7 || op === 0xbe || op === 0xbf) {
    // movzx / movsx r, r/m8 / r/m16 (SDM Vol. 2B MOVZX, MOVSX).
    if (!sized) return false;
    const byte = op === 0xb6 || op === 0xbe;
    if (i.mod === 3) {
      if (byte) e.byteReg(i.rmB);
      else e.reg32(i.rm).i32(0xffff).op(OP.i32And);
    } else {
      if (!e.load(i, byte ? 1 : 2)) return false;
      e.get(L_MEM).op(OP.i32WrapI64);
    }
    if (op >= 0xbe) {
      e.op(byte ? OP.i32Extend8S : OP.i32Extend16S);
      if (size === 8) e.op(OP.i64ExtendI32S).setReg64(i.reg);
      else e.setReg32(i.reg);
    } else if (size === 8) e.op(OP.i64ExtendI32U).setReg64(i.reg);
    else e.setReg32(i.reg);
    return true;
  }
  if (op >= 0x40 && op <= 0x4f) {
    // cmovcc (SDM Vol. 2A CMOVcc): the source is read (and may fault) whatever the condition; a
    // 32-bit destination is zero-extended even when nothing moves.
    if (!sized) return false;
    if (i.mod !== 3 && !e.load(i, size)) return false;
    if (size === 8) {
      if (i.mod === 3) e.reg64(i.rm);
      else e.get(L_MEM);
      e.reg64(i.reg);
    } else {
      if (i.mod === 3) e.reg32(i.rm);
      else e.get(L_MEM).op(OP.i32WrapI64);
      e.reg32(i.reg);
    }
    e.cond(op & 15);
    e.op(OP.select);
    if (size === 8) e.setReg64(i.reg);
    else e.setReg32(i.reg);
    return true;
  }
  if (op >= 0x90 && op <= 0x9f) {
    // setcc r/m8 (SDM Vol. 2B SETcc).
    if (i.mod === 3) {
      e.cond(op & 15);
      e.setByteReg(i.rmB);
      return true;
    }
    return e.store(i, 1, () => e.cond(op & 15));
  }
  if (op >= 0xc8 && op <= 0xcf) {
    if (!sized) return false;
    e.bswap(size, i.reg);
    return true;
  }
  return false;
}

/** Whether `i` is a relative jmp/jcc the translator can end a block with. */
/** How a block ends: a direct jmp/jcc/call, or a ret / jmp through a register (target at run time). */
export type Branch = 'jmp' | 'jcc' | 'call' | 'ret' | 'ind';

export function branchKind(i: Insn): Branch | null {
  if (i.pfx & (PFX_OPSIZE | PFX_LOCK | PFX_VEX)) return null;
  if (i.map === 0 && i.opcode === 0xe8) return 'call';
  // ret, also with the F3 prefix compilers emit for branch prediction ("repz ret").
  if (i.map === 0 && i.opcode === 0xc3 && (i.pfx & PFX_REPNE) === 0) return 'ret';
  if (i.map === 0 && i.opcode === 0xff && i.reg === 4 && i.mod === 3 && (i.pfx & (PFX_REP | PFX_REPNE)) === 0)
    return 'ind';
  if (i.map === 0 && (i.opcode === 0xeb || i.opcode === 0xe9)) return 'jmp';
  if (
    (i.map === 0 && i.opcode >= 0x70 && i.opcode <= 0x7f) ||
    (i.map === 1 && i.opcode >= 0x80 && i.opcode <= 0x8f)
  )
    return 'jcc';
  return null;
}
