/**
 * The x87 FPU: register stack, control/status/tag words and the semantics of every x87
 * instruction, independent of instruction decoding (Intel SDM Vol. 1, chapter 8; Vol. 2 for the
 * individual instructions).
 *
 * All state lives in the CPU's register-file buffer at the offsets of ../state.ts (16 bytes per
 * physical register: significand at +0, sign/exponent at +8), so a future JIT can reach it through
 * typed arrays.
 *
 * Exceptions: every operation raises its flags in the status word. When an exception is unmasked,
 * the instruction's result is suppressed as hardware does (invalid, denormal, divide-by-zero) or
 * bias-adjusted (overflow, underflow), ES and B are set, and the fault is delivered by the next
 * waiting x87 instruction ({@link X87.checkPending}) as #MF behaves on hardware (SDM Vol. 1, 8.6).
 */
import { CpuFault } from '../fault.js';
import {
  STATE_BYTES,
  X87_FCW_OFFSET,
  X87_FDP_OFFSET,
  X87_FIP_OFFSET,
  X87_FOP_OFFSET,
  X87_FSW_OFFSET,
  X87_FTW_OFFSET,
  X87_REG_OFFSET,
} from '../state.js';
import {
  add,
  Cls,
  CMP_EQUAL,
  CMP_GREATER,
  CMP_LESS,
  CMP_UNORDERED,
  classify,
  compare,
  DE,
  div,
  type F80,
  type FpEnv,
  HIGH,
  IE,
  INDEFINITE,
  isNaN80,
  mul,
  PE,
  roundInt,
  SF,
  sqrt,
  sub,
  toF32,
  toF64,
  toInt,
  ZE,
} from './float80.js';

/** Status word bits beyond the exception flags (SDM Vol. 1, figure 8-4). */
export const SW_ES = 0x0080;
export const SW_C0 = 0x0100;
export const SW_C1 = 0x0200;
export const SW_C2 = 0x0400;
export const SW_C3 = 0x4000;
export const SW_B = 0x8000;
const SW_CC = SW_C0 | SW_C1 | SW_C2 | SW_C3;

/** Tag values (SDM Vol. 1, 8.1.7). */
export const TAG_VALID = 0;
export const TAG_ZERO = 1;
export const TAG_SPECIAL = 2;
export const TAG_EMPTY = 3;

/** Arithmetic operations in the order of the ModRM reg field of D8/DC/DE (SDM Vol. 2, table A-7). */
export const OP_ADD = 0;
export const OP_MUL = 1;
export const OP_SUB = 4;
export const OP_SUBR = 5;
export const OP_DIV = 6;
export const OP_DIVR = 7;

/** Store formats of {@link X87.storeNum}: binary32, binary64, or an integer width plus STORE_TRUNCATE. */
export const STORE_F32 = 0x100;
export const STORE_F64 = 0x101;
export const STORE_TRUNCATE = 0x80;

/** The tag hardware computes for a register value. */
export function tagOf(v: F80): number {
  if (v.exp === 0) return (v.hi | v.lo) === 0 ? TAG_ZERO : TAG_SPECIAL;
  if (v.exp === 0x7fff || v.hi < 0x80000000) return TAG_SPECIAL;
  return TAG_VALID;
}

/** Result of a partial-remainder step. */
export interface RemainderResult {
  value: F80;
  /** Low three bits of the quotient (meaningful when complete); −1 when no quotient was formed. */
  quotient: number;
  /** The reduction is incomplete (C2 = 1). */
  partial: boolean;
}

export class X87 implements FpEnv {
  private readonly u16: Uint16Array;
  private readonly u32: Uint32Array;
  /** Scratch environment fields for the soft-float calls. */
  flags = 0;
  c1 = 0;
  /** Scratch copies of ST registers for the operations (so reading a register allocates nothing). */
  private readonly sa: F80 = { sign: 0, exp: 0, hi: 0, lo: 0 };
  private readonly sb: F80 = { sign: 0, exp: 0, hi: 0, lo: 0 };
  /** The value of the last {@link storeNum}: low and high 32 bits. */
  storeLo = 0;
  storeHi = 0;
  /** State saved by {@link snapshot} for a store whose memory write may fault. */
  private snapSw = 0;
  private snapTw = 0;
  private snapFip = 0;
  private snapFop = 0;
  private snapFdp = 0;
  /** FCS and FDS as FNSTENV/FNSAVE/FXSAVE store them (no segments are emulated; the embedder may set them). */
  fcs = 0;
  fds = 0;

