/**
 * The interpreter: class {@link Cpu} implements the embedder contract {@link X86Cpu}. It owns the
 * register file (one ArrayBuffer, see state.ts), the lazy-flag record, the effective-address and
 * memory helpers handlers use, and the execution loop over the shared decoded-instruction cache.
 */
import type { Reg, RunResult, X86Cpu, X87Register, X87State } from './api.js';
import { type CodeCache, codeCacheFor } from './code-cache.js';
import { decode, type OpcodeTables } from './decoder.js';
import { formatInsn } from './disasm.js';
import { CpuFault } from './fault.js';
import {
  LF_ADC,
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
  LF_SBB,
  LF_SRC,
  LF_SRCH,
  LF_SUB,
  LF_SZP,
  PARITY,
} from './flags.js';
import { EA_BASE, EA_BASE_INDEX, type Insn, SEG_NONE } from './insn.js';
import { type GuestMemory, PAGE_CODE, PROT_WRITE } from './memory.js';
import { opcodeTables } from './opcodes.js';
import { imulOverflow64 } from './ops/common.js';
import { eaWide } from './ops/ea-wide.js';
import {
  AF,
  ARITH_FLAGS,
  CF,
  FS_BASE_I32,
  GS_BASE_I32,
  IF,
  LF_I32,
  LF_WORDS,
  MXCSR_I32,
  OF,
  PF,
  SF,
  STATE_BYTES,
  USER_FLAGS,
  X87_FCW_OFFSET,
  X87_FSW_OFFSET,
  X87_FTW_OFFSET,
  X87_REG_OFFSET,
  XMM_OFFSET,
  ZF,
} from './state.js';

const TWO32 = 4294967296;
const STOP_NONE = 0;
const STOP_SYSCALL = 1;
const STOP_REQUESTED = 2;

/** Options for {@link Cpu}. */
export interface CpuOptions {
  /** Source of the time-stamp counter read by rdtsc (default: a monotonic nanosecond clock). */
  tsc?: () => number;
}

/** An interpreting x86-64 CPU over a {@link GuestMemory}. */
export class Cpu implements X86Cpu {
  readonly memory: GuestMemory;
  /** The register file (layout in state.ts). */
  readonly state: ArrayBuffer;
  /** Int32 view of the whole register file; GPR n is r[2n] (low) and r[2n+1] (high). */
  readonly r: Int32Array;
  /** Uint32 view of the whole register file (XMM n at XMM_I32 + 4n, MXCSR at MXCSR_I32). */
  readonly u32: Uint32Array;
  /** Uint16 view (16-bit GPR n is w[4n]). */
  readonly w: Uint16Array;
  /** Byte view (8-bit registers: Insn.regB / Insn.rmB are offsets into it). */
  readonly b: Uint8Array;
  /** Float32 view of the register file (XMM lanes). */
  readonly f32: Float32Array;
  /** Float64 view of the register file (XMM lanes). */
  readonly f64: Float64Array;
  /** DataView over the register file (x87 registers, odd-sized fields). */
  readonly dv: DataView;
  /** The lazy-flag record (see flags.ts), a view into the register file. */
  readonly lf: Int32Array;
  /** Address of the next instruction (while a handler runs: of the instruction after it). */
  rip = 0;
  /** High 32 bits of the last 64-bit value returned by a helper (avoids allocating pairs). */
  hi = 0;
  /** Opcode tables this CPU decodes with. */
  readonly tables: OpcodeTables;
  /** Decoded code of the address space (shared with every CPU on the same memory). */
  cache: CodeCache;
  /** Time-stamp counter source. */
  readonly tsc: () => number;
  /**
   * Per-CPU state an extension attaches lazily (the x87 unit keeps its FPU view here), so that it
   * lives and dies with the CPU and costs no lookup per instruction.
   * @internal
   */
  extState: unknown = null;
  private retired = 0;
  private stopReason = STOP_NONE;
  /** Iterations a batching REP handler may run in this call (set by the loop). */
  repBudget = 1;
  /** Completed REP iterations beyond the first, reported by a batching handler. */
  repExtra = 0;
  /** Set by handlers (syscall) or requestStop to end the run after the current instruction. */
  stop = false;

  constructor(memory: GuestMemory, options: CpuOptions = {}) {
    this.memory = memory;
    this.state = new ArrayBuffer(STATE_BYTES);
    this.r = new Int32Array(this.state);
    this.u32 = new Uint32Array(this.state);
    this.w = new Uint16Array(this.state);
    this.b = new Uint8Array(this.state);
    this.f32 = new Float32Array(this.state);
    this.f64 = new Float64Array(this.state);
    this.dv = new DataView(this.state);
    this.lf = new Int32Array(this.state, LF_I32 * 4, LF_WORDS);
    this.tables = opcodeTables();
    this.cache = codeCacheFor(memory, this.tables);
    const t0 = performance.now();
    this.tsc = options.tsc ?? (() => Math.floor((performance.now() - t0) * 1e6));
    this.reset();
  }

