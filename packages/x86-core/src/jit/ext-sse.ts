/**
 * SSE/SSE2 forms of the JIT beyond emitSse (insns.ts), tried through emitExt (insns-ext.ts) for
 * map-1 opcodes with a mandatory 66/F2/F3 prefix: movss, movd/movq between general registers,
 * memory and XMM, the conversions cvtsi2sd/ss, cvttsd2si/cvttss2si, cvtss2sd/cvtsd2ss, the scalar
 * single-precision arithmetic, and the SSE2 integer operations compilers use in string and
 * memory functions (logic, add/sub, compares, pmovmskb, pshufd, unpacks, shifts by an
 * immediate) as WebAssembly SIMD over the mirror's XMM registers. Floating-point forms run
 * natively only where the result and MXCSR are those of the interpreter whatever it does
 * internally: exact operations, or round-to-nearest with PE already set and masked (so the
 * precision flag it would raise is already there), on operands and results far from the
 * denormal, overflow and NaN cases; anything else leaves the region before the instruction.
 */
import type { Insn } from '../insn.js';
import { MXCSR_I32 } from '../state.js';
import {
  type Emitter,
  L_ADDR,
  L_MEM,
  L_T32A,
  L_T64A,
  L_T64B,
  MXCSR_FAST_MASK,
  PE_STICKY,
  WASM_SIMD,
} from './emitter.js';
import { OP, SIMD_OP as V } from './wasm.js';

/** SSE2 integer operations on whole registers: 66 0F opcode → SIMD opcode and operand order. */
const PACKED = new Map<number, { v: number; swap?: boolean }>([
  [0xef, { v: V.xor }],
  [0xdb, { v: V.and }],
  [0xeb, { v: V.or }],
  // pandn: dest = ~dest & src = andnot(src, dest).
  [0xdf, { v: V.andnot, swap: true }],
  [0xfc, { v: V.i8Add }],
  [0xfd, { v: V.i16Add }],
  [0xfe, { v: V.i32Add }],
  [0xd4, { v: V.i64Add }],
  [0xf8, { v: V.i8Sub }],
  [0xf9, { v: V.i16Sub }],
  [0xfa, { v: V.i32Sub }],
  [0xfb, { v: V.i64Sub }],
  [0x74, { v: V.i8Eq }],
  [0x75, { v: V.i16Eq }],
  [0x76, { v: V.i32Eq }],
  [0x64, { v: V.i8GtS }],
  [0x65, { v: V.i16GtS }],
  [0x66, { v: V.i32GtS }],
  [0xda, { v: V.i8MinU }],
  [0xde, { v: V.i8MaxU }],
  // packsswb / packuswb / packssdw: dest words (dwords) to the low half, the source's to the high
  // half, saturated — the narrowing operations (SDM Vol. 2B PACKSSWB, PACKUSWB).
  [0x63, { v: V.i8NarrowS }],
  [0x67, { v: V.i8NarrowU }],
  [0x6b, { v: V.i16NarrowS }],
]);

/** Byte-lane selectors of the unpacks (66 0F 60–62, 68–6A, 6C, 6D): dest bytes 0–15, source 16–31. */
const UNPACK = new Map<number, number[]>();
for (const [op, size, high] of [
  [0x60, 1, 0],
  [0x61, 2, 0],
  [0x62, 4, 0],
  [0x6c, 8, 0],
  [0x68, 1, 1],
  [0x69, 2, 1],
  [0x6a, 4, 1],
  [0x6d, 8, 1],
] as const) {
  const lanes: number[] = [];
  const base = high ? 8 : 0;
  for (let k = 0; k < 16 / (2 * size); k++) {
    for (let b = 0; b < size; b++) lanes.push(base + k * size + b);
    for (let b = 0; b < size; b++) lanes.push(16 + base + k * size + b);
  }
  UNPACK.set(op, lanes);
}