  /**
   * Views the x87 state inside the CPU's register-file buffer (layout in ../state.ts).
   * A fresh buffer is used when none is given (tests).
   */
  constructor(buffer: ArrayBuffer = new ArrayBuffer(STATE_BYTES), init = true) {
    this.u16 = new Uint16Array(buffer);
    this.u32 = new Uint32Array(buffer);
    if (init) this.init();
  }

  /** FNINIT (SDM Vol. 2A): default control word, cleared status, all registers empty. */
  init(): void {
    this.cw = 0x037f;
    this.sw = 0;
    this.tagWord = 0xffff;
    this.fop = 0;
    this.fip = 0;
    this.fdp = 0;
  }

  /** Control word. */
  get cw(): number {
    return this.u16[X87_FCW_OFFSET >> 1]!;
  }

  set cw(v: number) {
    this.u16[X87_FCW_OFFSET >> 1] = v;
  }

  /** The full status word including TOP. */
  get sw(): number {
    return this.u16[X87_FSW_OFFSET >> 1]!;
  }

  set sw(v: number) {
    this.u16[X87_FSW_OFFSET >> 1] = v;
  }

  /** Status word bits other than TOP. */
  get swBits(): number {
    return this.sw & ~0x3800;
  }

  set swBits(v: number) {
    this.sw = (v & ~0x3800) | (this.sw & 0x3800);
  }

  /** Stack top, 0–7. */
  get top(): number {
    return (this.sw >> 11) & 7;
  }

  set top(v: number) {
    this.sw = (this.sw & ~0x3800) | ((v & 7) << 11);
  }

  /** The full 16-bit tag word (2 bits per physical register), as stored. */
  get tagWord(): number {
    return this.u16[X87_FTW_OFFSET >> 1]!;
  }

  set tagWord(v: number) {
    this.u16[X87_FTW_OFFSET >> 1] = v;
  }

  /** Loads a tag word the way FLDENV/FRSTOR do: only "empty" is taken literally, other tags are recomputed. */
  loadTagWord(v: number): void {
    let t = 0;
    for (let i = 0; i < 8; i++) {
      const tag = (v >> (2 * i)) & 3;
      t |= (tag === TAG_EMPTY ? TAG_EMPTY : tagOf(this.getPhys(i))) << (2 * i);
    }
    this.tagWord = t;
  }

  tag(p: number): number {
    return (this.tagWord >> (2 * p)) & 3;
  }

  setTag(p: number, t: number): void {
    this.tagWord = (this.tagWord & ~(3 << (2 * p))) | (t << (2 * p));
  }

  /** Last x87 opcode (11 bits), instruction pointer and data pointer (low 32 bits kept exactly). */
  get fop(): number {
    return this.u16[X87_FOP_OFFSET >> 1]!;
  }

  set fop(v: number) {
    this.u16[X87_FOP_OFFSET >> 1] = v & 0x7ff;
  }

  get fip(): number {
    return this.u32[X87_FIP_OFFSET >> 2]!;
  }

  set fip(v: number) {
    this.u32[X87_FIP_OFFSET >> 2] = v;
    this.u32[(X87_FIP_OFFSET >> 2) + 1] = Math.floor(v / 2 ** 32);
  }

  get fdp(): number {
    return this.u32[X87_FDP_OFFSET >> 2]!;
  }

  set fdp(v: number) {
    this.u32[X87_FDP_OFFSET >> 2] = v;
    this.u32[(X87_FDP_OFFSET >> 2) + 1] = Math.floor(v / 2 ** 32);
  }

  /** The abridged tag byte of FXSAVE: bit i set when R(i) is not empty. */
  get abridgedTag(): number {
    let t = 0;
    for (let i = 0; i < 8; i++) if (this.tag(i) !== TAG_EMPTY) t |= 1 << i;
    return t;
  }