  /** Puts the CPU into its initial user-mode state (all registers zero, RFLAGS 0x202, FPU/SSE defaults). */
  reset(): void {
    this.b.fill(0);
    this.lf[LF_OP] = LF_NONE;
    this.lf[LF_FLAGS] = IF | 2;
    this.u32[MXCSR_I32] = 0x1f80;
    this.dv.setUint16(X87_FCW_OFFSET, 0x037f, true);
    this.dv.setUint16(X87_FTW_OFFSET, 0xffff, true);
    this.rip = 0;
  }

  get instructionCount(): number {
    return this.retired;
  }

  // ---- flags -----------------------------------------------------------------------------------

  /** Records an operation for lazy flags (widths below 64; values already masked to the width). */
  setFlagsOp(op: number, bits: number, dst: number, src: number, res: number): void {
    const lf = this.lf;
    lf[LF_OP] = op;
    lf[LF_BITS] = bits;
    lf[LF_DST] = dst;
    lf[LF_DSTH] = 0;
    lf[LF_SRC] = src;
    lf[LF_SRCH] = 0;
    lf[LF_RES] = res;
    lf[LF_RESH] = 0;
  }

  /** Records a 64-bit operation for lazy flags. */
  setFlagsOp64(op: number, dl: number, dh: number, sl: number, sh: number, rl: number, rh: number): void {
    const lf = this.lf;
    lf[LF_OP] = op;
    lf[LF_BITS] = 64;
    lf[LF_DST] = dl;
    lf[LF_DSTH] = dh;
    lf[LF_SRC] = sl;
    lf[LF_SRCH] = sh;
    lf[LF_RES] = rl;
    lf[LF_RESH] = rh;
  }

  /** Records a logical operation (CF = OF = AF = 0; SF/ZF/PF from the result). */
  setFlagsLogic(bits: number, res: number, resHi: number): void {
    const lf = this.lf;
    lf[LF_OP] = LF_LOGIC;
    lf[LF_BITS] = bits;
    lf[LF_RES] = res;
    lf[LF_RESH] = resHi;
  }

  /**
   * Records a result whose SF/ZF/PF follow from it while CF, OF and AF are given (`aux` holds
   * those bits in their RFLAGS positions). `resHi` is the high half for 64-bit results.
   */
  setFlagsSZP(bits: number, res: number, resHi: number, aux: number): void {
    const lf = this.lf;
    lf[LF_OP] = LF_SZP;
    lf[LF_BITS] = bits;
    lf[LF_RES] = res;
    lf[LF_RESH] = resHi;
    lf[LF_AUX] = aux;
  }

  /** CF. */
  getCF(): number {
    const lf = this.lf;
    switch (lf[LF_OP]) {
      case LF_NONE:
        return lf[LF_FLAGS]! & CF;
      case LF_ADD:
        return ltu(lf[LF_RESH]!, lf[LF_RES]!, lf[LF_DSTH]!, lf[LF_DST]!);
      case LF_ADC:
        return lf[LF_AUX]
          ? 1 - ltu(lf[LF_DSTH]!, lf[LF_DST]!, lf[LF_RESH]!, lf[LF_RES]!)
          : ltu(lf[LF_RESH]!, lf[LF_RES]!, lf[LF_DSTH]!, lf[LF_DST]!);
      case LF_SUB:
        return ltu(lf[LF_DSTH]!, lf[LF_DST]!, lf[LF_SRCH]!, lf[LF_SRC]!);
      case LF_SBB:
        return lf[LF_AUX]
          ? 1 - ltu(lf[LF_SRCH]!, lf[LF_SRC]!, lf[LF_DSTH]!, lf[LF_DST]!)
          : ltu(lf[LF_DSTH]!, lf[LF_DST]!, lf[LF_SRCH]!, lf[LF_SRC]!);
      case LF_LOGIC:
        return 0;
      case LF_IMUL64:
        return imulOverflow64(lf[LF_DST]!, lf[LF_DSTH]!, lf[LF_SRC]!, lf[LF_SRCH]!) ? 1 : 0;
      default:
        return lf[LF_AUX]! & CF;
    }
  }

  /** ZF as 0/1. */
  getZF(): number {
    const lf = this.lf;
    if (lf[LF_OP] === LF_NONE) return (lf[LF_FLAGS]! >>> 6) & 1;
    return (lf[LF_RES]! | lf[LF_RESH]!) === 0 ? 1 : 0;
  }

  /** SF as 0/1. */
  getSF(): number {
    const lf = this.lf;
    if (lf[LF_OP] === LF_NONE) return (lf[LF_FLAGS]! >>> 7) & 1;
    const bits = lf[LF_BITS]!;
    return bits === 64 ? lf[LF_RESH]! >>> 31 : (lf[LF_RES]! >>> (bits - 1)) & 1;
  }

