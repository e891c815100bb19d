/**
 * Case generators driven by the opcode table: for a row, pick an operand size, a register or
 * memory form (every addressing shape, REX-extended registers, RIP-relative, 32-bit addressing,
 * page-straddling and faulting targets), edge-biased operands, FPU/SSE state (every rounding mode,
 * precision control, FTZ/DAZ, masked and unmasked exceptions, x87 stacks of special values), encode
 * the instruction and describe what the form leaves undefined.
 */
import type { OpRow } from '../../src/table.js';
import { CODE_ADDR, DATA_ADDR, defaultFx, FX, PAGE, RO_ADDR } from '../native/harness.js';
import type { DiffCase } from './compare.js';
import { type Encoding, encode, immWidth, type MemOperand, type RowShape } from './encoder.js';
import { edgeF32, edgeF64, edgeF80, edgeInt, edgeReg, edgeSmall, type Rng } from './random.js';

const RSP = 4;
const RBP = 5;
const RSI = 6;
const RDI = 7;
const RCX = 1;
const RBX = 3;
/** Initial stack pointer: inside the data page, with room above and below. */
export const STACK_TOP = DATA_ADDR + 0xc0;
const DATA_LEN = 256;
const CMC = 0xf5;

/** A human-readable key of a row: mnemonic, template and encoding. */
export function rowKey(row: OpRow): string {
  const map = ['', '0f ', '0f38 ', '0f3a '][row.map]!;
  const pre = row.prefix ? `${row.prefix.toString(16)} ` : '';
  const ext = row.ext !== undefined ? ` /${row.ext}` : '';
  const mod = row.mod ? ` ${row.mod}` : '';
  const w = row.w !== undefined ? ` W${row.w}` : '';
  const vex = row.vex ? 'vex ' : '';
  return `${row.mnemonic} ${row.operands} [${vex}${pre}${map}${row.opcode.toString(16).padStart(2, '0')}${ext}${mod}${w}]`;
}

/**
 * Whether the generators may run a row natively at all. Excluded: instructions whose results depend
 * on the machine (cpuid, rdtsc, rdrand, xgetbv), that would act on the harness process itself
 * (syscall, fs/gs base writes; `int 0x80` is avoided by the immediate chosen). The
 * table's `noDiffTest` flag is not needed here: the harness runs control flow (branches land on a
 * `cmc` that shows whether they were taken), `int3`, `ud2` and privileged instructions (#GP on the
 * host too), so those forms are compared like any other.
 */
export function testableRow(row: OpRow): boolean {
  if (row.map === 1 && [0x05, 0x07, 0x34, 0x35, 0xa2, 0x31].includes(row.opcode)) return false;
  if (row.map === 1 && row.opcode === 0x01 && row.mod !== 'mem') return false; // xgetbv, rdtscp, swapgs, …
  if (row.map === 1 && row.opcode === 0xae && row.prefix === 0xf3) return false; // rd/wr fs/gs base
  if (row.map === 1 && row.opcode === 0xc7 && (row.ext === 6 || row.ext === 7)) return false; // rdrand, rdseed, rdpid
  if (
    /^(cpuid|rdtscp?|rdrand|rdseed|rdpid|xgetbv|syscall|sysenter|sysexit|sysret|wr[fg]sbase|rd[fg]sbase)$/.test(
      row.mnemonic,
    )
  )
    return false;
  return true;
}

const X87_NO_UNDEF =
  /^(fu?comp{0,2}|ficomp?|ftst|fxam|fprem1?|fldenv|frstor|fxrstor|fninit|fnsave|fsave|fxsave|finit|fu?comip?)$/;
const X87_UNDEF_C0C3 = /^(fptan|fsin|fcos|fsincos)$/;
const X87_UNDEF_ALL = /^(fn?clex|fldcw|fn?stcw|fn?stsw|fn?stenv|f?wait|ffreep?|fnop)$/;

/** FSW condition-code bits the SDM calls undefined after an x87 instruction ("FPU Flags Affected", Vol. 2A/2B). */
export function x87UndefinedFsw(mnemonic: string): number {
  if (!mnemonic.startsWith('f') && mnemonic !== 'wait') return 0;
  if (X87_NO_UNDEF.test(mnemonic)) return 0;
  if (X87_UNDEF_C0C3.test(mnemonic)) return 0x4100;
  if (X87_UNDEF_ALL.test(mnemonic)) return 0x4700;
  if (/^fxtract$/.test(mnemonic)) return 0x4500;
  return 0x4500; // C0, C2, C3 undefined; C1 reports rounding or stack fault
}

/** Operand value type of an operand template, for picking edge values. */
type Kind = 'int' | 'f32' | 'f64' | 'f80' | 'bcd';