  set abridgedTag(v: number) {
    let t = 0;
    for (let i = 0; i < 8; i++) t |= ((v >> i) & 1 ? tagOf(this.getPhys(i)) : TAG_EMPTY) << (2 * i);
    this.tagWord = t;
  }

  getPhys(i: number): F80 {
    const se = this.u16[(X87_REG_OFFSET >> 1) + 8 * i + 4]!;
    const w = (X87_REG_OFFSET >> 2) + 4 * i;
    return { sign: se >> 15, exp: se & 0x7fff, hi: this.u32[w + 1]!, lo: this.u32[w]! };
  }

  /** Writes physical register i without touching its tag. */
  setPhysRaw(i: number, v: F80): void {
    const w = (X87_REG_OFFSET >> 2) + 4 * i;
    this.u32[w] = v.lo;
    this.u32[w + 1] = v.hi;
    this.u16[(X87_REG_OFFSET >> 1) + 8 * i + 4] = (v.sign << 15) | v.exp;
  }

  /** Copies physical register i into `out` (a scratch object) and returns it. */
  private readInto(i: number, out: F80): F80 {
    const se = this.u16[(X87_REG_OFFSET >> 1) + 8 * i + 4]!;
    const w = (X87_REG_OFFSET >> 2) + 4 * i;
    out.sign = se >> 15;
    out.exp = se & 0x7fff;
    out.hi = this.u32[w + 1]!;
    out.lo = this.u32[w]!;
    return out;
  }

  /** ST(i) in the first scratch object (valid until the next stA). */
  private stA(i: number): F80 {
    return this.readInto(this.phys(i), this.sa);
  }

  /** ST(i) in the second scratch object. */
  private stB(i: number): F80 {
    return this.readInto(this.phys(i), this.sb);
  }

  /** Physical index of ST(i). */
  phys(i: number): number {
    return ((this.u16[X87_FSW_OFFSET >> 1]! >> 11) + i) & 7;
  }

  st(i: number): F80 {
    return this.getPhys(this.phys(i));
  }

  isEmpty(i: number): boolean {
    return this.tag(this.phys(i)) === TAG_EMPTY;
  }

  /** Writes ST(i) and its tag. */
  setSt(i: number, v: F80): void {
    const p = this.phys(i);
    this.setPhysRaw(p, v);
    this.setTag(p, tagOf(v));
  }

  // -------------------------------------------------------------------------------------------
  // Exception plumbing

  /** Throws the pending #MF when an unmasked exception is recorded (waiting instructions). */
  checkPending(): void {
    if (this.swBits & SW_ES)
      throw new CpuFault('floating-point', undefined, undefined, 'x87 floating-point exception');
  }

  /** Starts an operation: clears the scratch flags. */
  private begin(): void {
    this.flags = 0;
    this.c1 = 0;
  }

  /** True when the flags raised so far include an unmasked invalid, denormal or zero-divide. */
  private suppressed(): boolean {
    return (this.flags & ~this.cw & (IE | DE | ZE)) !== 0;
  }

  /** Commits the flags of an operation to the status word and sets C1 as given. */
  private finish(c1: number): void {
    // One read and one write of the status word; none of these bits overlap TOP.
    let s = this.u16[X87_FSW_OFFSET >> 1]! | (this.flags & 0x7f);
    s = c1 ? s | SW_C1 : s & ~SW_C1;
    if (s & ~this.u16[X87_FCW_OFFSET >> 1]! & 0x3f) s |= SW_ES | SW_B;
    this.u16[X87_FSW_OFFSET >> 1] = s;
  }

  /** Records a stack underflow (SDM Vol. 1, 8.5.1.1): IE + SF with C1 = 0. Returns true when masked. */
  private underflow(): boolean {
    this.flags |= IE | SF;
    this.c1 = 0;
    return (this.cw & IE) !== 0;
  }

