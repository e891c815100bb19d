/**
 * The JIT's code emitter: local-variable layout of a translated region, the layout of the mirror
 * (scratch memory at the bottom of the guest memory) and {@link Emitter}, which emits the
 * WebAssembly for the operations, flags and checked memory accesses of translated instructions.
 * See translate.ts for the region format as a whole.
 */

import {
  LF_ADD,
  LF_AUX,
  LF_BITS,
  LF_DEC,
  LF_DST,
  LF_DSTH,
  LF_FLAGS,
  LF_IMUL64,
  LF_INC,
  LF_LOGIC,
  LF_NONE,
  LF_OP,
  LF_RES,
  LF_RESH,
  LF_SRC,
  LF_SRCH,
  LF_SUB,
  LF_SZP,
} from '../flags.js';
import { EA_ABS, EA_BASE, EA_BASE_INDEX, EA_INDEX, type Insn, SEG_FS } from '../insn.js';
import {
  AF,
  ARITH_FLAGS,
  CF,
  FS_BASE_I32,
  GS_BASE_I32,
  LF_I32,
  LF_WORDS,
  MXCSR_I32,
  OF,
  XMM_OFFSET,
  ZF,
} from '../state.js';
import { Bytes, F64, I32, I64, OP, SIMD_OP as V, V128, VOID } from './wasm.js';

/** Bytes of the register file mirrored into the JIT memory: GPRs, FS/GS base, lazy flags, XMM, MXCSR. */
export const MIRROR_BYTES = MXCSR_I32 * 4 + 4;
/** The integer part of it (GPRs, FS/GS base, lazy flags); XMM and MXCSR follow at XMM_OFFSET. */
export const MIRROR_GPR_BYTES = (LF_I32 + LF_WORDS) * 4;
/** The longest block the translator builds. */
export const MAX_BLOCK = 64;

// Local indices: 0 = budget parameter.
export const L_COUNT = 1;
export const L_T32A = 2;
export const L_T32B = 3;
export const L_T32C = 4;
export const L_T64A = 5;
export const L_T64B = 6;
export const L_T64C = 7;
export const L_REG = 8; // 16 i64 locals
export const L_LF = 24; // LF_OP … LF_FLAGS as i32 locals (10 words)
export const LOCAL_TYPES: number[] = [
  I32,
  I32,
  I32,
  I32,
  I64,
  I64,
  I64,
  ...new Array<number>(16).fill(I64),
  ...new Array<number>(10).fill(I32),
  I32,
  I32,
  I64,
  I32,
  I32,
  I64,
  I64,
  F64,
  F64,
  I32,
  I32,
  I64,
  I64,
  I64,
  I64,
];
export const L_EXIT = 34;
export const L_ADDR = 35;
export const L_MEM = 36; // i64: the memory operand's value
export const L_FL = 37; // i32: a materialised RFLAGS value
export const L_IDX = 38; // i32: the region block to run next
export const L_XA = 39; // i64: low lane of an SSE memory operand
export const L_XB = 40; // i64: high lane of an SSE memory operand
export const L_R0 = 41; // f64: SSE results before they are written
export const L_R1 = 42;
/**
 * Scratch of the flag computations (flagsCalc, cfCalc, afCalc, imulOvf) and nothing else, so
 * the callers' temporaries (T32*, T64*, L_FL) survive a flag read.
 */
export const L_FA = 43; // i32
export const L_FB = 44; // i32
export const L_FX = 45; // i64
export const L_FY = 46; // i64
/** The destination and source lanes (bit patterns) of an SSE arithmetic operation. */
export const L_SA = 47; // i64
export const L_SB = 48; // i64
/**
 * Whether `i`'s memory operand looks like an element of an array of `size`-byte items (an index
 * scaled by at least the size, a displacement that is a multiple of it): aligned when the array
 * is, so not expected to straddle pages.
 */
function arrayElement(i: Insn, size: number): boolean {
  return (
    (i.eaKind === EA_BASE_INDEX || i.eaKind === EA_INDEX) && 1 << i.scale >= size && (i.disp | 0) % size === 0
  );
}
/** Lazy-flag words kept in locals (LF_OP … LF_FLAGS). */
export const LF_USED = LF_FLAGS + 1;
/** Operand codes for Emitter.alu besides register numbers. */
export const IMM = -1;
export const MEM = -2;

/**
 * Mirror-memory layout beyond the register file: how the region was left (0 at a branch to code
 * outside it or beyond the budget, 1 before an instruction whose memory access the TLB did not
 * admit), the rip to continue at (a 64-bit word below 2^32), and the page of a TLB miss.
 */
export const EXIT_WORD = 1000 / 4;
export const RIP_WORD = 1016 / 4;
/** The address (low 32 bits) of the access the TLB did not admit. */
export const MISS_WORD = 1004 / 4;
/**
 * The read TLB: 4096 words from byte 1024; entry (page & 4095) = (page << 1) | 1 when readable
 * (16 MiB of reach, so quicksort's two pointers over a large array rarely evict each other).
 */
export const TLB_WORD = 1024 / 4;
export const TLB_ENTRIES = 4096;
/**
 * How the region was left before an instruction: 0 a read and 1 a write the TLB did not admit
 * (plus the access size in bytes << 8), 2 another check (the interpreter runs the instruction).
 */
export const MISS_KIND_WORD = 1008 / 4;
/**
 * The write TLB: 2048 words from byte 17408 (after the read TLB), same entry format, holding
 * only pages that are writable and hold no decoded code (JitCpu re-validates its entries
 * whenever instructions were decoded, which is when pages become code). It ends at byte 25600,
 * below the chaining area (chain.ts).
 */
export const WTLB_WORD = 17408 / 4;
export const WTLB_ENTRIES = 2048;
/**
 * The mirror is the first 64 KiB of the guest's own memory, which no guest page may occupy
 * while translated code runs (JitCpu checks; the kernel never maps below 0x10000).
 */
export const SCRATCH_END = 0x10000;

/** Whether the engine validates WebAssembly SIMD (a function returning v128.const 0). */
export const WASM_SIMD: boolean = (() => {
  const body = [OP.simd, V.v128Const, ...new Array<number>(16).fill(0), OP.end];
  const head = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, V128, 3, 2, 1, 0];
  try {
    return WebAssembly.validate(Uint8Array.of(...head, 10, body.length + 3, 1, body.length + 1, 0, ...body));
  } catch {
    return false;
  }
})();
/**
 * MXCSR bits that must read exactly PE_STICKY for translated binary64/binary32 arithmetic: round
 * to nearest, PE already set and masked (SDM Vol. 1 §10.2.3).
 */
export const MXCSR_FAST_MASK = 0x6000 | 0x20 | 0x1000;
export const PE_STICKY = 0x20 | 0x1000;
/**
 * v128 scratch of the packed binary64 forms (insns.ts emitSse): the destination and source
 * operands and the result. Appended after every other local (and only where SIMD validates:
 * without it no translated code uses them).
 */
export const L_VA = LOCAL_TYPES.length + 1;
export const L_VB = L_VA + 1;
export const L_VR = L_VA + 2;
/**
 * With SIMD, XMM register n lives in v128 local L_XMM + n while a region runs: loaded from the
 * mirror at entry when the region uses it, stored back at every exit when it writes it
 * (Emitter.xmmPrologue, xmmEpilogue). Without SIMD the accessors use the mirror directly.
 */
export const L_XMM = L_VA + 3;
if (WASM_SIMD) LOCAL_TYPES.push(V128, V128, V128, ...new Array<number>(16).fill(V128));

export const ALU_ADD = 0;
export const ALU_OR = 1;
export const ALU_AND = 4;
export const ALU_SUB = 5;
export const ALU_XOR = 6;
export const ALU_CMP = 7;
export const TEST = 8;

/** Emits code for one block; tracks which registers and flag words it touches. */
export class Emitter {
  readonly code = new Bytes();
  readonly readRegs = new Set<number>();
  readonly writeRegs = new Set<number>();
  readonly lfWritten = new Set<number>();
  /** LF kind of the last flag-setting instruction in the block (-1: flags come from outside). */
  kind = -1;
  bits = 32;
  /** Index of the instruction being emitted within the block. */
  index = 0;
  /** Instructions emitted into the final region (statistics). */
  emitted = 0;
  /** Labels between the code of the current block and the region's exit label. */
  exitDepth = 1;
  /** Whether the block reads guest memory (needs the accessor imports). */
  usesMemory = false;
  /**
   * The flags the current instruction produces are dead: a later instruction of the block
   * overwrites all six before anything (a reader or a possible exit) can observe them, so the
   * lazy-flag record is not written (architectural state is unchanged; see translateBlock).
   */
  dead = false;
  /** Flag effect of the instruction being emitted: 0 none, 1 writes all six, 2 writes some. */
  fxWrite = 0;
  /** The instruction being emitted reads flags. */
  fxRead = false;
  /** The instruction being emitted may leave the block before itself (a checked memory access). */
  fxExit = false;