  /** OF as 0/1. */
  getOF(): number {
    const lf = this.lf;
    const op = lf[LF_OP]!;
    let x: number;
    switch (op) {
      case LF_NONE:
        return (lf[LF_FLAGS]! >>> 11) & 1;
      case LF_ADD:
      case LF_ADC:
      case LF_INC:
        x =
          lf[LF_BITS] === 64
            ? (lf[LF_DSTH]! ^ lf[LF_RESH]!) & (lf[LF_SRCH]! ^ lf[LF_RESH]!)
            : (lf[LF_DST]! ^ lf[LF_RES]!) & (lf[LF_SRC]! ^ lf[LF_RES]!);
        break;
      case LF_SUB:
      case LF_SBB:
      case LF_DEC:
        x =
          lf[LF_BITS] === 64
            ? (lf[LF_DSTH]! ^ lf[LF_SRCH]!) & (lf[LF_DSTH]! ^ lf[LF_RESH]!)
            : (lf[LF_DST]! ^ lf[LF_SRC]!) & (lf[LF_DST]! ^ lf[LF_RES]!);
        break;
      case LF_LOGIC:
        return 0;
      case LF_IMUL64:
        return imulOverflow64(lf[LF_DST]!, lf[LF_DSTH]!, lf[LF_SRC]!, lf[LF_SRCH]!) ? 1 : 0;
      default:
        return (lf[LF_AUX]! >>> 11) & 1;
    }
    const bits = lf[LF_BITS]!;
    return bits === 64 ? x >>> 31 : (x >>> (bits - 1)) & 1;
  }

  /** PF as 0/1. */
  getPF(): number {
    const lf = this.lf;
    if (lf[LF_OP] === LF_NONE) return (lf[LF_FLAGS]! >>> 2) & 1;
    return PARITY[lf[LF_RES]! & 0xff]! >>> 2;
  }

  /** AF in its RFLAGS position (0 or 0x10). */
  getAF(): number {
    const lf = this.lf;
    switch (lf[LF_OP]) {
      case LF_NONE:
        return lf[LF_FLAGS]! & AF;
      case LF_LOGIC:
      case LF_IMUL64:
        return 0;
      case LF_SZP:
        return lf[LF_AUX]! & AF;
      default:
        return (lf[LF_DST]! ^ lf[LF_SRC]! ^ lf[LF_RES]!) & AF;
    }
  }

  /** The full RFLAGS value (bit 1 always set). */
  getRflags(): number {
    const lf = this.lf;
    const op = lf[LF_OP];
    if (op === LF_NONE) return lf[LF_FLAGS]! | 2;
    if (op === LF_LOGIC || op === LF_SZP) {
      // SF/ZF/PF from the result; CF/OF/AF zero (logic) or recorded (SZP): the common records
      // before a rotate or bt, without the general getters.
      const bits = lf[LF_BITS]!;
      const res = lf[LF_RES]!;
      const resh = lf[LF_RESH]!;
      const sign = bits === 64 ? resh >>> 31 : (res >>> (bits - 1)) & 1;
      const zero = (res | resh) === 0;
      const aux = op === LF_SZP ? lf[LF_AUX]! & (CF | AF | OF) : 0;
      return (lf[LF_FLAGS]! & ~ARITH_FLAGS) | aux | PARITY[res & 0xff]! | (zero ? ZF : 0) | (sign << 7) | 2;
    }
    if (op === LF_ADD || op === LF_SUB) {
      // The same six flags as the getters compute for add and sub/cmp records (SDM Vol. 1
      // Appendix A), in one pass: before a rotate, pushf or a flag-reading instruction.
      const bits = lf[LF_BITS]!;
      const d = lf[LF_DST]!;
      const dh = lf[LF_DSTH]!;
      const s = lf[LF_SRC]!;
      const sh = lf[LF_SRCH]!;
      const res = lf[LF_RES]!;
      const resh = lf[LF_RESH]!;
      let cf: number;
      let x: number;
      if (op === LF_ADD) {
        cf = ltu(resh, res, dh, d);
        x = bits === 64 ? (dh ^ resh) & (sh ^ resh) : (d ^ res) & (s ^ res);
      } else {
        cf = ltu(dh, d, sh, s);
        x = bits === 64 ? (dh ^ sh) & (dh ^ resh) : (d ^ s) & (d ^ res);
      }
      const of = bits === 64 ? x >>> 31 : (x >>> (bits - 1)) & 1;
      const sign = bits === 64 ? resh >>> 31 : (res >>> (bits - 1)) & 1;
      return (
        (lf[LF_FLAGS]! & ~ARITH_FLAGS) |
        cf |
        PARITY[res & 0xff]! |
        ((d ^ s ^ res) & AF) |
        ((res | resh) === 0 ? ZF : 0) |
        (sign << 7) |
        (of << 11) |
        2
      );
    }
    const f =
      (lf[LF_FLAGS]! & ~ARITH_FLAGS) |
      this.getCF() |
      (this.getPF() << 2) |
      this.getAF() |
      (this.getZF() << 6) |
      (this.getSF() << 7) |
      (this.getOF() << 11);
    return f | 2;
  }