  /** Sets C3/C2/C0 (and clears C1) from a comparison outcome. */
  private setCompareCodes(r: number): void {
    let s = this.sw & ~SW_CC;
    if (r === CMP_LESS) s |= SW_C0;
    else if (r === CMP_EQUAL) s |= SW_C3;
    else if (r === CMP_UNORDERED) s |= SW_C0 | SW_C2 | SW_C3;
    this.sw = s;
  }

  // -------------------------------------------------------------------------------------------
  // Stack

  /** Pushes v (FLD and friends); stack overflow pushes the indefinite when IE is masked. */
  push(v: F80): void {
    const p = (this.top - 1) & 7;
    if (this.tag(p) !== TAG_EMPTY) {
      this.flags |= IE | SF;
      this.c1 = 1;
      if ((this.cw & IE) === 0) return;
      v = INDEFINITE;
    }
    this.top = p;
    this.setPhysRaw(p, v);
    this.setTag(p, tagOf(v));
  }

  pop(): void {
    const t = this.top;
    this.setTag(t, TAG_EMPTY);
    this.top = (t + 1) & 7;
  }

  /** Pushes a value produced by a conversion that may have raised flags (FLD m32/m64, FILD, FBLD). */
  load(v: F80, flags = 0): void {
    this.begin();
    this.flags = flags;
    // An unmasked DE still loads the (normalised) value; an unmasked IE does not.
    if (this.tag((this.top - 1) & 7) !== TAG_EMPTY) this.flags = 0;
    else if (this.flags & ~this.cw & IE) {
      this.finish(0);
      return;
    }
    this.push(v);
    this.finish(this.c1);
  }

  /** FLD ST(i). */
  loadSt(i: number): void {
    this.begin();
    if (this.isEmpty(i)) {
      if (!this.underflow()) {
        this.finish(0);
        return;
      }
      this.push(INDEFINITE);
      // A stack overflow on the push overrides the underflow's C1.
      this.finish(this.c1);
      return;
    }
    this.push(this.stA(i));
    this.finish(this.c1);
  }

  /** FST/FSTP ST(i). */
  storeSt(i: number, popAfter: boolean, rawAlias = false): void {
    this.begin();
    if (rawAlias && this.isEmpty(0)) {
      // D9 D8+i (the undocumented FSTP1) copies an empty ST(0) as it is: no stack fault, and the
      // destination becomes empty (measured on the host).
      const p = this.phys(i);
      this.setPhysRaw(p, this.stA(0));
      this.setTag(p, TAG_EMPTY);
      this.pop();
      this.finish(0);
      return;
    }
    if (this.isEmpty(0)) {
      if (!this.underflow()) {
        this.finish(0);
        return;
      }
      this.setSt(i, INDEFINITE);
    } else {
      this.setSt(i, this.stA(0));
    }
    if (popAfter) this.pop();
    this.finish(0);
  }

  /** FXCH ST(i). */
  exchange(i: number): void {
    this.begin();
    if (this.isEmpty(0) || this.isEmpty(i)) {
      if (!this.underflow()) {
        this.finish(0);
        return;
      }
      if (this.isEmpty(0)) this.setSt(0, INDEFINITE);
      if (this.isEmpty(i)) this.setSt(i, INDEFINITE);
    }
    const a = this.stA(0);
    const b = this.stB(i);
    this.setSt(0, b);
    this.setSt(i, a);
    this.finish(0);
  }

  /** FFREE ST(i). */
  free(i: number): void {
    this.setTag(this.phys(i), TAG_EMPTY);
  }

  /** FINCSTP / FDECSTP. */
  rotate(delta: number): void {
    this.top = (this.top + delta) & 7;
    this.swBits &= ~SW_C1;
  }

  /** FNCLEX: clears the exception flags, SF, ES and B. */
  clearExceptions(): void {
    this.swBits &= ~(0x7f | SW_ES | SW_B);
  }

  /** FLDCW: new control word; a pending unmasked exception sets ES/B (reported by the next waiting instruction). */
  setControl(cw: number): void {
    this.cw = cw & 0x1f7f;
    this.cw |= 0x0040;
    this.refreshSummary();
  }