  op(b: number): this {
    this.code.byte(b);
    return this;
  }
  get(l: number): this {
    this.code.byte(OP.localGet).u32(l);
    return this;
  }
  set(l: number): this {
    this.code.byte(OP.localSet).u32(l);
    return this;
  }
  i32(v: number): this {
    this.code.byte(OP.i32Const).s32(v);
    return this;
  }
  i64(lo: number, hi: number): this {
    this.code.byte(OP.i64Const).s64(lo, hi);
    return this;
  }
  reg64(n: number): this {
    this.readRegs.add(n);
    return this.get(L_REG + n);
  }
  reg32(n: number): this {
    return this.reg64(n).op(OP.i32WrapI64);
  }
  /** Pops an i64 into register n. */
  setReg64(n: number): this {
    this.writeRegs.add(n);
    return this.set(L_REG + n);
  }
  /** Pops an i32 into register n, zero-extending (SDM Vol. 1 §3.4.1.1). */
  setReg32(n: number): this {
    return this.op(OP.i64ExtendI32U).setReg64(n);
  }
  /** Pops an i32 into lazy-flag word `w`. */
  setLf(w: number): this {
    this.lfWritten.add(w);
    return this.set(L_LF + w);
  }
  lf(w: number): this {
    return this.get(L_LF + w);
  }
  /** Stores the low and high halves of i64 local `l` into lazy-flag words `lo`/`hi`. */
  lfPair(l: number, lo: number, hi: number): this {
    this.get(l).op(OP.i32WrapI64).setLf(lo);
    return this.get(l).i64(32, 0).op(OP.i64ShrU).op(OP.i32WrapI64).setLf(hi);
  }
  /** Pushes the 64-bit value of lazy-flag words lo:hi. */
  pair(lo: number, hi: number): this {
    this.lf(lo).op(OP.i64ExtendI32U);
    this.lf(hi).op(OP.i64ExtendI32U).i64(32, 0).op(OP.i64Shl);
    return this.op(OP.i64Or);
  }

  // ---- flags, computed from the record exactly as Cpu.getCF() … do -------------------------

  cf(): void {
    if (this.kind < 0) {
      this.cfCalc();
      return;
    }
    switch (this.kind) {
      case LF_NONE:
        this.lf(LF_FLAGS).i32(1).op(OP.i32And);
        return;
      case LF_ADD:
        this.pair(LF_RES, LF_RESH).pair(LF_DST, LF_DSTH).op(OP.i64LtU);
        return;
      case LF_SUB:
        this.pair(LF_DST, LF_DSTH).pair(LF_SRC, LF_SRCH).op(OP.i64LtU);
        return;
      case LF_LOGIC:
        this.i32(0);
        return;
      case LF_IMUL64:
        this.imulOvf();
        return;
      default:
        this.lf(LF_AUX).i32(1).op(OP.i32And);
    }
  }
  zf(): void {
    if (this.kind === LF_NONE) this.lf(LF_FLAGS).i32(6).op(OP.i32ShrU).i32(1).op(OP.i32And);
    else this.lf(LF_RES).lf(LF_RESH).op(OP.i32Or).op(OP.i32Eqz);
  }
  sf(): void {
    if (this.kind === LF_NONE) {
      this.lf(LF_FLAGS).i32(7).op(OP.i32ShrU).i32(1).op(OP.i32And);
      return;
    }
    this.lf(this.bits === 64 ? LF_RESH : LF_RES)
      .i32(this.bits === 64 ? 31 : this.bits - 1)
      .op(OP.i32ShrU);
    if (this.bits < 32) this.i32(1).op(OP.i32And);
  }
  of(): void {
    switch (this.kind) {
      case LF_NONE:
        this.lf(LF_FLAGS).i32(11).op(OP.i32ShrU).i32(1).op(OP.i32And);
        return;
      case LF_LOGIC:
        this.i32(0);
        return;
      case LF_SZP:
        this.lf(LF_AUX).i32(11).op(OP.i32ShrU).i32(1).op(OP.i32And);
        return;
      case LF_IMUL64:
        this.imulOvf();
        return;
      default:
    }
    const d = this.bits === 64 ? LF_DSTH : LF_DST;
    const s = this.bits === 64 ? LF_SRCH : LF_SRC;
    const r = this.bits === 64 ? LF_RESH : LF_RES;
    if (this.kind === LF_ADD || this.kind === LF_INC) {
      this.lf(d).lf(r).op(OP.i32Xor).lf(s).lf(r).op(OP.i32Xor).op(OP.i32And);
    } else {
      this.lf(d).lf(s).op(OP.i32Xor).lf(d).lf(r).op(OP.i32Xor).op(OP.i32And);
    }
    this.i32(this.bits === 64 ? 31 : this.bits - 1).op(OP.i32ShrU);
    if (this.bits < 32) this.i32(1).op(OP.i32And);
  }
  pf(): void {
    if (this.kind === LF_NONE) {
      this.lf(LF_FLAGS).i32(2).op(OP.i32ShrU).i32(1).op(OP.i32And);
      return;
    }
    this.lf(LF_RES).i32(0xff).op(OP.i32And).op(OP.i32Popcnt).i32(1).op(OP.i32And).i32(1).op(OP.i32Xor);
  }
  /** AF in its RFLAGS position (0 or 0x10), as Cpu.getAF, for a statically known kind. */
  af(): void {
    switch (this.kind) {
      case LF_NONE:
        this.lf(LF_FLAGS).i32(AF).op(OP.i32And);
        return;
      case LF_LOGIC:
      case LF_IMUL64:
        this.i32(0);
        return;
      case LF_SZP:
        this.lf(LF_AUX).i32(AF).op(OP.i32And);
        return;
      default:
        this.lf(LF_DST).lf(LF_SRC).op(OP.i32Xor).lf(LF_RES).op(OP.i32Xor).i32(AF).op(OP.i32And);
    }
  }

  /**
   * Pushes 1 when the 64-bit signed product of the record's factors (DST:DSTH × SRC:SRCH) does
   * not fit in 64 bits — CF = OF of a 64-bit imul (SDM Vol. 2A IMUL) — else 0: for a ≠ 0 the
   * product overflows exactly when the wrapped product divided by a differs from b (a = −1
   * overflows only with b = −2^63, where the division itself would trap).
   */
  imulOvf(): this {
    this.pair(LF_DST, LF_DSTH).set(L_FX);
    this.pair(LF_SRC, LF_SRCH).set(L_FY);
    this.get(L_FX).op(OP.i64Eqz);
    this.op(OP.if).op(I32).i32(0);
    this.op(OP.else);
    this.get(L_FX).i64(-1, -1).op(OP.i64Eq);
    this.op(OP.if).op(I32).get(L_FY).i64(0, -2147483648).op(OP.i64Eq);
    this.op(OP.else);
    this.get(L_FX).get(L_FY).op(OP.i64Mul).get(L_FX).op(OP.i64DivS).get(L_FY).op(OP.i64Ne);
    this.op(OP.end);
    this.op(OP.end);
    return this;
  }

  /**
   * Whether condition `cc` can be computed from the statically known record kind; otherwise
   * {@link cond} computes it from the materialised RFLAGS ({@link flagsCalc}).
   */
  knows(_cc: number): boolean {
    return this.kind >= 0;
  }

  /**
   * Pushes the current RFLAGS (as Cpu.getRflags computes it from the record) as an i32. With
   * `cfOf` false the caller replaces CF and OF, and their bits may read 0 instead.
   */
  flagsWord(cfOf = true): this {
    if (this.kind === LF_NONE) return this.lf(LF_FLAGS);
    if (this.kind < 0) return this.flagsCalc(cfOf, true);
    // A statically known kind: the six flags from their own formulas.
    this.lf(LF_FLAGS).i32(~ARITH_FLAGS).op(OP.i32And).i32(2).op(OP.i32Or);
    if (cfOf) {
      this.cf();
      this.op(OP.i32Or);
      this.of();
      this.i32(11).op(OP.i32Shl).op(OP.i32Or);
    }
    this.pf();
    this.i32(2).op(OP.i32Shl).op(OP.i32Or);
    this.af();
    this.op(OP.i32Or);
    this.zf();
    this.i32(6).op(OP.i32Shl).op(OP.i32Or);
    this.sf();
    return this.i32(7).op(OP.i32Shl).op(OP.i32Or);
  }

  /**
   * Pushes RFLAGS of a record whose kind is known only at run time, computed in WebAssembly from
   * the record words exactly as Cpu.getRflags does (flags.ts, SDM Vol. 1 Appendix A). CF and OF
   * (a switch on LF_OP) are exact only with `cfOf` (OF also needs `withOf`), AF only with
   * `withAf`; those left out read 0 or as recorded unless the record is LF_NONE. Uses only L_FA,
   * L_FB, L_FX, L_FY.
   */
  flagsCalc(cfOf: boolean, withAf: boolean, withOf = true): this {
    // LF_NONE: the materialised word (getRflags sets bit 1).
    this.op(OP.block).op(I32);
    this.lf(LF_FLAGS).i32(2).op(OP.i32Or);
    this.lf(LF_OP).op(OP.i32Eqz).op(OP.brIf).code.u32(0);
    this.op(OP.drop);
    // SF, ZF, PF from the result for every other kind; FB = (bits == 64).
    this.lf(LF_BITS).i32(64).op(OP.i32Eq).set(L_FB);
    this.lf(LF_FLAGS).i32(~ARITH_FLAGS).op(OP.i32And).i32(2).op(OP.i32Or);
    this.lf(LF_RES).i32(0xff).op(OP.i32And).op(OP.i32Popcnt).i32(1).op(OP.i32And).i32(1).op(OP.i32Xor);
    this.i32(2).op(OP.i32Shl).op(OP.i32Or);
    this.lf(LF_RES).lf(LF_RESH).op(OP.i32Or).op(OP.i32Eqz).i32(6).op(OP.i32Shl).op(OP.i32Or);
    // The sign bit: bit (bits − 1) of RES, or bit 31 of RESH at 64 (shift counts are mod 32).
    this.lf(LF_RESH).lf(LF_RES).get(L_FB).op(OP.select);
    this.lf(LF_BITS)
      .i32(1)
      .op(OP.i32Sub)
      .op(OP.i32ShrU)
      .i32(1)
      .op(OP.i32And)
      .i32(7)
      .op(OP.i32Shl)
      .op(OP.i32Or);
    if (withAf) this.afCalc().op(OP.i32Or);
    if (cfOf) {
      this.cfOfCalc(withOf);
      this.get(L_FA).op(OP.i32Or);
    }
    this.op(OP.end);
    return this;
  }