function kindOfMem(shape: RowShape): Kind {
  for (const o of shape.ops) {
    if (o === 'm32fp' || /^[WMEU](ss|ps)$/.test(o)) return 'f32';
    if (o === 'm64fp' || /^[WMEU](sd|pd)$/.test(o)) return 'f64';
    if (o === 'm80fp') return 'f80';
    if (o === 'm80bcd') return 'bcd';
  }
  return 'int';
}

function xmmKind(shape: RowShape): Kind {
  for (const o of shape.ops) {
    if (/(ss|ps)$/.test(o)) return 'f32';
    if (/(sd|pd)$/.test(o)) return 'f64';
  }
  return 'int';
}

function writeLe(buf: Uint8Array, off: number, v: bigint, n: number): void {
  let lo = Number(BigInt.asUintN(32, v));
  let hi = n > 4 ? Number(BigInt.asUintN(32, v >> 32n)) : 0;
  for (let k = 0; k < n && off + k < buf.length; k++) {
    buf[off + k] = lo & 0xff;
    lo = (lo >>> 8) | ((hi & 0xff) << 24);
    hi >>>= 8;
  }
}

/** Fills `n` bytes at `off` with edge values of a kind. */
function fillTyped(rng: Rng, buf: Uint8Array, off: number, n: number, kind: Kind, intBits = 64): void {
  let p = off;
  const end = Math.min(off + n, buf.length);
  while (p < end) {
    switch (kind) {
      case 'f32':
        writeLe(buf, p, BigInt(edgeF32(rng)), 4);
        p += 4;
        break;
      case 'f64':
        writeLe(buf, p, edgeF64(rng), 8);
        p += 8;
        break;
      case 'f80': {
        const [se, m] = edgeF80(rng);
        writeLe(buf, p, m, 8);
        writeLe(buf, p + 8, BigInt(se), 2);
        p += 10;
        break;
      }
      case 'bcd': {
        for (let k = 0; k < 9; k++)
          buf[p + k] = rng.chance(0.95) ? rng.int(10) * 16 + rng.int(10) : rng.int(256);
        buf[p + 9] = rng.chance(0.5) ? 0x80 : 0;
        p += 10;
        break;
      }
      default: {
        const bytes = Math.min(intBits / 8, 8);
        if (bytes <= 4) {
          // Narrow lanes without BigInt (this is the bulk of XMM and data filling).
          let v = edgeSmall(rng, bytes * 8);
          for (let k = 0; k < bytes && p + k < buf.length; k++) {
            buf[p + k] = v & 0xff;
            v = Math.floor(v / 256);
          }
        } else writeLe(buf, p, edgeInt(rng, bytes * 8), bytes);
        p += bytes;
      }
    }
  }
}

/** A random MXCSR image as ldmxcsr/fxrstor read it: valid, or now and then with reserved bits (#GP). */
function memMxcsr(rng: Rng): number {
  // Bit 17 (AMD's misaligned-SSE mask) is left clear: it is reserved or not depending on the host.
  return (randomMxcsr(rng) | (rng.chance(0.08) ? 1 << (18 + rng.int(14)) : 0)) >>> 0;
}

/** Initial bytes of a memory operand, typed by the form (integers of the operand width, FP formats, FPU images). */
function fillMemOperand(rng: Rng, shape: RowShape, data: Uint8Array, off: number, opsize: number): void {
  const m = shape.row.mnemonic;
  if (/^ldmxcsr$/.test(m)) {
    writeLe(data, off, BigInt(memMxcsr(rng)), 4);
    return;
  }
  if (/^fxrstor/.test(m)) {
    const img = defaultFx();
    randomX87(rng, img);
    for (let i = 0; i < 16; i++) img.set(randomXmm(rng, 'int'), FX.XMM + 16 * i);
    new DataView(img.buffer).setUint32(FX.MXCSR, memMxcsr(rng), true);
    data.set(img.subarray(0, Math.min(512, data.length - off)), off);
    return;
  }
  const ops = shape.ops;
  const bits =
    ops.includes('m16int') || shape.memBytes === 2
      ? 16
      : shape.memBytes === 1
        ? 8
        : ops.includes('m32int')
          ? 32
          : ops.includes('m64int')
            ? 64
            : opsize * 8;
  fillTyped(rng, data, off, shape.memBytes, kindOfMem(shape), bits);
}

function randomXmm(rng: Rng, kind: Kind): Uint8Array {
  const out = new Uint8Array(16);
  const k = rng.chance(0.7) ? kind : rng.pick<Kind>(['int', 'f32', 'f64']);
  if (k === 'int') {
    const lane = rng.pick([8, 16, 32, 64]);
    fillTyped(rng, out, 0, 16, 'int', lane);
  } else fillTyped(rng, out, 0, 16, k);
  return out;
}

