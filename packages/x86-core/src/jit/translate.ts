/**
 * Block translator: turns a run of decoded integer instructions into one WebAssembly function
 * over a copy of the register file (GPRs and the lazy-flag record, same byte layout as state.ts)
 * held in the JIT's own `WebAssembly.Memory` (the "mirror"). Guest memory is reached through a
 * tiny accessor module per address space (wasm-to-wasm calls), because a module can import only
 * one memory on Node 20.
 *
 * Scope of this first tier, 32- and 64-bit operands only: mov (register, immediate, load, store),
 * lea, add/or/and/sub/xor/cmp/test (register, immediate, memory source), inc/dec, imul, movzx from
 * memory, movsxd, shl/sal/shr/sar by a constant, nop, and a final jmp/jcc. Every memory access is
 * checked first (address below 2^32, inside one page, page present in the read or write TLB); on
 * any doubt the block leaves before that instruction with everything before it retired, and the
 * interpreter executes it — so faults, code invalidation and mid-instruction state are exactly the
 * interpreter's. Every flag-setting instruction writes the lazy-flag words as the interpreter's
 * handler does (flags.ts), kept in locals and stored at exit. A block whose branch returns to its
 * own first instruction loops inside WebAssembly while the budget allows a whole further pass, so
 * instruction budgets stay exact at block granularity.
 */