/** Pushes the low dword of XMM register n (i32). */
function x32(e: Emitter, n: number): Emitter {
  return e.xmm32(n);
}
/** Stores the i32 pushed by `value` into the low dword of XMM register n. */
function setX32(e: Emitter, n: number, value: () => void): void {
  e.setXmm32(n, value);
}
/** Pushes the low dword of XMM register n as an f32. */
function xf32(e: Emitter, n: number): void {
  e.xmmF32(n);
}
/** Pushes the checked 16-byte memory operand (address in L_ADDR) as a v128. */
function memV(e: Emitter): void {
  e.get(L_ADDR).simd(V.v128Load).code.u32(0).u32(0);
}
/** Pops a v128 into XMM register n. */
function storeV(e: Emitter, n: number): void {
  e.popXmmV(n);
}

/** Opens a guarded section (see Emitter.guard) and marks the possible exit before `i`. */
function guard(e: Emitter): void {
  e.fxExit = true;
  e.guard();
}
const brIf = (e: Emitter) => e.op(OP.brIf).code.u32(0);

/** Pushes 1 when MXCSR rounds to nearest with PE set and masked (an inexact result changes nothing). */
function fastRounding(e: Emitter): void {
  e.usesXmm = true;
  e.i32(0)
    .op(OP.i32Load)
    .code.u32(2)
    .u32(MXCSR_I32 * 4);
  e.i32(MXCSR_FAST_MASK).op(OP.i32And).i32(PE_STICKY).op(OP.i32Eq);
}
/** Pushes 1 when MXCSR has PE set and masked (a precision exception changes nothing). */
function peSticky(e: Emitter): void {
  e.usesXmm = true;
  e.i32(0)
    .op(OP.i32Load)
    .code.u32(2)
    .u32(MXCSR_I32 * 4);
  e.i32(PE_STICKY).op(OP.i32And).i32(PE_STICKY).op(OP.i32Eq);
}

/**
 * Pushes 1 when the binary32 pattern in T32A is zero or normal with a biased exponent in
 * [lo, hi], else 0 (denormals, infinities and NaNs give 0).
 */
function normal32(e: Emitter, lo: number, hi: number): void {
  e.get(L_T32A)
    .i32(23)
    .op(OP.i32ShrU)
    .i32(0xff)
    .op(OP.i32And)
    .i32(lo)
    .op(OP.i32Sub)
    .i32(hi - lo + 1);
  e.op(OP.i32LtU);
  e.get(L_T32A).i32(1).op(OP.i32Shl).op(OP.i32Eqz).op(OP.i32Or);
}