/** A random MXCSR: every rounding mode, FTZ/DAZ, sticky flags, occasionally unmasked exceptions. */
export function randomMxcsr(rng: Rng): number {
  let m = 0x1f80 | (rng.int(4) << 13);
  if (rng.chance(0.25)) m |= 0x8000; // FTZ
  if (rng.chance(0.25)) m |= 0x40; // DAZ
  if (rng.chance(0.2)) m |= rng.int(64); // sticky flags
  if (rng.chance(0.08)) m &= ~(rng.int(64) << 7); // unmask some exceptions
  // A set flag whose exception is unmasked does not fault by itself on SSE (unlike x87).
  return m >>> 0;
}

/** Random x87 state written into an FXSAVE image: control word, stack depth and values. */
export function randomX87(rng: Rng, fx: Uint8Array): void {
  const dv = new DataView(fx.buffer, fx.byteOffset, 512);
  let fcw = 0x0040 | 0x3f | (rng.pick([0, 2, 3]) << 8) | (rng.int(4) << 10);
  if (rng.chance(0.08)) fcw &= ~rng.int(64);
  dv.setUint16(FX.FCW, fcw, true);
  const top = rng.int(8);
  const depth = rng.chance(0.15) ? rng.pick([0, 8]) : rng.int(9);
  let fsw = (top << 11) | (rng.int(16) & 0xf ? (rng.int(2) * 0x4000) | (rng.int(8) * 0x100) : 0);
  // Sticky exception flags only for masked exceptions, so ES stays consistent.
  if (rng.chance(0.2)) fsw |= rng.int(64) & fcw & 0x3f;
  dv.setUint16(FX.FSW, fsw, true);
  let ftw = 0;
  for (let i = 0; i < 8; i++) {
    const [se, m] = edgeF80(rng);
    dv.setBigUint64(FX.ST + 16 * i, m, true);
    dv.setUint16(FX.ST + 16 * i + 8, se, true);
    if (i < depth) ftw |= 1 << ((top + i) & 7);
  }
  fx[FX.FTW] = ftw;
}

/**
 * The class of ST(i) in an FXSAVE image (registers in stack order, abridged tag bits per physical
 * register): empty, zero, denormal, pdenormal, unsupported, inf, nan or normal (SDM Vol. 1, 8.2.2).
 */
export function x87Class(fx: Uint8Array, i: number): string {
  const dv = new DataView(fx.buffer, fx.byteOffset, 512);
  const top = (dv.getUint16(FX.FSW, true) >> 11) & 7;
  if (!(fx[FX.FTW]! & (1 << ((top + i) & 7)))) return 'empty';
  const exp = dv.getUint16(FX.ST + 16 * i + 8, true) & 0x7fff;
  const hi = dv.getUint32(FX.ST + 16 * i + 4, true);
  const lo = dv.getUint32(FX.ST + 16 * i, true);
  const j = hi >>> 31;
  if (exp === 0) return (hi | lo) === 0 ? 'zero' : j ? 'pdenormal' : 'denormal';
  if (!j) return 'unsupported';
  if (exp === 0x7fff) return ((hi & 0x7fffffff) | lo) === 0 ? 'inf' : 'nan';
  return 'normal';
}

const fxPool: Uint8Array[] = [];

/** Whether a row reads or writes x87 or SSE state (then its FPU state is always fresh). */
function usesFpu(shape: RowShape): boolean {
  const { row } = shape;
  if (row.map === 0 && row.opcode >= 0xd8 && row.opcode <= 0xdf) return true;
  if (row.mnemonic.startsWith('f') || /mxcsr|^fx/.test(row.mnemonic)) return true;
  return shape.ops.some((o) => /^[VWUH]/.test(o)) || row.map !== 0;
}

/**
 * The starting x87/MXCSR/XMM state. Forms that use it get a fresh random state; the others draw
 * from a pool of random states (they must preserve it, which any random state checks).
 */
function fpuStateFor(shape: RowShape, rng: Rng): Uint8Array {
  if (!usesFpu(shape) && fxPool.length >= 64) return rng.pick(fxPool).slice();
  const fx = defaultFx();
  randomX87(rng, fx);
  new DataView(fx.buffer).setUint32(FX.MXCSR, randomMxcsr(rng), true);
  const xk = xmmKind(shape);
  for (let i = 0; i < 16; i++) fx.set(randomXmm(rng, xk), FX.XMM + 16 * i);
  if (fxPool.length < 64) fxPool.push(fx.slice());
  return fx;
}

/** What a generated case runs. */
export interface Generated {
  tc: DiffCase;
  /** The encoding, for re-encoding during minimisation. */
  enc: Encoding;
}

function isStringOp(row: OpRow): boolean {
  return (
    row.map === 0 && row.opcode >= 0xa4 && row.opcode <= 0xaf && row.opcode !== 0xa8 && row.opcode !== 0xa9
  );
}

function isBranchRel(shape: RowShape): boolean {
  return shape.imms.includes('Jb') || shape.imms.includes('Jz');
}

/** Generates one case for a row. */
/**
 * An integer instruction that leaves the flags in a lazily computed state for the instruction
 * under test to consume (add, adc, sub, sbb, logic, cmp, test, inc, dec, neg: all flags defined).
 * It writes only a register from R8–R15 that the instruction under test does not name.
 */
