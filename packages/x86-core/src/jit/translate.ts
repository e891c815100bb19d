/**
 * Region translator: turns the blocks reachable from a hot address through direct branches on
 * its page and one neighbouring page (up to 16 blocks) into one WebAssembly function whose only memory is the guest's own
 * `WebAssembly.Memory`: guest bytes are plain loads and stores, and the first SCRATCH_END bytes
 * (which no guest page occupies while translated code runs) hold the "mirror" — a copy of the
 * register file (GPRs, FS/GS base, lazy-flag record, XMM, MXCSR; the byte layout of state.ts),
 * the exit words and the read and write TLBs. The blocks sit in a loop around a br_table on a
 * block index, so branches between them stay inside WebAssembly; a branch out of the region, or
 * into a block the remaining budget cannot hold whole, leaves with the target rip. Registers
 * live in locals for the whole call (loaded on entry, stored on every exit).
 *
 * Subset, 32- and 64-bit operands unless said: mov (register, immediate, load, store; 8-bit
 * too), lea, add/or/and/sub/xor/cmp/test (8, 32 and 64 bits: register, immediate, memory source,
 * read-modify-write of memory), inc/dec, not/neg, imul, mul, movzx/movsx/movsxd,
 * shl/sal/shr/sar/rol/ror by a constant, shl/sal/shr/sar of a register or memory by CL,
 * bswap, cmovcc, setcc, nop, push/pop, FS/GS-relative operands, jmp/jcc/call between blocks,
 * ret and jmp through a register (leaving the region with the target), and the SSE2
 * moves, shuffles, logic and double-precision arithmetic and compares of emitSse (under the
 * same conditions as the interpreter's native fast path, else left to it). Every memory
 * access is checked first (address below 2^32, inside one page, page present in the read or
 * write TLB); on any doubt the region leaves before that instruction with everything before it
 * retired, and the interpreter executes it — so faults, code invalidation and mid-instruction
 * state are exactly the interpreter's. Flag-setting instructions write the lazy-flag words as
 * the interpreter's handlers do (flags.ts) unless a later instruction of the same block
 * overwrites every flag first with no exit in between (dead-flag elimination); flags of a record
 * whose kind is not known statically come from the interpreter's own getters. Budgets stay
 * exact at block granularity.
 */

