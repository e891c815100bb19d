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
  L_MEM,
  L_R0,
  L_R1,
  L_SA,
  L_SB,
  L_T32C,
  L_T64A,
  L_T64B,
  L_T64C,
  L_XA,
  L_XB,
  MEM,
  TEST,
} from './emitter.js';
import { emitExt } from './insns-ext.js';
import { OP } from './wasm.js';

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
/** Results in [2^-960, 2^960] (float-ops.ts): the binary64 fast path raises no flag but PE. */
export const SAFE_LO = 1.0261342003245941e-289;
export const SAFE_HI = 9.745314011399999e288;
/** MXCSR bits that must read exactly PE_STICKY: round to nearest, PE set and masked. */
export const MXCSR_FAST_MASK = 0x6000 | 0x20 | 0x1000;
export const PE_STICKY = 0x20 | 0x1000;

/** A 128-bit register–register or register–memory move (movaps/movapd/movups/movupd/movdqa/movdqu). */
export function move128(e: Emitter, i: Insn, store: boolean, align: number): boolean {
  const d = i.reg;
  if (i.mod !== 3) {
    if (store) return e.storeX(i, 2, align, (k) => e.xmm64(d, k));
    if (!e.loadX(i, 16, align)) return false;
    e.setXmm64(d, 0, () => e.get(L_XA));
    e.setXmm64(d, 1, () => e.get(L_XB));
    return true;
  }
  const to = store ? i.rm : d;
  const from = store ? d : i.rm;
  e.setXmm64(to, 0, () => e.xmm64(from, 0));
  e.setXmm64(to, 1, () => e.xmm64(from, 1));
  return true;
}