function flagPrefix(rng: Rng, avoid: readonly number[]): number[] {
  const free = [8, 9, 10, 11, 12, 13, 14, 15].filter((r) => !avoid.includes(r));
  const dst = rng.pick(free.length > 0 ? free : [15]);
  const size = rng.pick([1, 2, 4, 8]);
  const out: number[] = size === 2 ? [0x66] : [];
  if (rng.chance(0.75)) {
    const src = rng.int(16);
    const base = rng.pick([0x00, 0x08, 0x10, 0x18, 0x20, 0x28, 0x30, 0x38, 0x84]);
    out.push(0x40 | (size === 8 ? 8 : 0) | (src >= 8 ? 4 : 0) | 1, base + (size === 1 ? 0 : 1));
    out.push(0xc0 | ((src & 7) << 3) | (dst & 7));
  } else {
    const [op, ext] = rng.pick([
      [0xfe, 0],
      [0xfe, 1],
      [0xf6, 3],
    ] as const);
    out.push(0x40 | (size === 8 ? 8 : 0) | 1, op + (size === 1 ? 0 : 1), 0xc0 | (ext << 3) | (dst & 7));
  }
  return out;
}

/** Probability that a memory operand gets an FS or GS segment override (with a non-zero base). */
export const SEG_OVERRIDE_RATE = 0.08;

/** Probability that a case starts with a {@link flagPrefix} instruction. */
export const FLAG_PREFIX_RATE = 0.2;

/** Options for {@link generateCase}. */
export interface GenerateOptions {
  /**
   * Add prefix noise the decoder must handle like hardware: null segment overrides, F2/F3 on forms
   * without a mandatory prefix, stray REX bytes ahead of legacy prefixes (ignored by hardware).
   */
  wild?: boolean;
}