/** Emits `i` (map 1, mandatory prefix 66/F2/F3) if it is one of the forms of this file. */
export function emitSseExt(e: Emitter, i: Insn): boolean {
  const m = i.mandatory;
  const op = i.opcode;
  if (m === 0xf3) {
    switch (op) {
      case 0x10:
      case 0x11:
        return movss(e, i, op === 0x11);
      case 0x7e:
        return movqLoad(e, i);
      case 0x70:
        return pshufw(e, i, true);
      case 0xe6:
        return cvtdq2pd(e, i);
      case 0x2a:
        return cvtsi2s(e, i, false);
      case 0x2c:
        return cvtts2si(e, i, false);
      case 0x5a:
        return cvtss2sd(e, i);
      case 0x58:
      case 0x59:
      case 0x5c:
      case 0x5e:
      case 0x51:
        return arithSs(e, i);
      default:
        return false;
    }
  }
  if (m === 0xf2) {
    switch (op) {
      case 0x2a:
        return cvtsi2s(e, i, true);
      case 0x2c:
        return cvtts2si(e, i, true);
      case 0x5a:
        return cvtsd2ss(e, i);
      case 0x70:
        return pshufw(e, i, false);
      default:
        return false;
    }
  }
  if (m !== 0x66) return false;
  switch (op) {
    case 0x6e:
      return movdToXmm(e, i);
    case 0x7e:
      return movdFromXmm(e, i);
    case 0xd6:
      return movqStore(e, i);
    case 0xf4:
      return pmuludq(e, i);
    case 0x50:
      // movmskpd r32, xmm (SDM Vol. 2B MOVMSKPD): the two sign bits, zero-extended.
      if (i.mod !== 3) return false;
      e.xmm64(i.rm, 0).i64(63, 0).op(OP.i64ShrU);
      e.xmm64(i.rm, 1).i64(62, 0).op(OP.i64ShrU).i64(2, 0).op(OP.i64And).op(OP.i64Or);
      e.op(OP.i32WrapI64).setReg32(i.reg);
      return true;
    case 0xe6:
      return cvttpd2dq(e, i);
    default:
  }
  if (!WASM_SIMD) return false;
  const packed = PACKED.get(op);
  if (packed !== undefined) {
    if (i.mod !== 3 && !e.check(i, 16, false, 16)) return false;
    const src = () => (i.mod === 3 ? e.xmmV(i.rm) : memV(e));
    if (packed.swap) {
      src();
      e.xmmV(i.reg);
    } else {
      e.xmmV(i.reg);
      src();
    }
    e.simd(packed.v);
    storeV(e, i.reg);
    return true;
  }
  const unpack = UNPACK.get(op);
  if (unpack !== undefined) {
    if (i.mod !== 3 && !e.check(i, 16, false, 16)) return false;
    e.xmmV(i.reg);
    if (i.mod === 3) e.xmmV(i.rm);
    else memV(e);
    e.simd(V.shuffle);
    e.code.bytes(unpack);
    storeV(e, i.reg);
    return true;
  }
  switch (op) {
    case 0xd7:
      // pmovmskb r32, xmm (SDM Vol. 2B PMOVMSKB): the byte sign bits, zero-extended.
      if (i.mod !== 3) return false;
      e.xmmV(i.rm);
      e.simd(V.i8Bitmask);
      e.setReg32(i.reg);
      return true;
    case 0x70: {
      // pshufd (SDM Vol. 2B PSHUFD): dword k of the result is dword imm[2k+1:2k] of the source.
      if (i.mod !== 3 && !e.check(i, 16, false, 16)) return false;
      const src = () => (i.mod === 3 ? e.xmmV(i.rm) : memV(e));
      src();
      src();
      e.simd(V.shuffle);
      for (let k = 0; k < 4; k++) {
        const s = (i.imm >> (2 * k)) & 3;
        e.code.bytes([s * 4, s * 4 + 1, s * 4 + 2, s * 4 + 3]);
      }
      storeV(e, i.reg);
      return true;
    }
    case 0x71:
    case 0x72:
    case 0x73:
      return shiftImm(e, i);
    default:
      return false;
  }
}

/**
 * psrlw/psraw/psllw, psrld/psrad/pslld, psrlq/psllq by an immediate and psrldq/pslldq (66 0F
 * 71–73; SDM Vol. 2B PSLLW…, PSRLDQ): counts beyond the lane width clear the lanes of a logical
 * shift and fill them with the sign for an arithmetic one (WebAssembly masks the count instead).
 */
function shiftImm(e: Emitter, i: Insn): boolean {
  if (i.mod !== 3) return false;
  const n = i.imm & 0xff;
  const x = i.rm;
  const bits = i.opcode === 0x71 ? 16 : i.opcode === 0x72 ? 32 : 64;
  const ext = i.reg & 7;
  if (i.opcode === 0x73 && (ext === 3 || ext === 7)) {
    e.xmmV(x);
    zeroV(e);
    e.simd(V.shuffle);
    for (let k = 0; k < 16; k++) {
      const from = ext === 7 ? k - n : k + n;
      e.code.byte(from >= 0 && from < 16 ? from : 16);
    }
    storeV(e, x);
    return true;
  }
  const k = ext === 2 ? 0 : ext === 4 ? 1 : ext === 6 ? 2 : -1;
  const v = SHIFTS[bits]?.[k];
  if (v === undefined || v === 0) return false;
  if (n >= bits && k !== 1) zeroV(e);
  else {
    e.xmmV(x);
    e.i32(Math.min(n, bits - 1));
    e.simd(v);
  }
  storeV(e, x);
  return true;
}

/** Lane shifts by lane width: logical right, arithmetic right, left (0: none). */
const SHIFTS: Record<number, number[]> = {
  16: [V.i16ShrU, V.i16ShrS, V.i16Shl],
  32: [V.i32ShrU, V.i32ShrS, V.i32Shl],
  64: [V.i64ShrU, 0, V.i64Shl],
};

/** Pushes an all-zero v128. */
function zeroV(e: Emitter): void {
  e.simd(V.v128Const);
  e.code.bytes(new Array<number>(16).fill(0));
}

