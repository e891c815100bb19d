/**
 * Random-program generators for forms.test.ts (the instruction forms of insns-ext.ts and
 * ext-sse.ts), and the machine setup they run in; separate so a debugging script can replay a
 * seed.
 */

import { expect } from 'vitest';
import type { RunResult } from '../../src/api.js';
import { Cpu } from '../../src/cpu.js';
import { JitCpu } from '../../src/jit/jit-cpu.js';
import { GuestMemory, PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/memory.js';
import { LF_I32, LF_WORDS, MXCSR_I32, XMM_OFFSET } from '../../src/state.js';

export const CODE = 0x10000;
/** A readable data page (rsi points 128 bytes before its end); the page after it is unmapped. */
export const DATA = 0x21000;
/** A writable page (rdi points 128 bytes before its end); the page after it is unmapped. */
export const RW = 0x31000;

/** A small deterministic PRNG (xorshift32), shared by the JIT tests. */
export function rng(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

/** Registers a generated instruction may write: not rcx (loop counter), rsp, rsi, rdi. */
const SAFE = [0, 2, 3, 5, 8, 9, 10, 11, 12, 13, 14, 15];
/** 8-bit registers without REX it may write: AL, DL, BL, AH, DH, BH (not CL, CH). */
const LEGACY8 = [0, 2, 3, 4, 6, 7];

export type Gen = () => number;

const pick = <T>(next: Gen, xs: readonly T[]): T => xs[next() % xs.length]!;
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

/** REX byte (or none) for W, reg, rm (register numbers 0–15). */
function rex(w: boolean, reg: number, rm: number, force = false): number[] {
  const b = 0x40 | (w ? 8 : 0) | ((reg >> 3) << 2) | (rm >> 3);
  return b !== 0x40 || force ? [b] : [];
}
/** ModRM for two registers. */
const rr = (reg: number, rm: number) => 0xc0 | ((reg & 7) << 3) | (rm & 7);
/** [rsi + disp8] (load) and [rdi + disp8] (store / read-modify-write) operands. */
const atRsi = (reg: number, disp: number) => [0x46 | ((reg & 7) << 3), disp & 0xff];
const atRdi = (reg: number, disp: number) => [0x47 | ((reg & 7) << 3), disp & 0xff];

/** A displacement: mostly inside the page, sometimes across its end (a fault). */
function disp(next: Gen, align = 1): number {
  const d = next() % 31 === 0 ? 0x70 + (next() & 0x1f) : next() & 0x6f;
  return d & ~(align - 1);
}

/**
 * A flag consumer: jcc over a nop, setcc, cmovcc, or adc; sometimes after a jmp +0, so that it
 * starts a new block and reads the lazy-flag record as stored rather than as known statically.
 */
function consumer(next: Gen): number[] {
  return next() % 3 === 0 ? [0xeb, 0, ...reader(next)] : reader(next);
}
function reader(next: Gen): number[] {
  const r = pick(next, SAFE);
  switch (next() % 4) {
    case 0:
      return [0x70 + (next() & 15), 1, 0x90];
    case 1:
      return [...rex(false, 0, r, true), 0x0f, 0x90 + (next() & 15), rr(0, r)];
    case 2:
      return [...rex(true, r, pick(next, SAFE)), 0x0f, 0x40 + (next() & 15), rr(r, pick(next, SAFE))];
    default:
      return [...rex(true, r, pick(next, SAFE)), 0x11, rr(r, pick(next, SAFE))];
  }
}

/** Encodes one random integer form of insns-ext.ts. */
export function randomForm(next: Gen): number[] {
  const w = (next() & 1) === 1;
  const reg = pick(next, SAFE);
  const rm = pick(next, SAFE);
  const imm8 = next() & 0xff;
  switch (next() % 18) {
    case 17: {
      // inc/dec/not/neg of memory, and locked read-modify-writes (add/or/adc/sbb/and/sub/xor).
      const lock = next() & 1 ? [0xf0] : [];
      const d = disp(next);
      const f = next() % 3;
      if (f === 0) return [...lock, ...rex(w, 0, 0), 0xff, ...atRdi(next() & 1, d), ...consumer(next)];
      if (f === 1) return [...lock, ...rex(w, 0, 0), 0xf7, ...atRdi(2 + (next() & 1), d), ...consumer(next)];
      const alu = pick(next, [0, 1, 2, 3, 4, 5, 6]);
      if (next() & 1) return [0xf0, ...rex(w, reg, 0), (alu << 3) | 1, ...atRdi(reg, d), ...consumer(next)];
      return [0xf0, ...rex(w, 0, 0), 0x83, ...atRdi(alu, d), imm8, ...consumer(next)];
    }
    case 15: {
      // shl/shr/sal/sar r/m8 by an immediate (0, 1, 7, 8, 9, 31, random) or 1, then a reader.
      const ext = 4 + (next() & 3);
      const n = pick(next, [0, 1, 7, 8, 9, 31, next() & 0xff]);
      const f = next() % 3;
      // A byte register with REX (SAFE registers) or without (not CL/CH).
      const [p, b] = next() & 1 ? [rex(false, 0, rm, true), rm & 7] : [[], pick(next, LEGACY8)];
      if (f === 0) return [...p, 0xc0, 0xc0 | (ext << 3) | b, n, ...consumer(next)];
      if (f === 1) return [...p, 0xd0, 0xc0 | (ext << 3) | b, ...consumer(next)];
      return [0xc0, ...atRdi(ext, disp(next)), n, ...consumer(next)];
    }
    case 16:
      // leave after mov rbp, rsp (rsp moves up by 8), or with rbp as it is (mostly a fault).
      return next() % 8 === 0 ? [0xc9] : [0x48, 0x89, 0xe5, 0xc9];
    case 13: {
      // rol/ror r32/r64 by CL (counts 0, 1, the width and random), then a reader of CF/OF.
      const cl = pick(next, [0, 1, 31, 32, 63, 64, next() & 0xff]);
      const rot = [...rex(w, 0, rm), 0xd3, 0xc0 | ((next() & 1) << 3) | (rm & 7)];
      return [0x51, 0xb1, cl, ...rot, 0x59, ...consumer(next)];
    }
    case 14: {
      // bt/bts/btr/btc: register offsets (any value) and immediates, register or memory operands.
      const f = next() % 3;
      if (f === 0) return [...rex(w, reg, rm), 0x0f, 0xa3 + 8 * (next() & 3), rr(reg, rm), ...consumer(next)];
      const ext = 4 + (next() & 3);
      if (f === 1)
        return [...rex(w, 0, rm), 0x0f, 0xba, 0xc0 | (ext << 3) | (rm & 7), imm8, ...consumer(next)];
      return [...rex(w, 0, 0), 0x0f, 0xba, ...atRdi(ext, disp(next)), imm8, ...consumer(next)];
    }
    case 0: {
      // lea r, [rip + disp32] (and the SIB absolute form).
      const d = next() % 3 === 0 ? next() : next() & 0xffff;
      if (next() & 1) return [...rex(w, reg, 0), 0x8d, 0x05 | ((reg & 7) << 3), ...le32(d)];
      return [...rex(w, reg, 0), 0x8d, 0x04 | ((reg & 7) << 3), 0x25, ...le32(d & 0x7fffffff)];
    }
    case 1: {
      // nops and exchanges: 66 90, 90+r, 87 register and memory forms (lock too).
      const f = next() % 5;
      if (f === 0) return [0x66, 0x90];
      if (f === 1) return [...rex(w, 0, reg), 0x90 + (reg & 7)];
      if (f === 2) return [...rex(w, reg, rm), 0x87, rr(reg, rm)];
      return [...(f === 4 ? [0xf0] : []), ...rex(w, reg, 0), 0x87, ...atRdi(reg, disp(next))];
    }
    case 2:
      // mov r8, imm8 (AH–BH without REX).
      return next() & 1
        ? [0xb0 + pick(next, LEGACY8), imm8]
        : [...rex(false, 0, rm, true), 0xb0 + (rm & 7), imm8];
    case 3: {
      // div/idiv r/m32, r/m64: the dividend's high half zeroed or sign-extended (or left, which
      // mostly overflows), a non-zero divisor (or, rarely, any).
      const f = next() % 8;
      const pre =
        f < 3 ? [0x31, 0xd2] : f < 6 ? [...(w ? [0x48] : []), 0x99] : f === 6 ? [0x48, 0x31, 0xd2] : [];
      const ext = 6 + (next() & 1);
      const d = pick(next, [3, 5, 8, 9, 10, 11, 12, 13, 14, 15]);
      const nz = next() % 16 === 0 ? [] : [...rex(w, 0, d), 0x83, 0xc8 | (d & 7), 1 + (next() & 0x7f)];
      if (next() % 3 === 0) return [...pre, ...rex(w, 0, 0), 0xf7, ...atRsi(ext, disp(next))];
      return [...nz, ...pre, ...rex(w, 0, d), 0xf7, rr(ext, d)];
    }
    case 4: {
      // bsf/bsr, tzcnt/lzcnt/popcnt of a register or memory (zero sources included), then a reader.
      const f = next() % 5;
      const op = [0xbc, 0xbd, 0xbc, 0xbd, 0xb8][f]!;
      const pre = f >= 2 ? [0xf3] : [];
      const zero = next() % 4 === 0 ? [...rex(false, rm, rm), 0x31, rr(rm, rm)] : [];
      const body =
        next() % 3 === 0
          ? [...pre, ...rex(w, reg, 0), 0x0f, op, ...atRsi(reg, disp(next))]
          : [...zero, ...pre, ...rex(w, reg, rm), 0x0f, op, rr(reg, rm)];
      return [...body, ...consumer(next)];
    }
    case 5:
    case 6: {
      // 16-bit forms: ALU register/memory/immediate, test, mov, read-modify-write.
      const alu = pick(next, [0, 1, 4, 5, 6, 7]);
      const p = [0x66, ...rex(false, reg, rm)];
      const pm = [0x66, ...rex(false, reg, 0)];
      switch (next() % 10) {
        case 0:
          return [...p, (alu << 3) | (1 + 2 * (next() & 1)), rr(reg, rm)];
        case 1:
          return [...pm, (alu << 3) | 3, ...atRsi(reg, disp(next))];
        case 2:
          return [...pm, (alu << 3) | 1, ...atRdi(reg, disp(next))];
        case 3:
          return [0x66, ...rex(false, 0, rm), 0x83, 0xc0 | (alu << 3) | (rm & 7), imm8];
        case 4:
          return [0x66, 0x81, 0x47 | (alu << 3), disp(next), imm8, next() & 0xff];
        case 5:
          return [0x66, (alu << 3) | 5, imm8, next() & 0xff];
        case 6:
          return next() & 1 ? [...p, 0x85, rr(reg, rm)] : [0x66, 0xa9, imm8, next() & 0xff];
        case 7:
          return [...p, next() & 1 ? 0x89 : 0x8b, rr(reg, rm)];
        case 8:
          return next() & 1
            ? [...pm, 0x89, ...atRdi(reg, disp(next))]
            : [...pm, 0x8b, ...atRsi(reg, disp(next))];
        default:
          return next() & 1
            ? [0x66, 0xc7, 0x47, disp(next), imm8, next() & 0xff]
            : [0x66, ...rex(false, 0, rm), 0xb8 + (rm & 7), imm8, next() & 0xff];
      }
    }
    case 7:
    case 8: {
      // adc/sbb: register, immediate, accumulator and memory forms, after something that sets CF.
      const sbb = next() & 1;
      const setCf = next() & 1 ? [...rex(w, reg, rm), 0x39, rr(reg, rm)] : [];
      const f = next() % 5;
      let body: number[];
      if (f === 0) body = [...rex(w, reg, rm), sbb ? 0x19 : 0x11, rr(reg, rm)];
      else if (f === 1) body = [...rex(w, 0, rm), 0x83, 0xc0 | ((2 + sbb) << 3) | (rm & 7), imm8];
      else if (f === 2) body = [...rex(w, 0, 0), sbb ? 0x1d : 0x15, ...le32(next())];
      else if (f === 3) body = [...rex(w, reg, 0), sbb ? 0x19 : 0x11, ...atRdi(reg, disp(next))];
      else body = [...rex(w, reg, 0), sbb ? 0x1b : 0x13, ...atRsi(reg, disp(next))];
      return [...setCf, ...body, ...(next() & 1 ? consumer(next) : [])];
    }
    case 9: {
      // cmpxchg / xadd with memory (lock, and the XACQUIRE/XRELEASE hints); rax sometimes
      // loaded from the same location first (the equal case).
      const d = disp(next);
      const load = next() & 1 ? [...rex(w, 0, 0), 0x8b, ...atRdi(0, d)] : [];
      const lock = [[], [0xf0], [0xf2, 0xf0], [0xf3, 0xf0]][next() & 3]!;
      const op = next() & 1 ? 0xb1 : 0xc1;
      return [...load, ...lock, ...rex(w, reg, 0), 0x0f, op, ...atRdi(reg, d), ...consumer(next)];
    }
    case 10:
      // cdqe/cwde, cqo/cdq.
      return [...(w ? [0x48] : []), 0x98 + (next() & 1)];
    case 11:
      // Memory stores that later loads and read-modify-writes see (mov [rdi+d], r64).
      return [...rex(true, reg, 0), 0x89, ...atRdi(reg, disp(next))];
    default:
      return consumer(next);
  }
}

/** Encodes one random SSE form of ext-sse.ts. */
export function randomSseForm(next: Gen): number[] {
  const x = next() & 15;
  const y = next() & 15;
  const g = pick(next, SAFE);
  const w = (next() & 1) === 1;
  const xx = (pre: number[], op: number) => [...pre, ...rex(false, x, y), 0x0f, op, rr(x, y)];
  const xm = (pre: number[], op: number, aligned = 1) => [
    ...pre,
    ...rex(false, x, 0),
    0x0f,
    op,
    ...atRsi(x, disp(next, aligned)),
  ];
  const xs = (pre: number[], op: number) => [
    ...pre,
    ...rex(false, x, 0),
    0x0f,
    op,
    ...atRdi(x, disp(next, 4)),
  ];
  switch (next() % 14) {
    case 0:
      // movss register, load, store.
      return pick(next, [xx([0xf3], 0x10), xx([0xf3], 0x11), xm([0xf3], 0x10), xs([0xf3], 0x11)]);
    case 1: {
      // movd/movq between general registers or memory and XMM; movq xmm/m64 (F3 7E, 66 D6).
      const f = next() % 6;
      if (f === 0) return [0x66, ...rex(w, x, g), 0x0f, 0x6e, rr(x, g)];
      if (f === 1) return [0x66, ...rex(w, x, g), 0x0f, 0x7e, rr(x, g)];
      if (f === 2) return [0x66, ...rex(w, x, 0), 0x0f, next() & 1 ? 0x6e : 0x7e, ...atRdi(x, disp(next, 4))];
      if (f === 3) return next() & 1 ? xx([0xf3], 0x7e) : xm([0xf3], 0x7e);
      return next() & 1 ? xx([0x66], 0xd6) : xs([0x66], 0xd6);
    }
    case 2:
    case 3: {
      // cvtsi2sd/ss from r32/r64 (small, 2^24…2^53 and large integers) or memory.
      const pre = next() & 1 ? 0xf2 : 0xf3;
      const v = pick(next, [next() & 0xff, next() & 0xffffff, next()]);
      const setup = w ? [...rex(true, 0, g), 0xc7, 0xc0 | (g & 7), ...le32(v)] : [];
      const shl = next() & 1 ? [...rex(true, 0, g), 0xc1, 0xe0 | (g & 7), next() & 31] : [];
      if (next() % 4 === 0) return [pre, ...rex(w, x, 0), 0x0f, 0x2a, ...atRsi(x, disp(next))];
      return [...setup, ...shl, pre, ...rex(w, x, g), 0x0f, 0x2a, rr(x, g)];
    }
    case 4: {
      // cvttsd2si / cvttss2si to r32/r64, from a register or memory.
      const pre = next() & 1 ? 0xf2 : 0xf3;
      if (next() % 3 === 0) return [pre, ...rex(w, g, 0), 0x0f, 0x2c, ...atRsi(g, disp(next))];
      return [pre, ...rex(w, g, y), 0x0f, 0x2c, rr(g, y)];
    }
    case 5:
      // cvtss2sd / cvtsd2ss.
      return next() & 1 ? xx([next() & 1 ? 0xf2 : 0xf3], 0x5a) : xm([next() & 1 ? 0xf2 : 0xf3], 0x5a);
    case 6:
    case 7: {
      // addss/mulss/subss/divss/sqrtss.
      const op = pick(next, [0x58, 0x59, 0x5c, 0x5e, 0x51]);
      return next() & 1 ? xx([0xf3], op) : xm([0xf3], op);
    }
    case 8:
    case 9: {
      // SSE2 integer operations, register or (mostly aligned) memory.
      const op = pick(
        next,
        [
          0xef, 0xdb, 0xeb, 0xdf, 0xfc, 0xfd, 0xfe, 0xd4, 0xf8, 0xf9, 0xfa, 0xfb, 0x74, 0x75, 0x76, 0x63,
          0x67, 0x6b,
        ].concat([0x64, 0x65, 0x66, 0xda, 0xde, 0x60, 0x61, 0x62, 0x6c, 0x68, 0x69, 0x6a, 0x6d]),
      );
      return next() & 1 ? xx([0x66], op) : xm([0x66], op, next() % 8 === 0 ? 4 : 16);
    }
    case 12: {
      // ucomiss/comiss (then a flag reader), movmskps/movmskpd, pshuflw/pshufhw, pmuludq, cvttpd2dq,
      // cvtdq2pd.
      const f = next() % 6;
      if (f === 0)
        return [
          ...(next() & 1 ? xx([], 0x2e + (next() & 1)) : xm([], 0x2e + (next() & 1))),
          ...consumer(next),
        ];
      if (f === 1) return [...(next() & 1 ? [0x66] : []), ...rex(false, g, y), 0x0f, 0x50, rr(g, y)];
      if (f === 2) {
        const pre = [next() & 1 ? 0xf2 : 0xf3];
        return [...(next() & 1 ? xx(pre, 0x70) : xm(pre, 0x70, 16)), next() & 0xff];
      }
      if (f === 3) return next() & 1 ? xx([0x66], 0xf4) : xm([0x66], 0xf4, 16);
      if (f === 4) return next() & 1 ? xx([0x66], 0xe6) : xm([0x66], 0xe6, next() % 8 === 0 ? 8 : 16);
      return next() & 1 ? xx([0xf3], 0xe6) : xm([0xf3], 0xe6);
    }
    case 10:
    case 11: {
      // pmovmskb, pshufd, shifts by an immediate (counts beyond the width too).
      const f = next() % 3;
      if (f === 0) return [0x66, ...rex(false, g, y), 0x0f, 0xd7, rr(g, y)];
      if (f === 1)
        return next() & 1 ? [...xx([0x66], 0x70), next() & 0xff] : [...xm([0x66], 0x70, 16), next() & 0xff];
      const [op, ext] = pick(next, [
        [0x71, 2],
        [0x71, 4],
        [0x71, 6],
        [0x72, 2],
        [0x72, 4],
        [0x72, 6],
        [0x73, 2],
        [0x73, 6],
        [0x73, 3],
        [0x73, 7],
      ] as const);
      // Counts at and beyond the lane width too (logical shifts clear, arithmetic ones fill).
      const width = op === 0x71 ? 16 : op === 0x72 ? 32 : ext === 3 || ext === 7 ? 16 : 64;
      const n = pick(next, [0, 1, width - 1, width, width + 1, 0xff, next() & 0x3f, next() & 0x1f]);
      return [0x66, ...rex(false, 0, y), 0x0f, op, 0xc0 | (ext << 3) | (y & 7), n];
    }
    default:
      return consumer(next);
  }
}

/** A counted loop (ecx iterations) over `n` random forms, ending in a syscall. */
export function program(seed: number, gen: (next: Gen) => number[]): Uint8Array {
  const next = rng(seed);
  const bytes: number[] = [0xb9, 8 + (next() & 15), 0, 0, 0];
  const loop = bytes.length;
  const n = 3 + (next() % 9);
  for (let k = 0; k < n; k++) bytes.push(...gen(next));
  bytes.push(0xff, 0xc9); // dec ecx
  const back = loop - (bytes.length + 6);
  bytes.push(0x0f, 0x85, ...le32(back)); // jnz loop (rel32)
  bytes.push(0x0f, 0x05); // syscall
  return Uint8Array.from(bytes);
}

/** Floats, doubles and integers for the data page and XMM registers. */
function fill(next: Gen, words: Uint32Array): void {
  const f32 = new Float32Array(1);
  const u = new Uint32Array(f32.buffer);
  const f64 = new Float64Array(1);
  const d = new Uint32Array(f64.buffer);
  for (let k = 0; k < words.length; k += 2) {
    const kind = next() % 8;
    if (kind < 3) {
      for (let j = 0; j < 2; j++) {
        const c = next() % 12;
        f32[0] =
          c < 8
            ? ((next() / 2 ** 32) * 2 - 1) * 2 ** ((next() % 60) - 30)
            : [0, -0, 1e-40, Number.POSITIVE_INFINITY][c - 8]!;
        if (c === 11 && next() & 1) u[0] = 0x7fc00001;
        words[k + j] = u[0]!;
      }
    } else if (kind < 6) {
      const c = next() % 16;
      // Moderate values, and edges of the conversions: the int32/int64 range, NaN, the binary32
      // normal range (2^-126 … FLT_MAX) and just outside it.
      f64[0] =
        c < 8
          ? ((next() / 2 ** 32) * 2 - 1) * 2 ** ((next() % 80) - 20)
          : [0, 2 ** 31 + 0.5, -(2 ** 63), Number.NaN, 1e-40, -3.5e38, 2 ** -126, 3.4028234663852886e38][
              c - 8
            ]!;
      if (c < 4) f64[0] = Math.trunc(f64[0]!);
      words[k] = d[0]!;
      words[k + 1] = d[1]!;
    } else {
      words[k] = next() & 1 ? next() : next() & 0xff;
      words[k + 1] = next() & 1 ? next() : 0;
    }
  }
}

export function setup(code: Uint8Array, make: (m: GuestMemory) => Cpu, seed: number): Cpu {
  const mem = new GuestMemory({ maxBytes: 1 << 22 });
  mem.map(CODE, 0x2000, PROT_READ | PROT_EXEC);
  mem.poke(CODE, code);
  mem.map(DATA, 0x1000, PROT_READ);
  mem.map(RW, 0x1000, PROT_READ | PROT_WRITE);
  const next = rng(seed * 7 + 1);
  const data = new Uint32Array(1024);
  fill(next, data);
  mem.poke(DATA, new Uint8Array(data.buffer));
  const cpu = make(mem);
  for (let k = 0; k < 32; k++) cpu.r[k] = next() & 1 ? next() : next() & 0xff;
  cpu.r[2] = 0;
  cpu.r[3] = 0;
  cpu.r[8] = RW + 2048; // rsp
  cpu.r[9] = 0;
  cpu.r[12] = DATA + 4096 - 128; // rsi
  cpu.r[13] = 0;
  cpu.r[14] = RW + 4096 - 128; // rdi
  cpu.r[15] = 0;
  const xmm = new Uint32Array(64);
  fill(next, xmm);
  new Uint32Array(cpu.b.buffer, cpu.b.byteOffset + XMM_OFFSET, 64).set(xmm);
  // MXCSR: default, PE set, PE set with round-down, PE set with FTZ/DAZ.
  cpu.u32[MXCSR_I32] = pick(next, [0x1f80, 0x1fa0, 0x1fa0, 0x1fa0, 0x3fa0, 0x9fe0]);
  cpu.rip = CODE;
  return cpu;
}

/** The register file outside the lazy-flag record and the SSE scratch, and RFLAGS, are equal. */
export function expectSameRegisters(b: Cpu, a: Cpu, what: string): void {
  const lfStart = LF_I32 * 4;
  const lfEnd = lfStart + LF_WORDS * 4;
  // Bytes 992–1023 are the SSE handlers' scratch, never live across instructions.
  const strip = (c: Cpu) =>
    Buffer.concat([Buffer.from(c.b.subarray(0, lfStart)), Buffer.from(c.b.subarray(lfEnd, 992))]);
  expect(strip(b).equals(strip(a)), `${what}: registers differ`).toBe(true);
  expect(b.getRflags(), `${what}: rflags`).toBe(a.getRflags());
}

export function expectSameState(b: Cpu, a: Cpu, what: string): void {
  expectSameRegisters(b, a, what);
  expect(
    Buffer.from(b.memory.readBytes(RW, 4096)).equals(Buffer.from(a.memory.readBytes(RW, 4096))),
    `${what}: memory differs`,
  ).toBe(true);
}

/**
 * Runs `b` in steps of `step` instructions (at most `cap` at once) until it has retired as many
 * as the reference run `ra`, or stopped for another reason where `ra` did; returns the last
 * run's result and the instructions retired in all.
 */
export function runLike(b: Cpu, ra: RunResult, step: number, cap = 1e6): { rb: RunResult; executed: number } {
  let rb = b.run(Math.min(step, cap));
  let executed = rb.executed;
  while (
    rb.reason === 'budget' &&
    (executed < ra.executed || (ra.reason !== 'budget' && executed === ra.executed))
  ) {
    rb = b.run(Math.max(1, Math.min(step, ra.executed - executed)));
    executed += rb.executed;
  }
  return { rb, executed };
}

/**
 * Runs the program of each seed in [first, first + count) on the interpreter (one run of up to
 * 1e6 instructions) and on the JIT forced to translate everything, split into runs of each budget
 * of `steps(seed)`, and expects the same end: reason, fault kind, instructions, rip and state
 * (registers and the RW page). `start` builds a machine for a seed on the given CPU. Returns how
 * many reference runs faulted and the share of instructions the JIT retired in its unsplit runs.
 */
export function compareTiers(
  first: number,
  count: number,
  start: (seed: number, make: (m: GuestMemory) => Cpu) => Cpu,
  steps: (seed: number) => readonly number[],
): { faults: number; share: number } {
  const interp = (m: GuestMemory) => new Cpu(m);
  const forced = (m: GuestMemory) => new JitCpu(m, { threshold: 0 });
  let faults = 0;
  let retired = 0;
  let all = 0;
  for (let seed = first; seed < first + count; seed++) {
    const a = start(seed, interp);
    const ra = a.run(1e6);
    if (ra.reason === 'fault') faults++;
    for (const step of steps(seed)) {
      const b = start(seed, forced);
      const { rb, executed } = runLike(b, ra, step);
      const what = `seed ${seed} step ${step}`;
      expect(rb.reason, what).toBe(ra.reason);
      expect(rb.fault?.kind, what).toBe(ra.fault?.kind);
      expect(executed, what).toBe(ra.executed);
      expect(b.rip, what).toBe(a.rip);
      expect(b.instructionCount, what).toBe(a.instructionCount);
      expectSameState(b, a, what);
      if (step === 1e6) {
        retired += (b as JitCpu).jitRetired;
        all += executed;
      }
    }
  }
  return { faults, share: retired / all };
}