export function generateCase(shape: RowShape, rng: Rng, options: GenerateOptions = {}): Generated {
  const { row } = shape;
  const opsize = rng.pick(shape.sizes);
  const useMem = shape.memForm && (!shape.regForm || rng.chance(0.5));
  const gpr: bigint[] = [];
  for (let i = 0; i < 16; i++) gpr.push(edgeReg(rng, rng.chance(0.7) ? opsize * 8 : 64));
  gpr[RSP] = BigInt(STACK_TOP);
  const data = rng.bytes(shape.memBytes > 64 ? 1024 : DATA_LEN);
  const fx = fpuStateFor(shape, rng);
  let rflags = 0x202 | (rng.u32() & 0x8d5);
  if (rng.chance(0.25)) rflags |= 0x400;

  const enc: Encoding = {
    shape,
    opsize,
    reg: rng.int(16),
    rm: rng.int(16),
    mem: null,
    vvvv: rng.int(16),
    forceRex: rng.chance(0.3),
    imms: shape.imms.map((k) => edgeInt(rng, 8 * immWidth(k, opsize, false))),
    prefixes: [],
  };
  if (shape.ops.includes('STi')) enc.rm = rng.int(8);
  // VEX.vvvv must be 1111b (register 0 here) when no operand uses it, or the form is #UD.
  if (row.vex && !shape.ops.some((o) => /^[BH]/.test(o)) && rng.chance(0.9)) enc.vvvv = 0;

  let fsBase: bigint | undefined;
  let gsBase: bigint | undefined;
  // Memory operand: a target in the data page (sometimes misaligned, straddling or read-only).
  let target = DATA_ADDR + (rng.int(8) << 4);
  if (shape.memBytes > 64) target = DATA_ADDR + 0x100 + (rng.int(4) << 4);
  if (rng.chance(0.2)) target += rng.int(16);
  const tags: string[] = [];
  const edge = rng.int(100);
  if (edge < 3) {
    target = DATA_ADDR + PAGE - rng.int(Math.min(shape.memBytes, 16)) - 1;
    tags.push('target:ro-straddle'); // starts in the data page, ends in the read-only page
  } else if (edge < 5) {
    target = RO_ADDR + rng.int(PAGE - 16);
    tags.push('target:ro');
  } else if (edge < 6) {
    target = RO_ADDR + PAGE - rng.int(8) - 1;
    tags.push('target:unmapped-straddle'); // starts in the read-only page, ends unmapped
  } else if (edge < 7) {
    target = rng.pick([0, 0x300000, CODE_ADDR + 0x10, DATA_ADDR - 8]);
    tags.push('target:elsewhere');
  } else if (edge < 9) {
    // Unmapped and above 4 GiB (canonical or not), aligned or not: alignment #GP comes before
    // paging and canonicality checks (SDM Vol. 3A §6.15, exception priorities).
    target = rng.pick([2 ** 32, 2 ** 40, 2 ** 47 - PAGE, 2 ** 47, 2 ** 52]) + (rng.int(8) << 4);
    if (rng.chance(0.5)) target += 1 + rng.int(15);
    tags.push('target:high');
  }
  if (!useMem && !isStringOp(row) && !/^maskmov/.test(row.mnemonic)) tags.length = 0;
  if (useMem) {
    const m = randomMem(rng, enc.reg);
    enc.mem = m;
    // A target above 2^31 needs a register to hold it (no disp32 or RIP-relative reach).
    if (target >= 2 ** 31 && (m.kind === 'abs' || m.kind === 'rip' || m.base === RSP)) {
      m.kind = 'base';
      m.base = m.index;
    }
    if (m.addr32) tags.push('addr32');
    // An FS/GS override now and then: the base (set per case on both sides) is part of the address.
    let segBase = 0;
    if (rng.chance(SEG_OVERRIDE_RATE) && !isStringOp(row)) {
      segBase = rng.pick([0x1000, 0x100000, 2 ** 32, 0x7fff00000000]);
      const fs = rng.chance(0.5);
      if (fs) fsBase = BigInt(segBase);
      else gsBase = BigInt(segBase);
      enc.prefixes.push(fs ? 0x64 : 0x65);
      tags.push(fs ? 'seg:fs' : 'seg:gs');
    }
    placeAddress(m, target - segBase, gpr, rng);
    if (m.kind === 'rip') enc.ripTarget = target - segBase;
    // lea only computes the address: now and then a negative one, which a disp32 (absolute) or a
    // rip-relative displacement reaches by sign extension (SDM Vol. 2A LEA).
    if (row.mnemonic === 'lea' && rng.chance(0.25)) {
      if (m.kind === 'abs') m.disp = -1 - rng.int(2 ** 31 - 1);
      else if (m.kind === 'rip') enc.ripTarget = -1 - rng.int(0x7f000000);
    }
    if (target >= DATA_ADDR && target < DATA_ADDR + data.length)
      fillMemOperand(rng, shape, data, target - DATA_ADDR, opsize);
    if (row.lock && rng.chance(0.4)) enc.prefixes.push(0xf0);
    if (row.lock && rng.chance(0.1)) enc.prefixes.push(rng.pick([0xf2, 0xf3]));
    if (rng.chance(0.05)) enc.prefixes.unshift(rng.pick([0x2e, 0x3e, 0x26, 0x36]));
  }

  // Implicit operands and control flow that need specific values to stay inside the test pages.
  if (isStringOp(row)) {
    gpr[RSI] = BigInt(DATA_ADDR + 0x40 + rng.int(0x40));
    gpr[RDI] = BigInt(DATA_ADDR + 0x80 + rng.int(0x40));
    if (rng.chance(0.6)) {
      enc.prefixes.push(rng.pick([0xf3, 0xf2]));
      gpr[RCX] = rng.chance(0.9) ? BigInt(rng.int(9)) : (gpr[RCX] ?? 0n) & 0xffffn;
    }
  }
  if (/^maskmov/.test(row.mnemonic)) gpr[RDI] = BigInt(target);
  if (row.map === 0 && row.opcode === 0xd7) gpr[RBX] = BigInt(DATA_ADDR + rng.int(0x80)); // xlat
  if (row.map === 0 && (row.opcode === 0xc9 || row.opcode === 0xc8))
    gpr[RBP] = BigInt(DATA_ADDR + 0x90 + 8 * rng.int(8));
  if (row.map === 0 && row.opcode === 0xc8) {
    enc.imms[0] = BigInt(rng.int(0x30));
    enc.imms[1] = BigInt(rng.chance(0.5) ? 0 : rng.int(4));
  }
  // int n: 3 traps like int3; other vectors have kernel-only gates (#GP). Never 0x80 (a real
  // 32-bit system call on Linux) or 4 (Linux gives it a user gate: #OF).
  if (row.map === 0 && row.opcode === 0xcd)
    enc.imms[0] = BigInt(rng.chance(0.3) ? 3 : rng.pick([5 + rng.int(0x7b), 0x81 + rng.int(0x7f)]));
  if (row.map === 0 && row.opcode === 0x9d) {
    // popf: the popped value must not set TF (single-step) or AC (alignment checks) on the host.
    writeLe(
      data,
      STACK_TOP - DATA_ADDR,
      BigInt((rng.u32() & 0x2008d5) | 0x202 | (rng.chance(0.3) ? 0x400 : 0)),
      8,
    );
  }
  // A 16-bit shld/shrd count of at least the operand width leaves the result undefined.
  if (/^sh[lr]d$/.test(row.mnemonic) && opsize === 2) {
    if (shape.imms.includes('Ib')) enc.imms[0] = BigInt(rng.int(16) + rng.pick([0, 32, 64, 96]));
    else gpr[RCX] = ((gpr[RCX] ?? 0n) & ~0xffn) | BigInt(rng.int(16) + rng.pick([0, 32, 64, 96]));
  }
  // Segment loads: selectors that are null, loadable or not under the host's and FreeBSD's GDTs.
  if (isSegmentLoad(row)) {
    const sel = BigInt(rng.chance(0.9) ? rng.pick(SELECTORS) : rng.int(0x10000));
    const keepHigh = (v: bigint) => (rng.chance(0.5) ? (v & ~0xffffn) | sel : sel);
    if (row.opcode === 0x8e) {
      if (enc.mem && target >= DATA_ADDR && target + 8 <= DATA_ADDR + data.length)
        writeLe(data, target - DATA_ADDR, sel, 2);
      else if (!enc.mem) gpr[enc.rm] = keepHigh(gpr[enc.rm] ?? 0n);
    } else writeLe(data, STACK_TOP - DATA_ADDR, keepHigh(edgeInt(rng, 64)), 8);
  }
  if (isSegmentRow(row)) {
    // A non-zero base shows whether a load replaced it.
    if (fsBase === undefined && rng.chance(0.7))
      fsBase = BigInt(rng.pick([DATA_ADDR, 0x7fff12345000, 0x1000]));
    if (gsBase === undefined && rng.chance(0.7))
      gsBase = BigInt(rng.pick([DATA_ADDR, 0x7fff12345000, 0x1000]));
  }
  const branch = isBranchRel(shape) || /^(call|jmp|ret|retf|iret)/.test(row.mnemonic);
  if (isBranchRel(shape)) {
    const far = rng.chance(0.05);
    const rel = far ? rng.pick([0x1000, -0x100, 0x7fffff]) : rng.int(2);
    if (far) tags.push('far-branch');
    enc.imms[shape.imms.findIndex((k) => k === 'Jb' || k === 'Jz')] = BigInt(rel);
    if (row.mnemonic === 'loop' || row.mnemonic.startsWith('jrcxz') || row.mnemonic.startsWith('loop'))
      gpr[RCX] = rng.pick([0n, 1n, 2n, 0x100000000n, 0xffffffffffffffffn, gpr[RCX] ?? 0n]);
  }

  // Never a 66 prefix on near branches: vendors differ. AMD processors (the host) honour it (rel16
  // immediates, RIP truncated to 16 bits, 2-byte pushes and pops for call/ret); Intel processors
  // ignore it (SDM Vol. 2A, Jcc/JMP/CALL/RET: 64-bit operand size in 64-bit mode). x86-core follows
  // Intel, as its CPUID vendor says.
  if (options.wild) {
    if (rng.chance(0.3)) enc.prefixes.unshift(rng.pick([0x2e, 0x3e, 0x26, 0x36]));
    if (rng.chance(0.2) && row.prefix === undefined && !row.vex && !isStringOp(row))
      enc.prefixes.unshift(rng.pick([0xf2, 0xf3]));
    // Forms that exist only without a mandatory prefix (fences, most MMX/SSE ps forms): another
    // instruction or #UD with one.
    else if (rng.chance(0.1) && row.prefix === 0 && !row.vex)
      enc.prefixes.unshift(rng.pick([0x66, 0xf2, 0xf3]));
    // A REX byte followed by a legacy prefix is ignored (it must immediately precede the opcode).
    if (rng.chance(0.1)) enc.prefixes.unshift(0x40 | rng.int(16), rng.pick([0x2e, 0x3e, 0x26, 0x36]));
    if (enc.prefixes.length > 0) tags.push('wild');
  }
  // Non-branch forms are sometimes preceded by a flag-producing instruction, so that flags are
  // consumed in the lazy state another instruction left them in (not only as loaded).
  const prefix = !branch && rng.chance(FLAG_PREFIX_RATE) ? flagPrefix(rng, usedRegs(enc)) : [];
  if (prefix.length > 0) tags.push('prefix:flags');
  const at = CODE_ADDR + prefix.length;
  let code = Uint8Array.from([...prefix, ...encode(enc, at)]);
  if (branch) {
    const landing = BigInt(CODE_ADDR + code.length + rng.int(2));
    if (/^(call|jmp)$/.test(row.mnemonic) && !isBranchRel(shape)) {
      // Indirect near branch: the operand holds the landing address.
      if (enc.mem && target >= DATA_ADDR && target + 8 <= DATA_ADDR + data.length)
        writeLe(data, target - DATA_ADDR, landing, 8);
      else if (!enc.mem) gpr[enc.rm] = landing;
    }
    if (/^ret/.test(row.mnemonic)) writeLe(data, STACK_TOP - DATA_ADDR, landing, 8);
    code = Uint8Array.from([...code, CMC]);
  }
  // An x87 instruction that raises an unmasked exception only marks it pending; a following
  // fwait delivers it (#MF, SIGFPE at the fwait). SDM Vol. 1 §8.6.
  const x87Row = row.map === 0 && row.opcode >= 0xd8 && row.opcode <= 0xdf;
  let suffix: number[] = [];
  if (x87Row && !branch && rng.chance(0.25)) {
    suffix = [0x9b];
    tags.push('x87:fwait');
  }
  if (shape.ops.includes('Ob') || shape.ops.includes('Ov')) {
    const imm = shape.imms.findIndex((k) => k === 'Ob' || k === 'Ov');
    enc.imms[imm] = BigInt(target);
    code = Uint8Array.from([...prefix, ...encode(enc, at)]);
  }

  if (suffix.length > 0) code = Uint8Array.from([...code, ...suffix]);
  const undefinedFlags = undefinedFlagsOf(row, enc, gpr, opsize);
  if (opsize === 2) tags.push('opsize:16');
  if (usesFpu(shape)) {
    const fv = new DataView(fx.buffer);
    if ((fv.getUint32(FX.MXCSR, true) & 0x1f80) !== 0x1f80) tags.push('mxcsr:unmasked');
    if ((fv.getUint16(FX.FCW, true) & 0x3f) !== 0x3f) tags.push('x87:unmasked');
    const top = (fv.getUint16(FX.FSW, true) >> 11) & 7;
    if (!(fx[FX.FTW]! & (1 << top))) tags.push('x87:st0-empty');
    if (fx[FX.FTW]! & (1 << ((top + 7) & 7))) tags.push('x87:st7-full'); // a push overflows
    if (x87Row) tags.push(`x87:st0-st1=${x87Class(fx, 0)},${x87Class(fx, 1)}`);
  }
  const count = shiftCount(enc, gpr, opsize);
  if (count !== null) {
    tags.push(`count:${count}`);
    const width = shape.ops[0]?.endsWith('b') ? 8 : opsize * 8;
    const rc = /^rc[lr]$/.test(row.mnemonic);
    if (
      count !== 0 &&
      width < 32 &&
      /^r[oc][lr]$/.test(row.mnemonic) &&
      count % (rc ? width + 1 : width) === 0
    )
      tags.push('count:effective0');
  }
  if (/^bt[src]?$/.test(row.mnemonic) && enc.mem && shape.ops[1] === 'Gv') {
    // The bit offset in the register extends the address (SDM Vol. 2A, BT: "bit base" addressing).
    const bits = BigInt(opsize * 8);
    const off = BigInt.asIntN(Number(bits), gpr[enc.reg] ?? 0n);
    const at = BigInt(target) + (off >> 3n);
    if (at < BigInt(DATA_ADDR) || at + 8n > BigInt(DATA_ADDR + data.length)) tags.push('bt:outside');
  }
  if (row.vex && enc.vvvv !== 0 && !shape.ops.some((o) => /^[BH]/.test(o))) tags.push('vex:vvvv-not-1111');
  const tc: DiffCase = {
    name: rowKey(row),
    code,
    data,
    gpr,
    rflags,
    fx,
    undefinedFlags,
    undefinedFsw: x87UndefinedFsw(row.mnemonic),
    undefinedData: undefinedDataOf(row, shape, target, opsize),
    tags,
    ...(fsBase !== undefined ? { fsBase } : {}),
    ...(gsBase !== undefined ? { gsBase } : {}),
  };
  return { tc, enc };
}