  /**
   * Pushes AF (0 or 0x10) of a record of any kind but LF_NONE, known at run time only (getAF of
   * cpu.ts): 0 for logic and imul64 records, recorded for LF_SZP, else from the operands.
   */
  afCalc(): this {
    this.lf(LF_AUX);
    this.lf(LF_DST).lf(LF_SRC).op(OP.i32Xor).lf(LF_RES).op(OP.i32Xor);
    this.lf(LF_OP).i32(LF_SZP).op(OP.i32Eq).op(OP.select).set(L_FA);
    this.i32(0).get(L_FA);
    this.lf(LF_OP).i32(LF_LOGIC).op(OP.i32Eq).lf(LF_OP).i32(LF_IMUL64).op(OP.i32Eq).op(OP.i32Or);
    return this.op(OP.select).i32(AF).op(OP.i32And);
  }

  /**
   * Pushes CF (0/1) of a record whose kind is known only at run time, as Cpu.getCF: the switch
   * of {@link flagsCalc} without SF, ZF, PF, AF and OF.
   */
  cfCalc(): this {
    this.op(OP.block).op(I32);
    this.lf(LF_FLAGS).i32(CF).op(OP.i32And);
    this.lf(LF_OP).op(OP.i32Eqz).op(OP.brIf).code.u32(0);
    this.op(OP.drop);
    this.cfOfCalc(false);
    this.get(L_FA).i32(CF).op(OP.i32And);
    this.op(OP.end);
    return this;
  }

  /**
   * L_FA = CF | OF << 11 of a record of any kind but LF_NONE (getCF/getOF of cpu.ts); with
   * `withOf` false only CF is exact (OF reads 0 or as recorded). OF needs L_FB = (bits == 64).
   */
  private cfOfCalc(withOf = true): void {
    const labels: string[] = [];
    const open = (name: string) => {
      this.op(OP.block).op(VOID);
      labels.push(name);
    };
    const depth = (name: string) => labels.length - 1 - labels.lastIndexOf(name);
    const close = () => {
      this.op(OP.end);
      labels.pop();
    };
    const br = (name: string) => this.op(OP.br).code.u32(depth(name));
    // The operand words of the width: the high words at 64 bits, else the low ones.
    const w = (lo: number, hi: number) => this.lf(hi).lf(lo).get(L_FB).op(OP.select);
    const cases = ['add', 'adc', 'sub', 'sbb', 'inc', 'dec', 'logic', 'imul'] as const;
    open('end');
    if (withOf) {
      open('addof');
      open('subof');
    }
    open('aux');
    for (let k = cases.length - 1; k >= 0; k--) open(cases[k]!);
    // LF_OP 1 … 9 to their cases; LF_SZP and anything else: CF and OF as recorded in AUX.
    const table = ['aux', 'add', 'adc', 'sub', 'sbb', 'logic', 'inc', 'dec', 'aux', 'imul'];
    this.lf(LF_OP).op(OP.brTable).code.u32(table.length);
    for (const t of table) this.code.u32(depth(t));
    this.code.u32(depth('aux'));
    const ltu = (a: [number, number], b: [number, number], orEq: boolean) =>
      this.pair(a[0], a[1])
        .pair(b[0], b[1])
        .op(orEq ? OP.i64LeU : OP.i64LtU);
    const RES: [number, number] = [LF_RES, LF_RESH];
    const DST: [number, number] = [LF_DST, LF_DSTH];
    const SRC: [number, number] = [LF_SRC, LF_SRCH];
    // add: CF = res < dst.
    close();
    ltu(RES, DST, false).set(L_FA);
    br(withOf ? 'addof' : 'end');
    // adc: with a carry-in, CF = res <= dst.
    close();
    ltu(RES, DST, true);
    ltu(RES, DST, false);
    this.lf(LF_AUX).op(OP.select).set(L_FA);
    br(withOf ? 'addof' : 'end');
    // sub: CF = dst < src.
    close();
    ltu(DST, SRC, false).set(L_FA);
    br(withOf ? 'subof' : 'end');
    // sbb: with a borrow-in, CF = dst <= src.
    close();
    ltu(DST, SRC, true);
    ltu(DST, SRC, false);
    this.lf(LF_AUX).op(OP.select).set(L_FA);
    br(withOf ? 'subof' : 'end');
    // inc, dec: CF preserved in AUX.
    close();
    this.lf(LF_AUX).i32(CF).op(OP.i32And).set(L_FA);
    br(withOf ? 'addof' : 'end');
    close();
    this.lf(LF_AUX).i32(CF).op(OP.i32And).set(L_FA);
    br(withOf ? 'subof' : 'end');
    // logic: CF = OF = 0.
    close();
    this.i32(0).set(L_FA);
    br('end');
    // imul64: CF = OF = signed overflow.
    close();
    this.i32(CF | OF)
      .i32(0)
      .imulOvf()
      .op(OP.select)
      .set(L_FA);
    br('end');
    // LF_SZP (and the default of the getters): CF and OF from AUX.
    close();
    this.lf(LF_AUX)
      .i32(CF | OF)
      .op(OP.i32And)
      .set(L_FA);
    br('end');
    if (!withOf) {
      close();
      return;
    }
    // OF of a subtraction: bit (bits − 1) of (d ^ s) & (d ^ r) at the width's words.
    const ofBit = () =>
      this.lf(LF_BITS).i32(1).op(OP.i32Sub).op(OP.i32ShrU).i32(1).op(OP.i32And).i32(11).op(OP.i32Shl);
    close();
    w(LF_DST, LF_DSTH);
    w(LF_SRC, LF_SRCH).op(OP.i32Xor);
    w(LF_DST, LF_DSTH);
    w(LF_RES, LF_RESH).op(OP.i32Xor).op(OP.i32And);
    ofBit();
    this.get(L_FA).op(OP.i32Or).set(L_FA);
    br('end');
    // OF of an addition: bit (bits − 1) of (d ^ r) & (s ^ r).
    close();
    w(LF_DST, LF_DSTH);
    w(LF_RES, LF_RESH).op(OP.i32Xor);
    w(LF_SRC, LF_SRCH);
    w(LF_RES, LF_RESH).op(OP.i32Xor).op(OP.i32And);
    ofBit();
    this.get(L_FA).op(OP.i32Or).set(L_FA);
    close();
  }

  /** Pushes condition `cc` (SDM Vol. 1 Appendix B) as 0/1. */
  cond(cc: number): void {
    this.fxRead = true;
    const base = cc >> 1;
    if (!this.knows(cc)) {
      // ZF, SF and PF need no switch on the record kind; the others need CF or OF (b, be: CF only).
      this.flagsCalc(base !== 2 && base !== 4 && base !== 5, false, base !== 1 && base !== 3).set(L_FL);
      const bit = (n: number) => this.get(L_FL).i32(n).op(OP.i32ShrU);
      switch (base) {
        case 0:
          bit(11);
          break;
        case 1:
          this.get(L_FL);
          break;
        case 2:
          bit(6);
          break;
        case 3:
          this.get(L_FL)
            .i32(CF | ZF)
            .op(OP.i32And)
            .i32(0)
            .op(OP.i32Ne);
          break;
        case 4:
          bit(7);
          break;
        case 5:
          bit(2);
          break;
        case 6:
          bit(7);
          bit(11).op(OP.i32Xor);
          break;
        default:
          bit(7);
          bit(11).op(OP.i32Xor);
          bit(6).op(OP.i32Or);
      }
      this.i32(1).op(OP.i32And);
      if (cc & 1) this.op(OP.i32Eqz);
      return;
    }
    switch (base) {
      case 0:
        this.of();
        break;
      case 1:
        this.cf();
        break;
      case 2:
        this.zf();
        break;
      case 3:
        this.cf();
        this.zf();
        this.op(OP.i32Or);
        break;
      case 4:
        this.sf();
        break;
      case 5:
        this.pf();
        break;
      case 6:
        this.sf();
        this.of();
        this.op(OP.i32Xor);
        break;
      default:
        this.zf();
        this.sf();
        this.of();
        this.op(OP.i32Xor).op(OP.i32Or);
    }
    if (cc & 1) this.op(OP.i32Eqz);
  }

  // ---- instructions --------------------------------------------------------------------------

  /** Pushes operand `o` (a register, IMM = imm:immHi, MEM = the loaded memory value) at `size`. */
  operand(o: number, size: number, imm: number, immHi: number): this {
    if (size === 8) {
      if (o >= 0) return this.reg64(o);
      if (o === IMM) return this.i64(imm, immHi);
      return this.get(L_MEM);
    }
    if (o >= 0) return this.reg32(o);
    if (o === IMM) return this.i32(imm);
    return this.get(L_MEM).op(OP.i32WrapI64);
  }