  /** Recomputes ES and B from the flags and masks (after FLDCW, FLDENV, FRSTOR, FXRSTOR). */
  refreshSummary(): void {
    if (this.swBits & ~this.cw & 0x3f) this.swBits |= SW_ES | SW_B;
    else this.swBits &= ~(SW_ES | SW_B);
  }

  // -------------------------------------------------------------------------------------------
  // Arithmetic

  private compute(op: number, a: F80, b: F80): F80 {
    switch (op) {
      case OP_ADD:
        return add(this, a, b);
      case OP_MUL:
        return mul(this, a, b);
      case OP_SUB:
        return sub(this, a, b);
      case OP_SUBR:
        return sub(this, b, a);
      case OP_DIV:
        return div(this, a, b);
      default:
        return div(this, b, a);
    }
  }

  /**
   * Register form: ST(dst) ← ST(dst) op ST(src), optionally popping (D8, DC, DE with mod = 3).
   */
  arithSt(op: number, dst: number, src: number, popAfter: boolean): void {
    this.begin();
    if (this.isEmpty(dst) || this.isEmpty(src)) {
      if (!this.underflow()) {
        this.finish(0);
        return;
      }
      this.setSt(dst, INDEFINITE);
    } else {
      const r = this.compute(op, this.stA(dst), this.stB(src));
      if (!this.suppressed()) this.setSt(dst, r);
    }
    if (popAfter && !this.suppressed()) this.pop();
    this.finish(this.c1);
  }

  /**
   * Memory form: ST(0) ← ST(0) op value, where value was converted from m32fp/m64fp/m16int/m32int
   * and `convFlags` holds the flags that conversion raised.
   */
  arithMem(op: number, value: F80, convFlags: number): void {
    this.begin();
    if (this.isEmpty(0)) {
      if (!this.underflow()) {
        this.finish(0);
        return;
      }
      this.setSt(0, INDEFINITE);
      this.finish(0);
      return;
    }
    // value / ±0 (FDIVR with ST(0) = 0) raises ZE alone, like the register form.
    const st0 = this.stA(0);
    const zeroDivisor = op === OP_DIVR && classify(st0) === Cls.Zero;
    if (!zeroDivisor && this.memDenormalStops(st0, value, convFlags)) return;
    // An SNaN memory operand was already quieted by the widening; arithmetic sees the QNaN.
    const r = this.compute(op, st0, value);
    if (!this.suppressed()) this.setSt(0, r);
    this.finish(this.c1);
  }

  /**
   * A denormal memory operand (DE in `convFlags`) raises DE unless a NaN or unsupported operand
   * decides the result first; an unmasked DE then ends the instruction.
   */
  private memDenormalStops(st0: F80, value: F80, convFlags: number): boolean {
    if ((convFlags & DE) === 0) return false;
    const c0 = classify(st0);
    if (c0 === Cls.Unsupported || c0 === Cls.QNaN || c0 === Cls.SNaN || isNaN80(classify(value)))
      return false;
    this.flags |= DE;
    if ((this.cw & DE) === 0) {
      this.finish(0);
      return true;
    }
    return false;
  }

  /** Applies a one-operand operation to ST(0): 0 FSQRT, 1 FRNDINT, 2 FCHS, 3 FABS. */
  private unary(kind: number): void {
    this.begin();
    if (this.isEmpty(0)) {
      if (this.underflow()) this.setSt(0, INDEFINITE);
      this.finish(0);
      return;
    }
    const a = this.stA(0);
    let r: F80;
    if (kind === 0) r = sqrt(this, a);
    else if (kind === 1) r = roundInt(this, a);
    else {
      // FCHS/FABS only touch the sign (of the scratch copy) and clear C1.
      a.sign = kind === 2 ? a.sign ^ 1 : 0;
      r = a;
    }
    if (!this.suppressed()) this.setSt(0, r);
    this.finish(kind < 2 ? this.c1 : 0);
  }

  fsqrt(): void {
    this.unary(0);
  }

  frndint(): void {
    this.unary(1);
  }

  fchs(): void {
    this.unary(2);
  }

  fabs(): void {
    this.unary(3);
  }

  // -------------------------------------------------------------------------------------------
  // Comparisons