/** Selectors worth loading: null with every RPL, the Linux and FreeBSD user GDT slots, kernel slots, LDT, out of range. */
const SELECTORS = [
  0, 1, 2, 3, 4, 7, 8, 0xb, 0x10, 0x13, 0x18, 0x1b, 0x20, 0x23, 0x28, 0x29, 0x2b, 0x30, 0x33, 0x38, 0x3b,
  0x40, 0x43, 0x63, 0x78, 0x7b, 0x7f, 0x80, 0x2f, 0xffff,
];

/** mov Sreg, r/m (8E) and pop fs/gs (0F A1/A9). */
function isSegmentLoad(row: OpRow): boolean {
  return (
    (row.map === 0 && row.opcode === 0x8e) || (row.map === 1 && (row.opcode === 0xa1 || row.opcode === 0xa9))
  );
}

/** The segment-register forms (8C, 8E, push/pop fs/gs). */
function isSegmentRow(row: OpRow): boolean {
  return (
    (row.map === 0 && (row.opcode === 0x8c || row.opcode === 0x8e)) ||
    (row.map === 1 && [0xa0, 0xa1, 0xa8, 0xa9].includes(row.opcode))
  );
}

/** Registers an encoding names (ModRM reg/rm, VEX.vvvv, base and index). */
function usedRegs(enc: Encoding): number[] {
  const out = [enc.reg, enc.rm, enc.vvvv];
  if (enc.mem) out.push(enc.mem.base, enc.mem.index);
  return out;
}

