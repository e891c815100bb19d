/**
 * The run loop's inline fast forms (ops/fast.ts) against the row handlers they stand in for:
 * random programs of exactly the forms that get a fast path (and the flag producers whose records
 * the inline jcc reads) run twice, once as decoded and once with every fast form switched off, and
 * must leave the same register file (lazy-flag record included), memory, rip, retired count and
 * fault after every budget slice.
 */
import { describe, expect, it } from 'vitest';
import { Reg, type RunResult } from '../api.js';
import { Cpu } from '../cpu.js';
import { GuestMemory, PROT_EXEC, PROT_READ, PROT_WRITE } from '../memory.js';
import { F_NONE } from './fast.js';

const CODE = 0x10000;
/** Read-only data addressed through RSI; the page after it is unmapped. */
const DATA = 0x21000;
/** Writable data addressed through RDI; the page after it is unmapped. */
const RW = 0x31000;
const STACK = 0x40000;

function rng(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** One random instruction from the fast forms and their flag producers (RSP, RSI, RDI stay fixed). */
function randomInsn(next: () => number): number[] {
  // Registers that may be written: everything but RSP (4), RSI (6) and RDI (7).
  const regs = [0, 1, 2, 3, 5, 8, 9, 10, 11, 12, 13, 14, 15];
  const pick = () => regs[next() % regs.length]!;
  const w = (next() & 1) === 1;
  const rex = (reg: number, rm: number, wide = w) => 0x40 | (wide ? 8 : 0) | ((reg >> 3) << 2) | (rm >> 3);
  const rr = (op: number[], reg: number, rm: number, wide = w) => [
    rex(reg, rm, wide),
    ...op,
    0xc0 | ((reg & 7) << 3) | (rm & 7),
  ];
  // [rsi + disp8] (readable) or [rdi + disp8] (writable); disp8 near the page end sometimes.
  const mem = (op: number[], reg: number, base: 6 | 7, wide = w) => [
    0x40 | (wide ? 8 : 0) | ((reg >> 3) << 2),
    ...op,
    0x40 | ((reg & 7) << 3) | base,
    next() & 0x7f,
  ];
  const imm32 = () => le32(next() & 3 ? next() & 0xff : next());
  const d = pick();
  const s = pick();
  const alu = [0x01, 0x09, 0x21, 0x29, 0x31, 0x39, 0x85][next() % 7]!;
  const ext = [0, 1, 4, 5, 6, 7][next() % 6]!;
  switch (next() % 24) {
    case 0:
      return rr([alu], s, d);
    case 1:
      return alu === 0x85 ? rr([0x85], s, d) : rr([alu + 2], d, s);
    case 2:
      return alu === 0x85 ? rr([0x85], s, d) : mem([alu + 2], d, 6);
    case 3:
      return [...rr([0x83], ext, d), next() & 0xff];
    case 4:
      return [...rr([0x81], ext, d), ...imm32()];
    case 5:
      return [0x48 & (w ? 0xff : 0x40), [0x05, 0x0d, 0x25, 0x2d, 0x35, 0x3d, 0xa9][next() % 7]!, ...imm32()];
    case 6:
      return next() & 1 ? [...mem([0x83], 7, 6), next() & 0xff] : mem([0x39], s, 6);
    case 7:
      return next() & 1 ? rr([0x89], s, d) : rr([0x8b], d, s);
    case 8:
      return next() & 1 ? mem([0x8b], d, 6) : mem([0x89], s, 7);
    case 9:
      return mem([0x88], s, 7, false);
    case 10:
      return next() & 1
        ? [...rr([0xc7], 0, d), ...imm32()]
        : [rex(0, d), 0xb8 + (d & 7), ...imm32(), ...(w ? imm32() : [])];
    case 11: {
      // lea d, [base + index*scale + disp8] or [rip + disp32]
      if (next() & 3)
        return [
          rex(d, 0, true) | ((s >> 3) << 1),
          0x8d,
          0x44 | ((d & 7) << 3),
          ((next() & 3) << 6) | ((s & 7) << 3) | (next() & 7),
          next() & 0xff,
        ];
      return [rex(d, 0, true), 0x8d, 0x05 | ((d & 7) << 3), ...le32(next())];
    }
    case 12:
      return next() & 1 ? rr([0x63], d, s, true) : mem([0x63], d, 6, true);
    case 13:
      return next() & 1 ? rr([0x0f, 0xb6], d, s, false) : mem([0x0f, 0xb6], d, 6, false);
    case 14:
      // shifts and rotates by imm8 (counts 0, 1, in range and beyond the width)
      return [
        ...rr([0xc1], [0, 1, 4, 5, 6, 7][next() % 6]!, d),
        [0, 1, 31, 32, 33, 63, 64][next() % 7]! + (next() & 3 ? next() % 30 : 0),
      ];
    case 15:
      return rr([0xff], next() & 1, d);
    case 16:
      return [0x41 & (d >= 8 ? 0xff : 0x40), 0x50 + (d & 7)].filter((b) => b !== 0x40);
    case 17:
      return [0x41 & (d >= 8 ? 0xff : 0x40), 0x58 + (d & 7)].filter((b) => b !== 0x40);
    case 18:
      // call to a ret just behind a jump over it: call L; jmp +1; L: ret
      return [0xe8, 2, 0, 0, 0, 0xeb, 0x01, 0xc3];
    case 19:
      return [0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00];
    // Flag producers whose records jcc reads through cond(): adc, sbb, imul, neg, bt.
    case 20:
      return rr([[0x11, 0x19][next() & 1]!], s, d);
    case 21:
      return rr([0x0f, 0xaf], d, s, true);
    case 22:
      return rr([0xf7], 3, d);
    default:
      return [...rr([0x0f, 0xba], 4, d), next() & 63];
  }
}

/** A program: random instructions, each followed now and then by a jcc over the next one. */
function randomProgram(seed: number, n: number): Uint8Array {
  const next = rng(seed);
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const insn = randomInsn(next);
    if (next() % 3 === 0) {
      const follow = randomInsn(next);
      out.push(...insn);
      // jcc rel8 (70+cc) or rel32 (0F 80+cc) over the following instruction.
      const cc = next() & 15;
      if (next() & 1) out.push(0x70 + cc, follow.length);
      else out.push(0x0f, 0x80 + cc, ...le32(follow.length));
      out.push(...follow);
    } else out.push(...insn);
  }
  out.push(0x0f, 0x05);
  return Uint8Array.from(out);
}