  /** Materialises the lazy flags into LF_FLAGS (before a handler changes only some of them). */
  materialize(): number {
    const f = this.getRflags();
    this.lf[LF_FLAGS] = f;
    this.lf[LF_OP] = LF_NONE;
    return f;
  }

  /** Replaces RFLAGS; only user-writable bits change (IF stays set, as in user mode). */
  setRflags(value: number): void {
    const old = this.lf[LF_FLAGS]!;
    this.lf[LF_FLAGS] = (old & ~USER_FLAGS) | (value & USER_FLAGS) | 2;
    this.lf[LF_OP] = LF_NONE;
  }

  /**
   * Sets the bits of `mask` among the arithmetic flags to `value` and keeps the others (for
   * comis/ucomis/fcomi, bt, and other instructions that write flags directly).
   */
  setArithFlags(mask: number, value: number): void {
    const f = this.materialize();
    this.lf[LF_FLAGS] = (f & ~mask) | (value & mask);
  }

  /** Sets CF alone (bt family, stc/clc/cmc). */
  setCF(v: number): void {
    this.setArithFlags(CF, v ? CF : 0);
  }

  /**
   * Evaluates condition code `cc` (the low nibble of Jcc/SETcc/CMOVcc; SDM Vol. 1 Appendix B)
   * and returns true when it holds.
   */
  cond(cc: number): boolean {
    const lf = this.lf;
    const op = lf[LF_OP];
    if (op === LF_SUB) {
      const bits = lf[LF_BITS]!;
      // Fast path after cmp/sub: compare the recorded operands directly.
      switch (cc) {
        case 2:
          return ltu(lf[LF_DSTH]!, lf[LF_DST]!, lf[LF_SRCH]!, lf[LF_SRC]!) === 1;
        case 3:
          return ltu(lf[LF_DSTH]!, lf[LF_DST]!, lf[LF_SRCH]!, lf[LF_SRC]!) === 0;
        case 4:
          return (lf[LF_RES]! | lf[LF_RESH]!) === 0;
        case 5:
          return (lf[LF_RES]! | lf[LF_RESH]!) !== 0;
        case 6:
          return ltu(lf[LF_SRCH]!, lf[LF_SRC]!, lf[LF_DSTH]!, lf[LF_DST]!) === 0;
        case 7:
          return ltu(lf[LF_SRCH]!, lf[LF_SRC]!, lf[LF_DSTH]!, lf[LF_DST]!) === 1;
        case 12:
          return lts(bits, lf[LF_DSTH]!, lf[LF_DST]!, lf[LF_SRCH]!, lf[LF_SRC]!);
        case 13:
          return !lts(bits, lf[LF_DSTH]!, lf[LF_DST]!, lf[LF_SRCH]!, lf[LF_SRC]!);
        case 14:
          return !lts(bits, lf[LF_SRCH]!, lf[LF_SRC]!, lf[LF_DSTH]!, lf[LF_DST]!);
        case 15:
          return lts(bits, lf[LF_SRCH]!, lf[LF_SRC]!, lf[LF_DSTH]!, lf[LF_DST]!);
      }
    }
    switch (cc) {
      case 0:
        return this.getOF() === 1;
      case 1:
        return this.getOF() === 0;
      case 2:
        return this.getCF() !== 0;
      case 3:
        return this.getCF() === 0;
      case 4:
        return this.getZF() === 1;
      case 5:
        return this.getZF() === 0;
      case 6:
        return (this.getCF() | this.getZF()) !== 0;
      case 7:
        return (this.getCF() | this.getZF()) === 0;
      case 8:
        return this.getSF() === 1;
      case 9:
        return this.getSF() === 0;
      case 10:
        return this.getPF() === 1;
      case 11:
        return this.getPF() === 0;
      case 12:
        return this.getSF() !== this.getOF();
      case 13:
        return this.getSF() === this.getOF();
      case 14:
        return this.getZF() === 1 || this.getSF() !== this.getOF();
      default:
        return this.getZF() === 0 && this.getSF() === this.getOF();
    }
  }

  // ---- faults ----------------------------------------------------------------------------------

  /** A #UD fault to throw. */
  ud(detail?: string): CpuFault {
    return new CpuFault('invalid-opcode', undefined, undefined, detail);
  }