  /** dst op= src for a register or (cmp/test only) memory destination. */
  alu(op: number, size: number, dst: number, src: number, imm: number, immHi: number): void {
    const logic = op === ALU_OR || op === ALU_AND || op === ALU_XOR || op === TEST;
    const binop64 = [OP.i64Add, OP.i64Or, 0, 0, OP.i64And, OP.i64Sub, OP.i64Xor, OP.i64Sub, OP.i64And][op]!;
    const binop32 = [OP.i32Add, OP.i32Or, 0, 0, OP.i32And, OP.i32Sub, OP.i32Xor, OP.i32Sub, OP.i32And][op]!;
    const writes = op !== ALU_CMP && op !== TEST && dst >= 0;
    this.fxWrite = 1;
    if (this.dead) {
      // Only the result matters (SDM Vol. 1 §3.4.3.1 flags are overwritten before any use).
      // A memory destination (read-modify-write) takes its result from T64C/T32C.
      if (!writes && dst !== MEM) return;
      if (size === 8) {
        this.operand(dst, 8, imm, immHi).operand(src, 8, imm, immHi).op(binop64).set(L_T64C);
        if (writes) this.get(L_T64C).setReg64(dst);
      } else {
        this.operand(dst, 4, imm, immHi).operand(src, 4, imm, immHi).op(binop32).set(L_T32C);
        if (writes) this.get(L_T32C).setReg32(dst);
      }
      return;
    }
    if (size === 8) {
      this.operand(dst, 8, imm, immHi).set(L_T64A);
      this.operand(src, 8, imm, immHi).set(L_T64B);
      this.get(L_T64A).get(L_T64B).op(binop64).set(L_T64C);
      this.i32(logic ? LF_LOGIC : op === ALU_ADD ? LF_ADD : LF_SUB).setLf(LF_OP);
      this.i32(64).setLf(LF_BITS);
      if (!logic) {
        this.lfPair(L_T64A, LF_DST, LF_DSTH);
        this.lfPair(L_T64B, LF_SRC, LF_SRCH);
      }
      this.lfPair(L_T64C, LF_RES, LF_RESH);
      if (writes) this.get(L_T64C).setReg64(dst);
      this.bits = 64;
    } else {
      this.operand(dst, 4, imm, immHi).set(L_T32A);
      this.operand(src, 4, imm, immHi).set(L_T32B);
      this.get(L_T32A).get(L_T32B).op(binop32).set(L_T32C);
      this.i32(logic ? LF_LOGIC : op === ALU_ADD ? LF_ADD : LF_SUB).setLf(LF_OP);
      this.i32(32).setLf(LF_BITS);
      if (!logic) {
        this.get(L_T32A).setLf(LF_DST);
        this.i32(0).setLf(LF_DSTH);
        this.get(L_T32B).setLf(LF_SRC);
        this.i32(0).setLf(LF_SRCH);
      }
      this.get(L_T32C).setLf(LF_RES);
      this.i32(0).setLf(LF_RESH);
      if (writes) this.get(L_T32C).setReg32(dst);
      this.bits = 32;
    }
    this.kind = logic ? LF_LOGIC : op === ALU_ADD ? LF_ADD : LF_SUB;
  }

  /**
   * Loads the `size`-byte memory operand of `i` (zero-extended) into L_MEM. When the address is
   * not below 2^32, crosses a page, or its page is not in the read TLB, the block exits before
   * this instruction with nothing of it done, and the interpreter executes it (and raises any
   * fault exactly as it always does). Returns false when the addressing form is not handled.
   */
  load(i: Insn, size: number): boolean {
    if (!this.check(i, size, false)) return false;
    this.get(L_ADDR).memLoad(size, 0);
    if (size !== 8) this.op(OP.i64ExtendI32U);
    this.set(L_MEM);
    return true;
  }

  /**
   * Stores `size` bytes (4 or 8) of the value pushed by `value` to the memory operand of `i`,
   * after the same checks as {@link load} against the write TLB (a miss leaves the block before
   * this instruction; the interpreter then performs the write, faults, or invalidates code).
   */
  store(i: Insn, size: number, value: () => void): boolean {
    if (!this.check(i, size, true)) return false;
    this.get(L_ADDR);
    value();
    this.memStore(size, 0);
    return true;
  }

  /**
   * Read-modify-write of the `size`-byte memory operand of `i` (4 or 8): the page must be in
   * the read TLB and in the write TLB (both checked before anything happens), the old value is
   * in L_MEM while `compute` pushes the new one.
   */
  rmw(i: Insn, size: number, compute: () => void): boolean {
    if (!this.load(i, size)) return false;
    if (!this.check(i, size, true)) return false;
    this.get(L_ADDR);
    compute();
    this.memStore(size, 0);
    return true;
  }

  /** Pushes the 8-bit register at byte offset `rb` of the GPR file (Insn.regB/rmB) as an i32. */
  byteReg(rb: number): this {
    this.reg64(rb >> 3);
    if (rb & 7) this.i64(8, 0).op(OP.i64ShrU);
    return this.op(OP.i32WrapI64).i32(0xff).op(OP.i32And);
  }

  /** Pops an i32 (low 8 bits used) into the 8-bit register at byte offset `rb`; others kept. */
  setByteReg(rb: number): this {
    const sh = (rb & 7) * 8;
    this.i32(0xff).op(OP.i32And).op(OP.i64ExtendI32U);
    if (sh) this.i64(sh, 0).op(OP.i64Shl);
    this.reg64(rb >> 3)
      .i64(~(0xff << sh), -1)
      .op(OP.i64And)
      .op(OP.i64Or);
    return this.setReg64(rb >> 3);
  }

  /**
   * rol (op 0) / ror (op 1) of register `reg` by the masked constant count `c` (SDM Vol. 2B
   * RCL/RCR/ROL/ROR): only CF and OF change, so a live result materialises RFLAGS first, as the
   * interpreter's setArithFlags does (record kind LF_NONE afterwards).
   */
  rotate(op: number, size: number, reg: number, c: number): void {
    if (c === 0) {
      if (size === 4) this.reg32(reg).setReg32(reg);
      return;
    }
    this.fxWrite = 2;
    const bits = size * 8;
    if (size === 8) {
      this.reg64(reg)
        .i64(c, 0)
        .op(op === 0 ? OP.i64Rotl : OP.i64Rotr)
        .setReg64(reg);
    } else {
      this.reg32(reg)
        .i32(c)
        .op(op === 0 ? OP.i32Rotl : OP.i32Rotr)
        .setReg32(reg);
    }
    if (this.dead) return;
    this.fxRead = true;
    // T32A = the result's top bit, T32B = CF, T32C = OF.
    this.reg64(reg)
      .i64(bits - 1, 0)
      .op(OP.i64ShrU)
      .op(OP.i32WrapI64)
      .i32(1)
      .op(OP.i32And)
      .set(L_T32A);
    if (op === 0) {
      this.reg64(reg).op(OP.i32WrapI64).i32(1).op(OP.i32And).set(L_T32B);
      this.get(L_T32A).get(L_T32B).op(OP.i32Xor).set(L_T32C);
    } else {
      this.get(L_T32A).set(L_T32B);
      this.reg64(reg)
        .i64(bits - 2, 0)
        .op(OP.i64ShrU)
        .op(OP.i32WrapI64)
        .get(L_T32A)
        .op(OP.i32Xor)
        .i32(1)
        .op(OP.i32And)
        .set(L_T32C);
    }
    // CF and OF replace the record's; SF, ZF, PF and AF stay. A materialised record (LF_NONE)
    // gets them in its flag word. Any other record becomes LF_SZP over the same result words
    // (SF, ZF and PF come from them for every kind) with AUX = its AF | CF | OF, so RFLAGS reads
    // exactly as after the interpreter's materialisation, without computing SF, ZF and PF.
    const cfOf = () => this.get(L_T32B).get(L_T32C).i32(11).op(OP.i32Shl).op(OP.i32Or);
    const none = () => {
      this.lf(LF_FLAGS)
        .i32(~(CF | OF))
        .op(OP.i32And);
      cfOf();
      this.op(OP.i32Or).setLf(LF_FLAGS);
    };
    const szp = (af: () => void) => {
      af();
      cfOf();
      this.op(OP.i32Or).setLf(LF_AUX);
      this.i32(LF_SZP).setLf(LF_OP);
    };
    if (this.kind === LF_NONE) {
      none();
      return;
    }
    if (this.kind >= 0) {
      // The record's width (this.bits) stays.
      szp(() => this.af());
      this.kind = LF_SZP;
      return;
    }
    this.lf(LF_OP).op(OP.i32Eqz).op(OP.if).op(VOID);
    none();
    this.op(OP.else);
    szp(() => this.afCalc());
    this.op(OP.end);
  }

  /** neg (SDM Vol. 2B NEG): 0 − x with the record of a sub from 0. */
  neg(size: number, reg: number): void {
    this.fxWrite = 1;
    if (size === 8) {
      this.i64(0, 0).reg64(reg).op(OP.i64Sub).set(L_T64C);
      if (!this.dead) {
        this.i32(LF_SUB).setLf(LF_OP);
        this.i32(64).setLf(LF_BITS);
        this.i32(0).setLf(LF_DST);
        this.i32(0).setLf(LF_DSTH);
        this.reg64(reg).set(L_T64A);
        this.lfPair(L_T64A, LF_SRC, LF_SRCH);
        this.lfPair(L_T64C, LF_RES, LF_RESH);
      }
      this.get(L_T64C).setReg64(reg);
      this.bits = 64;
    } else {
      this.i32(0).reg32(reg).op(OP.i32Sub).set(L_T32C);
      if (!this.dead) {
        this.i32(LF_SUB).setLf(LF_OP);
        this.i32(32).setLf(LF_BITS);
        this.i32(0).setLf(LF_DST);
        this.i32(0).setLf(LF_DSTH);
        this.reg32(reg).setLf(LF_SRC);
        this.i32(0).setLf(LF_SRCH);
        this.get(L_T32C).setLf(LF_RES);
        this.i32(0).setLf(LF_RESH);
      }
      this.get(L_T32C).setReg32(reg);
      this.bits = 32;
    }
    this.kind = LF_SUB;
  }