  /**
   * FCOM, FCOMP, FCOMPP, FUCOM(P)(P), FICOM(P), FTST: compares ST(0) with `b` (or with ST(src) when b is null)
   * and sets C3/C2/C0. Returns the outcome for FCOMI-style callers.
   */
  compareSt(b: F80 | null, src: number, quietNaN: boolean, pops: number, convFlags = 0): number {
    this.begin();
    let r = CMP_UNORDERED;
    if (this.isEmpty(0) || (b === null && this.isEmpty(src))) {
      this.underflow();
    } else {
      const a = this.stA(0);
      const c0 = classify(a);
      if ((convFlags & DE) !== 0 && c0 !== Cls.Unsupported && !isNaN80(c0) && b && !isNaN80(classify(b))) {
        this.flags |= DE;
      }
      r = compare(this, a, b ?? this.stB(src), quietNaN);
    }
    // The condition codes are written even when an unmasked exception suppresses the pops.
    this.setCompareCodes(r);
    if (!this.suppressed()) for (let i = 0; i < pops; i++) this.pop();
    this.finish(0);
    return r;
  }

  /**
   * FCOMI/FCOMIP/FUCOMI/FUCOMIP: compares ST(0) with ST(src) and returns the outcome; the caller
   * sets ZF/PF/CF. An unmasked exception suppresses the pop only.
   */
  compareToFlags(src: number, quietNaN: boolean, popAfter: boolean): number {
    this.begin();
    let r = CMP_UNORDERED;
    const fault = this.isEmpty(0) || this.isEmpty(src);
    if (fault) this.underflow();
    else r = compare(this, this.stA(0), this.stB(src), quietNaN);
    if (popAfter && !this.suppressed()) this.pop();
    // C1 changes only on a stack fault (SDM Vol. 2A, FCOMI "FPU Flags Affected").
    this.finish(fault ? 0 : (this.swBits >> 9) & 1);
    return r;
  }

  /** FXAM: classifies ST(0) into C3/C2/C0 with the sign in C1 (SDM Vol. 2A, FXAM). */
  fxam(): void {
    const v = this.stA(0);
    let s = this.swBits & ~SW_CC;
    if (v.sign) s |= SW_C1;
    if (this.isEmpty(0)) s |= SW_C3 | SW_C0;
    else {
      const c = classify(v);
      switch (c) {
        case Cls.Unsupported:
          break;
        case Cls.QNaN:
        case Cls.SNaN:
          s |= SW_C0;
          break;
        case Cls.Normal:
          s |= SW_C2;
          break;
        case Cls.Infinity:
          s |= SW_C2 | SW_C0;
          break;
        case Cls.Zero:
          s |= SW_C3;
          break;
        default:
          s |= SW_C3 | SW_C2;
      }
    }
    this.swBits = s;
  }

  /** FCMOVcc: ST(0) ← ST(i) when `cond`. */
  fcmov(i: number, cond: boolean): void {
    this.begin();
    if (this.isEmpty(0) || this.isEmpty(i)) {
      // A masked stack underflow loads the indefinite whatever the condition.
      if (this.underflow()) this.setSt(0, INDEFINITE);
      this.finish(0);
      return;
    }
    // Without a stack fault C1 is left alone (SDM Vol. 2A, FCMOVcc "FPU Flags Affected").
    if (cond) this.setSt(0, this.stA(i));
  }

  // -------------------------------------------------------------------------------------------
  // Stores to memory: the caller converts; these handle the stack and flags.

  /**
   * Stores ST(0) through `convert` (FST/FSTP/FIST/FISTP/FISTTP/FBSTP to memory). A masked stack
   * underflow stores `indefinite`. Returns null when an unmasked exception forbids writing memory
   * (invalid, denormal, overflow, underflow — SDM Vol. 1, 4.9.2); pops when asked and allowed.
   */
  store<T>(convert: (v: F80) => T, indefinite: T, popAfter: boolean): T | null {
    this.begin();
    let out: T;
    if (this.isEmpty(0)) {
      if (!this.underflow()) {
        this.finish(0);
        return null;
      }
      out = indefinite;
    } else {
      out = convert(this.stA(0));
      if (this.flags & ~this.cw & 0x3f & ~PE) {
        this.finish(0);
        return null;
      }
    }
    if (popAfter) this.pop();
    this.finish(this.c1);
    return out;
  }