  /** A #GP fault to throw. */
  gp(detail?: string): CpuFault {
    return new CpuFault('general-protection', undefined, undefined, detail);
  }

  /**
   * The fault for a linear address whose upper 32 bits are not zero. Canonical addresses have
   * bits 63..47 equal (SDM Vol. 1 §3.3.7.1); a non-canonical one raises #SS for stack-segment
   * references (`stack`: push/pop, RSP/RBP base) and #GP otherwise (SDM Vol. 3A §6.15).
   */
  badAddress(lo: number, hi: number, stack = false): CpuFault {
    const addr = hi * TWO32 + (lo >>> 0);
    const top = hi >> 15;
    if (top === 0 || top === -1) return new CpuFault('page-not-present', addr, 'read');
    const detail = `non-canonical address 0x${hexPair(hi, lo)}`;
    return new CpuFault(stack ? 'stack-fault' : 'general-protection', addr, undefined, detail);
  }

  /** Whether the memory operand is a stack-segment reference (RSP or RBP base, no FS/GS). */
  stackOperand(i: Insn): boolean {
    return (
      i.seg === SEG_NONE &&
      (i.eaKind === EA_BASE || i.eaKind === EA_BASE_INDEX) &&
      (i.base === 4 || i.base === 5)
    );
  }

  // ---- effective addresses ---------------------------------------------------------------------

  /**
   * The linear address of the instruction's memory operand (SDM Vol. 2A §2.1.5), including an
   * FS/GS base. Throws #GP for non-canonical and a page fault for other addresses ≥ 2^32.
   */
  ea(i: Insn): number {
    const r = this.r;
    // Fast path: 64-bit addressing without a segment base and a result below 2^32.
    if (i.plainEa) {
      if (i.eaKind === EA_BASE) {
        const b = i.base << 1;
        const lo = (r[b]! >>> 0) + i.disp;
        if (r[b + 1] === 0 && lo >= 0 && lo < TWO32) return lo;
      } else if (i.eaKind === EA_BASE_INDEX) {
        const b = i.base << 1;
        const x = i.index << 1;
        const lo = (r[b]! >>> 0) + (r[x]! >>> 0) * (1 << i.scale) + i.disp;
        if ((r[b + 1]! | r[x + 1]!) === 0 && lo >= 0 && lo < TWO32) return lo;
      }
    }
    return this.eaSlow(i);
  }

  /**
   * The general effective-address computation (any form, 67 prefix, FS/GS, range faults): the
   * 64-bit linear address from `eaWide`, which must lie below 4 GiB. `this.hi` is preserved, since
   * a handler may hold the high half of a value there while it computes its destination address.
   */
  private eaSlow(i: Insn): number {
    const saved = this.hi;
    const lo = eaWide(this, i);
    const hi = this.hi;
    this.hi = saved;
    if (hi === 0) return lo;
    throw this.badAddress(lo, hi, this.stackOperand(i));
  }

  // ---- memory ----------------------------------------------------------------------------------

  /** Reads a byte. */
  read8(a: number): number {
    return this.memory.read8(a);
  }
  /** Reads 16 bits (unsigned). */
  read16(a: number): number {
    return this.memory.read16(a);
  }
  /** Reads 32 bits as int32. */
  read32(a: number): number {
    return this.memory.read32(a);
  }
  /** Reads 64 bits: returns the low half (int32), the high half goes to `this.hi`. */
  read64(a: number): number {
    const m = this.memory;
    if ((a & 0xfff) > 0xff8) m.checkRead(a, 8);
    const lo = m.read32(a);
    this.hi = m.read32(a + 4);
    return lo;
  }
  /** Writes a byte. */
  write8(a: number, v: number): void {
    this.memory.write8(a, v);
  }
  /** Writes 16 bits. */
  write16(a: number, v: number): void {
    this.memory.write16(a, v);
  }
  /** Writes 32 bits. */
  write32(a: number, v: number): void {
    this.memory.write32(a, v);
  }
  /** Writes 64 bits from two halves; never partially writes when the second page faults. */
  write64(a: number, lo: number, hi: number): void {
    const m = this.memory;
    if ((a & 0xfff) > 0xff8) m.checkWrite(a, 8);
    m.write32(a, lo);
    m.write32(a + 4, hi);
  }
  /** Throws the fault a write of `n` bytes at `a` would raise (before a read-modify-write changes state). */
  probeWrite(a: number, n: number): void {
    const m = this.memory;
    if ((m.pages[a >>> 12]! & (PROT_WRITE | PAGE_CODE)) !== PROT_WRITE || (a & 0xfff) + n > 0x1000) {
      m.checkWrite(a, n);
    }
  }
  /** Reads 16 bytes at `a` into the register file at Uint32 index `dst` (e.g. an XMM register). */
  read128(a: number, dst: number): void {
    const m = this.memory;
    if ((a & 0xfff) > 0xff0) m.checkRead(a, 16);
    const u = this.u32;
    u[dst] = m.read32(a);
    u[dst + 1] = m.read32(a + 4);
    u[dst + 2] = m.read32(a + 8);
    u[dst + 3] = m.read32(a + 12);
  }
  /** Writes 16 bytes from the register file at Uint32 index `src` to memory at `a`. */
  write128(a: number, src: number): void {
    const m = this.memory;
    if ((a & 0xfff) > 0xff0) m.checkWrite(a, 16);
    const u = this.u32;
    m.write32(a, u[src]!);
    m.write32(a + 4, u[src + 1]!);
    m.write32(a + 8, u[src + 2]!);
    m.write32(a + 12, u[src + 3]!);
  }