/** movss (F3 0F 10/11; SDM Vol. 2B MOVSS): a load from memory zeroes bits 32–127. */
function movss(e: Emitter, i: Insn, store: boolean): boolean {
  if (i.mod === 3) {
    const to = store ? i.rm : i.reg;
    const from = store ? i.reg : i.rm;
    setX32(e, to, () => x32(e, from));
    return true;
  }
  if (store) return e.store(i, 4, () => x32(e, i.reg));
  if (!e.load(i, 4)) return false;
  e.setXmm64(i.reg, 0, () => e.get(L_MEM));
  e.setXmm64(i.reg, 1, () => e.i64(0, 0));
  return true;
}

/** movq xmm, xmm/m64 (F3 0F 7E): the low quadword, bits 64–127 zeroed. */
function movqLoad(e: Emitter, i: Insn): boolean {
  if (i.mod === 3) e.xmm64(i.rm, 0).set(L_T64A);
  else {
    if (!e.load(i, 8)) return false;
    e.get(L_MEM).set(L_T64A);
  }
  e.setXmm64(i.reg, 0, () => e.get(L_T64A));
  e.setXmm64(i.reg, 1, () => e.i64(0, 0));
  return true;
}

/** movq xmm/m64, xmm (66 0F D6): a register destination gets bits 64–127 zeroed. */
function movqStore(e: Emitter, i: Insn): boolean {
  if (i.mod !== 3) return e.store(i, 8, () => e.xmm64(i.reg, 0));
  e.setXmm64(i.rm, 0, () => e.xmm64(i.reg, 0));
  e.setXmm64(i.rm, 1, () => e.i64(0, 0));
  return true;
}

/** movd/movq xmm, r/m32 or r/m64 (66 [REX.W] 0F 6E): zero-extended into the whole register. */
function movdToXmm(e: Emitter, i: Insn): boolean {
  const size = i.opsize === 8 ? 8 : 4;
  if (i.mod === 3) {
    if (size === 8) e.reg64(i.rm);
    else e.reg32(i.rm).op(OP.i64ExtendI32U);
  } else {
    if (!e.load(i, size)) return false;
    e.get(L_MEM);
  }
  e.set(L_T64A);
  e.setXmm64(i.reg, 0, () => e.get(L_T64A));
  e.setXmm64(i.reg, 1, () => e.i64(0, 0));
  return true;
}

/** movd/movq r/m32 or r/m64, xmm (66 [REX.W] 0F 7E): a 32-bit register is zero-extended. */
function movdFromXmm(e: Emitter, i: Insn): boolean {
  const size = i.opsize === 8 ? 8 : 4;
  if (i.mod !== 3) return e.store(i, size, () => (size === 8 ? e.xmm64(i.reg, 0) : x32(e, i.reg)));
  if (size === 8) e.xmm64(i.reg, 0).setReg64(i.rm);
  else x32(e, i.reg).setReg32(i.rm);
  return true;
}

/**
 * cvtsi2sd / cvtsi2ss xmm, r/m32 or r/m64 (F2/F3 [REX.W] 0F 2A; SDM Vol. 2A CVTSI2SD,
 * CVTSI2SS): only the low lane changes. Exact when the integer has at most 53 (24) significant
 * bits; otherwise it rounds under MXCSR and runs natively only on the round-to-nearest path.
 */
function cvtsi2s(e: Emitter, i: Insn, double: boolean): boolean {
  const wide = i.opsize === 8;
  if (i.mod !== 3 && !e.load(i, wide ? 8 : 4)) return false;
  // T64A = the integer, sign-extended.
  if (i.mod === 3) {
    if (wide) e.reg64(i.rm);
    else e.reg32(i.rm).op(OP.i64ExtendI32S);
  } else if (wide) e.get(L_MEM);
  else e.get(L_MEM).op(OP.i32WrapI64).op(OP.i64ExtendI32S);
  e.set(L_T64A);
  const limit = double ? 2 ** 53 : 2 ** 24;
  if (wide || !double) {
    // Leave when |v| > limit (inexact) and MXCSR is not on the rounding fast path.
    guard(e);
    e.get(L_T64A)
      .i64(limit | 0, Math.floor(limit / 4294967296))
      .op(OP.i64Add);
    e.i64((2 * limit) | 0, Math.floor((2 * limit) / 4294967296))
      .op(OP.i64LeU)
      .op(OP.i32Eqz);
    fastRounding(e);
    e.op(OP.i32Eqz).op(OP.i32And);
    brIf(e);
    e.guardEnd(i);
  }
  if (double) {
    e.setXmm64(i.reg, 0, () => {
      e.get(L_T64A).op(OP.f64ConvertI64S).op(OP.i64ReinterpretF64);
    });
  } else {
    setX32(e, i.reg, () => {
      e.get(L_T64A).op(OP.f32ConvertI64S).op(OP.i32ReinterpretF32);
    });
  }
  return true;
}