/**
 * SSE/SSE2 moves, logic, shuffles and double-precision arithmetic (SDM Vol. 2: MOVSD, MOVAPD,
 * MOVUPD, MOVLPD, MOVHPD, UNPCKLPD, UNPCKHPD, SHUFPD, ANDPD, ANDNPD, ORPD, XORPD and the PS
 * forms, ADDSD/PD, SUBSD/PD, MULSD/PD, DIVSD/PD, SQRTSD/PD, COMISD, UCOMISD). Arithmetic runs
 * natively only where the interpreter's binary64 fast path would (float-ops.ts): MXCSR rounding
 * to nearest with PE already set and masked, operands zero or of moderate magnitude, and a
 * result in the safe range (or an exact zero); anything else leaves the region before the
 * instruction. Misaligned m128 operands of the aligned forms leave it too.
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
          } else e.setXmm64(d, 0, () => e.xmm64(i.rm, 0));
          return true;
        }
        if (mem) return e.storeX(i, 1, 1, () => e.xmm64(d, 0));
        e.setXmm64(i.rm, 0, () => e.xmm64(d, 0));
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
  const lanes = sd ? 1 : 2;
  if (op === 0x54 || op === 0x55 || op === 0x56 || op === 0x57) {
    if (m !== 0 && !pd) return false;
  } else if (op === 0x2e || op === 0x2f) {
    if (!pd) return false;
  } else if (!pd && !sd) return false;
  const scalar = sd || op === 0x2e || op === 0x2f;
  if (mem && !e.loadX(i, scalar ? 8 : 16, scalar ? 1 : 16)) return false;
  const src = (k: number) => (mem ? e.get(k === 0 ? L_XA : L_XB) : e.xmm64(i.rm, k));
  const srcF = (k: number) => (mem ? src(k).op(OP.f64ReinterpretI64) : e.xmmF(i.rm, k));
  switch (op) {
    case 0x14:
      e.setXmm64(d, 1, () => src(0));
      return true;
    case 0x15:
      src(1).set(L_T64B);
      e.setXmm64(d, 0, () => e.xmm64(d, 1));
      e.setXmm64(d, 1, () => e.get(L_T64B));
      return true;
    case 0xc6:
      e.xmm64(d, i.imm & 1).set(L_T64A);
      src((i.imm >> 1) & 1).set(L_T64B);
      e.setXmm64(d, 0, () => e.get(L_T64A));
      e.setXmm64(d, 1, () => e.get(L_T64B));
      return true;
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
      return true;
    case 0x2e:
    case 0x2f:
      // comisd/ucomisd: ZF, PF, CF from the comparison, OF, SF, AF cleared (setArithFlags).
      e.guard();
      e.moderate(() => e.xmm64(d, 0))
        .op(OP.i32Eqz)
        .op(OP.brIf)
        .code.u32(0);
      e.moderate(() => src(0))
        .op(OP.i32Eqz)
        .op(OP.brIf)
        .code.u32(0);
      e.guardEnd(i);
      e.fxWrite = 1;
      if (e.dead) return true;
      e.lf(LF_FLAGS).i32(~ARITH_FLAGS).op(OP.i32And).i32(2).op(OP.i32Or);
      e.xmmF(d, 0).xmmF(i.rm, 0);
      if (mem) e.op(OP.drop).get(L_XA).op(OP.f64ReinterpretI64);
      e.op(OP.f64Eq).i32(6).op(OP.i32Shl).op(OP.i32Or);
      e.xmmF(d, 0);
      srcF(0);
      e.op(OP.f64Lt).op(OP.i32Or).setLf(LF_FLAGS);
      e.i32(LF_NONE).setLf(LF_OP);
      e.kind = LF_NONE;
      return true;
    default:
  }
  if (op !== 0x51 && op !== 0x58 && op !== 0x59 && op !== 0x5c && op !== 0x5e) return false;
  e.guard();
  e.usesXmm = true;
  // MXCSR once per block: translated code never writes it, and a block runs from its start,
  // so a check earlier in the block has passed whenever this instruction runs.
  if (e.mxcsrSerial !== e.blockSerial) {
    e.i32(0)
      .op(OP.i32Load)
      .code.u32(2)
      .u32(MXCSR_I32 * 4);
    e.i32(MXCSR_FAST_MASK).op(OP.i32And).i32(PE_STICKY).op(OP.i32Ne).op(OP.brIf).code.u32(0);
    e.mxcsrSerial = e.blockSerial;
  }
  // Each lane's operands are read once, as bit patterns: L_SA (destination), L_SB (source).
  const a = () => e.get(L_SA).op(OP.f64ReinterpretI64);
  const b = () => e.get(L_SB).op(OP.f64ReinterpretI64);
  const isZero = (l: number) => e.get(l).i64(1, 0).op(OP.i64Shl).op(OP.i64Eqz);
  for (let k = 0; k < lanes; k++) {
    if (mem) e.get(k === 0 ? L_XA : L_XB).set(L_SB);
    else e.xmm64(i.rm, k).set(L_SB);
    e.requireModerate(L_SB, 0);
    const r = k === 0 ? L_R0 : L_R1;
    if (op === 0x51) {
      // sqrt of a negative non-zero operand is invalid (IE).
      b().f64(0).op(OP.f64Lt).op(OP.brIf).code.u32(0);
      b().op(OP.f64Sqrt).set(r);
      continue;
    }
    e.xmm64(d, k).set(L_SA);
    e.requireModerate(L_SA, 0);
    a();
    b();
    e.op(op === 0x58 ? OP.f64Add : op === 0x59 ? OP.f64Mul : op === 0x5c ? OP.f64Sub : OP.f64Div).set(r);
    // A sum or difference of moderate operands is always in range: both are multiples of
    // 2^-819 (the unit in the last place at the smallest moderate exponent), so the exact
    // result is 0 or at least 2^-819 > SAFE_LO, and below 2^770 < SAFE_HI in magnitude; the
    // rounded result keeps both bounds.
    if (op === 0x58 || op === 0x5c) continue;
    // In range: SAFE_LO ≤ |r| ≤ SAFE_HI, or an exact zero (a product with a zero factor; a
    // quotient with a zero dividend). NaN fails every comparison.
    e.get(r).op(OP.f64Abs).f64(SAFE_LO).op(OP.f64Ge);
    e.get(r).op(OP.f64Abs).f64(SAFE_HI).op(OP.f64Le).op(OP.i32And);
    e.get(r).f64(0).op(OP.f64Eq);
    if (op === 0x59) {
      isZero(L_SA);
      isZero(L_SB).op(OP.i32Or).op(OP.i32And);
    } else isZero(L_SA).op(OP.i32And);
    e.op(OP.i32Or).op(OP.i32Eqz).op(OP.brIf).code.u32(0);
  }
  e.guardEnd(i);
  for (let k = 0; k < lanes; k++) {
    e.setXmm64(d, k, () => e.get(k === 0 ? L_R0 : L_R1).op(OP.i64ReinterpretF64));
  }
  return true;
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