  // ---- ModRM operands --------------------------------------------------------------------------

  /** Reads the 8-bit r/m operand. */
  getRm8(i: Insn): number {
    return i.mod === 3 ? this.b[i.rmB]! : this.memory.read8(this.ea(i));
  }
  /** Writes the 8-bit r/m operand. */
  setRm8(i: Insn, v: number): void {
    if (i.mod === 3) this.b[i.rmB] = v;
    else this.memory.write8(this.ea(i), v);
  }
  /** Reads the 16-bit r/m operand (unsigned). */
  getRm16(i: Insn): number {
    return i.mod === 3 ? this.w[i.rm << 2]! : this.memory.read16(this.ea(i));
  }
  /** Writes the 16-bit r/m operand (upper register bits kept). */
  setRm16(i: Insn, v: number): void {
    if (i.mod === 3) this.w[i.rm << 2] = v;
    else this.memory.write16(this.ea(i), v);
  }
  /** Reads the 32-bit r/m operand as int32. */
  getRm32(i: Insn): number {
    return i.mod === 3 ? this.r[i.rm << 1]! : this.memory.read32(this.ea(i));
  }
  /** Writes the 32-bit r/m operand (a register destination is zero-extended to 64 bits). */
  setRm32(i: Insn, v: number): void {
    if (i.mod === 3) {
      const k = i.rm << 1;
      this.r[k] = v;
      this.r[k + 1] = 0;
    } else this.memory.write32(this.ea(i), v);
  }
  /** Reads the 64-bit r/m operand: low half returned, high half in `this.hi`. */
  getRm64(i: Insn): number {
    if (i.mod === 3) {
      const k = i.rm << 1;
      this.hi = this.r[k + 1]!;
      return this.r[k]!;
    }
    return this.read64(this.ea(i));
  }
  /** Writes the 64-bit r/m operand. */
  setRm64(i: Insn, lo: number, hi: number): void {
    if (i.mod === 3) {
      const k = i.rm << 1;
      this.r[k] = lo;
      this.r[k + 1] = hi;
    } else this.write64(this.ea(i), lo, hi);
  }

  /** Writes a 32-bit value to GPR n, zero-extending to 64 bits. */
  setReg32(n: number, v: number): void {
    this.r[n << 1] = v;
    this.r[(n << 1) + 1] = 0;
  }
  /** Writes GPR n by operand size in bytes (1 uses the byte offset `n`; 2 keeps the upper bits). */
  setRegSized(size: number, n: number, lo: number, hi: number): void {
    switch (size) {
      case 1:
        this.b[n] = lo;
        break;
      case 2:
        this.w[n << 2] = lo;
        break;
      case 4:
        this.r[n << 1] = lo;
        this.r[(n << 1) + 1] = 0;
        break;
      default:
        this.r[n << 1] = lo;
        this.r[(n << 1) + 1] = hi;
    }
  }

  // ---- stack -----------------------------------------------------------------------------------

  /** Pushes a 64-bit value (RSP is updated only after the store succeeds). */
  push64(lo: number, hi: number): void {
    const r = this.r;
    let sp = (r[8]! >>> 0) - 8;
    let sh = r[9]!;
    if (sp < 0) {
      sp += TWO32;
      sh = (sh - 1) | 0;
    }
    if (sh !== 0) throw this.badAddress(sp, sh, true);
    this.write64(sp, lo, hi);
    r[8] = sp;
    r[9] = 0;
  }
  /** Pops a 64-bit value: low half returned, high half in `this.hi`. */
  pop64(): number {
    const r = this.r;
    const sp = r[8]! >>> 0;
    if (r[9] !== 0) throw this.badAddress(sp, r[9]!, true);
    const lo = this.read64(sp);
    const next = sp + 8;
    if (next >= TWO32) {
      r[8] = next - TWO32;
      r[9] = 1;
    } else r[8] = next;
    return lo;
  }
  /** Pushes a 16-bit value (66-prefixed push). */
  push16(v: number): void {
    const r = this.r;
    const sp = (r[8]! >>> 0) - 2;
    if (r[9] !== 0 || sp < 0) throw this.badAddress(sp, sp < 0 ? r[9]! - 1 : r[9]!, true);
    this.memory.write16(sp, v);
    r[8] = sp;
  }
  /** Pops a 16-bit value. */
  pop16(): number {
    const r = this.r;
    const sp = r[8]! >>> 0;
    if (r[9] !== 0) throw this.badAddress(sp, r[9]!, true);
    const v = this.memory.read16(sp);
    const next = sp + 2;
    if (next >= TWO32) {
      r[8] = next - TWO32;
      r[9] = 1;
    } else r[8] = next;
    return v;
  }