/**
 * Inside a guard: leaves unless the double whose bits are in i64 local `l` truncates to an int32
 * (int64 when `wide`) exactly as the interpreter would without an exception — in range (else
 * the integer indefinite and IE) and integral, or with PE already set and masked (a fraction
 * raises PE).
 */
function truncatesNatively(e: Emitter, l: number, wide: boolean): void {
  const x = () => e.get(l).op(OP.f64ReinterpretI64);
  x();
  e.f64(wide ? 2 ** 63 : 2 ** 31).op(OP.f64Lt);
  x();
  e.f64(wide ? -(2 ** 63) : -(2 ** 31) - 1)
    .op(wide ? OP.f64Ge : OP.f64Gt)
    .op(OP.i32And)
    .op(OP.i32Eqz);
  brIf(e);
  x();
  x();
  e.op(OP.f64Trunc).op(OP.f64Ne);
  peSticky(e);
  e.op(OP.i32Eqz).op(OP.i32And);
  brIf(e);
}

/**
 * cvttsd2si / cvttss2si r32 or r64, xmm/m64 (m32) (F2/F3 [REX.W] 0F 2C; SDM Vol. 2A CVTTSD2SI,
 * CVTTSS2SI): truncation. In range only (NaN and out-of-range values give the integer
 * indefinite with IE: the interpreter's); a value with a fraction raises PE, so it runs natively
 * only when PE is already set and masked.
 */
function cvtts2si(e: Emitter, i: Insn, double: boolean): boolean {
  const wide = i.opsize === 8;
  if (i.mod !== 3 && !e.load(i, double ? 8 : 4)) return false;
  // T64A = the operand's bits as a double.
  if (double) {
    if (i.mod === 3) e.xmm64(i.rm, 0);
    else e.get(L_MEM);
  } else {
    if (i.mod === 3) x32(e, i.rm);
    else e.get(L_MEM).op(OP.i32WrapI64);
    e.op(OP.f32ReinterpretI32).op(OP.f64PromoteF32).op(OP.i64ReinterpretF64);
  }
  e.set(L_T64A);
  guard(e);
  truncatesNatively(e, L_T64A, wide);
  e.guardEnd(i);
  e.get(L_T64A).op(OP.f64ReinterpretI64);
  if (wide) e.op(OP.i64TruncF64S).setReg64(i.reg);
  else e.op(OP.i32TruncF64S).setReg32(i.reg);
  return true;
}

/** cvtss2sd (F3 0F 5A; SDM Vol. 2A CVTSS2SD): exact for zeros and normal values (others leave). */
function cvtss2sd(e: Emitter, i: Insn): boolean {
  if (i.mod !== 3 && !e.load(i, 4)) return false;
  if (i.mod === 3) x32(e, i.rm);
  else e.get(L_MEM).op(OP.i32WrapI64);
  e.set(L_T32A);
  guard(e);
  normal32(e, 1, 254);
  e.op(OP.i32Eqz);
  brIf(e);
  e.guardEnd(i);
  e.setXmm64(i.reg, 0, () => {
    e.get(L_T32A).op(OP.f32ReinterpretI32).op(OP.f64PromoteF32).op(OP.i64ReinterpretF64);
  });
  return true;
}

/**
 * cvtsd2ss (F2 0F 5A; SDM Vol. 2A CVTSD2SS): the low dword only. Natively for zeros and for
 * magnitudes in [2^-126, FLT_MAX] (no underflow or overflow), exact or on the round-to-nearest
 * path with PE set and masked.
 */