  /**
   * Stores ST(0) as a number (FST/FSTP m32fp and m64fp, FIST/FISTP/FISTTP): `kind` is one of the
   * STORE_* constants. Leaves the value in storeLo/storeHi (a masked stack underflow stores the
   * format's indefinite) and returns true, or returns false when an unmasked exception forbids
   * writing memory; pops when asked and allowed. Allocates nothing.
   */
  storeNum(kind: number, popAfter: boolean): boolean {
    this.begin();
    if (this.isEmpty(0)) {
      if (!this.underflow()) {
        this.finish(0);
        return false;
      }
      this.storeIndefinite(kind);
    } else {
      const v = this.stA(0);
      if (kind === STORE_F32) {
        this.storeLo = toF32(this, v);
        this.storeHi = 0;
      } else if (kind === STORE_F64) {
        this.storeLo = toF64(this, v);
        this.storeHi = HIGH[0]!;
      } else {
        const bits = kind & 0x7f;
        this.storeLo = toInt(this, v, bits, (kind & STORE_TRUNCATE) !== 0);
        this.storeHi = HIGH[0]!;
      }
      if (this.flags & ~this.cw & 0x3f & ~PE) {
        this.finish(0);
        return false;
      }
    }
    if (popAfter) this.pop();
    this.finish(this.c1);
    return true;
  }

  /** The indefinite of a store format (SDM Vol. 1, tables 4-3 and 4-2) into storeLo/storeHi. */
  private storeIndefinite(kind: number): void {
    if (kind === STORE_F32) {
      this.storeLo = 0xffc00000;
      this.storeHi = 0;
    } else if (kind === STORE_F64) {
      this.storeLo = 0;
      this.storeHi = 0xfff80000;
    } else {
      // The most negative integer, sign-extended.
      const bits = kind & 0x7f;
      this.storeLo = bits === 64 ? 0 : bits === 32 ? 0x80000000 : 0xffff8000;
      this.storeHi = bits === 64 ? 0x80000000 : 0xffffffff;
    }
  }

  /** Saves what a store changes (status, tags, FIP/FOP/FDP) before its memory write. */
  snapshot(): void {
    this.snapSw = this.sw;
    this.snapTw = this.tagWord;
    this.snapFip = this.fip;
    this.snapFop = this.fop;
    this.snapFdp = this.fdp;
  }

  /** Undoes a store whose memory write faulted: the instruction has no effect, as on hardware. */
  restoreSnapshot(): void {
    this.sw = this.snapSw;
    this.tagWord = this.snapTw;
    this.fip = this.snapFip;
    this.fop = this.snapFop;
    this.fdp = this.snapFdp;
  }

  // -------------------------------------------------------------------------------------------
  // Operation shapes used by the remaining instructions

  /** FLD1/FLDL2T/FLDL2E/FLDPI/FLDLG2/FLDLN2/FLDZ: pushes constant `k` rounded under RC. */
  loadConst(k: number, make: (k: number, rc: number, env: FpEnv) => F80): void {
    this.begin();
    const v = make(k, (this.cw >> 10) & 3, this);
    this.flags = 0;
    this.c1 = 0;
    this.push(v);
    this.finish(this.c1);
  }

  /**
   * ST(0) ← fn(ST(0)) (F2XM1, FSIN, FCOS). fn returns null when the operand is out of range
   * (|x| ≥ 2^63 for FSIN/FCOS): C2 is set and ST(0) is left alone.
   */
  unaryOp(fn: (env: FpEnv, a: F80) => F80 | null): void {
    this.begin();
    let c2 = 0;
    if (this.isEmpty(0)) {
      if (this.underflow()) this.setSt(0, INDEFINITE);
    } else {
      const r = fn(this, this.stA(0));
      if (r === null) c2 = SW_C2;
      else if (!this.suppressed()) this.setSt(0, r);
    }
    this.swBits = (this.swBits & ~SW_C2) | c2;
    this.finish(this.c1);
  }