function machine(code: Uint8Array, seed: number, fast: boolean): Cpu {
  const mem = new GuestMemory({ maxBytes: 1 << 22 });
  mem.map(CODE, 0x2000, PROT_READ | PROT_EXEC);
  mem.poke(CODE, code);
  mem.map(DATA, 0x1000, PROT_READ);
  mem.map(RW, 0x1000, PROT_READ | PROT_WRITE);
  mem.map(STACK - 0x8000, 0x10000, PROT_READ | PROT_WRITE);
  const next = rng(seed ^ 0x5a5a5a5a);
  const data = new Uint8Array(0x1000).map(() => next() & 0xff);
  mem.poke(DATA, data);
  mem.poke(RW, data);
  const cpu = new Cpu(mem);
  if (!fast) {
    // Every decoded instruction takes its row's handler.
    const cache = cpu.cache;
    const get = cache.get.bind(cache);
    cache.get = (addr: number) => {
      const insn = get(addr);
      insn.fop = F_NONE;
      return insn;
    };
  }
  for (let k = 0; k < 32; k++)
    cpu.r[k] = next() & 7 ? next() | 0 : [0, -1, 1, 0x7fffffff, -0x80000000][next() % 5]!;
  cpu.setRegNumber(Reg.RSP, STACK);
  cpu.setRegNumber(Reg.RSI, DATA + 0xf80);
  cpu.setRegNumber(Reg.RDI, RW + 0xf80);
  cpu.setRflags(next() & 0x8d5);
  cpu.rip = CODE;
  return cpu;
}

function summary(r: RunResult): string {
  return r.fault
    ? `${r.reason} ${r.executed} ${r.fault.kind} ${r.fault.rip} ${r.fault.address}`
    : `${r.reason} ${r.executed}`;
}

describe('inline fast forms', () => {
  it('leave exactly the state of the row handlers (400 random programs, random budget slices)', () => {
    let faults = 0;
    let fastForms = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const code = randomProgram(seed, 40);
      const a = machine(code, seed, true);
      const b = machine(code, seed, false);
      const slices = rng(seed * 7 + 3);
      for (let step = 0; step < 200; step++) {
        const budget = 1 + (slices() % 12);
        const ra = a.run(budget);
        const rb = b.run(budget);
        expect(summary(ra), `seed ${seed}`).toBe(summary(rb));
        expect(a.rip, `seed ${seed}`).toBe(b.rip);
        expect(Buffer.from(a.b).equals(Buffer.from(b.b)), `seed ${seed} registers`).toBe(true);
        if (ra.reason !== 'budget') {
          if (ra.reason === 'fault') faults++;
          break;
        }
      }
      expect(a.getRflags(), `seed ${seed}`).toBe(b.getRflags());
      expect(
        Buffer.from(a.memory.readBytes(RW, 0x1000)).equals(Buffer.from(b.memory.readBytes(RW, 0x1000))),
      ).toBe(true);
      expect(
        Buffer.from(a.memory.readBytes(STACK - 0x100, 0x200)).equals(
          Buffer.from(b.memory.readBytes(STACK - 0x100, 0x200)),
        ),
      ).toBe(true);
      // Count the fast forms among the program's instructions (laid out one after another).
      for (let p = CODE; p < CODE + code.length; ) {
        const insn = a.cache.get(p);
        if (insn.fop !== F_NONE) fastForms++;
        p = insn.next;
      }
    }
    // The programs exercise the fast forms, and some end in faults (compared too).
    expect(fastForms).toBeGreaterThan(10_000);
    expect(faults).toBeGreaterThan(0);
  });
});