  /** bswap (SDM Vol. 2A BSWAP) of a 32- or 64-bit register. */
  bswap(size: number, reg: number): void {
    if (size === 8) {
      const m8 = [0x00ff00ff, 0x00ff00ff] as const;
      const m16 = [0x0000ffff, 0x0000ffff] as const;
      this.reg64(reg).set(L_T64A);
      this.get(L_T64A).i64(8, 0).op(OP.i64ShrU).i64(m8[0], m8[1]).op(OP.i64And);
      this.get(L_T64A).i64(m8[0], m8[1]).op(OP.i64And).i64(8, 0).op(OP.i64Shl).op(OP.i64Or).set(L_T64A);
      this.get(L_T64A).i64(16, 0).op(OP.i64ShrU).i64(m16[0], m16[1]).op(OP.i64And);
      this.get(L_T64A).i64(m16[0], m16[1]).op(OP.i64And).i64(16, 0).op(OP.i64Shl).op(OP.i64Or);
      this.i64(32, 0).op(OP.i64Rotl).setReg64(reg);
    } else {
      this.reg32(reg).set(L_T32A);
      this.get(L_T32A).i32(8).op(OP.i32ShrU).i32(0x00ff00ff).op(OP.i32And);
      this.get(L_T32A).i32(0x00ff00ff).op(OP.i32And).i32(8).op(OP.i32Shl).op(OP.i32Or);
      this.i32(16).op(OP.i32Rotl).setReg32(reg);
    }
  }

  /** Puts the checked address of `i`'s memory operand in L_ADDR or leaves the block (see load). */
  check(i: Insn, size: number, write: boolean, align = 1): boolean {
    if (i.adsize !== 8) return false;
    if (i.eaKind === EA_ABS) {
      if (i.plainEa) {
        if (!(i.disp >= 0 && i.disp < 4294967296)) return false;
        this.i64(i.disp | 0, 0);
      } else {
        if (!(i.disp >= -2147483648 && i.disp < 2147483648)) return false;
        this.i64(i.disp | 0, i.disp < 0 ? -1 : 0);
      }
    } else if (!this.address(i)) return false;
    if (!i.plainEa) {
      // An FS or GS override adds that segment's base modulo 2^64 (SDM Vol. 3A §3.4.4).
      this.i32(0)
        .op(OP.i64Load)
        .code.u32(3)
        .u32((i.seg === SEG_FS ? FS_BASE_I32 : GS_BASE_I32) * 4);
      this.op(OP.i64Add);
    }
    this.set(L_T64A);
    this.checkAt(i, size, write, align);
    return true;
  }

  /**
   * Puts the address in L_T64A into L_ADDR after the checks of {@link check}, or leaves the
   * region before instruction `i`.
   */
  checkAt(i: Insn, size: number, write: boolean, align = 1): void {
    this.usesMemory = true;
    this.fxExit = true;
    this.get(L_T64A).op(OP.i32WrapI64).set(L_ADDR);
    this.op(OP.block).op(VOID); // $ok
    this.op(OP.block).op(VOID); // $miss
    this.op(OP.block).op(VOID); // $slow
    // Aligned when the form requires it (SDM Vol. 1 §4.1.1: legacy SSE m128 operands) …
    if (align > 1)
      this.get(L_ADDR)
        .i32(align - 1)
        .op(OP.i32And)
        .op(OP.brIf)
        .code.u32(1);
    // … and one compare for the rest: the TLB slot of the first byte's page must hold the page
    // of the last byte, (page << 1) | 1 with page < 2^20. An address at or above 2^32 gives a
    // key of 2^21 or more, which no entry holds; an access crossing into page p + 1 looks for
    // p + 1 in the slot of p, which holds only pages ≡ p (mod the TLB size); a last byte that
    // wraps past 2^64 lands on page 0, and the first byte's page (2^20 − 1) has another slot.
    const entries = write ? WTLB_ENTRIES : TLB_ENTRIES;
    this.get(L_ADDR)
      .i32(10)
      .op(OP.i32ShrU)
      .i32((entries - 1) << 2)
      .op(OP.i32And);
    this.op(OP.i32Load)
      .code.u32(2)
      .u32((write ? WTLB_WORD : TLB_WORD) * 4);
    this.op(OP.i64ExtendI32U);
    this.get(L_T64A);
    if (size > 1) this.i64(size - 1, 0).op(OP.i64Add);
    // (last >> 12) << 1 | 1 = (last >> 11) | 1.
    this.i64(11, 0).op(OP.i64ShrU).i64(1, 0).op(OP.i64Or);
    this.op(OP.i64Eq).op(OP.brIf).code.u32(2);
    this.op(OP.end);
    // Off the fast path (kept short: its code slows the fast path down), an access of 8 bytes or
    // more split over two pages (copies at any alignment; not array elements, which are aligned
    // when their array is) whose pages are both in the TLB. A byte at or above 2^32 has a key
    // no entry holds; a last byte wrapping past 2^64 lands on page 0, which no entry holds
    // either. The interpreter would access the same bytes of the same pages; anything else
    // leaves the region.
    if (size >= 8 && !arrayElement(i, size)) {
      const word = (write ? WTLB_WORD : TLB_WORD) * 4;
      /** Pushes whether the slot of address + extra holds the page of address + extra. */
      const held = (extra: number) => {
        this.get(L_T64A);
        if (extra) this.i64(extra, 0).op(OP.i64Add);
        this.op(OP.i32WrapI64)
          .i32(10)
          .op(OP.i32ShrU)
          .i32((entries - 1) << 2)
          .op(OP.i32And);
        this.op(OP.i32Load).code.u32(2).u32(word);
        this.op(OP.i64ExtendI32U);
        this.get(L_T64A);
        if (extra) this.i64(extra, 0).op(OP.i64Add);
        this.i64(11, 0).op(OP.i64ShrU).i64(1, 0).op(OP.i64Or);
        this.op(OP.i64Eq);
      };
      held(0);
      held(size - 1);
      this.op(OP.i32And).op(OP.brIf).code.u32(1);
    }
    this.op(OP.end);
    // Miss: record the address (JitCpu admits the pages of its first and last byte when it
    // may), retire the instructions before this one and leave.
    this.i32(0)
      .get(L_ADDR)
      .op(OP.i32Store)
      .code.u32(2)
      .u32(MISS_WORD * 4);
    this.exitBefore(i, (write ? 1 : 0) | (size << 8));
  }

  /**
   * Leaves the region before instruction `i` (the interpreter runs it next): records the miss
   * kind (MISS_KIND_WORD), retires the instructions before it, stores its rip and closes the
   * enclosing block.
   */
  private exitBefore(i: Insn, missKind: number): void {
    this.i32(0)
      .i32(missKind)
      .op(OP.i32Store)
      .code.u32(2)
      .u32(MISS_KIND_WORD * 4);
    this.get(L_COUNT).i32(this.index).op(OP.i32Add).set(L_COUNT);
    this.i32(0)
      .i64(i.addr, 0)
      .op(OP.i64Store)
      .code.u32(3)
      .u32(RIP_WORD * 4);
    this.i32(1).set(L_EXIT);
    this.op(OP.br).code.u32(1 + this.exitDepth);
    this.op(OP.end);
  }

  /** push of the i64 pushed by `value` (SDM Vol. 2B PUSH): the store first, then rsp. */
  push(i: Insn, value: () => void): void {
    this.reg64(4).i64(8, 0).op(OP.i64Sub).set(L_T64A);
    this.checkAt(i, 8, true);
    this.get(L_ADDR);
    value();
    this.memStore(8, 0);
    this.get(L_T64A).setReg64(4);
  }

  /** Loads the quadword at rsp into L_MEM (checked like any load); rsp is not changed yet. */
  peek(i: Insn): void {
    this.reg64(4).set(L_T64A);
    this.checkAt(i, 8, false);
    this.get(L_ADDR).memLoad(8, 0).set(L_MEM);
  }

  /**
   * Opens a guarded section: code between {@link guard} and {@link guardEnd} may `br_if 0`
   * (plus its own nesting) to leave the region before instruction `i` with nothing of it done;
   * the interpreter then executes it.
   */
  guard(): void {
    // Leaving here exposes the flags as they were before this instruction (dead-flag elimination).
    this.fxExit = true;
    this.op(OP.block).op(VOID); // $ok
    this.op(OP.block).op(VOID); // $fail
  }
  guardEnd(i: Insn): void {
    this.op(OP.br).code.u32(1);
    this.op(OP.end);
    this.exitBefore(i, 2);
  }

  /** Loads `size` bytes (zero-extended to i32 below 8) from guest address (i32 on the stack) + `off`. */
  memLoad(size: number, off: number): this {
    const op = size === 8 ? OP.i64Load : size === 4 ? OP.i32Load : size === 2 ? OP.i32Load16U : OP.i32Load8U;
    this.op(op).code.u32(0).u32(off);
    return this;
  }
  /** Stores `size` bytes of the value on the stack to the guest address below it + `off`. */
  memStore(size: number, off: number): this {
    const op =
      size === 8 ? OP.i64Store : size === 4 ? OP.i32Store : size === 2 ? OP.i32Store16 : OP.i32Store8;
    this.op(op).code.u32(0).u32(off);
    return this;
  }