  /** Transfers control to the 64-bit address hi:lo (#GP at the branch when non-canonical). */
  jump(lo: number, hi: number): void {
    if (hi === 0) {
      this.rip = lo >>> 0;
      return;
    }
    const top = hi >> 15;
    if (top !== 0 && top !== -1) throw this.gp(`branch to non-canonical address 0x${hexPair(hi, lo)}`);
    // Canonical but beyond our address space: the fetch at the target raises the page fault.
    this.rip = hi * TWO32 + (lo >>> 0);
  }

  /** Called by the syscall handler: ends the run with reason 'syscall'. */
  syscallStop(): void {
    this.stopReason = STOP_SYSCALL;
    this.stop = true;
  }

  // ---- execution -------------------------------------------------------------------------------

  /** The decoded instruction at `addr` (faults when it cannot be fetched). */
  fetch(addr: number): Insn {
    if (!(addr >= 0 && addr < TWO32)) throw new CpuFault('page-not-present', addr, 'execute');
    return this.cache.get(addr);
  }

  run(budget: number): RunResult {
    this.stop = false;
    this.stopReason = STOP_NONE;
    if (this.cache.memory !== this.memory) this.cache = codeCacheFor(this.memory, this.tables);
    let executed = 0;
    let insn: Insn | null = null;
    try {
      if (!(budget >= 1)) return { reason: 'budget', executed: 0 };
      let i = this.fetch(this.rip);
      for (;;) {
        insn = i;
        this.rip = i.next;
        if (i.batch) {
          this.repBudget = budget - executed;
          i.exec(this, i);
          executed += this.repExtra;
          this.repExtra = 0;
        } else i.exec(this, i);
        executed++;
        if (this.stop || executed >= budget) break;
        // A fault while fetching the next instruction is reported at its address.
        insn = null;
        const rip = this.rip;
        let n: Insn | null;
        if (rip === i.next) {
          n = i.fall;
          if (n === null || n.dead) n = i.fall = this.fetch(rip);
        } else {
          // The branch target, or for indirect branches (and a REP instruction resuming at
          // itself) the last address this instruction went to.
          n = i.taken;
          if (n === null || n.addr !== rip || n.dead) n = i.taken = this.fetch(rip);
        }
        i = n;
      }
    } catch (e) {
      // Iterations a batching REP instruction completed before it faulted have retired.
      executed += this.repExtra;
      this.repExtra = 0;
      this.retired += executed;
      if (!(e instanceof CpuFault)) throw e;
      // A fault inside a handler: the instruction did not retire; rip points at it (int3 presets
      // rip to the following instruction, as hardware reports it).
      if (e.rip < 0) e.rip = insn !== null ? insn.addr : this.rip;
      this.rip = e.rip;
      return { reason: 'fault', executed, fault: e };
    }
    this.retired += executed;
    if (this.stop) {
      const reason = this.stopReason === STOP_SYSCALL ? 'syscall' : 'stopped';
      this.stop = false;
      this.stopReason = STOP_NONE;
      return { reason, executed };
    }
    return { reason: 'budget', executed };
  }

  requestStop(): void {
    this.stopReason = STOP_REQUESTED;
    this.stop = true;
  }

  // ---- embedder accessors ----------------------------------------------------------------------

  get fsBase(): bigint {
    return pairToBig(this.r[FS_BASE_I32]!, this.r[FS_BASE_I32 + 1]!);
  }
  set fsBase(v: bigint) {
    this.r[FS_BASE_I32] = Number(BigInt.asIntN(32, v));
    this.r[FS_BASE_I32 + 1] = Number(BigInt.asIntN(32, v >> 32n));
  }
  get gsBase(): bigint {
    return pairToBig(this.r[GS_BASE_I32]!, this.r[GS_BASE_I32 + 1]!);
  }
  set gsBase(v: bigint) {
    this.r[GS_BASE_I32] = Number(BigInt.asIntN(32, v));
    this.r[GS_BASE_I32 + 1] = Number(BigInt.asIntN(32, v >> 32n));
  }
  get mxcsr(): number {
    return this.u32[MXCSR_I32]!;
  }
  set mxcsr(v: number) {
    this.u32[MXCSR_I32] = v;
  }