/** Picks an addressing form; avoids using the ModRM.reg register as base/index where possible. */
function randomMem(rng: Rng, avoid: number): MemOperand {
  const pickReg = (not: number[]) => {
    for (;;) {
      const r = rng.int(16);
      if (r !== RSP && !not.includes(r)) return r;
    }
  };
  const base = pickReg([avoid]);
  const index = pickReg([avoid, base]);
  const kind = rng.pick(['base', 'base', 'base-index', 'base-index', 'index', 'abs', 'rip', 'rip'] as const);
  return {
    kind,
    base: kind === 'base' && rng.chance(0.1) ? RSP : base,
    index,
    scale: rng.int(4),
    disp: 0,
    dispSize: rng.pick([0, 1, 4] as const),
    addr32: kind !== 'rip' && rng.chance(0.08),
  };
}

/** Chooses register values and displacement so that the operand's address is `target`. */
function placeAddress(m: MemOperand, target: number, gpr: bigint[], rng: Rng): void {
  const garbageHigh = (v: number) =>
    m.addr32 ? (rng.u64() & 0xffffffff00000000n) | BigInt(v >>> 0) : BigInt.asUintN(64, BigInt(v));
  switch (m.kind) {
    case 'rip':
      return;
    case 'abs':
      m.disp = target;
      return;
    case 'index': {
      m.disp = rng.chance(0.5) ? 0 : rng.int(0x100) - 0x80;
      m.scale = 0;
      gpr[m.index] = garbageHigh(target - m.disp);
      return;
    }
    default: {
      m.disp = m.dispSize === 0 ? 0 : m.dispSize === 1 ? rng.int(256) - 128 : rng.int(0x2000) - 0x1000;
      if (m.base === RSP) {
        m.disp = target - STACK_TOP;
        if (m.kind === 'base-index') m.kind = 'base';
        return;
      }
      let rest = target - m.disp;
      if (m.kind === 'base-index') {
        const iv = rng.int(0x40) - 0x20;
        gpr[m.index] = m.addr32 ? garbageHigh(iv) : BigInt.asUintN(64, BigInt(iv));
        rest -= iv * (1 << m.scale);
      }
      gpr[m.base] = garbageHigh(rest);
    }
  }
}