import { Cpu } from '../cpu.js';
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
  SEG_FS,
} from '../insn.js';
import { GuestMemory } from '../memory.js';
import {
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
import { assemble, Bytes, F64, I32, I64, OP, VOID } from './wasm.js';

/** Bytes of the register file mirrored into the JIT memory: GPRs, FS/GS base, lazy flags, XMM, MXCSR. */
export const MIRROR_BYTES = MXCSR_I32 * 4 + 4;
/** The integer part of it (GPRs, FS/GS base, lazy flags); XMM and MXCSR follow at XMM_OFFSET. */
export const MIRROR_GPR_BYTES = (LF_I32 + LF_WORDS) * 4;
/** The longest block the translator builds. */
export const MAX_BLOCK = 64;
/** Most blocks in one region, and most instructions over its blocks. */
const MAX_REGION_BLOCKS = 16;
const MAX_REGION_INSNS = 512;

/** A translated region (one or more blocks on the page of its start and one neighbouring page), ready to run. */
export interface Block {
  /** Address of the first instruction. */
  readonly start: number;
  /**
   * The neighbouring page (start's page ± 1) some of its blocks start on, or -1: the translation
   * is valid while the code cache's versions of both pages are those seen when it was built.
   */
  readonly page2: number;
  /** Number of guest instructions of the entry block (the budget must hold them to enter). */
  readonly length: number;
  /** Number of blocks in the region. */
  readonly blocks: number;
  /** The region reads or writes XMM registers or MXCSR (their part of the mirror must be current). */
  readonly xmm: boolean;
  /** True when a branch inside the region leads back into it (it loops in WebAssembly). */
  readonly loops: boolean;
  /**
   * Runs the region while `budget` allows a whole next block; returns the instructions retired
   * and leaves EXIT_WORD / RIP_WORD (and on a TLB miss MISS_WORD / MISS_KIND_WORD) in the mirror.
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
const L_LF = 24; // LF_OP … LF_FLAGS as i32 locals (10 words)
const LOCAL_TYPES: number[] = [
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
];
const L_EXIT = 34;
const L_ADDR = 35;
const L_MEM = 36; // i64: the memory operand's value
const L_FL = 37; // i32: a materialised RFLAGS value
const L_IDX = 38; // i32: the region block to run next
const L_XA = 39; // i64: low lane of an SSE memory operand
const L_XB = 40; // i64: high lane of an SSE memory operand
const L_R0 = 41; // f64: SSE results before they are written
const L_R1 = 42;
/** Lazy-flag words kept in locals (LF_OP … LF_FLAGS). */
const LF_USED = LF_FLAGS + 1;
/** Operand codes for Emitter.alu besides register numbers. */
const IMM = -1;
const MEM = -2;

/**
 * Mirror-memory layout beyond the register file: how the region was left (0 at a branch to code
 * outside it or beyond the budget, 1 before an instruction whose memory access the TLB did not
 * admit), the rip to continue at (a 64-bit word below 2^32), and the page of a TLB miss.
 */
export const EXIT_WORD = 1000 / 4;
export const RIP_WORD = 1016 / 4;
export const MISS_WORD = 1004 / 4;
/** The read TLB: 1024 words from byte 1024; entry (page & 1023) = (page << 1) | 1 when readable. */
export const TLB_WORD = 1024 / 4;
export const TLB_ENTRIES = 1024;
/** 1 when the miss in MISS_WORD was a write. */
export const MISS_KIND_WORD = 1008 / 4;
/**
 * The write TLB: 1024 words from byte 5120, same entry format, holding only pages that are
 * writable and hold no decoded code (JitCpu re-validates its entries whenever instructions were
 * decoded, which is when pages become code).
 */
export const WTLB_WORD = 5120 / 4;
export const WTLB_ENTRIES = 1024;
/** `mat() -> i32`: RFLAGS computed from the lazy-flag record in the mirror (see matFor). */
const F_MAT = 0;
/**
 * The mirror is the first 64 KiB of the guest's own memory, which no guest page may occupy
 * while translated code runs (JitCpu checks; the kernel never maps below 0x10000).
 */
export const SCRATCH_END = 0x10000;

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
    if (this.kind < 0 || this.kind === LF_NONE || this.kind === LF_IMUL64) {
      this.flagsWord().i32(1).op(OP.i32And);
      return;
    }
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
      .i32(this.bits === 64 ? 31 : this.bits - 1)
      .op(OP.i32ShrU);
    if (this.bits < 32) this.i32(1).op(OP.i32And);
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
    this.i32(this.bits === 64 ? 31 : this.bits - 1).op(OP.i32ShrU);
    if (this.bits < 32) this.i32(1).op(OP.i32And);
  }
  pf(): void {
    this.lf(LF_RES).i32(0xff).op(OP.i32And).op(OP.i32Popcnt).i32(1).op(OP.i32And).i32(1).op(OP.i32Xor);
  }
  /**
   * Whether condition `cc` can be computed from the statically known record kind; otherwise
   * {@link cond} goes through the materialised RFLAGS ({@link flagsWord}).
   */
  knows(cc: number): boolean {
    if (this.kind < 0 || this.kind === LF_NONE) return false;
    if (this.kind !== LF_IMUL64) return true;
    const base = cc >> 1;
    return base === 2 || base === 4 || base === 5;
  }

  /** Stores the lazy-flag words written so far to the mirror (before the runtime reads them). */
  flush(): void {
    // Every word: in a region, blocks emitted later may run earlier.
    for (let w = 0; w < LF_USED; w++) {
      this.i32(0)
        .lf(w)
        .op(OP.i32Store)
        .code.u32(2)
        .u32((LF_I32 + w) * 4);
    }
  }

  /** Pushes the current RFLAGS (as Cpu.getRflags computes it from the record) as an i32. */
  flagsWord(): this {
    if (this.kind === LF_NONE) return this.lf(LF_FLAGS);
    this.flush();
    this.op(OP.call).code.u32(F_MAT);
    return this;
  }

  /** Pushes condition `cc` (SDM Vol. 1 Appendix B) as 0/1. */
  cond(cc: number): void {
    this.fxRead = true;
    const base = cc >> 1;
    if (!this.knows(cc)) {
      this.flagsWord().set(L_FL);
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
    this.flagsWord()
      .i32(~(CF | OF))
      .op(OP.i32And)
      .get(L_T32B)
      .op(OP.i32Or)
      .get(L_T32C)
      .i32(11)
      .op(OP.i32Shl)
      .op(OP.i32Or)
      .setLf(LF_FLAGS);
    this.i32(LF_NONE).setLf(LF_OP);
    this.kind = LF_NONE;
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
    // … aligned when the form requires it (SDM Vol. 1 §4.1.1: legacy SSE m128 operands) …
    if (align > 1)
      this.get(L_ADDR)
        .i32(align - 1)
        .op(OP.i32And)
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
    this.exitBefore(i, write ? 1 : 0);
  }

  /**
   * Leaves the region before instruction `i` (the interpreter runs it next): records the miss
   * kind, retires the instructions before it, stores its rip and closes the enclosing block.
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

  /** Pushes lane `k` (0 low, 1 high) of XMM register `n` as an i64. */
  xmm64(n: number, k: number): this {
    this.usesXmm = true;
    this.i32(0)
      .op(OP.i64Load)
      .code.u32(3)
      .u32(XMM_OFFSET + n * 16 + k * 8);
    return this;
  }
  /** Pushes lane `k` of XMM register `n` as an f64. */
  xmmF(n: number, k: number): this {
    this.usesXmm = true;
    this.i32(0)
      .op(OP.f64Load)
      .code.u32(3)
      .u32(XMM_OFFSET + n * 16 + k * 8);
    return this;
  }
  /** Stores the i64 pushed by `value` into lane `k` of XMM register `n`. */
  setXmm64(n: number, k: number, value: () => void): void {
    this.usesXmm = true;
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

  /**
   * Pushes 1 when the binary64 bit pattern pushed by `bits` is a zero or has a biased exponent
   * in [0x100, 0x6ff] — the operands for which the interpreter's binary64 fast path
   * (float-ops.ts) gives the native result with no flag but PE — else 0.
   */
  moderate(bits: () => void): this {
    // e = (bits >> 52) & 0x7ff; ok = (e - 0x100) < 0x600 unsigned, or bits << 1 == 0.
    bits();
    this.i64(52, 0).op(OP.i64ShrU).op(OP.i32WrapI64).i32(0x7ff).op(OP.i32And);
    this.i32(0x100).op(OP.i32Sub).i32(0x600).op(OP.i32LtU);
    bits();
    this.i64(1, 0).op(OP.i64Shl).op(OP.i64Eqz).op(OP.i32Or);
    return this;
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
    const logic = op === ALU_OR || op === ALU_AND || op === ALU_XOR || op === TEST;
    const binop = [OP.i32Add, OP.i32Or, 0, 0, OP.i32And, OP.i32Sub, OP.i32Xor, OP.i32Sub, OP.i32And][op]!;
    const writes = op !== ALU_CMP && op !== TEST;
    this.fxWrite = 1;
    const byte = (o: number) => {
      if (o === MEM) this.get(L_MEM).op(OP.i32WrapI64);
      else if (o === IMM) this.i32(imm & 0xff);
      else this.byteReg(o);
    };
    byte(dst);
    this.set(L_T32A);
    byte(src);
    this.set(L_T32B);
    this.get(L_T32A).get(L_T32B).op(binop).i32(0xff).op(OP.i32And).set(L_T32C);
    if (!this.dead) {
      this.i32(logic ? LF_LOGIC : op === ALU_ADD ? LF_ADD : LF_SUB).setLf(LF_OP);
      this.i32(8).setLf(LF_BITS);
      if (!logic) {
        this.get(L_T32A).setLf(LF_DST);
        this.i32(0).setLf(LF_DSTH);
        this.get(L_T32B).setLf(LF_SRC);
        this.i32(0).setLf(LF_SRCH);
      }
      this.get(L_T32C).setLf(LF_RES);
      this.i32(0).setLf(LF_RESH);
      this.kind = logic ? LF_LOGIC : op === ALU_ADD ? LF_ADD : LF_SUB;
      this.bits = 8;
    }
    if (writes && dst !== MEM) this.get(L_T32C).setByteReg(dst);
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

const ALU_OPS = new Set([ALU_ADD, ALU_OR, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP]);

/**
 * Emits one instruction if it is in the translated subset; returns false (emitting nothing) for
 * anything else. Conditions that the translator cannot evaluate statically (a flag read with no
 * flag-setting instruction earlier in the block) also return false.
 */
function emitInsn(e: Emitter, i: Insn): boolean {
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
const SSE_OPS = new Set([
  0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x28, 0x29, 0x2e, 0x2f, 0x51, 0x54, 0x55, 0x56, 0x57, 0x58,
  0x59, 0x5c, 0x5e, 0x6f, 0x7f, 0xc6,
]);
/** Results in [2^-960, 2^960] (float-ops.ts): the binary64 fast path raises no flag but PE. */
const SAFE_LO = 1.0261342003245941e-289;
const SAFE_HI = 9.745314011399999e288;
/** MXCSR bits that must read exactly PE_STICKY: round to nearest, PE set and masked. */
const MXCSR_FAST_MASK = 0x6000 | 0x20 | 0x1000;
const PE_STICKY = 0x20 | 0x1000;

/** A 128-bit register–register or register–memory move (movaps/movapd/movups/movupd/movdqa/movdqu). */
function move128(e: Emitter, i: Insn, store: boolean, align: number): boolean {
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
function emitSse(e: Emitter, i: Insn): boolean {
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
  e.i32(0)
    .op(OP.i32Load)
    .code.u32(2)
    .u32(MXCSR_I32 * 4);
  e.i32(MXCSR_FAST_MASK).op(OP.i32And).i32(PE_STICKY).op(OP.i32Ne).op(OP.brIf).code.u32(0);
  for (let k = 0; k < lanes; k++) {
    e.moderate(() => src(k))
      .op(OP.i32Eqz)
      .op(OP.brIf)
      .code.u32(0);
    const r = k === 0 ? L_R0 : L_R1;
    if (op === 0x51) {
      // sqrt of a negative non-zero operand is invalid (IE).
      srcF(k).f64(0).op(OP.f64Lt).op(OP.brIf).code.u32(0);
      srcF(k).op(OP.f64Sqrt).set(r);
      continue;
    }
    e.moderate(() => e.xmm64(d, k))
      .op(OP.i32Eqz)
      .op(OP.brIf)
      .code.u32(0);
    e.xmmF(d, k);
    srcF(k);
    e.op(op === 0x58 ? OP.f64Add : op === 0x59 ? OP.f64Mul : op === 0x5c ? OP.f64Sub : OP.f64Div).set(r);
    // In range: SAFE_LO ≤ |r| ≤ SAFE_HI, or an exact zero (any sum; a product with a zero
    // factor; a quotient with a zero dividend). NaN fails every comparison.
    e.get(r).op(OP.f64Abs).f64(SAFE_LO).op(OP.f64Ge);
    e.get(r).op(OP.f64Abs).f64(SAFE_HI).op(OP.f64Le).op(OP.i32And);
    e.get(r).f64(0).op(OP.f64Eq);
    if (op === 0x59) {
      e.xmmF(d, k).f64(0).op(OP.f64Eq);
      srcF(k).f64(0).op(OP.f64Eq).op(OP.i32Or).op(OP.i32And);
    } else if (op === 0x5e) e.xmmF(d, k).f64(0).op(OP.f64Eq).op(OP.i32And);
    e.op(OP.i32Or).op(OP.i32Eqz).op(OP.brIf).code.u32(0);
  }
  e.guardEnd(i);
  for (let k = 0; k < lanes; k++) {
    e.setXmm64(d, k, () => e.get(k === 0 ? L_R0 : L_R1).op(OP.i64ReinterpretF64));
  }
  return true;
}

/** Two-byte opcodes (0F xx) of the translated subset. */
function emitMap1(e: Emitter, i: Insn): boolean {
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
type Branch = 'jmp' | 'jcc' | 'call' | 'ret' | 'ind';

function branchKind(i: Insn): Branch | null {
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

/** Statistics of the translator (for tests and the benchmark). */
export const jitStats = { blocks: 0, instructions: 0, bytes: 0 };

/**
 * Translates the region starting at `start` over the guest memory `memory` (whose first
 * SCRATCH_END bytes hold the mirror), or returns null when its first instruction is outside the
 * translated subset. Every block starts on the page of `start` or on Block.page2, so dropping
 * decoded records of either page (code-cache invalidation, which changes its version) retires
 * the translation (JitCpu compares both versions).
 */
export function translateBlock(src: InsnSource, start: number, memory: WebAssembly.Memory): Block | null {
  const access = memory;
  // Discover the region: blocks reachable from `start` through direct branches that start on
  // its page, or on one neighbouring page and branch back (so a loop crossing a page boundary
  // stays inside).
  const page = Math.floor(start / 4096);
  let page2 = -1;
  const starts: number[] = [];
  const index = new Map<number, number>();
  const probes: Probe[] = [];
  const queue = [start];
  let total = 0;
  while (queue.length > 0 && starts.length < MAX_REGION_BLOCKS && total < MAX_REGION_INSNS) {
    const at = queue.shift()!;
    if (index.has(at)) continue;
    const p = Math.floor(at / 4096);
    if (p !== page && (!(p === page - 1 || p === page + 1) || (page2 !== -1 && p !== page2))) continue;
    const probe = emitInsns(new Emitter(), src, at, null);
    if (probe.n === 0) {
      if (at === start) return null;
      continue;
    }
    // A block on the neighbouring page joins only when it branches back to the start page (the
    // tail of a loop that crosses the boundary): taking whole neighbouring code in made regions
    // larger and compilation dearer than the exits it saved (buffer kernel: 20% more CPU).
    if (p !== page) {
      if (!((probe.branch === 'jmp' || probe.branch === 'jcc') && Math.floor(probe.takenRip / 4096) === page))
        continue;
      page2 = p;
    }
    index.set(at, starts.length);
    starts.push(at);
    probes.push(probe);
    total += probe.n;
    if (probe.branch === null || probe.branch === 'jcc') queue.push(probe.fallRip);
    if (probe.branch === 'jmp' || probe.branch === 'jcc' || probe.branch === 'call')
      queue.push(probe.takenRip);
  }
  const e = new Emitter();
  const n = starts.length;
  let loops = false;
  // block $exit; loop $top; block $b(n-1) … block $b0; br_table on the block index.
  e.op(OP.block).op(VOID);
  e.op(OP.loop).op(VOID);
  for (let k = 0; k < n; k++) e.op(OP.block).op(VOID);
  e.get(L_IDX).op(OP.brTable).code.u32(n);
  for (let k = 0; k < n; k++) e.code.u32(k);
  e.code.u32(n + 1);
  for (let k = 0; k < n; k++) {
    e.op(OP.end);
    const probe = probes[k]!;
    // Dead-flag elimination: flags are live at the end of the block (stored, or read by its
    // jcc or by a successor block).
    const dead = new Array<boolean>(probe.effects.length).fill(false);
    let live = true;
    for (let j = probe.effects.length - 1; j >= 0; j--) {
      const fx = probe.effects[j]!;
      dead[j] = !live;
      // A side exit before the instruction exposes the record as it is before it; a partial
      // writer (rotate, inc/dec) reads the earlier flags only when its own result is live.
      if (fx.write === 1) live = fx.exit || fx.read;
      else if (fx.write === 2) live = live || fx.exit;
      else live = live || fx.read || fx.exit;
    }
    e.kind = -1;
    e.bits = 32;
    e.exitDepth = n - k;
    const body = emitInsns(e, src, starts[k]!, dead);
    if (body.n !== probe.n) return null;
    const last = body.last;
    if (last !== null && (body.branch === 'call' || body.branch === 'ret' || body.branch === 'ind')) {
      // The stack access (and target check) of call/ret may leave before the branch itself.
      e.index = body.n - 1;
      if (body.branch === 'call') e.push(last, () => e.i64(last.next, 0));
      else {
        if (body.branch === 'ret') e.peek(last);
        else e.reg64(last.rm).set(L_MEM);
        // A target at or above 2^32 stays with the interpreter (it raises #GP or the fetch fault).
        e.guard();
        e.get(L_MEM).i64(32, 0).op(OP.i64ShrU).op(OP.i64Eqz).op(OP.i32Eqz).op(OP.brIf).code.u32(0);
        e.guardEnd(last);
        if (body.branch === 'ret') e.reg64(4).i64(8, 0).op(OP.i64Add).setReg64(4);
      }
    }
    e.get(L_COUNT).i32(body.n).op(OP.i32Add).set(L_COUNT);
    if (body.branch === 'ret' || body.branch === 'ind') {
      e.i32(0)
        .get(L_MEM)
        .op(OP.i64Store)
        .code.u32(3)
        .u32(RIP_WORD * 4);
      e.i32(0).set(L_EXIT);
      e.op(OP.br).code.u32(n - k);
      continue;
    }
    const goto = (rip: number, extra: number) => {
      const j = index.get(rip);
      if (j !== undefined) {
        loops ||= j <= k;
        // Into block j when the budget holds all of it.
        e.get(L_COUNT).i32(probes[j]!.n).op(OP.i32Add).get(0).op(OP.i32LeS);
        e.op(OP.if).op(VOID);
        e.i32(j).set(L_IDX);
        e.op(OP.br).code.u32(n - 1 - k + extra + 1);
        e.op(OP.end);
      }
      e.i32(0)
        .i64(rip, 0)
        .op(OP.i64Store)
        .code.u32(3)
        .u32(RIP_WORD * 4);
      e.i32(0).set(L_EXIT);
      e.op(OP.br).code.u32(n - k + extra);
    };
    if (body.branch === 'jcc') {
      e.cond(body.cc);
      e.op(OP.if).op(VOID);
      goto(body.takenRip, 1);
      e.op(OP.end);
      goto(body.fallRip, 0);
    } else goto(body.branch === 'jmp' || body.branch === 'call' ? body.takenRip : body.fallRip, 0);
  }
  e.op(OP.end).op(OP.end);
  return finish(
    e,
    start,
    probes[0]!.n,
    n,
    loops,
    access,
    starts.some((a) => Math.floor(a / 4096) !== page) ? page2 : -1,
  );
}

/** Flag effects of one emitted instruction (see Emitter.fxWrite/fxRead/fxExit). */
interface Effect {
  write: number;
  read: boolean;
  exit: boolean;
}

/** One block as emitted: its instructions (including a final branch) and where it leads. */
interface Probe {
  n: number;
  fallRip: number;
  takenRip: number;
  branch: Branch | null;
  /** The jcc's condition code. */
  cc: number;
  /** The final branch instruction. */
  last: Insn | null;
  effects: Effect[];
}

/**
 * Emits the instructions of the block at `start` into `e` (without its final branch, which
 * the caller emits): stops at a jmp/jcc, at the first instruction outside the subset, at the
 * page end, or at MAX_BLOCK instructions.
 */
function emitInsns(e: Emitter, src: InsnSource, start: number, dead: boolean[] | null): Probe {
  const page = Math.floor(start / 4096);
  let n = 0;
  let addr = start;
  let branch: Branch | null = null;
  let last: Insn | null = null;
  const effects: Effect[] = [];
  while (n < MAX_BLOCK) {
    if (Math.floor(addr / 4096) !== page) break;
    let i: Insn;
    try {
      i = src.get(addr);
    } catch {
      break;
    }
    // An instruction may end on the next page: the code cache drops it (and bumps the version
    // of the page it starts on, which validates the region) when any of its bytes change.
    const b = branchKind(i);
    if (b !== null) {
      if ((b === 'jmp' || b === 'jcc' || b === 'call') && !(i.target >= 0 && i.target < 4294967296)) break;
      if (b === 'call' && !(i.next < 4294967296)) break;
      branch = b;
      last = i;
      n++;
      break;
    }
    e.index = n;
    e.dead = dead !== null && dead[n] === true;
    e.fxWrite = 0;
    e.fxRead = false;
    e.fxExit = false;
    if (!emitInsn(e, i)) break;
    if (dead !== null) e.emitted++;
    effects.push({ write: e.fxWrite, read: e.fxRead, exit: e.fxExit });
    n++;
    addr = i.next;
  }
  e.dead = false;
  if (last !== null) {
    const direct = branch === 'jmp' || branch === 'jcc' || branch === 'call';
    return {
      n,
      fallRip: last.next,
      takenRip: direct ? last.target : -1,
      branch,
      cc: last.opcode & 15,
      last,
      effects,
    };
  }
  return { n, fallRip: addr, takenRip: addr, branch: null, cc: 0, last: null, effects };
}

function finish(
  e: Emitter,
  start: number,
  length: number,
  blocks: number,
  loops: boolean,
  access: WebAssembly.Memory,
  page2: number,
): Block {
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
  for (let w = 0; w < LF_USED; w++) {
    pro
      .byte(OP.i32Const)
      .s32(0)
      .byte(OP.i32Load)
      .u32(2)
      .u32((LF_I32 + w) * 4)
      .byte(OP.localSet)
      .u32(L_LF + w);
  }
  pro.bytes(e.code.take());
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
  for (let w = 0; w < LF_USED; w++) {
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
    { params: [], results: [I32] },
  ];
  const bin = assemble({
    types,
    imports: [{ name: 'mat', type: 1 }],
    funcs: [{ type: 0, locals: LOCAL_TYPES, code: pro, export: 'f' }],
  });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bin), {
    e: { m: access, mat: matFor(access) },
  });
  const fn = inst.exports.f as (budget: number) => number;
  jitStats.blocks++;
  jitStats.instructions += e.emitted;
  jitStats.bytes += bin.length;
  return { start, page2, length, blocks, loops, xmm: e.usesXmm, fn };
}

let flagHelper: Cpu | null = null;
const mats = new WeakMap<WebAssembly.Memory, () => number>();

/**
 * RFLAGS from the lazy-flag record in the mirror of `memory`, computed by the interpreter's own
 * getters (on a private register file), so translated code that needs the flags of a record
 * kind it does not know statically gets exactly the interpreter's answer.
 */
function matFor(memory: WebAssembly.Memory): () => number {
  let mat = mats.get(memory);
  if (mat === undefined) {
    mat = () => {
      if (flagHelper === null) flagHelper = new Cpu(new GuestMemory({ maxBytes: 4096 }));
      flagHelper.lf.set(new Int32Array(memory.buffer, LF_I32 * 4, LF_WORDS));
      return flagHelper.getRflags();
    };
    mats.set(memory, mat);
  }
  return mat;
}