  getReg(reg: Reg): bigint {
    return pairToBig(this.r[reg * 2]!, this.r[reg * 2 + 1]!);
  }
  setReg(reg: Reg, value: bigint): void {
    this.r[reg * 2] = Number(BigInt.asIntN(32, value));
    this.r[reg * 2 + 1] = Number(BigInt.asIntN(32, value >> 32n));
  }
  getReg32(reg: Reg): number {
    return this.r[reg * 2]! >>> 0;
  }
  getRegNumber(reg: Reg): number {
    return (this.r[reg * 2 + 1]! >>> 0) * TWO32 + (this.r[reg * 2]! >>> 0);
  }
  setRegNumber(reg: Reg, value: number): void {
    this.r[reg * 2] = (value % TWO32) | 0;
    this.r[reg * 2 + 1] = Math.floor(value / TWO32) | 0;
  }
  getXmm(index: number): Uint8Array {
    return this.b.slice(XMM_OFFSET + index * 16, XMM_OFFSET + index * 16 + 16);
  }
  setXmm(index: number, bytes: Uint8Array): void {
    if (bytes.length !== 16) throw new RangeError('an XMM register holds 16 bytes');
    this.b.set(bytes, XMM_OFFSET + index * 16);
  }

  getX87(): X87State {
    const dv = this.dv;
    const registers: X87Register[] = [];
    for (let k = 0; k < 8; k++) {
      const o = X87_REG_OFFSET + k * 16;
      const se = dv.getUint16(o + 8, true);
      registers.push({
        sign: (se & 0x8000) !== 0,
        exponent: se & 0x7fff,
        significand: dv.getBigUint64(o, true),
      });
    }
    return {
      control: dv.getUint16(X87_FCW_OFFSET, true),
      status: dv.getUint16(X87_FSW_OFFSET, true),
      tag: dv.getUint16(X87_FTW_OFFSET, true),
      registers,
    };
  }
  setX87(state: X87State): void {
    const dv = this.dv;
    dv.setUint16(X87_FCW_OFFSET, state.control, true);
    dv.setUint16(X87_FSW_OFFSET, state.status, true);
    dv.setUint16(X87_FTW_OFFSET, state.tag, true);
    for (let k = 0; k < 8; k++) {
      const reg = state.registers[k];
      const o = X87_REG_OFFSET + k * 16;
      if (reg === undefined) continue;
      dv.setBigUint64(o, BigInt.asUintN(64, reg.significand), true);
      dv.setUint16(o + 8, (reg.sign ? 0x8000 : 0) | (reg.exponent & 0x7fff), true);
    }
  }

  copyStateFrom(other: X86Cpu): void {
    if (other instanceof Cpu) {
      this.b.set(other.b);
      this.rip = other.rip;
      return;
    }
    for (let k = 0; k < 16; k++) this.setReg(k as Reg, other.getReg(k as Reg));
    this.rip = other.rip;
    this.setRflags(other.getRflags());
    this.fsBase = other.fsBase;
    this.gsBase = other.gsBase;
    this.mxcsr = other.mxcsr;
    for (let k = 0; k < 16; k++) this.setXmm(k, other.getXmm(k));
    this.setX87(other.getX87());
  }

  disassemble(address: number): { text: string; length: number } {
    try {
      if (!(address >= 0 && address < TWO32)) throw new CpuFault('page-not-present', address, 'execute');
      const insn = decode(this.memory, this.tables, address);
      return { text: formatInsn(insn, this.memory), length: insn.len };
    } catch (e) {
      if (e instanceof CpuFault) return { text: `(bad: ${e.message})`, length: 0 };
      throw e;
    }
  }
}

/** 1 when the unsigned 64-bit value ah:al is below bh:bl, else 0. */
export function ltu(ah: number, al: number, bh: number, bl: number): number {
  if (ah !== bh) return ah >>> 0 < bh >>> 0 ? 1 : 0;
  return al >>> 0 < bl >>> 0 ? 1 : 0;
}

/** Signed less-than of two `bits`-wide values stored as in the lazy-flag record. */
function lts(bits: number, ah: number, al: number, bh: number, bl: number): boolean {
  if (bits === 64) return ah !== bh ? ah < bh : al >>> 0 < bl >>> 0;
  const s = 32 - bits;
  return al << s < bl << s;
}

function pairToBig(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Hex digits of the 64-bit value hi:lo. */
export function hexPair(hi: number, lo: number): string {
  return hi === 0
    ? (lo >>> 0).toString(16)
    : (hi >>> 0).toString(16) + (lo >>> 0).toString(16).padStart(8, '0');
}

export { AF, CF, LF_ADC, LF_ADD, LF_AUX, LF_DEC, LF_INC, LF_LOGIC, LF_SBB, LF_SUB, LF_SZP, OF, PF, SF, ZF };