  /** The code touches XMM registers or MXCSR. */
  usesXmm = false;
  /**
   * Counts the blocks emitted so far (emitInsn bumps it at each block's first instruction); facts
   * established by code earlier in the same block (which always ran before) are tagged with it.
   */
  blockSerial = 0;
  /**
   * The blockSerial of the block whose code has already checked that MXCSR allows the binary64
   * fast path. Translated code never writes MXCSR (forms that would leave the region first), so
   * later operations of that block skip the check. A form that wrote MXCSR would reset this.
   */
  mxcsrSerial = -1;

  /**
   * Per-lane facts of the current block (see {@link blockSerial}): bit k of `good[n]` says lane
   * k of XMM register n holds a zero or a normal finite binary64 — the code before, in this
   * block, wrote it as a checked arithmetic result, or checked it as an operand, and nothing
   * wrote the lane since. Operand checks skip such lanes. Every write through the accessors
   * below forgets the lane; forms that know better say so with {@link setGood}.
   */
  private readonly good = new Uint8Array(16);
  private goodSerial = -1;
  /** Whether lane `k` of XMM `n` is known to hold a zero or a normal finite binary64. */
  isGood(n: number, k: number): boolean {
    if (this.goodSerial !== this.blockSerial) return false;
    return ((this.good[n]! >> k) & 1) === 1;
  }
  /** Records (or drops) the fact {@link isGood} reads for lane `k` of XMM `n`. */
  setGood(n: number, k: number, v: boolean): void {
    if (this.goodSerial !== this.blockSerial) {
      this.good.fill(0);
      this.goodSerial = this.blockSerial;
    }
    this.good[n] = v ? this.good[n]! | (1 << k) : this.good[n]! & ~(1 << k);
  }
  /** Drops both lanes' facts of XMM `n` (a write the caller does not describe). */
  forgetXmm(n: number): void {
    this.setGood(n, 0, false);
    this.setGood(n, 1, false);
  }

  /** Emits the SIMD instruction `v` (0xFD prefix, opcode as LEB128). */
  simd(v: number): this {
    this.op(OP.simd).code.u32(v);
    return this;
  }
  /** Pushes a v128 constant with the 64-bit value hi·2^32 + lo (as u32 halves) in both lanes. */
  v64x2(lo: number, hi: number): this {
    this.simd(V.v128Const);
    const w = new Uint32Array([lo, hi, lo, hi]);
    this.code.bytes(new Uint8Array(w.buffer));
    return this;
  }
  /** XMM registers the region reads or writes (loaded at entry), and those it writes. */
  readonly xmmUsed = new Set<number>();
  readonly xmmWritten = new Set<number>();
  private xmmRead(n: number): void {
    this.usesXmm = true;
    this.xmmUsed.add(n);
  }
  private xmmWrite(n: number): void {
    this.xmmRead(n);
    this.xmmWritten.add(n);
  }
  /** Pushes XMM register `n` as a v128 (SIMD only). */
  xmmV(n: number): this {
    this.xmmRead(n);
    return this.get(L_XMM + n);
  }
  /** Stores the v128 pushed by `value` into XMM register `n` (SIMD only). */
  setXmmV(n: number, value: () => void): void {
    value();
    this.popXmmV(n);
  }
  /** Pops a v128 into XMM register `n` (SIMD only). */
  popXmmV(n: number): void {
    this.xmmWrite(n);
    this.forgetXmm(n);
    this.set(L_XMM + n);
  }
  /** Pushes the low dword of XMM register `n` as an i32. */
  xmm32(n: number): this {
    this.xmmRead(n);
    if (WASM_SIMD)
      return this.get(L_XMM + n)
        .simd(V.i32ExtractLane)
        .op(0);
    this.i32(0)
      .op(OP.i32Load)
      .code.u32(2)
      .u32(XMM_OFFSET + n * 16);
    return this;
  }
  /** Pushes the low dword of XMM register `n` as an f32. */
  xmmF32(n: number): this {
    this.xmmRead(n);
    if (WASM_SIMD)
      return this.get(L_XMM + n)
        .simd(V.f32ExtractLane)
        .op(0);
    this.i32(0)
      .op(OP.f32Load)
      .code.u32(2)
      .u32(XMM_OFFSET + n * 16);
    return this;
  }
  /** Stores the i32 pushed by `value` into the low dword of XMM register `n`. */
  setXmm32(n: number, value: () => void): void {
    this.xmmWrite(n);
    this.setGood(n, 0, false);
    if (WASM_SIMD) {
      this.get(L_XMM + n);
      value();
      this.simd(V.i32ReplaceLane)
        .op(0)
        .set(L_XMM + n);
      return;
    }
    this.i32(0);
    value();
    this.op(OP.i32Store)
      .code.u32(2)
      .u32(XMM_OFFSET + n * 16);
  }
  /** Stores the f64 pushed by `value` into lane `k` of XMM register `n`. */
  setXmmF(n: number, k: number, value: () => void): void {
    if (!WASM_SIMD) {
      this.setXmm64(n, k, () => {
        value();
        this.op(OP.i64ReinterpretF64);
      });
      return;
    }
    this.xmmWrite(n);
    this.setGood(n, k, false);
    this.get(L_XMM + n);
    value();
    this.simd(V.f64ReplaceLane)
      .op(k)
      .set(L_XMM + n);
  }
  /** Prologue code: loads the XMM registers the region uses into their locals (SIMD only). */
  xmmPrologue(out: Bytes): void {
    if (!WASM_SIMD) return;
    for (const n of this.xmmUsed) {
      out
        .byte(OP.i32Const)
        .s32(0)
        .byte(OP.simd)
        .u32(V.v128Load)
        .u32(0)
        .u32(XMM_OFFSET + n * 16);
      out.byte(OP.localSet).u32(L_XMM + n);
    }
  }
  /** Epilogue code: stores the XMM registers the region writes back to the mirror (SIMD only). */
  xmmEpilogue(out: Bytes): void {
    if (!WASM_SIMD) return;
    for (const n of this.xmmWritten) {
      out
        .byte(OP.i32Const)
        .s32(0)
        .byte(OP.localGet)
        .u32(L_XMM + n);
      out
        .byte(OP.simd)
        .u32(V.v128Store)
        .u32(0)
        .u32(XMM_OFFSET + n * 16);
    }
  }
  /** Loads the checked 16-byte memory operand of `i` into L_VB as a v128 (see {@link loadX}). */
  loadV(i: Insn, align: number): boolean {
    if (!this.check(i, 16, false, align)) return false;
    this.get(L_ADDR).simd(V.v128Load).code.u32(0).u32(0);
    this.set(L_VB);
    return true;
  }
  /** Stores the v128 pushed by `value` to the checked 16-byte memory operand of `i`. */
  storeV(i: Insn, align: number, value: () => void): boolean {
    if (!this.check(i, 16, true, align)) return false;
    this.get(L_ADDR);
    value();
    this.simd(V.v128Store).code.u32(0).u32(0);
    return true;
  }

  /** Pushes lane `k` (0 low, 1 high) of XMM register `n` as an i64. */
  xmm64(n: number, k: number): this {
    this.xmmRead(n);
    if (WASM_SIMD)
      return this.get(L_XMM + n)
        .simd(V.i64ExtractLane)
        .op(k);
    this.i32(0)
      .op(OP.i64Load)
      .code.u32(3)
      .u32(XMM_OFFSET + n * 16 + k * 8);
    return this;
  }
  /** Pushes lane `k` of XMM register `n` as an f64. */
  xmmF(n: number, k: number): this {
    this.xmmRead(n);
    if (WASM_SIMD)
      return this.get(L_XMM + n)
        .simd(V.f64ExtractLane)
        .op(k);
    this.i32(0)
      .op(OP.f64Load)
      .code.u32(3)
      .u32(XMM_OFFSET + n * 16 + k * 8);
    return this;
  }
  /** Stores the i64 pushed by `value` into lane `k` of XMM register `n`. */
  setXmm64(n: number, k: number, value: () => void): void {
    this.xmmWrite(n);
    this.setGood(n, k, false);
    if (WASM_SIMD) {
      this.get(L_XMM + n);
      value();
      this.simd(V.i64ReplaceLane)
        .op(k)
        .set(L_XMM + n);
      return;
    }
    this.i32(0);
    value();
    this.op(OP.i64Store)
      .code.u32(3)
      .u32(XMM_OFFSET + n * 16 + k * 8);
  }

  /**
   * Loads the memory operand of `i` (8 or 16 bytes; `align` 16 for legacy-SSE m128 forms that
   * require it) into L_XA / L_XB; the region leaves before `i` when the check fails.
   */
  loadX(i: Insn, size: number, align: number): boolean {
    if (!this.check(i, size, false, align)) return false;
    this.get(L_ADDR).memLoad(8, 0).set(L_XA);
    if (size === 16) this.get(L_ADDR).memLoad(8, 8).set(L_XB);
    return true;
  }
  /** Stores `lanes` lanes (pushed by `lane(k)` as i64) to the memory operand of `i`. */
  storeX(i: Insn, lanes: number, align: number, lane: (k: number) => void): boolean {
    if (!this.check(i, lanes * 8, true, align)) return false;
    for (let k = 0; k < lanes; k++) {
      this.get(L_ADDR);
      lane(k);
      this.memStore(8, k * 8);
    }
    return true;
  }

  /** Pushes an f64 constant. */
  f64(v: number): this {
    this.op(OP.f64Const);
    const b = new Uint8Array(new Float64Array([v]).buffer);
    this.code.bytes(b);
    return this;
  }