function cvtsd2ss(e: Emitter, i: Insn): boolean {
  if (i.mod !== 3 && !e.load(i, 8)) return false;
  if (i.mod === 3) e.xmm64(i.rm, 0);
  else e.get(L_MEM);
  e.set(L_T64A);
  const x = () => e.get(L_T64A).op(OP.f64ReinterpretI64);
  guard(e);
  // Zero, or 2^-126 ≤ |x| ≤ FLT_MAX (NaN fails both).
  x();
  e.f64(0).op(OP.f64Eq);
  x();
  e.op(OP.f64Abs)
    .f64(2 ** -126)
    .op(OP.f64Ge);
  x();
  e.op(OP.f64Abs).f64(3.4028234663852886e38).op(OP.f64Le).op(OP.i32And).op(OP.i32Or).op(OP.i32Eqz);
  brIf(e);
  // Inexact: the rounding fast path.
  x();
  e.op(OP.f32DemoteF64).op(OP.f64PromoteF32);
  x();
  e.op(OP.f64Ne);
  fastRounding(e);
  e.op(OP.i32Eqz).op(OP.i32And);
  brIf(e);
  e.guardEnd(i);
  setX32(e, i.reg, () => {
    x();
    e.op(OP.f32DemoteF64).op(OP.i32ReinterpretF32);
  });
  return true;
}

/**
 * addss/subss/mulss/divss/sqrtss (F3 0F 58/5C/59/5E/51; SDM Vol. 2A ADDSS …): natively when
 * MXCSR rounds to nearest with PE set and masked, both operands are zero or normal with biased
 * exponents in [0x20, 0xdf], and the result is in [2^-100, 2^100] or an exact zero (any sum;
 * a product with a zero factor; a quotient with a zero dividend) — where the interpreter's
 * result is the correctly rounded one and MXCSR does not change. Only the low dword is written.
 */
function arithSs(e: Emitter, i: Insn): boolean {
  const op = i.opcode;
  if (i.mod !== 3 && !e.load(i, 4)) return false;
  const src = () => {
    if (i.mod === 3) x32(e, i.rm);
    else e.get(L_MEM).op(OP.i32WrapI64);
  };
  guard(e);
  fastRounding(e);
  e.op(OP.i32Eqz);
  brIf(e);
  src();
  e.set(L_T32A);
  normal32(e, 0x20, 0xdf);
  e.op(OP.i32Eqz);
  brIf(e);
  const zero = () => e.i32(1).op(OP.i32Shl).op(OP.i32Eqz);
  if (op === 0x51) {
    // sqrt of a negative non-zero operand is invalid.
    e.get(L_T32A).i32(0).op(OP.i32LtS);
    e.get(L_T32A);
    zero();
    e.op(OP.i32Eqz).op(OP.i32And);
    brIf(e);
    e.get(L_T32A).op(OP.f32ReinterpretI32).op(OP.f32Sqrt).op(OP.i32ReinterpretF32).set(L_T32A);
  } else {
    x32(e, i.reg).set(L_T32A);
    normal32(e, 0x20, 0xdf);
    e.op(OP.i32Eqz);
    brIf(e);
    xf32(e, i.reg);
    src();
    e.op(OP.f32ReinterpretI32);
    e.op(op === 0x58 ? OP.f32Add : op === 0x59 ? OP.f32Mul : op === 0x5c ? OP.f32Sub : OP.f32Div);
    e.op(OP.i32ReinterpretF32).set(L_T32A);
    // 2^-100 ≤ |r| ≤ 2^100 (NaN and infinity fail) …
    const mag = () => e.get(L_T32A).op(OP.f32ReinterpretI32).op(OP.f64PromoteF32).op(OP.f64Abs);
    mag();
    e.f64(2 ** -100).op(OP.f64Ge);
    mag();
    e.f64(2 ** 100)
      .op(OP.f64Le)
      .op(OP.i32And);
    // … or an exact zero.
    e.get(L_T32A);
    zero();
    if (op === 0x59) {
      x32(e, i.reg);
      zero();
      src();
      zero();
      e.op(OP.i32Or).op(OP.i32And);
    } else if (op === 0x5e) {
      x32(e, i.reg);
      zero();
      e.op(OP.i32And);
    }
    e.op(OP.i32Or).op(OP.i32Eqz);
    brIf(e);
  }
  e.guardEnd(i);
  setX32(e, i.reg, () => e.get(L_T32A));
  return true;
}

