/**
 * The WebAssembly tier against the interpreter: random register-only programs (whole register
 * file, rip and retired count identical after every budget), self-modifying code, the generated
 * host-CPU differential cases and the compiled test programs — all with the JIT forced to
 * translate every block on first arrival (threshold 0).
 */
import { describe, expect, it } from 'vitest';
import { Cpu } from '../../src/cpu.js';
import { JitCpu } from '../../src/jit/jit-cpu.js';
import { jitStats } from '../../src/jit/translate.js';
import { GuestMemory, PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/memory.js';
import { allRows } from '../../src/opcodes.js';
import { MXCSR_I32, XMM_OFFSET } from '../../src/state.js';
import { testableRow } from '../differential/generate.js';
import { knownOpenFor } from '../differential/known-open.js';
import { describeMismatch, generateAtLeast, runCases } from '../differential/suite.js';
import { buildProgram } from '../programs/build.js';
import { runProgram } from '../programs/run.js';
import { CODE, DATA, expectSameRegisters, RW, rng, runLike } from './forms-gen.js';

/** Encodes a random translatable (or, rarely, untranslatable) register instruction. */
function randomInsn(next: () => number): number[] {
  const r = () => next() & 15;
  const rex = (w: boolean, reg: number, rm: number) => 0x40 | (w ? 8 : 0) | ((reg >> 3) << 2) | (rm >> 3);
  const w = (next() & 1) === 1;
  const reg = r();
  const rm = r();
  const modrm = 0xc0 | ((reg & 7) << 3) | (rm & 7);
  const imm32 = () => {
    const v = next() & 3 ? next() & 0xff : next();
    return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  };
  switch (next() % 31) {
    case 28:
    case 29: {
      // 8-bit ALU: register forms (with or without REX: AH–BH), AL/imm8, 80 /x, test; loads
      // through rsi and read-modify-writes through rdi.
      const p8 = next() & 1 ? [rex(false, reg, rm)] : [];
      const pm = [0x40 | ((reg >> 3) << 2)];
      const disp = next() & 0xff;
      const op = [0x00, 0x02, 0x08, 0x0a, 0x20, 0x22, 0x28, 0x2a, 0x30, 0x32, 0x38, 0x3a, 0x84][next() % 13]!;
      const ext = [0, 1, 4, 5, 6, 7][next() % 6]!;
      switch (next() % 6) {
        case 0:
          return [...p8, op, modrm];
        case 1:
          return [[0x04, 0x0c, 0x24, 0x2c, 0x34, 0x3c, 0xa8][next() % 7]!, next() & 0xff];
        case 2:
          return next() & 1
            ? [...p8, 0x80, 0xc0 | (ext << 3) | (rm & 7), next() & 0xff]
            : [...p8, 0xf6, 0xc0 | (rm & 7), next() & 0xff];
        case 3:
          return [...pm, op, 0x46 | ((reg & 7) << 3), disp];
        case 4:
          return [...pm, [0x00, 0x08, 0x20, 0x28, 0x30][next() % 5]!, 0x47 | ((reg & 7) << 3), disp];
        default:
          return [0x80, 0x47 | (ext << 3), disp, next() & 0xff];
      }
    }
    case 30:
      // mul r/m32, r/m64 (register, or memory through rsi).
      return next() & 1
        ? [rex(w, 0, rm), 0xf7, 0xe0 | (rm & 7)]
        : [w ? 0x48 : 0x40, 0xf7, 0x66, next() & 0xff];
    case 26: {
      // push r64 / pop r64 (not rsp), and call +0 with the return address popped.
      const f = next() % 3;
      const p = rm >> 3 ? [0x41] : [];
      if (f === 0) return [...p, 0x50 + (rm & 7)];
      if (f === 1 && (rm & 7) !== 4) return [...p, 0x58 + (rm & 7)];
      return [0xe8, 0, 0, 0, 0, ...p, 0x58 + ((rm & 7) === 4 ? 0 : rm & 7)];
    }
    case 27:
      // ret and jmp rax to the next instruction: lea rax, [rip+2]; push rax; ret | jmp rax.
      return next() & 1
        ? [0x48, 0x8d, 0x05, 2, 0, 0, 0, 0x50, 0xc3]
        : [0x48, 0x8d, 0x05, 2, 0, 0, 0, 0xff, 0xe0];
    case 20: {
      // rol/ror by an immediate or 1; not, neg, test r/m, imm32; bswap.
      const f = next() % 6;
      if (f === 5) {
        // jmp +0, then a rotate that starts a block: it updates the record the previous block
        // left (of a kind known only at run time). Not of rcx, rsp, rsi or rdi (writesReg does
        // not look past the jmp).
        const r = [0, 2, 3, 5, 8, 9, 10, 11, 12, 13, 14, 15][next() % 12]!;
        const m = 0xc0 | ((next() & 1) << 3) | (r & 7);
        return next() & 1
          ? [0xeb, 0, rex(w, 0, r), 0xd1, m]
          : [0xeb, 0, rex(w, 0, r), 0xc1, m, next() & 0x3f];
      }
      // Now and then a redundant REX.R, which the /digit ignores (SDM Vol. 2A §2.2.1.2).
      const digitRex = next() % 6 === 0 ? 8 : 0;
      if (f === 0) {
        const count = next() & 3 ? next() & 0x3f : next() & 0xff;
        return [rex(w, digitRex, rm), 0xc1, 0xc0 | ((next() & 1) << 3) | (rm & 7), count];
      }
      if (f === 1) return [rex(w, digitRex, rm), 0xd1, 0xc0 | ((next() & 1) << 3) | (rm & 7)];
      if (f === 2) return [rex(w, 0, rm), 0xf7, 0xc0 | ((2 + (next() & 1)) << 3) | (rm & 7)];
      if (f === 3) return [rex(w, 0, rm), 0xf7, 0xc0 | (rm & 7), ...imm32()];
      return [rex(w, 0, rm), 0x0f, 0xc8 + (rm & 7)];
    }
    case 21: {
      // movzx/movsx from 8/16-bit registers (with or without REX: AH–BH), cmovcc, setcc.
      const f = next() % 3;
      const p = next() & 1 ? [rex(w, reg, rm)] : [];
      if (f === 0) return [...p, 0x0f, [0xb6, 0xb7, 0xbe, 0xbf][next() & 3]!, modrm];
      if (f === 1) return [rex(w, reg, rm), 0x0f, 0x40 + (next() & 15), modrm];
      return [...p, 0x0f, 0x90 + (next() & 15), 0xc0 | (rm & 7)];
    }
    case 22: {
      // 8-bit moves between registers and an immediate.
      const p = next() & 1 ? [rex(false, reg, rm)] : [];
      const f = next() % 3;
      if (f === 0) return [...p, 0x88, modrm];
      if (f === 1) return [...p, 0x8a, modrm];
      return [...p, 0xc6, 0xc0 | (rm & 7), next() & 0xff];
    }
    case 23: {
      // Byte loads and stores, movzx/movsx/cmov/test from memory (rsi + disp8, rdi + disp8).
      const p = 0x40 | (w ? 8 : 0) | ((reg >> 3) << 2);
      const disp = next() & 0xff;
      const f = next() % 6;
      if (f === 0) return [p, 0x88, 0x47 | ((reg & 7) << 3), disp];
      if (f === 1) return [p, 0x8a, 0x46 | ((reg & 7) << 3), disp];
      if (f === 2) return [p, 0xc6, 0x47, disp, next() & 0xff];
      if (f === 3) return [p, 0x0f, 0xbe + (next() & 1), 0x46 | ((reg & 7) << 3), disp];
      if (f === 4) return [p, 0x0f, 0x40 + (next() & 15), 0x46 | ((reg & 7) << 3), disp];
      return [p, 0xf7, 0x46, disp, ...imm32()];
    }
    case 24:
    case 25: {
      // Read-modify-write through rdi + disp8 (add/or/and/sub/xor Ev,Gv and 81/83 forms), and
      // setcc to memory.
      const p = 0x40 | (w ? 8 : 0) | ((reg >> 3) << 2);
      const disp = next() & 0xff;
      const f = next() % 4;
      if (f === 0) return [p, [0x01, 0x09, 0x21, 0x29, 0x31][next() % 5]!, 0x47 | ((reg & 7) << 3), disp];
      const ext = [0, 1, 4, 5, 6][next() % 5]!;
      if (f === 1) return [p, 0x83, 0x47 | (ext << 3), disp, next() & 0xff];
      if (f === 2) return [p, 0x81, 0x47 | (ext << 3), disp, ...imm32()];
      return [p, 0x0f, 0x90 + (next() & 15), 0x47, disp];
    }
    case 18:
    case 19: {
      // shl/shr/sal/sar by an immediate (any byte, so counts of 0 and beyond the width too), 1 or CL.
      const ext = 4 + (next() & 3);
      const m = 0xc0 | (ext << 3) | (rm & 7);
      const count = next() & 3 ? next() & 0x3f : next() & 0xff;
      const f = next() % 3;
      if (f === 2) {
        // By CL (edge counts or random), shl/shr/sal/sar.
        const cl = [0, 1, 31, 32, 63, 64, next() & 0xff][next() % 7]!;
        // The destination is a register or the doubleword/quadword at rdi + disp8, first stored
        // from a random register (the page starts zeroed).
        const disp = next() & 3 ? next() & 0x3f : next() & 0xff;
        const mem = [0x48 | ((reg >> 3) << 2), 0x89, 0x47 | ((reg & 7) << 3), disp];
        mem.push(w ? 0x48 : 0x40, 0xd3, 0x47 | (ext << 3), disp);
        const shift = next() & 1 ? [rex(w, 0, rm), 0xd3, m] : mem;
        // rcx is the loop counter: push rcx; mov cl, imm8; shift; pop rcx (or CL as it is).
        return next() & 3 ? [0x51, 0xb1, cl, ...shift, 0x59] : shift;
      }
      return f ? [rex(w, 0, rm), 0xc1, m, count] : [rex(w, 0, rm), 0xd1, m];
    }
    case 16: {
      // imul r, r/m; imul r, r/m, imm8/imm32; movsxd r, r/m32 (register forms).
      const f = next() % 4;
      if (f === 0) return [rex(w, reg, rm), 0x0f, 0xaf, modrm];
      if (f === 1) return [rex(w, reg, rm), 0x6b, modrm, next() & 0xff];
      if (f === 2) return [rex(w, reg, rm), 0x69, modrm, ...imm32()];
      return [rex(w, reg, rm), 0x63, modrm];
    }
    case 17: {
      // The same with a memory source through rsi + disp8.
      const p = 0x40 | (w ? 8 : 0) | ((reg >> 3) << 2);
      const m = 0x46 | ((reg & 7) << 3);
      const f = next() % 3;
      if (f === 0) return [p, 0x0f, 0xaf, m, next() & 0xff];
      if (f === 1) return [p, 0x6b, m, next() & 0xff, next() & 0xff];
      return [p, 0x63, m, next() & 0xff];
    }
    case 14:
    case 15: {
      // Stores through rdi + disp8 (rdi points 64 bytes before the end of the writable page).
      const p = 0x40 | (w ? 8 : 0) | ((reg >> 3) << 2);
      const disp = next() & 0xff;
      if (next() & 1) return [p, 0x89, 0x47 | ((reg & 7) << 3), disp];
      return [p, 0xc7, 0x47, disp, ...imm32()];
    }
    case 12:
    case 13: {
      // Loads through rsi + disp8 (rsi points 64 bytes before the end of the readable data page,
      // so some of them cross into the unmapped page and fault): mov/alu/cmp/test/movzx.
      const modrmMem = 0x46 | ((reg & 7) << 3);
      const p = 0x40 | (w ? 8 : 0) | ((reg >> 3) << 2);
      const disp = next() & 0xff;
      const form = next() % 5;
      if (form === 0) return [p, 0x8b, modrmMem, disp];
      if (form === 1)
        return [p, [0x03, 0x0b, 0x23, 0x2b, 0x33, 0x3b, 0x39, 0x85][next() % 8]!, modrmMem, disp];
      if (form === 2) return [p, 0x0f, next() & 1 ? 0xb6 : 0xb7, modrmMem, disp];
      if (form === 3) return [p, 0x83, 0x7e, disp, next() & 0xff];
      return [p, 0x8b, 0x04 | ((reg & 7) << 3), 0x25, disp, 0x10, 0x02, 0x00]; // mov r, [0x21000 + disp]
    }
    case 0:
    case 1: {
      const op = [0x01, 0x03, 0x09, 0x0b, 0x21, 0x23, 0x29, 0x2b, 0x31, 0x33, 0x39, 0x3b, 0x85, 0x89, 0x8b][
        next() % 15
      ]!;
      return [rex(w, reg, rm), op, modrm];
    }
    case 2: {
      const ext = [0, 1, 4, 5, 6, 7][next() % 6]!;
      return [rex(w, 0, rm), 0x83, 0xc0 | (ext << 3) | (rm & 7), next() & 0xff];
    }
    case 3: {
      const ext = [0, 1, 4, 5, 6, 7][next() % 6]!;
      return [rex(w, 0, rm), 0x81, 0xc0 | (ext << 3) | (rm & 7), ...imm32()];
    }
    case 4:
      return [rex(w, 0, rm), 0xff, 0xc0 | ((next() & 1) << 3) | (rm & 7)];
    case 5:
      return [rex(w, 0, rm), 0xb8 + (rm & 7), ...imm32(), ...(w ? imm32() : [])];
    case 6:
      return [rex(w, 0, rm), 0xc7, 0xc0 | (rm & 7), ...imm32()];
    case 7: {
      // lea reg, [base + index*s + disp8] (index 4 = none without REX.X)
      const base = r();
      const index = r();
      const sib = ((next() & 3) << 6) | ((index & 7) << 3) | (base & 7);
      const p = 0x40 | (w ? 8 : 0) | ((reg >> 3) << 2) | ((index >> 3) << 1) | (base >> 3);
      return [p, 0x8d, 0x44 | ((reg & 7) << 3), sib, next() & 0xff];
    }
    case 8:
      return [[0x05, 0x0d, 0x25, 0x2d, 0x35, 0x3d][next() % 6]!, ...imm32()];
    case 9:
      // nop, and the multi-byte nops compilers pad with (0F 1F /0, also with 66 and CS prefixes).
      return [[0x90], [0x0f, 0x1f, 0x40, 0x00], [0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0]][next() % 3]!;
    case 10:
      // cdqe/cwde/cqo/cdq (insns-ext.ts), or adc/sbb and shifts by CL.
      if (next() & 1) return [...(next() & 1 ? [0x48] : []), 0x98 + (next() & 1)];
      return [[0x11, 0x19, 0xd3][next() % 3]!, 0xc0 | (next() & 0x3f)];
    default: {
      // A short forward jcc over the next instruction, or jmp +0.
      return next() & 1 ? [0x70 + (next() & 15), 0] : [0xeb, 0];
    }
  }
}

/** A random program: random straight-line code with a counted loop at the end. */
function randomProgram(seed: number): Uint8Array {
  const next = rng(seed);
  const bytes: number[] = [0xb9, 40 + (next() & 31), 0, 0, 0]; // mov ecx, n
  const loopStart = bytes.length;
  const n = 3 + (next() % 12);
  for (let k = 0; k < n; k++) {
    const insn = randomInsn(next);
    // Keep rcx (the loop counter) and rsi (the data pointer) intact.
    if (writesReg(insn, 1) || writesReg(insn, 4) || writesReg(insn, 6) || writesReg(insn, 7)) continue;
    bytes.push(...insn);
  }
  bytes.push(0x83, 0xe9, 0x01); // sub ecx, 1
  const back = loopStart - (bytes.length + 2);
  bytes.push(0x75, back & 0xff); // jnz loop
  bytes.push(0x0f, 0x05); // syscall
  return Uint8Array.from(bytes);
}

/** Conservative: does the encoded instruction possibly write register `n`? */
function writesReg(insn: number[], n: number): boolean {
  const hasRex = (insn[0]! & 0xf0) === 0x40;
  const p = hasRex ? insn[0]! : 0;
  const op = insn[hasRex ? 1 : 0]!;
  const m = insn[hasRex ? 2 : 1] ?? 0;
  // An 8-bit register number k without REX may be AH–BH (the high byte of register k − 4).
  const byteHits = (k: number) => k === n || (!hasRex && k >= 4 && k - 4 === n);
  if (op === 0x0f) {
    const op2 = m;
    const m2 = insn[hasRex ? 3 : 2] ?? 0;
    if (op2 >= 0xc8 && op2 <= 0xcf) return ((op2 & 7) | ((p & 1) << 3)) === n;
    if (op2 >= 0x90 && op2 <= 0x9f) return (m2 & 0xc0) === 0xc0 && byteHits((m2 & 7) | ((p & 1) << 3));
    return (((m2 >> 3) & 7) | ((p & 4) << 1)) === n;
  }
  if (op >= 0xb8 && op <= 0xbf) return (op & 7) === (n & 7) && (p & 1) === n >> 3;
  // push moves rsp on purpose (the stack is in the writable page); pop and call +0; pop write
  // the popped register.
  if (op >= 0x50 && op <= 0x57) return false;
  // 8-bit ALU forms, test and mul.
  if ([0x84, 0xa8, 0xf6, 0x38, 0x3a, 0x3c].includes(op)) return false;
  if (op < 0x40 && (op & 7) === 4) return n === 0;
  if (op === 0xf7 && ((m >> 3) & 7) === 4) return n === 0 || n === 2;
  if (op < 0x40 && (op & 7) === 0) return (m & 0xc0) === 0xc0 && byteHits((m & 7) | ((p & 1) << 3));
  if (op < 0x40 && (op & 7) === 2) return byteHits(((m >> 3) & 7) | ((p & 4) << 1));
  if (op === 0x80) return (m & 0xc0) === 0xc0 && ((m >> 3) & 7) !== 7 && byteHits((m & 7) | ((p & 1) << 3));
  if (op >= 0x58 && op <= 0x5f) return ((op & 7) | ((p & 1) << 3)) === n;
  if (op === 0xe8) {
    const last = insn[insn.length - 1]!;
    const rexB = insn[insn.length - 2] === 0x41 ? 8 : 0;
    return ((last & 7) | rexB) === n;
  }
  if (op === 0x90 || op === 0xeb || (op >= 0x70 && op <= 0x7f)) return false;
  if ([0x05, 0x0d, 0x25, 0x2d, 0x35, 0x3d].includes(op)) return n === 0;
  if ([0x39, 0x3b, 0x85].includes(op) || (op === 0x83 && ((m >> 3) & 7) === 7)) return false;
  if (op === 0xf7 && ((m >> 3) & 7) === 0) return false;
  if ((op === 0x89 || op === 0xc7 || op === 0x88 || op === 0xc6) && (m & 0xc0) !== 0xc0) return false;
  const reg = ((m >> 3) & 7) | ((p & 4) << 1);
  const rm = (m & 7) | ((p & 1) << 3);
  if (op === 0x8a) return byteHits(reg);
  if (op === 0x88 || op === 0xc6) return byteHits(rm);
  if ([0x03, 0x0b, 0x23, 0x2b, 0x33, 0x8b, 0x8d, 0x69, 0x6b, 0x63].includes(op)) return reg === n;
  if ((m & 0xc0) !== 0xc0) return false;
  return rm === n;
}

function setup(code: Uint8Array, make: (m: GuestMemory) => Cpu, seed: number): Cpu {
  const mem = new GuestMemory({ maxBytes: 1 << 22 });
  mem.map(CODE, 0x2000, PROT_READ | PROT_EXEC);
  mem.poke(CODE, code);
  mem.map(DATA, 0x1000, PROT_READ);
  mem.map(RW, 0x1000, PROT_READ | PROT_WRITE);
  const next = rng(seed * 7 + 1);
  mem.poke(
    DATA,
    Uint8Array.from({ length: 4096 }, () => next() & 0xff),
  );
  const cpu = make(mem);
  for (let k = 0; k < 32; k++) cpu.r[k] = next() & 1 ? next() : next() & 0xff;
  cpu.r[2] = 0; // rcx: set by the program
  cpu.r[12] = DATA + 4096 - 64; // rsi
  cpu.r[13] = 0;
  cpu.r[14] = RW + 4096 - 64; // rdi
  cpu.r[15] = 0;
  cpu.r[8] = RW + 2048; // rsp
  cpu.r[9] = 0;
  cpu.rip = CODE;
  return cpu;
}

const interp = (m: GuestMemory) => new Cpu(m);
const forced = (m: GuestMemory) => new JitCpu(m, { threshold: 0 });

/** A double for the SSE programs: mostly moderate, sometimes zero, tiny, huge, denormal, ∞ or NaN. */
function randomDouble(next: () => number): number {
  const k = next() % 16;
  if (k < 10) return ((next() / 2 ** 32) * 2 - 1) * 2 ** ((next() % 80) - 40);
  return [0, -0, 1e-300, -1e300, 5e-324, Number.POSITIVE_INFINITY, Number.NaN, 2 ** 900, -(2 ** -900), 3][
    k - 10
  ]!;
}

/** Encodes a random SSE/SSE2 instruction of the translated subset (xmm0–xmm15, rsi/rdi memory). */
function randomSse(next: () => number): number[] {
  const reg = next() & 15;
  const rm = next() & 15;
  const rex = (reg >> 3) * 4 + (rm >> 3);
  const p = rex ? [0x40 | rex] : [];
  const rr = 0xc0 | ((reg & 7) << 3) | (rm & 7);
  const pm = (reg >> 3) * 4 ? [0x40 | ((reg >> 3) * 4)] : [];
  // Loads through rsi + disp8, stores through rdi + disp8 (some of them cross into the unmapped page).
  const load = [0x46 | ((reg & 7) << 3), next() & 0xf8];
  const store = [0x47 | ((reg & 7) << 3), next() & 0xf8];
  const arith = [0x58, 0x59, 0x5c, 0x5e, 0x51][next() % 5]!;
  switch (next() % 11) {
    case 0:
      return [next() & 1 ? 0xf2 : 0x66, ...p, 0x0f, arith, rr];
    case 1: {
      // Both operands the same register (each lane is read once for the checks and the operation).
      const same = reg >> 3 ? [0x45] : [];
      return [next() & 1 ? 0xf2 : 0x66, ...same, 0x0f, arith, 0xc0 | ((reg & 7) << 3) | (reg & 7)];
    }
    case 2:
      return [next() & 1 ? 0xf2 : 0x66, ...pm, 0x0f, arith, ...load];
    case 3:
      return [0x66, ...p, 0x0f, next() & 1 ? 0x2e : 0x2f, rr];
    case 4: {
      const pre = [[0xf2], [0x66], []][next() % 3]!;
      const op = [0x10, 0x11, 0x28, 0x29][next() & 3]!;
      if (pre[0] === 0xf2 && op >= 0x28) return [...pre, ...p, 0x0f, op - 0x18, rr];
      return [...pre, ...p, 0x0f, op, rr];
    }
    case 5: {
      const pre = [[0xf2], [0x66], []][next() % 3]!;
      const op = [0x10, 0x11, 0x28, 0x29][next() & 3]!;
      const o = pre[0] === 0xf2 && op >= 0x28 ? op - 0x18 : op;
      return [...pre, ...pm, 0x0f, o, ...(o & 1 ? store : load)];
    }
    case 6: {
      const op = [0x12, 0x13, 0x16, 0x17][next() & 3]!;
      return [...(next() & 1 ? [0x66] : []), ...pm, 0x0f, op, ...(op & 1 ? store : load)];
    }
    case 7: {
      const op = [0x14, 0x15, 0xc6][next() % 3]!;
      const tail = op === 0xc6 ? [next() & 3] : [];
      return next() & 1 ? [0x66, ...p, 0x0f, op, rr, ...tail] : [0x66, ...pm, 0x0f, op, ...load, ...tail];
    }
    case 8:
      return [...(next() & 1 ? [0x66] : []), ...p, 0x0f, 0x54 + (next() & 3), rr];
    case 9: {
      // movdqa (66) / movdqu (F3), register and memory forms, loads and stores.
      const pre = next() & 1 ? 0xf3 : 0x66;
      const op = next() & 1 ? 0x7f : 0x6f;
      return next() & 1 ? [pre, ...p, 0x0f, op, rr] : [pre, ...pm, 0x0f, op, ...(op === 0x7f ? store : load)];
    }
    default:
      // A jcc over the next instruction reads the flags of a comisd (or of earlier code).
      return [0x70 + (next() & 15), 0];
  }
}

/** A random SSE program: a counted loop over random SSE instructions. */
function randomSseProgram(seed: number): Uint8Array {
  const next = rng(seed);
  const bytes: number[] = [0xb9, 20 + (next() & 15), 0, 0, 0];
  const loopStart = bytes.length;
  const n = 3 + (next() % 14);
  for (let k = 0; k < n; k++) bytes.push(...randomSse(next));
  bytes.push(0x83, 0xe9, 0x01, 0x75, (loopStart - (bytes.length + 5)) & 0xff, 0x0f, 0x05);
  return Uint8Array.from(bytes);
}

function setupSse(code: Uint8Array, make: (m: GuestMemory) => Cpu, seed: number): Cpu {
  const cpu = setup(code, make, seed);
  const next = rng(seed * 13 + 5);
  const f = new Float64Array(512);
  for (let k = 0; k < f.length; k++) f[k] = randomDouble(next);
  cpu.memory.poke(DATA, new Uint8Array(f.buffer));
  const x = new Float64Array(cpu.b.buffer, XMM_OFFSET, 32);
  for (let k = 0; k < 32; k++) x[k] = randomDouble(next);
  // MXCSR: default, PE already set, PE set with round-down, PE set with FTZ/DAZ.
  cpu.u32[MXCSR_I32] = [0x1f80, 0x1fa0, 0x1fa0, 0x1fa0, 0x3fa0, 0x9fe0][next() % 6]!;
  cpu.r[12] = DATA + 4096 - 128;
  return cpu;
}

describe('JIT tier against the interpreter', () => {
  it('random SSE2 programs: identical registers, XMM, MXCSR, rip and count for every budget split', () => {
    const before = jitStats.instructions;
    for (let seed = 1; seed <= 200; seed++) {
      const code = randomSseProgram(seed);
      const a = setupSse(code, interp, seed);
      const ra = a.run(1e5);
      for (const step of [1e5, 5]) {
        const b = setupSse(code, forced, seed);
        const { rb, executed } = runLike(b, ra, step, 1e5);
        expect(rb.reason, `seed ${seed} step ${step}`).toBe(ra.reason);
        expect(executed, `seed ${seed} step ${step}`).toBe(ra.executed);
        expect(b.rip, `seed ${seed} step ${step}`).toBe(a.rip);
        expectSameRegisters(b, a, `seed ${seed} step ${step}`);
        // The stores (through rdi) wrote the same bytes.
        expect(
          Buffer.from(b.memory.readBytes(RW, 4096)).equals(Buffer.from(a.memory.readBytes(RW, 4096))),
        ).toBe(true);
      }
    }
    expect(jitStats.instructions - before).toBeGreaterThan(1000);
  });

  it('random register programs: identical register file, rip and count for every budget split', () => {
    const before = jitStats.instructions;
    let faults = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const code = randomProgram(seed);
      const a = setup(code, interp, seed);
      const ra = a.run(1e6);
      if (ra.reason === 'fault') faults++;
      for (const step of [1e6, 7, 1]) {
        const b = setup(code, forced, seed);
        // Until the reference count; when the reference ended otherwise (fault, syscall), one
        // more call must end the same way without retiring anything.
        const { rb, executed } = runLike(b, ra, step);
        expect(rb.reason, `seed ${seed} step ${step}`).toBe(ra.reason);
        expect(executed, `seed ${seed} step ${step}`).toBe(ra.executed);
        expect(b.rip).toBe(a.rip);
        expect(b.instructionCount).toBe(a.instructionCount);
        expectSameRegisters(b, a, `seed ${seed} step ${step}`);
        // The stores and read-modify-writes (through rdi, and the stack) wrote the same bytes.
        expect(
          Buffer.from(b.memory.readBytes(RW, 4096)).equals(Buffer.from(a.memory.readBytes(RW, 4096))),
          `seed ${seed} step ${step}: memory differs`,
        ).toBe(true);
      }
    }
    // The suite must actually exercise the translator, and faulting loads.
    expect(jitStats.instructions - before).toBeGreaterThan(1000);
    expect(faults).toBeGreaterThan(10);
  });

  it('stops exactly at the budget inside a translated loop', () => {
    // mov ecx, 100; L: add eax, 3; dec ecx; jnz L; syscall
    const code = Uint8Array.of(0xb9, 100, 0, 0, 0, 0x83, 0xc0, 3, 0xff, 0xc9, 0x75, 0xf9, 0x0f, 0x05);
    for (let budget = 1; budget <= 40; budget++) {
      const a = setup(code, interp, 3);
      const b = setup(code, forced, 3);
      const ra = a.run(budget);
      const rb = b.run(budget);
      expect(rb).toEqual(ra);
      expect(b.rip).toBe(a.rip);
      expectSameRegisters(b, a, `budget ${budget}`);
    }
  });

  /**
   * Runs `code` (at CODE, from CODE + `entry`, rcx = `rcx`) on the interpreter and on `make` in
   * runs of `budget` instructions, comparing the result and the state after each; returns the JIT.
   */
  function compareSplits(
    code: Uint8Array,
    entry: number,
    rcx: number,
    make: (m: GuestMemory) => Cpu,
    budget: number,
  ) {
    const a = setup(code, interp, 4);
    const b = setup(code, make, 4);
    for (const c of [a, b]) {
      c.r[2] = rcx;
      c.rip = CODE + entry;
    }
    for (let step = 0; ; step++) {
      const ra = a.run(budget);
      const rb = b.run(budget);
      expect(rb, `budget ${budget} step ${step}`).toEqual(ra);
      expect(b.rip).toBe(a.rip);
      expectSameRegisters(b, a, `budget ${budget} step ${step}`);
      if (ra.reason !== 'budget') break;
    }
    return b as JitCpu;
  }
  const warm = (m: GuestMemory) => new JitCpu(m, { threshold: 5 });

  it('does not start translations where a budget ran out (mid-block), and stays exact', () => {
    // L: add eax, 3; add ebx, eax; xor esi, ebx; dec ecx; jnz L; syscall — 3000 rounds in runs of
    // 7 instructions, so every run after the first starts at some instruction inside the loop.
    const code = Uint8Array.of(0x83, 0xc0, 3, 0x01, 0xc3, 0x31, 0xde, 0xff, 0xc9, 0x75, 0xf5, 0x0f, 0x05);
    const before = jitStats.blocks;
    const b = compareSplits(code, 0, 3000, warm, 7);
    // One region for the loop head (its other instructions are reached only by resuming).
    expect(jitStats.blocks - before).toBe(1);
    expect(b.jitRetired).toBeGreaterThan(5_000);
  });

  it('translates a loop that crosses a page boundary as one region, splitting the budget exactly', () => {
    // L: add eax, 3; add ebx, eax; dec ecx — the last bytes of the first code page — then
    // jnz L; syscall at the start of the second: one region holds blocks of both pages.
    const code = new Uint8Array(0x1004).fill(0x90);
    code.set([0x83, 0xc0, 3, 0x01, 0xc3, 0xff, 0xc9], 0xff9);
    code.set([0x75, 0xf7, 0x0f, 0x05], 0x1000);
    for (const make of [warm, forced]) {
      for (const budget of [1, 2, 3, 5, 7, 64, 1e6]) {
        const b = compareSplits(code, 0xff9, 1000, make, budget);
        expect(b.r[2]).toBe(CODE + 0x1004); // syscall saved the return address in rcx
        expect(b.instructionCount).toBe(4001);
        // Only the first arrivals (below the threshold) and the final syscall are interpreted.
        if (budget >= 64) expect(b.jitRetired).toBeGreaterThan(3950);
      }
    }
  });

  it('runs a short non-looping region translated when the previous region just ran', () => {
    // A: add eax, 3; mov edx, B; jmp rdx — B: dec ecx; jnz A; syscall. B's region (two
    // instructions, reached only through the indirect jump) is short and does not loop.
    const code = Uint8Array.of(
      0x83,
      0xc0,
      3,
      0xba,
      0,
      0,
      0,
      0,
      0xff,
      0xe2,
      0xff,
      0xc9,
      0x75,
      0xf2,
      0x0f,
      0x05,
    );
    new DataView(code.buffer).setUint32(4, CODE + 10, true);
    for (const budget of [1, 2, 3, 4, 6, 64, 1e6]) {
      const b = compareSplits(code, 0, 1000, warm, budget);
      expect(b.instructionCount).toBe(5001);
      // A run starts with the registers outside the mirror: with a long budget, only the first
      // arrivals (below the threshold) and the final syscall are interpreted.
      if (budget === 1e6) expect(b.jitRetired).toBeGreaterThan(4950);
    }
  });

  it('drops a region spanning two pages when its second page is written', () => {
    // L: add ebx, eax (end of the first page); add eax, 1; dec ecx; jnz L; syscall (second page),
    // then "add eax, 1" becomes "add eax, 5".
    const code = new Uint8Array(0x1009).fill(0x90);
    code.set([0x01, 0xc3], 0xffe);
    code.set([0x83, 0xc0, 1, 0xff, 0xc9, 0x75, 0xf7, 0x0f, 0x05], 0x1000);
    const mem = new GuestMemory({ maxBytes: 1 << 22 });
    mem.map(CODE, 0x2000, PROT_READ | PROT_WRITE | PROT_EXEC);
    mem.poke(CODE, code);
    const cpu = new JitCpu(mem, { threshold: 0 });
    const runOnce = () => {
      cpu.r[0] = 0;
      cpu.r[2] = 10;
      cpu.rip = CODE + 0xffe;
      expect(cpu.run(1000).reason).toBe('syscall');
      return cpu.r[0];
    };
    expect(runOnce()).toBe(10);
    const before = cpu.jitRetired;
    expect(before).toBeGreaterThan(30);
    mem.write8(CODE + 0x1002, 5);
    expect(runOnce()).toBe(50);
    expect(cpu.jitRetired - before).toBeGreaterThan(30);
  });

  it('interprets everything while a guest page occupies the mirror at the bottom of memory', () => {
    // L: add eax, 1; dec ecx; jnz L; syscall — at 0x1000, inside the mirror's 64 KiB.
    const code = Uint8Array.of(0x83, 0xc0, 1, 0xff, 0xc9, 0x75, 0xf9, 0x0f, 0x05);
    const results = [interp, forced].map((make) => {
      const mem = new GuestMemory({ maxBytes: 1 << 22 });
      mem.map(0x1000, 0x1000, PROT_READ | PROT_EXEC);
      mem.poke(0x1000, code);
      const cpu = make(mem);
      cpu.r[2] = 1000;
      cpu.rip = 0x1000;
      const r = cpu.run(1e5);
      return {
        reason: r.reason,
        executed: r.executed,
        eax: cpu.r[0],
        jit: cpu instanceof JitCpu ? cpu.jitRetired : 0,
      };
    });
    expect(results[1]).toEqual({ ...results[0], jit: 0 });
    expect(results[0]!.eax).toBe(1000);
  });

  it('keeps translating after the guest memory grows (the mirror views follow the new buffer)', () => {
    // L: mov [rdi], eax; add eax, 1; dec ecx; jnz L; syscall
    const code = Uint8Array.of(0x89, 0x07, 0x83, 0xc0, 1, 0xff, 0xc9, 0x75, 0xf7, 0x0f, 0x05);
    const mem = new GuestMemory();
    mem.map(CODE, 0x1000, PROT_READ | PROT_EXEC);
    mem.poke(CODE, code);
    mem.map(RW, 0x1000, PROT_READ | PROT_WRITE);
    const cpu = new JitCpu(mem, { threshold: 0 });
    const runOnce = () => {
      cpu.r[2] = 100;
      cpu.r[14] = RW;
      cpu.rip = CODE;
      return cpu.run(1e5).reason;
    };
    expect(runOnce()).toBe('syscall');
    const before = cpu.jitRetired;
    const size = mem.size;
    mem.map(0x4000000, 0x1000000, PROT_READ | PROT_WRITE);
    expect(mem.size).toBeGreaterThan(size);
    expect(runOnce()).toBe('syscall');
    expect(cpu.jitRetired).toBeGreaterThan(before);
    expect(mem.read32(RW)).toBe(cpu.r[0]! - 1);
  });

  it('drops translations when their code page is written (self-modifying code)', () => {
    // L: add eax, 1; dec ecx; jnz L; syscall — then patch "add eax, 1" into "add eax, 5".
    const code = Uint8Array.of(0x83, 0xc0, 1, 0xff, 0xc9, 0x75, 0xf9, 0x0f, 0x05);
    const mem = new GuestMemory({ maxBytes: 1 << 22 });
    mem.map(CODE, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC);
    mem.poke(CODE, code);
    const cpu = new JitCpu(mem, { threshold: 0 });
    cpu.r[2] = 10;
    cpu.rip = CODE;
    expect(cpu.run(1000).reason).toBe('syscall');
    expect(cpu.r[0]).toBe(10);
    expect(cpu.jitRetired).toBeGreaterThan(0);
    mem.write8(CODE + 2, 5);
    cpu.r[2] = 10;
    cpu.rip = CODE;
    expect(cpu.run(1000).reason).toBe('syscall');
    expect(cpu.r[0]).toBe(60);
  });

  it('a translated store to a code page goes through the interpreter and invalidates', () => {
    // L: mov [rdi], ebx (rdi = address of the add: rewrites "add eax, 1; nop" into
    // "add eax, 5; nop"); add eax, 1; nop; dec ecx; jnz L; syscall.
    const code = Uint8Array.of(0x89, 0x1f, 0x83, 0xc0, 1, 0x90, 0xff, 0xc9, 0x75, 0xf6, 0x0f, 0x05);
    const results = [interp, forced].map((make) => {
      const mem = new GuestMemory({ maxBytes: 1 << 22 });
      mem.map(CODE, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC);
      mem.poke(CODE, code);
      const cpu = make(mem);
      cpu.r[2] = 5; // ecx
      cpu.r[14] = CODE + 2; // rdi → the add
      cpu.r[6] = 0x9005c083 | 0; // ebx: the bytes 83 c0 05 90
      cpu.rip = CODE;
      const r = cpu.run(1000);
      return { reason: r.reason, executed: r.executed, eax: cpu.r[0], rip: cpu.rip };
    });
    expect(results[1]).toEqual(results[0]);
    expect(results[0]!.eax).toBe(25);
  });

  it('drops translations when the page loses execute permission, and faults like the interpreter', () => {
    const code = Uint8Array.of(0x83, 0xc0, 1, 0xff, 0xc9, 0x75, 0xf9, 0x0f, 0x05);
    const results = [interp, forced].map((make) => {
      const mem = new GuestMemory({ maxBytes: 1 << 22 });
      mem.map(CODE, 0x1000, PROT_READ | PROT_EXEC);
      mem.poke(CODE, code);
      const cpu = make(mem);
      cpu.r[2] = 10;
      cpu.rip = CODE;
      cpu.run(1000);
      mem.protect(CODE, 0x1000, PROT_READ);
      cpu.r[2] = 10;
      cpu.rip = CODE;
      const r = cpu.run(1000);
      return { reason: r.reason, kind: r.fault?.kind, rip: r.fault?.rip, executed: r.executed };
    });
    expect(results[1]).toEqual(results[0]);
    expect(results[0]!.reason).toBe('fault');
  });

  it('passes the generated host-CPU differential cases', async () => {
    const rows = allRows().filter(testableRow);
    const cases = generateAtLeast(rows, 20_000, 0x1e7_0001, (tc) => knownOpenFor(tc) !== undefined);
    const report = await runCases(cases, forced, { keep: 5 });
    expect(report.mismatches.map((m) => describeMismatch(m))).toEqual([]);
    expect(report.cases).toBeGreaterThanOrEqual(20_000);
  }, 600_000);

  for (const name of ['hash', 'sort']) {
    it(`compiled program ${name}: identical output and instruction count (thresholds 0, 50 and default)`, () => {
      const prog = buildProgram(name);
      const a = runProgram(prog, interp);
      for (const make of [
        forced,
        (m: GuestMemory) => new JitCpu(m, { threshold: 50 }),
        (m: GuestMemory) => new JitCpu(m),
      ]) {
        const b = runProgram(prog, make);
        expect(b.error).toBeUndefined();
        expect(b.instructions).toBe(a.instructions);
        expect(Buffer.from(b.output).toString('hex')).toBe(prog.expected.toString('hex'));
      }
    }, 300_000);
  }
});