import {
  LF_ADD,
  LF_AUX,
  LF_BITS,
  LF_DEC,
  LF_DST,
  LF_DSTH,
  LF_IMUL64,
  LF_INC,
  LF_LOGIC,
  LF_OP,
  LF_RES,
  LF_RESH,
  LF_SRC,
  LF_SRCH,
  LF_SUB,
  LF_SZP,
} from '../flags.js';
import {
  EA_ABS,
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
import { CF, LF_I32, OF } from '../state.js';
import { assemble, Bytes, I32, I64, OP, VOID } from './wasm.js';

/** Bytes of the register file mirrored into the JIT memory (GPRs, FS/GS base, lazy flags). */
export const MIRROR_BYTES = (LF_I32 + 10) * 4;
/** The longest block the translator builds. */
export const MAX_BLOCK = 64;

/** A translated block, ready to run. */
export interface Block {
  /** Address of the first instruction. */
  readonly start: number;
  /** Number of guest instructions in one pass. */
  readonly length: number;
  /** rip when the block exits without taking its final branch. */
  readonly fallRip: number;
  /** rip when the final branch is taken (equal to fallRip when there is no branch). */
  readonly takenRip: number;
  /** True when the final branch targets the block's own start (the block loops in WebAssembly). */
  readonly loops: boolean;
  /** Address of instruction k of the block (the rip of side exit k + 2). */
  readonly exitRips: readonly number[];
  /**
   * Runs passes while `budget` allows; returns the instructions retired and leaves the exit in
   * the mirror's EXIT_WORD: 0 fell through, 1 took the branch, k + 2 left before instruction k.
   */
  readonly fn: (budget: number) => number;
}

/** Something that yields the decoded instruction at an address (the CPU's code cache). */
export interface InsnSource {
  get(addr: number): Insn;
}

// Local indices: 0 = budget parameter.
const L_COUNT = 1;
const L_T32A = 2;
const L_T32B = 3;
const L_T32C = 4;
const L_T64A = 5;
const L_T64B = 6;
const L_T64C = 7;
const L_REG = 8; // 16 i64 locals
const L_LF = 24; // LF_OP … LF_AUX as i32 locals (9 words)
const LOCAL_TYPES: number[] = [
  I32,
  I32,
  I32,
  I32,
  I64,
  I64,
  I64,
  ...new Array<number>(16).fill(I64),
  ...new Array<number>(9).fill(I32),
  I32,
  I32,
  I64,
];
const L_EXIT = 33;
const L_ADDR = 34;
const L_MEM = 35; // i64: the memory operand's value
/** Operand codes for Emitter.alu besides register numbers. */
const IMM = -1;
const MEM = -2;

/** Mirror-memory layout beyond the register file: exit number and the page of a TLB miss. */
export const EXIT_WORD = 1000 / 4;
export const MISS_WORD = 1004 / 4;
/** The read TLB: 1024 words from byte 1024; entry (page & 1023) = (page << 1) | 1 when readable. */
export const TLB_WORD = 1024 / 4;
export const TLB_ENTRIES = 1024;
/** 1 when the miss in MISS_WORD was a write. */
export const MISS_KIND_WORD = 1008 / 4;
/**
 * The write TLB: 64 words from byte 5120, same entry format, holding only pages that are writable
 * and hold no decoded code (the CPU re-validates its entries before every block entry).
 */
export const WTLB_WORD = 5120 / 4;
export const WTLB_ENTRIES = 64;
// Accessor function indices in a block module (imports come first).
const F_L8 = 0;
const F_L16 = 1;
const F_L32 = 2;
const F_L64 = 3;
const F_S32 = 6;
const F_S64 = 7;

const ALU_ADD = 0;
const ALU_OR = 1;
const ALU_AND = 4;
const ALU_SUB = 5;
const ALU_XOR = 6;
const ALU_CMP = 7;
const TEST = 8;

/** Emits code for one block; tracks which registers and flag words it touches. */
class Emitter {
  readonly code = new Bytes();
  readonly readRegs = new Set<number>();
  readonly writeRegs = new Set<number>();
  readonly lfWritten = new Set<number>();
  /** LF kind of the last flag-setting instruction in the block (-1: flags come from outside). */
  kind = -1;
  bits = 32;
  /** Index of the instruction being emitted within the block. */
  index = 0;
  /** Whether the block reads guest memory (needs the accessor imports). */
  usesMemory = false;

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
    switch (this.kind) {
      case LF_ADD:
        this.pair(LF_RES, LF_RESH).pair(LF_DST, LF_DSTH).op(OP.i64LtU);
        return;
      case LF_SUB:
        this.pair(LF_DST, LF_DSTH).pair(LF_SRC, LF_SRCH).op(OP.i64LtU);
        return;
      case LF_LOGIC:
        this.i32(0);
        return;
      default:
        this.lf(LF_AUX).i32(1).op(OP.i32And);
    }
  }
  zf(): void {
    this.lf(LF_RES).lf(LF_RESH).op(OP.i32Or).op(OP.i32Eqz);
  }
  sf(): void {
    this.lf(this.bits === 64 ? LF_RESH : LF_RES)
      .i32(31)
      .op(OP.i32ShrU);
  }
  of(): void {
    if (this.kind === LF_LOGIC) {
      this.i32(0);
      return;
    }
    if (this.kind === LF_SZP) {
      this.lf(LF_AUX).i32(11).op(OP.i32ShrU).i32(1).op(OP.i32And);
      return;
    }
    const d = this.bits === 64 ? LF_DSTH : LF_DST;
    const s = this.bits === 64 ? LF_SRCH : LF_SRC;
    const r = this.bits === 64 ? LF_RESH : LF_RES;
    if (this.kind === LF_ADD || this.kind === LF_INC) {
      this.lf(d).lf(r).op(OP.i32Xor).lf(s).lf(r).op(OP.i32Xor).op(OP.i32And);
    } else {
      this.lf(d).lf(s).op(OP.i32Xor).lf(d).lf(r).op(OP.i32Xor).op(OP.i32And);
    }
    this.i32(31).op(OP.i32ShrU);
  }
  pf(): void {
    this.lf(LF_RES).i32(0xff).op(OP.i32And).op(OP.i32Popcnt).i32(1).op(OP.i32And).i32(1).op(OP.i32Xor);
  }
  /**
   * Whether the translator can evaluate condition `cc` here: it needs a flag-setting instruction
   * earlier in the block, and CF/OF after a 64-bit imul stay with the interpreter.
   */
  knows(cc: number): boolean {
    if (this.kind < 0) return false;
    if (this.kind !== LF_IMUL64) return true;
    const base = cc >> 1;
    return base === 2 || base === 4 || base === 5;
  }

  /** Pushes condition `cc` (SDM Vol. 1 Appendix B) as 0/1. */
  cond(cc: number): void {
    const base = cc >> 1;
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
    this.get(L_ADDR);
    if (size === 8) this.op(OP.call).code.u32(F_L64);
    else {
      this.op(OP.call).code.u32(size === 1 ? F_L8 : size === 2 ? F_L16 : F_L32);
      this.op(OP.i64ExtendI32U);
    }
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
    this.op(OP.call).code.u32(size === 8 ? F_S64 : F_S32);
    return true;
  }

  /** Puts the checked address of `i`'s memory operand in L_ADDR or leaves the block (see load). */
  check(i: Insn, size: number, write: boolean): boolean {
    if (!i.plainEa || i.adsize !== 8) return false;
    if (i.eaKind === EA_ABS) {
      if (!(i.disp >= 0 && i.disp < 4294967296)) return false;
      this.i64(i.disp | 0, 0);
    } else if (!this.address(i)) return false;
    this.set(L_T64A);
    this.usesMemory = true;
    this.op(OP.block).op(VOID); // $ok
    this.op(OP.block).op(VOID); // $miss
    // The address must be below 2^32 …
    this.get(L_T64A).i64(32, 0).op(OP.i64ShrU).op(OP.i64Eqz).op(OP.i32Eqz).op(OP.brIf).code.u32(0);
    this.get(L_T64A).op(OP.i32WrapI64).set(L_ADDR);
    // … the access must stay within one page …
    this.get(L_ADDR)
      .i32(0xfff)
      .op(OP.i32And)
      .i32(0x1000 - size)
      .op(OP.i32GtU)
      .op(OP.brIf)
      .code.u32(0);
    // … and the page must be in the TLB.
    const entries = write ? WTLB_ENTRIES : TLB_ENTRIES;
    this.get(L_ADDR)
      .i32(12)
      .op(OP.i32ShrU)
      .i32(entries - 1)
      .op(OP.i32And)
      .i32(2)
      .op(OP.i32Shl);
    this.op(OP.i32Load)
      .code.u32(2)
      .u32((write ? WTLB_WORD : TLB_WORD) * 4);
    this.get(L_ADDR).i32(12).op(OP.i32ShrU).i32(1).op(OP.i32Shl).i32(1).op(OP.i32Or);
    this.op(OP.i32Eq).op(OP.brIf).code.u32(1);
    this.op(OP.end);
    // Miss: record the page, retire the instructions before this one and leave.
    this.i32(0)
      .get(L_ADDR)
      .i32(12)
      .op(OP.i32ShrU)
      .op(OP.i32Store)
      .code.u32(2)
      .u32(MISS_WORD * 4);
    this.i32(0)
      .i32(write ? 1 : 0)
      .op(OP.i32Store)
      .code.u32(2)
      .u32(MISS_KIND_WORD * 4);
    this.get(L_COUNT).i32(this.index).op(OP.i32Add).set(L_COUNT);
    this.i32(this.index + 2).set(L_EXIT);
    this.op(OP.br).code.u32(2);
    this.op(OP.end);
    return true;
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

  /** inc/dec with CF carried over from the previous flag-setting instruction (SDM Vol. 2: INC). */
  incdec(dir: number, size: number, reg: number): void {
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

const ALU_OPS = new Set([ALU_ADD, ALU_OR, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP]);

/**
 * Emits one instruction if it is in the translated subset; returns false (emitting nothing) for
 * anything else. Conditions that the translator cannot evaluate statically (a flag read with no
 * flag-setting instruction earlier in the block) also return false.
 */
function emitInsn(e: Emitter, i: Insn): boolean {
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
  if (i.map === 1) {
    // movzx r, m8 / m16 (0F B6 / 0F B7; SDM Vol. 2B MOVZX): memory sources only.
    if ((op !== 0xb6 && op !== 0xb7) || i.mod === 3 || !sized) return false;
    if (!e.load(i, op === 0xb6 ? 1 : 2)) return false;
    if (size === 8) e.get(L_MEM).setReg64(i.reg);
    else e.get(L_MEM).op(OP.i32WrapI64).setReg32(i.reg);
    return true;
  }
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
    // Memory operand: only forms that do not write it (Gv,Ev, or cmp Ev,Gv).
    if ((op & 7) === 1 && alu !== ALU_CMP) return false;
    if (!e.load(i, size)) return false;
    if ((op & 7) === 1) e.alu(alu, size, MEM, i.reg, 0, 0);
    else e.alu(alu, size, i.reg, MEM, 0, 0);
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
    case 0xd1:
      if (i.mod !== 3 || !sized || i.reg < 4) return false;
      e.shift(i.reg, size, i.rm, (op === 0xd1 ? 1 : i.imm) & (size === 8 ? 0x3f : 0x1f));
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
      if (i.reg !== ALU_CMP || !e.load(i, size)) return false;
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
    case 0xc7:
      if (i.reg !== 0 || !sized) return false;
      if (i.mod !== 3) return e.store(i, size, () => (size === 8 ? e.i64(i.imm, i.immHi) : e.i32(i.imm)));
      if (size === 8) e.i64(i.imm, i.immHi).setReg64(i.rm);
      else e.i32(i.imm).setReg32(i.rm);
      return true;
    case 0xff:
      if (i.mod !== 3 || i.reg > 1 || !sized || !e.knows(2)) return false;
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

/** Whether `i` is a relative jmp/jcc the translator can end a block with. */
function branchKind(i: Insn): 'jmp' | 'jcc' | null {
  if (i.pfx & PFX_OPSIZE) return null;
  if (i.map === 0 && (i.opcode === 0xeb || i.opcode === 0xe9)) return 'jmp';
  if (
    (i.map === 0 && i.opcode >= 0x70 && i.opcode <= 0x7f) ||
    (i.map === 1 && i.opcode >= 0x80 && i.opcode <= 0x8f)
  )
    return 'jcc';
  return null;
}

/** The JIT's register-file mirror (and exit word and read TLB), shared by every translated block. */
export const mirror = new WebAssembly.Memory({ initial: 1, maximum: 1 });

/** Statistics of the translator (for tests and the benchmark). */
export const jitStats = { blocks: 0, instructions: 0, bytes: 0 };

/** Guest-memory load functions of one address space (a tiny module over its WebAssembly.Memory). */
export type Accessor = Record<
  'l8' | 'l16' | 'l32' | 'l64' | 's8' | 's16' | 's32' | 's64',
  WebAssembly.ExportValue
>;

const accessors = new WeakMap<WebAssembly.Memory, Accessor>();

/**
 * The load functions over `memory` (little-endian, unaligned; SDM Vol. 1 §4.1.1), or null for a
 * shared memory (blocks over it stay register-only).
 */
export function accessorFor(memory: WebAssembly.Memory): Accessor | null {
  if (typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer) return null;
  let acc = accessors.get(memory);
  if (acc === undefined) {
    const body = (load: number, align: number) =>
      new Bytes().byte(OP.localGet).u32(0).byte(load).u32(align).u32(0);
    const sbody = (store: number) =>
      new Bytes().byte(OP.localGet).u32(0).byte(OP.localGet).u32(1).byte(store).u32(0).u32(0);
    const bin = assemble({
      types: [
        { params: [I32], results: [I32] },
        { params: [I32], results: [I64] },
        { params: [I32, I32], results: [] },
        { params: [I32, I64], results: [] },
      ],
      imports: [],
      funcs: [
        { type: 0, locals: [], code: body(OP.i32Load8U, 0), export: 'l8' },
        { type: 0, locals: [], code: body(OP.i32Load16U, 0), export: 'l16' },
        { type: 0, locals: [], code: body(OP.i32Load, 0), export: 'l32' },
        { type: 1, locals: [], code: body(OP.i64Load, 0), export: 'l64' },
        { type: 2, locals: [], code: sbody(OP.i32Store8), export: 's8' },
        { type: 2, locals: [], code: sbody(OP.i32Store16), export: 's16' },
        { type: 2, locals: [], code: sbody(OP.i32Store), export: 's32' },
        { type: 3, locals: [], code: sbody(OP.i64Store), export: 's64' },
      ],
    });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bin), { e: { m: memory } });
    acc = inst.exports as Accessor;
    accessors.set(memory, acc);
  }
  return acc;
}

/**
 * Translates the block starting at `start`, or returns null when its first instruction is
 * outside the translated subset. The block never crosses a page boundary, so dropping the
 * decoded records of its page (code-cache invalidation) also retires the translation. With
 * `access` null, memory operands end the block.
 */
export function translateBlock(src: InsnSource, start: number, access: Accessor | null): Block | null {
  const e = new Emitter();
  const body = e.code;
  const page = Math.floor(start / 4096);
  // block $exit (side exits) around a loop (a self-branch repeats the pass).
  e.op(OP.block).op(VOID);
  e.op(OP.loop).op(VOID);
  let n = 0;
  let addr = start;
  let fallRip = start;
  let takenRip = start;
  let branch: 'jmp' | 'jcc' | null = null;
  let last: Insn | null = null;
  const exitRips: number[] = [];
  while (n < MAX_BLOCK) {
    if (Math.floor(addr / 4096) !== page) break;
    let i: Insn;
    try {
      i = src.get(addr);
    } catch {
      break;
    }
    if (Math.floor((i.next - 1) / 4096) !== page) break;
    const b = branchKind(i);
    if (b !== null) {
      if (b === 'jcc' && !e.knows(i.opcode & 15)) break;
      branch = b;
      last = i;
      n++;
      break;
    }
    if (access === null && i.mod !== 3 && i.opcode !== 0x8d) break;
    e.index = n;
    if (!emitInsn(e, i)) break;
    exitRips.push(i.addr);
    n++;
    addr = i.next;
  }
  if (n === 0) return null;
  e.get(L_COUNT).i32(n).op(OP.i32Add).set(L_COUNT);
  if (branch !== null && last !== null) {
    fallRip = last.next;
    takenRip = last.target;
    if (branch === 'jmp') e.i32(1).set(L_EXIT);
    else {
      e.cond(last.opcode & 15);
      e.set(L_EXIT);
    }
    if (takenRip === start) {
      // Another pass when the branch is taken and the budget holds a whole pass.
      e.get(L_EXIT).get(0).get(L_COUNT).op(OP.i32Sub).i32(n).op(OP.i32GeS).op(OP.i32And);
      e.op(OP.brIf).code.u32(0);
    }
  } else {
    fallRip = addr;
    takenRip = addr;
    e.i32(0).set(L_EXIT);
  }
  e.op(OP.end).op(OP.end);
  // Prologue: load registers and the flag words the block writes (a side exit may leave before
  // writing them); epilogue: store them back, the exit number, and return the count.
  const pro = new Bytes();
  const regs = new Set([...e.readRegs, ...e.writeRegs]);
  for (const r of regs) {
    pro
      .byte(OP.i32Const)
      .s32(0)
      .byte(OP.i64Load)
      .u32(3)
      .u32(r * 8)
      .byte(OP.localSet)
      .u32(L_REG + r);
  }
  for (const w of e.lfWritten) {
    pro
      .byte(OP.i32Const)
      .s32(0)
      .byte(OP.i32Load)
      .u32(2)
      .u32((LF_I32 + w) * 4)
      .byte(OP.localSet)
      .u32(L_LF + w);
  }
  pro.bytes(body.take());
  for (const r of e.writeRegs) {
    pro
      .byte(OP.i32Const)
      .s32(0)
      .byte(OP.localGet)
      .u32(L_REG + r)
      .byte(OP.i64Store)
      .u32(3)
      .u32(r * 8);
  }
  for (const w of e.lfWritten) {
    pro
      .byte(OP.i32Const)
      .s32(0)
      .byte(OP.localGet)
      .u32(L_LF + w)
      .byte(OP.i32Store)
      .u32(2)
      .u32((LF_I32 + w) * 4);
  }
  pro
    .byte(OP.i32Const)
    .s32(0)
    .byte(OP.localGet)
    .u32(L_EXIT)
    .byte(OP.i32Store)
    .u32(2)
    .u32(EXIT_WORD * 4);
  pro.byte(OP.localGet).u32(L_COUNT);
  const types = [
    { params: [I32], results: [I32] },
    { params: [I32], results: [I64] },
    { params: [I32, I32], results: [] },
    { params: [I32, I64], results: [] },
  ];
  const bin = assemble({
    types,
    imports: [
      { name: 'l8', type: 0 },
      { name: 'l16', type: 0 },
      { name: 'l32', type: 0 },
      { name: 'l64', type: 1 },
      { name: 's8', type: 2 },
      { name: 's16', type: 2 },
      { name: 's32', type: 2 },
      { name: 's64', type: 3 },
    ],
    funcs: [{ type: 0, locals: LOCAL_TYPES, code: pro, export: 'f' }],
  });
  const acc = access ?? NO_ACCESS;
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bin), { e: { m: mirror, ...acc } });
  const fn = inst.exports.f as (budget: number) => number;
  jitStats.blocks++;
  jitStats.instructions += n;
  jitStats.bytes += bin.length;
  return { start, length: n, fallRip, takenRip, exitRips, loops: branch !== null && takenRip === start, fn };
}

/** Placeholders for blocks without memory operands (never called). */
const NO_ACCESS: Accessor = {
  l8: () => 0,
  l16: () => 0,
  l32: () => 0,
  l64: () => 0n,
  s8: () => undefined,
  s16: () => undefined,
  s32: () => undefined,
  s64: () => undefined,
};