/**
 * pshuflw (F2 0F 70) / pshufhw (F3 0F 70; SDM Vol. 2B PSHUFLW, PSHUFHW): the words of one half
 * selected by the immediate, the other half copied.
 */
function pshufw(e: Emitter, i: Insn, high: boolean): boolean {
  if (!WASM_SIMD) return false;
  if (i.mod !== 3 && !e.check(i, 16, false, 16)) return false;
  const src = () => (i.mod === 3 ? e.xmmV(i.rm) : memV(e));
  src();
  src();
  e.simd(V.shuffle);
  const lanes: number[] = [];
  for (let k = 0; k < 8; k++) {
    const inHalf = high ? k >= 4 : k < 4;
    const w = inHalf ? (high ? 4 : 0) + ((i.imm >> (2 * (k & 3))) & 3) : k;
    lanes.push(2 * w, 2 * w + 1);
  }
  e.code.bytes(lanes);
  storeV(e, i.reg);
  return true;
}

/** pmuludq (66 0F F4; SDM Vol. 2B PMULUDQ): dwords 0 and 2 multiplied into two quadwords. */
function pmuludq(e: Emitter, i: Insn): boolean {
  if (i.mod !== 3 && !e.check(i, 16, false, 16)) return false;
  for (let k = 0; k < 2; k++) {
    // Both factors read before lane 0 is written (the source may be the destination).
    e.xmm64(i.reg, k).i64(-1, 0).op(OP.i64And);
    if (i.mod === 3) e.xmm64(i.rm, k);
    else e.get(L_ADDR).memLoad(8, k * 8);
    e.i64(-1, 0).op(OP.i64And).op(OP.i64Mul);
    e.set(k === 0 ? L_T64A : L_T64B);
  }
  e.setXmm64(i.reg, 0, () => e.get(L_T64A));
  e.setXmm64(i.reg, 1, () => e.get(L_T64B));
  return true;
}

/**
 * cvttpd2dq (66 0F E6; SDM Vol. 2A CVTTPD2DQ): two doubles truncated to int32 in the low
 * quadword, the high one zeroed. Natively when both are in range and integral or PE is already
 * set and masked (else the interpreter gives the indefinite value, raises IE or PE).
 */
function cvttpd2dq(e: Emitter, i: Insn): boolean {
  if (i.mod !== 3 && !e.check(i, 16, false, 16)) return false;
  const lane = (k: number) => {
    if (i.mod === 3) e.xmm64(i.rm, k);
    else e.get(L_ADDR).memLoad(8, k * 8);
  };
  lane(0);
  e.set(L_T64A);
  lane(1);
  e.set(L_T64B);
  guard(e);
  for (const l of [L_T64A, L_T64B]) truncatesNatively(e, l, false);
  e.guardEnd(i);
  e.setXmm64(i.reg, 0, () => {
    e.get(L_T64A).op(OP.f64ReinterpretI64).op(OP.i32TruncF64S).op(OP.i64ExtendI32U);
    e.get(L_T64B).op(OP.f64ReinterpretI64).op(OP.i32TruncF64S).op(OP.i64ExtendI32U);
    e.i64(32, 0).op(OP.i64Shl).op(OP.i64Or);
  });
  e.setXmm64(i.reg, 1, () => e.i64(0, 0));
  return true;
}

/** cvtdq2pd (F3 0F E6; SDM Vol. 2A CVTDQ2PD): two int32 to doubles, always exact. */
function cvtdq2pd(e: Emitter, i: Insn): boolean {
  if (i.mod === 3) e.xmm64(i.rm, 0);
  else {
    if (!e.load(i, 8)) return false;
    e.get(L_MEM);
  }
  e.set(L_T64A);
  for (let k = 0; k < 2; k++) {
    e.setXmm64(i.reg, k, () => {
      e.get(L_T64A);
      if (k === 1) e.i64(32, 0).op(OP.i64ShrU);
      e.op(OP.i32WrapI64).op(OP.f64ConvertI32S).op(OP.i64ReinterpretF64);
    });
  }
  return true;
}