  /** Pushes base + index·2^scale + disp modulo 2^64 (i64); false for forms without registers. */
  address(i: Insn): boolean {
    let have = false;
    if (i.eaKind === EA_BASE || i.eaKind === EA_BASE_INDEX) {
      this.reg64(i.base);
      have = true;
    }
    if (i.eaKind === EA_BASE_INDEX || i.eaKind === EA_INDEX) {
      this.reg64(i.index);
      if (i.scale !== 0) this.i64(i.scale, 0).op(OP.i64Shl);
      if (have) this.op(OP.i64Add);
      have = true;
    }
    if (!have) return false;
    if (i.disp !== 0) this.i64(i.disp | 0, i.disp < 0 ? -1 : 0).op(OP.i64Add);
    return true;
  }

  /**
   * imul dst, a, b (0F AF / 69 / 6B; SDM Vol. 2A IMUL): the truncated product, with the flag
   * record the interpreter keeps — LF_IMUL64 with both factors at 64 bits, LF_SZP with CF = OF =
   * signed overflow at 32 bits.
   */
  imul(size: number, dst: number, a: number, b: number, imm: number, immHi: number): void {
    this.fxWrite = 1;
    if (this.dead) {
      if (size === 8) this.operand(a, 8, imm, immHi).operand(b, 8, imm, immHi).op(OP.i64Mul).setReg64(dst);
      else this.operand(a, 4, imm, immHi).operand(b, 4, imm, immHi).op(OP.i32Mul).setReg32(dst);
      return;
    }
    if (size === 8) {
      this.operand(a, 8, imm, immHi).set(L_T64A);
      this.operand(b, 8, imm, immHi).set(L_T64B);
      this.get(L_T64A).get(L_T64B).op(OP.i64Mul).set(L_T64C);
      this.i32(LF_IMUL64).setLf(LF_OP);
      this.i32(64).setLf(LF_BITS);
      this.lfPair(L_T64A, LF_DST, LF_DSTH);
      this.lfPair(L_T64B, LF_SRC, LF_SRCH);
      this.lfPair(L_T64C, LF_RES, LF_RESH);
      this.get(L_T64C).setReg64(dst);
      this.kind = LF_IMUL64;
      this.bits = 64;
      return;
    }
    this.operand(a, 4, imm, immHi).op(OP.i64ExtendI32S);
    this.operand(b, 4, imm, immHi).op(OP.i64ExtendI32S);
    this.op(OP.i64Mul).set(L_T64C);
    this.get(L_T64C).op(OP.i32WrapI64).set(L_T32C);
    this.i32(LF_SZP).setLf(LF_OP);
    this.i32(32).setLf(LF_BITS);
    this.get(L_T32C).setLf(LF_RES);
    this.i32(0).setLf(LF_RESH);
    // AUX = CF | OF when the product does not fit in 32 signed bits.
    this.i32(CF | OF).i32(0);
    this.get(L_T64C).get(L_T32C).op(OP.i64ExtendI32S).op(OP.i64Ne);
    this.op(OP.select).setLf(LF_AUX);
    this.get(L_T32C).setReg32(dst);
    this.kind = LF_SZP;
    this.bits = 32;
  }

  /**
   * shl/sal (op 4, 6), shr (5), sar (7) of register `reg` by the constant count `c` (already
   * masked), with the interpreter's record: LF_SZP with CF and OF in AUX (SDM Vol. 2B SAL/SAR/
   * SHL/SHR; AF is left 0 as the interpreter does). A zero count changes no flags.
   */
  shift(op: number, size: number, reg: number, c: number): void {
    if (c === 0) {
      // The register is still written back (a 32-bit destination is zero-extended).
      if (size === 4) this.reg32(reg).setReg32(reg);
      return;
    }
    const shl = op === 4 || op === 6;
    this.fxWrite = 1;
    if (this.dead) {
      const k = shl ? 0 : op === 5 ? 1 : 2;
      if (size === 8) this.reg64(reg).i64(c, 0).op([OP.i64Shl, OP.i64ShrU, OP.i64ShrS][k]!).setReg64(reg);
      else this.reg32(reg).i32(c).op([OP.i32Shl, OP.i32ShrU, OP.i32ShrS][k]!).setReg32(reg);
      return;
    }
    if (size === 8) {
      this.reg64(reg).set(L_T64A);
      this.get(L_T64A)
        .i64(c, 0)
        .op(shl ? OP.i64Shl : op === 5 ? OP.i64ShrU : OP.i64ShrS)
        .set(L_T64C);
      this.get(L_T64A)
        .i64(shl ? 64 - c : c - 1, 0)
        .op(OP.i64ShrU)
        .op(OP.i32WrapI64)
        .i32(1)
        .op(OP.i32And)
        .set(L_T32A);
      if (shl) this.get(L_T64C).i64(63, 0).op(OP.i64ShrU).op(OP.i32WrapI64).get(L_T32A).op(OP.i32Xor);
      else if (op === 5) this.get(L_T64A).i64(63, 0).op(OP.i64ShrU).op(OP.i32WrapI64);
      else this.i32(0);
      this.set(L_T32B);
      this.i32(LF_SZP).setLf(LF_OP);
      this.i32(64).setLf(LF_BITS);
      this.lfPair(L_T64C, LF_RES, LF_RESH);
      this.get(L_T64C).setReg64(reg);
      this.bits = 64;
    } else {
      this.reg32(reg).set(L_T32C);
      this.get(L_T32C)
        .i32(c)
        .op(shl ? OP.i32Shl : op === 5 ? OP.i32ShrU : OP.i32ShrS)
        .set(L_T32B);
      this.get(L_T32C)
        .i32(shl ? 32 - c : c - 1)
        .op(OP.i32ShrU)
        .i32(1)
        .op(OP.i32And)
        .set(L_T32A);
      // Result to its register and RES before the OF computation reuses T32B.
      this.get(L_T32B).setLf(LF_RES);
      this.i32(0).setLf(LF_RESH);
      this.get(L_T32B).setReg32(reg);
      if (shl) this.get(L_T32B).i32(31).op(OP.i32ShrU).get(L_T32A).op(OP.i32Xor);
      else if (op === 5) this.get(L_T32C).i32(31).op(OP.i32ShrU);
      else this.i32(0);
      this.set(L_T32B);
      this.i32(LF_SZP).setLf(LF_OP);
      this.i32(32).setLf(LF_BITS);
      this.bits = 32;
    }
    // AUX = CF | OF << 11.
    this.get(L_T32A).get(L_T32B).i32(11).op(OP.i32Shl).op(OP.i32Or).setLf(LF_AUX);
    this.kind = LF_SZP;
  }

  /**
   * shl/sal (op 4, 6), shr (5), sar (7) of register `reg` by CL masked to 5 or 6 bits (SDM Vol.
   * 2B SAL/SAR/SHL/SHR). A masked count of 0 writes the register back (a 32-bit one zero-extended)
   * and leaves every flag as it was, so the record is written only under a runtime test and the
   * record kind is unknown afterwards; otherwise the words are those of {@link shift}.
   */
  shiftCl(op: number, size: number, reg: number): void {
    const shl = op === 4 || op === 6;
    const k = shl ? 0 : op === 5 ? 1 : 2;
    // Flags change only for a non-zero count: a partial writer for dead-flag elimination.
    this.fxWrite = 2;
    // WebAssembly shifts mask the count to 5 (i32) or 6 (i64) bits, as x86 does.
    if (this.dead) {
      if (size === 8) {
        this.src64(reg).reg64(1).op([OP.i64Shl, OP.i64ShrU, OP.i64ShrS][k]!);
        if (reg !== MEM) this.setReg64(reg);
      } else {
        this.src64(reg).op(OP.i32WrapI64).reg32(1).op([OP.i32Shl, OP.i32ShrU, OP.i32ShrS][k]!);
        if (reg !== MEM) this.setReg32(reg);
      }
      return;
    }
    this.reg32(1)
      .i32(size === 8 ? 0x3f : 0x1f)
      .op(OP.i32And)
      .set(L_FL);
    if (size === 8) {
      this.src64(reg).set(L_T64A);
      this.get(L_T64A).get(L_FL).op(OP.i64ExtendI32U).op([OP.i64Shl, OP.i64ShrU, OP.i64ShrS][k]!).set(L_T64C);
      this.get(L_T64C);
      if (reg !== MEM) this.setReg64(reg);
      this.get(L_FL).op(OP.if).op(VOID);
      this.get(L_T64A);
      if (shl) this.i32(64).get(L_FL).op(OP.i32Sub);
      else this.get(L_FL).i32(1).op(OP.i32Sub);
      this.op(OP.i64ExtendI32U).op(OP.i64ShrU).op(OP.i32WrapI64).i32(1).op(OP.i32And).set(L_T32A);
      if (shl) this.get(L_T64C).i64(63, 0).op(OP.i64ShrU).op(OP.i32WrapI64).get(L_T32A).op(OP.i32Xor);
      else if (op === 5) this.get(L_T64A).i64(63, 0).op(OP.i64ShrU).op(OP.i32WrapI64);
      else this.i32(0);
      this.set(L_T32B);
      this.i32(LF_SZP).setLf(LF_OP);
      this.i32(64).setLf(LF_BITS);
      this.lfPair(L_T64C, LF_RES, LF_RESH);
    } else {
      this.src64(reg).op(OP.i32WrapI64).set(L_T32C);
      this.get(L_T32C).get(L_FL).op([OP.i32Shl, OP.i32ShrU, OP.i32ShrS][k]!).set(L_T32B);
      this.get(L_T32B);
      if (reg !== MEM) this.setReg32(reg);
      this.get(L_FL).op(OP.if).op(VOID);
      this.get(L_T32C);
      if (shl) this.i32(32).get(L_FL).op(OP.i32Sub);
      else this.get(L_FL).i32(1).op(OP.i32Sub);
      this.op(OP.i32ShrU).i32(1).op(OP.i32And).set(L_T32A);
      this.get(L_T32B).setLf(LF_RES);
      this.i32(0).setLf(LF_RESH);
      if (shl) this.get(L_T32B).i32(31).op(OP.i32ShrU).get(L_T32A).op(OP.i32Xor);
      else if (op === 5) this.get(L_T32C).i32(31).op(OP.i32ShrU);
      else this.i32(0);
      this.set(L_T32B);
      this.i32(LF_SZP).setLf(LF_OP);
      this.i32(32).setLf(LF_BITS);
    }
    // AUX = CF | OF << 11.
    this.get(L_T32A).get(L_T32B).i32(11).op(OP.i32Shl).op(OP.i32Or).setLf(LF_AUX);
    this.op(OP.end);
    this.kind = -1;
    this.bits = 32;
  }