  /** ST(1) ← fn(ST(0), ST(1)), then pop (FYL2X, FYL2XP1, FPATAN). */
  binaryPop(fn: (env: FpEnv, st0: F80, st1: F80) => F80): void {
    this.begin();
    if (this.isEmpty(0) || this.isEmpty(1)) {
      if (!this.underflow()) {
        this.finish(0);
        return;
      }
      this.setSt(1, INDEFINITE);
      this.pop();
      this.finish(0);
      return;
    }
    const r = fn(this, this.stA(0), this.stB(1));
    if (this.suppressed()) {
      this.finish(0);
      return;
    }
    this.setSt(1, r);
    this.pop();
    this.finish(this.c1);
  }

  /** ST(0) ← fn(ST(0), ST(1)) (FSCALE). */
  binaryKeep(fn: (env: FpEnv, st0: F80, st1: F80) => F80): void {
    this.begin();
    if (this.isEmpty(0) || this.isEmpty(1)) {
      if (this.underflow()) this.setSt(0, INDEFINITE);
      this.finish(0);
      return;
    }
    const r = fn(this, this.stA(0), this.stB(1));
    if (!this.suppressed()) this.setSt(0, r);
    this.finish(this.c1);
  }

  /**
   * ST(0) ← first, then push second (FPTAN pushes 1.0, FXTRACT the significand, FSINCOS the
   * cosine). fn returns null for an out-of-range operand: C2 is set and nothing changes.
   */
  pushPair(fn: (env: FpEnv, a: F80) => [F80, F80] | null): void {
    this.begin();
    let c2 = 0;
    if (this.isEmpty(0)) {
      if (this.underflow()) {
        this.setSt(0, INDEFINITE);
        this.push(INDEFINITE);
      }
    } else if (this.tag((this.top + 7) & 7) !== TAG_EMPTY) {
      // Stack overflow: the push has no room (SDM Vol. 2A, FPTAN/FXTRACT/FSINCOS #IS).
      this.flags |= IE | SF;
      this.c1 = 1;
      if (this.cw & IE) {
        this.setSt(0, INDEFINITE);
        this.push(INDEFINITE);
        this.flags = IE | SF;
        this.c1 = 1;
      }
    } else {
      const r = fn(this, this.stA(0));
      if (r === null) c2 = SW_C2;
      else if (!this.suppressed()) {
        this.setSt(0, r[0]);
        this.push(r[1]);
      }
    }
    this.swBits = (this.swBits & ~SW_C2) | c2;
    this.finish(this.c1);
  }

  /**
   * FPREM/FPREM1: ST(0) ← partial remainder of ST(0) / ST(1); C2 = incomplete, C0/C3/C1 = the
   * quotient's bits 2, 1 and 0 when complete (SDM Vol. 2A, FPREM).
   */
  remainder(fn: (env: FpEnv, a: F80, b: F80, nearest: boolean) => RemainderResult, nearest: boolean): void {
    this.begin();
    if (this.isEmpty(0) || this.isEmpty(1)) {
      if (this.underflow()) this.setSt(0, INDEFINITE);
      this.swBits &= ~SW_C2;
      this.finish(0);
      return;
    }
    const r = fn(this, this.stA(0), this.stB(1), nearest);
    if (this.suppressed()) {
      this.swBits &= ~SW_C2;
      this.finish(0);
      return;
    }
    this.setSt(0, r.value);
    if (r.quotient < 0) {
      // NaN, invalid and other special operands: C0 and C3 keep their values, C1 and C2 clear.
      this.swBits &= ~(SW_C1 | SW_C2);
      this.finish(0);
      return;
    }
    let s = this.swBits & ~SW_CC;
    if (r.partial) s |= SW_C2;
    else {
      if (r.quotient & 4) s |= SW_C0;
      if (r.quotient & 2) s |= SW_C3;
      if (r.quotient & 1) s |= SW_C1;
    }
    this.swBits = s;
    this.finish(r.partial ? 0 : r.quotient & 1);
  }
}

export { CMP_EQUAL, CMP_GREATER, CMP_LESS, CMP_UNORDERED };