/**
 * RFLAGS bits left undefined by this row for these operands: the table's `undefinedFlags` plus
 * its `undefinedFlagsWhen` predicates evaluated on the masked count (CL or imm8 AND 0x1F, or 0x3F
 * for 64-bit operands; 1 for the `Ev,1` forms). `src==0` masks no flags (the destination that the
 * SDM leaves undefined is kept by hardware, and compared).
 */
export function undefinedFlagsOf(row: OpRow, enc: Encoding, gpr: readonly bigint[], opsize: number): number {
  let u = row.undefinedFlags ?? 0;
  if (row.undefinedFlagsWhen) {
    const ops = enc.shape.ops;
    const masked = shiftCount(enc, gpr, opsize) ?? 1;
    const width = ops[0]?.endsWith('b') ? 8 : opsize * 8;
    for (const w of row.undefinedFlagsWhen) {
      const hit =
        w.when === 'count>1'
          ? masked > 1
          : w.when === 'count!=0'
            ? masked !== 0
            : w.when === 'count>=width'
              ? masked >= width
              : false;
      if (hit) u |= w.flags;
    }
  }
  return u;
}

/** The masked shift/rotate count of a form with an `Ib`, `CL` or `1` count operand, else null. */
function shiftCount(enc: Encoding, gpr: readonly bigint[], opsize: number): number | null {
  const ops = enc.shape.ops;
  const last = ops[ops.length - 1];
  let raw: number;
  if (last === 'Ib' && /^(sh|sa|ro|rc)/.test(enc.shape.row.mnemonic))
    raw = Number((enc.imms[enc.shape.imms.indexOf('Ib')] ?? 0n) & 0xffn);
  else if (last === 'CL') raw = Number((gpr[RCX] ?? 0n) & 0xffn);
  else if (last === '1') raw = 1;
  else return null;
  return raw & (opsize === 8 && !ops[0]?.endsWith('b') ? 63 : 31);
}

/**
 * Bytes of a stored FPU environment or image that hold implementation-specific values: the
 * last-instruction/data pointers and opcode (AMD stores them only while an exception is pending),
 * the reserved halves of the 32-bit environment, MXCSR_MASK and the padding of register slots.
 */
function undefinedDataOf(row: OpRow, shape: RowShape, target: number, opsize: number): [number, number][] {
  const off = target - DATA_ADDR;
  const m = row.mnemonic;
  const out: [number, number][] = [];
  if (/^fn?(stenv|save)$/.test(m)) {
    if (opsize === 2) out.push([off + 6, off + 14]);
    else out.push([off + 2, off + 4], [off + 6, off + 8], [off + 10, off + 28]);
  } else if (/^fxsave/.test(m)) {
    out.push([off + 6, off + 24], [off + 28, off + 32]);
    for (let i = 0; i < 8; i++) out.push([off + 32 + 16 * i + 10, off + 48 + 16 * i]);
  }
  void shape;
  return out;
}