  /** Pushes register `reg` as an i64, or the loaded memory operand for MEM. */
  src64(reg: number): this {
    return reg === MEM ? this.get(L_MEM) : this.reg64(reg);
  }

  /**
   * An 8-bit ALU operation: `dst`/`src` are byte offsets into the GPR file (Insn.regB/rmB), or
   * MEM (the loaded byte in L_MEM), or IMM for the source. The record holds the operands and
   * result zero-extended, as the interpreter's (flags.ts). A memory destination leaves its result
   * in T32C.
   */
  alu8(op: number, dst: number, src: number, imm: number): void {
    const writes = this.aluNarrow(
      op,
      8,
      (o) => {
        if (o === MEM) this.get(L_MEM).op(OP.i32WrapI64);
        else if (o === IMM) this.i32(imm & 0xff);
        else this.byteReg(o);
      },
      dst,
      src,
    );
    if (writes && dst !== MEM) this.get(L_T32C).setByteReg(dst);
  }

  /**
   * The common part of 8- and 16-bit ALU operations: pushes each operand through `operand`
   * (which zero-extends it to `bits`), leaves them in T32A/T32B and the masked result in T32C,
   * and writes the lazy-flag record as the interpreter's handlers do (flags.ts). Returns whether
   * the operation writes its destination (not cmp or test); the caller stores it.
   */
  aluNarrow(op: number, bits: 8 | 16, operand: (o: number) => void, dst: number, src: number): boolean {
    const logic = op === ALU_OR || op === ALU_AND || op === ALU_XOR || op === TEST;
    const binop = [OP.i32Add, OP.i32Or, 0, 0, OP.i32And, OP.i32Sub, OP.i32Xor, OP.i32Sub, OP.i32And][op]!;
    this.fxWrite = 1;
    operand(dst);
    this.set(L_T32A);
    operand(src);
    this.set(L_T32B);
    this.get(L_T32A)
      .get(L_T32B)
      .op(binop)
      .i32((1 << bits) - 1)
      .op(OP.i32And)
      .set(L_T32C);
    if (!this.dead) {
      const kind = logic ? LF_LOGIC : op === ALU_ADD ? LF_ADD : LF_SUB;
      this.i32(kind).setLf(LF_OP);
      this.i32(bits).setLf(LF_BITS);
      if (!logic) {
        this.get(L_T32A).setLf(LF_DST);
        this.i32(0).setLf(LF_DSTH);
        this.get(L_T32B).setLf(LF_SRC);
        this.i32(0).setLf(LF_SRCH);
      }
      this.get(L_T32C).setLf(LF_RES);
      this.i32(0).setLf(LF_RESH);
      this.kind = kind;
      this.bits = bits;
    }
    return op !== ALU_CMP && op !== TEST;
  }

  /**
   * mul r/m (F7 /4, SDM Vol. 2B MUL): rDX:rAX = rAX × source, unsigned; the record is LF_SZP of
   * the low half with CF = OF = (high half ≠ 0), as the interpreter keeps it. The 64-bit high
   * half comes from 32-bit partial products.
   */
  mulu(size: number, src: number): void {
    this.fxWrite = 1;
    if (size === 4) {
      this.reg32(0).op(OP.i64ExtendI32U);
      if (src === MEM) this.get(L_MEM).i64(-1, 0).op(OP.i64And);
      else this.reg32(src).op(OP.i64ExtendI32U);
      this.op(OP.i64Mul).set(L_T64C);
      this.get(L_T64C).i64(32, 0).op(OP.i64ShrU).set(L_T64B);
      this.get(L_T64C).i64(-1, 0).op(OP.i64And).setReg64(0);
      this.get(L_T64B).setReg64(2);
      if (!this.dead) {
        this.i32(LF_SZP).setLf(LF_OP);
        this.i32(32).setLf(LF_BITS);
        this.get(L_T64C).op(OP.i32WrapI64).setLf(LF_RES);
        this.i32(0).setLf(LF_RESH);
        this.i32(CF | OF)
          .i32(0)
          .get(L_T64B)
          .op(OP.i64Eqz)
          .op(OP.i32Eqz)
          .op(OP.select)
          .setLf(LF_AUX);
        this.kind = LF_SZP;
        this.bits = 32;
      }
      return;
    }
    // a = rax, b = source; T64A/T64B hold them, L_XA/L_XB scratch for partial products.
    this.reg64(0).set(L_T64A);
    if (src === MEM) this.get(L_MEM);
    else this.reg64(src);
    this.set(L_T64B);
    const lo32 = (l: number) => this.get(l).i64(-1, 0).op(OP.i64And);
    const hi32 = (l: number) => this.get(l).i64(32, 0).op(OP.i64ShrU);
    // mid = (a0·b0 >> 32) + low32(a0·b1) + low32(a1·b0); XA = a0·b1, XB = a1·b0.
    lo32(L_T64A);
    hi32(L_T64B);
    this.op(OP.i64Mul).set(L_XA);
    hi32(L_T64A);
    lo32(L_T64B);
    this.op(OP.i64Mul).set(L_XB);
    lo32(L_T64A);
    lo32(L_T64B);
    this.op(OP.i64Mul).i64(32, 0).op(OP.i64ShrU);
    lo32(L_XA).op(OP.i64Add);
    lo32(L_XB).op(OP.i64Add).set(L_T64C);
    // high = a1·b1 + (XA >> 32) + (XB >> 32) + (mid >> 32)
    hi32(L_T64A);
    hi32(L_T64B);
    this.op(OP.i64Mul);
    hi32(L_XA).op(OP.i64Add);
    hi32(L_XB).op(OP.i64Add);
    hi32(L_T64C).op(OP.i64Add).set(L_T64C);
    this.get(L_T64A).get(L_T64B).op(OP.i64Mul).set(L_T64A);
    this.get(L_T64A).setReg64(0);
    this.get(L_T64C).setReg64(2);
    if (!this.dead) {
      this.i32(LF_SZP).setLf(LF_OP);
      this.i32(64).setLf(LF_BITS);
      this.lfPair(L_T64A, LF_RES, LF_RESH);
      this.i32(CF | OF)
        .i32(0)
        .get(L_T64C)
        .op(OP.i64Eqz)
        .op(OP.i32Eqz)
        .op(OP.select)
        .setLf(LF_AUX);
      this.kind = LF_SZP;
      this.bits = 64;
    }
  }

  /** inc/dec with CF carried over from the previous flag-setting instruction (SDM Vol. 2: INC). */
  incdec(dir: number, size: number, reg: number): void {
    this.fxWrite = 2;
    if (this.dead) {
      const add = dir > 0;
      if (size === 8)
        this.reg64(reg)
          .i64(1, 0)
          .op(add ? OP.i64Add : OP.i64Sub)
          .setReg64(reg);
      else
        this.reg32(reg)
          .i32(1)
          .op(add ? OP.i32Add : OP.i32Sub)
          .setReg32(reg);
      return;
    }
    this.fxRead = true;
    this.cf();
    this.set(L_T32A);
    const kind = dir > 0 ? LF_INC : LF_DEC;
    this.i32(kind).setLf(LF_OP);
    if (size === 8) {
      this.reg64(reg).set(L_T64A);
      this.get(L_T64A)
        .i64(1, 0)
        .op(dir > 0 ? OP.i64Add : OP.i64Sub)
        .set(L_T64C);
      this.i32(64).setLf(LF_BITS);
      this.lfPair(L_T64A, LF_DST, LF_DSTH);
      this.lfPair(L_T64C, LF_RES, LF_RESH);
      this.get(L_T64C).setReg64(reg);
      this.bits = 64;
    } else {
      this.reg32(reg).set(L_T32B);
      this.get(L_T32B)
        .i32(1)
        .op(dir > 0 ? OP.i32Add : OP.i32Sub)
        .set(L_T32C);
      this.i32(32).setLf(LF_BITS);
      this.get(L_T32B).setLf(LF_DST);
      this.i32(0).setLf(LF_DSTH);
      this.get(L_T32C).setLf(LF_RES);
      this.i32(0).setLf(LF_RESH);
      this.get(L_T32C).setReg32(reg);
      this.bits = 32;
    }
    this.i32(1).setLf(LF_SRC);
    this.i32(0).setLf(LF_SRCH);
    this.get(L_T32A).setLf(LF_AUX);
    this.kind = kind;
  }

  /** lea: base + index·2^scale + disp modulo 2^64, truncated to the operand size. */
  lea(i: Insn): boolean {
    if (!this.address(i)) return false;
    if (i.opsize === 8) this.setReg64(i.reg);
    else this.op(OP.i32WrapI64).setReg32(i.reg);
    return true;
  }
}
