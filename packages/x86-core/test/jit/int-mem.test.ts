/**
 * Memory checks of the WebAssembly tier against the interpreter: random loops of loads, stores,
 * read-modify-writes and pushes/pops through base registers that walk across page boundaries,
 * with neighbouring pages that are writable, read-only, unmapped or hold code, and flags set
 * before an access that may leave the region read after it. Registers, RFLAGS, rip, the retired
 * count and every mapped byte must match after every budget split.
 */
import { describe, expect, it } from 'vitest';
import { Cpu } from '../../src/cpu.js';
import { JitCpu } from '../../src/jit/jit-cpu.js';
import { jitStats } from '../../src/jit/translate.js';
import { GuestMemory, PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/memory.js';
import { expectSameRegisters, rng, runLike } from './forms-gen.js';

/** Code: a stub page (run once, so it holds decoded code) and the program page after it. */
const CODE = 0x20000;
const PROGRAM = CODE + 0x1000;
/** Registers a random instruction may write: not rcx, rbx, rsp, rsi, rdi, r13. */
const SAFE = [0, 2, 5, 8, 9, 10, 11, 12, 14, 15];
/** Base registers of the accesses: rbx, rsi, rdi. */
const BASES = [3, 6, 7];

type Kind = 'rw' | 'r' | 'none' | 'code';

interface Layout {
  /** The data page the bases start in. */
  data: number;
  below: Kind;
  above: Kind;
}

function layoutFor(seed: number): Layout {
  // Half the neighbours are writable (long runs), the rest read-only or unmapped (faults).
  const kinds: Kind[] = ['rw', 'rw', 'r', 'none'];
  // Every fifth seed puts the data page right below the code pages: stores that split into
  // them must leave the region (the interpreter invalidates the stub's translation).
  if (seed % 5 === 0) return { data: CODE - 0x1000, below: kinds[(seed >> 3) % 4]!, above: 'code' };
  return { data: 0x40000, below: kinds[seed % 4]!, above: kinds[(seed >> 2) % 4]! };
}

const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const pick = <T>(next: () => number, xs: readonly T[]): T => xs[next() % xs.length]!;

/** [base + disp8] with `reg` in ModRM.reg; REX (W, R) when needed. */
function mem(w: boolean, reg: number, base: number, disp: number, force = false): number[] {
  const rex = 0x40 | (w ? 8 : 0) | ((reg >> 3) << 2);
  return [...(rex !== 0x40 || force ? [rex] : []), 0x40 | ((reg & 7) << 3) | base, disp & 0xff];
}
/** Moves the opcode bytes in front of the ModRM part while keeping a REX prefix first. */
function withOp(op: number[], m: number[]): number[] {
  return m.length === 3 ? [m[0]!, ...op, m[1]!, m[2]!] : [...op, ...m];
}

function randomAccess(next: () => number): number[] {
  const r = pick(next, SAFE);
  const base = pick(next, BASES);
  const w = (next() & 1) === 1;
  // Mostly near the base, sometimes 8–16 bytes around it (base near a page end: a split).
  const disp = (next() % 48) - 24;
  switch (next() % 9) {
    case 0:
      return withOp([0x8b], mem(w, r, base, disp)); // mov r, [m]
    case 1:
      return withOp([0x89], mem(w, r, base, disp)); // mov [m], r
    case 2:
      return withOp([pick(next, [0x01, 0x09, 0x21, 0x29, 0x31])], mem(w, r, base, disp)); // op [m], r
    case 3:
      return withOp([pick(next, [0x03, 0x2b, 0x33, 0x3b, 0x85])], mem(w, r, base, disp)); // op r, [m]
    case 4:
      return withOp([0x0f, 0xb7], mem(false, r, base, disp)); // movzx r32, word [m]
    case 5:
      return withOp([0x8a], mem(false, r & 3, base, disp)); // mov r8, [m]
    case 6: {
      // push r / pop r
      const p = r >= 8 ? [0x41] : [];
      return [...p, (next() & 1 ? 0x50 : 0x58) + (r & 7)];
    }
    case 7:
      // inc/dec dword/qword [m]
      return withOp([0xff], mem(w, next() & 1, base, disp));
    default:
      // add base, imm8: the base moves (and sets flags).
      return [0x48, 0x83, 0xc0 | base, (next() % 33) - 16];
  }
}

/** A flag writer or reader between accesses. */
function randomFlags(next: () => number): number[] {
  const a = pick(next, SAFE);
  const b = pick(next, SAFE);
  const rex = (w: boolean) => 0x40 | (w ? 8 : 0) | ((b >> 3) << 2) | (a >> 3);
  const rr = 0xc0 | ((b & 7) << 3) | (a & 7);
  const w = (next() & 1) === 1;
  switch (next() % 7) {
    case 0:
      return [rex(w), pick(next, [0x01, 0x29, 0x39, 0x21, 0x11, 0x19]), rr]; // add/sub/cmp/and/adc/sbb
    case 1:
      return [rex(w), 0xc1, 0xc0 | (pick(next, [0, 1, 4, 5, 7]) << 3) | (a & 7), 1 + (next() % 31)]; // rol/ror/shl/shr/sar
    case 2:
      return [rex(w), 0xff, 0xc0 | ((next() & 1) << 3) | (a & 7)]; // inc/dec
    case 3:
      return [0x70 + (next() & 15), 1, 0x90]; // jcc over a nop
    case 4:
      return [0x40 | (a >> 3), 0x0f, 0x90 + (next() & 15), 0xc0 | (a & 7)]; // setcc
    case 5:
      return [rex(w), 0x0f, 0x40 + (next() & 15), 0xc0 | ((a & 7) << 3) | (b & 7)]; // cmovcc
    default:
      return [0xeb, 0]; // jmp +0: a new block reads the stored record
  }
}

/**
 * A loop of 40 iterations: the bases restart each iteration from r13 plus fixed offsets near a
 * page boundary of the data page, and r13 advances by a small step, so accesses cross the
 * boundaries at some iteration.
 */
function randomProgram(seed: number): Uint8Array {
  const next = rng(seed * 13 + 5);
  const out: number[] = [];
  out.push(0xb9, ...le32(40)); // mov ecx, 40
  const top = out.length;
  // Around the start or the end of the data page, relative to r13 = data.
  const near = () => (next() & 1 ? 4096 - 48 + (next() % 48) : (next() % 48) - 24 + (next() & 2 ? 0 : 24));
  for (const base of BASES) out.push(0x49, 0x8d, 0x80 | (base << 3) | 5, ...le32(near())); // lea base, [r13+d]
  out.push(0x49, 0x8d, 0xa5, ...le32(near() & ~7)); // lea rsp, [r13+d]
  const n = 6 + (next() % 18);
  for (let k = 0; k < n; k++) out.push(...(next() % 3 === 0 ? randomFlags(next) : randomAccess(next)));
  out.push(0x49, 0x83, 0xc5, ((next() % 17) - 8) & 0xff); // add r13, step
  out.push(0xff, 0xc9); // dec ecx
  out.push(0x0f, 0x85, ...le32(top - (out.length + 6))); // jnz top
  out.push(0x0f, 0x05); // syscall: the end
  return Uint8Array.from(out);
}

function protOf(k: Kind): number {
  return k === 'rw' ? PROT_READ | PROT_WRITE : PROT_READ;
}

function setup(code: Uint8Array, layout: Layout, make: (m: GuestMemory) => Cpu, seed: number): Cpu {
  const mem = new GuestMemory({ maxBytes: 1 << 22 });
  mem.map(CODE, 0x2000, PROT_READ | PROT_WRITE | PROT_EXEC);
  // The stub: jmp PROGRAM (rel32), then nops that stores may overwrite.
  mem.poke(CODE, Uint8Array.of(0xe9, ...le32(PROGRAM - (CODE + 5)), ...new Array<number>(64).fill(0x90)));
  mem.poke(PROGRAM, code);
  const next = rng(seed * 7 + 3);
  const fill = (at: number) =>
    mem.poke(
      at,
      Uint8Array.from({ length: 4096 }, () => next() & 0xff),
    );
  mem.map(layout.data, 0x1000, PROT_READ | PROT_WRITE);
  fill(layout.data);
  for (const [k, at] of [
    [layout.below, layout.data - 0x1000],
    [layout.above, layout.data + 0x1000],
  ] as const) {
    if (k === 'none' || k === 'code') continue;
    mem.map(at, 0x1000, PROT_READ | PROT_WRITE);
    fill(at);
    mem.protect(at, 0x1000, protOf(k));
  }
  const cpu = make(mem);
  for (let k = 0; k < 32; k++) cpu.r[k] = next() & 1 ? next() : next() & 0xff;
  cpu.r[26] = layout.data; // r13
  cpu.r[27] = 0;
  cpu.rip = CODE;
  return cpu;
}

/** The pages a run may have written (mapped ones only). */
function pagesOf(layout: Layout): number[] {
  const pages = [CODE, PROGRAM, layout.data];
  if (layout.below !== 'none') pages.push(layout.data - 0x1000);
  if (layout.above !== 'none' && layout.above !== 'code') pages.push(layout.data + 0x1000);
  return pages;
}

function expectSame(b: Cpu, a: Cpu, pages: readonly number[], what: string): void {
  expectSameRegisters(b, a, what);
  expect(b.rip, `${what}: rip`).toBe(a.rip);
  for (const page of pages)
    expect(
      Buffer.from(b.memory.readBytes(page, 4096)).equals(Buffer.from(a.memory.readBytes(page, 4096))),
      `${what}: memory at ${page.toString(16)} differs`,
    ).toBe(true);
}

const interp = (m: GuestMemory) => new Cpu(m);
const forced = (m: GuestMemory) => new JitCpu(m, { threshold: 0 });
const warm = (m: GuestMemory) => new JitCpu(m, { threshold: 3 });

describe('JIT memory checks against the interpreter', () => {
  it('accesses across page boundaries (split, read-only, unmapped, code neighbours) for every budget split', () => {
    const before = jitStats.instructions;
    let faults = 0;
    let long = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const layout = layoutFor(seed);
      const code = randomProgram(seed);
      const a = setup(code, layout, interp, seed);
      const ra = a.run(1e6);
      if (ra.reason === 'fault') faults++;
      if (ra.executed > 200) long++;
      for (const [make, step] of [
        [forced, 1e6],
        [forced, 7],
        [warm, 1e6],
        [warm, 3],
      ] as const) {
        const b = setup(code, layout, make, seed);
        const { rb, executed } = runLike(b, ra, step);
        const what = `seed ${seed} step ${step}`;
        expect(rb.reason, what).toBe(ra.reason);
        expect(executed, what).toBe(ra.executed);
        expect(b.instructionCount, what).toBe(a.instructionCount);
        expectSame(b, a, pagesOf(layout), what);
      }
    }
    expect(jitStats.instructions - before).toBeGreaterThan(50_000);
    expect(faults).toBeGreaterThan(20);
    expect(long).toBeGreaterThan(50);
  });

  it('pages sharing TLB slots evict each other, and a data page that gains code leaves the write TLB', () => {
    // Pages 0x20 (code) and 0x820 share a write TLB slot, 0x420 and 0x20 one of a smaller TLB.
    const d1 = CODE + 0x400000;
    const d2 = CODE + 0x800000;
    const stack = 0x30000;
    const loop = (body: number[]) => [
      0xb9,
      ...le32(60),
      ...body,
      0xff,
      0xc9,
      0x75,
      -(body.length + 4) & 0xff,
    ];
    const code = Uint8Array.from([
      // L1: mov [rsi], eax; mov [rdi], eax; mov edx, [rsi]; add eax, edx; inc eax
      ...loop([0x89, 0x06, 0x89, 0x07, 0x8b, 0x16, 0x01, 0xd0, 0xff, 0xc0]),
      // call rbx: decodes the code at d1 + 0x100 (mov edx, imm32; ret): d1 becomes a code page
      0xff,
      0xd3,
      // L2: mov [rdi], eax; mov [rsi], eax; mov [rbx + 1], al; call rbx; add r8d, edx; inc eax
      ...loop([0x89, 0x07, 0x89, 0x06, 0x88, 0x43, 0x01, 0xff, 0xd3, 0x41, 0x01, 0xd0, 0xff, 0xc0]),
      0x0f,
      0x05,
    ]);
    const run = (make: (m: GuestMemory) => Cpu, budget: number) => {
      const mem = new GuestMemory({ maxBytes: 1 << 24 });
      mem.map(CODE, 0x1000, PROT_READ | PROT_EXEC);
      mem.poke(CODE, code);
      mem.map(stack, 0x1000, PROT_READ | PROT_WRITE);
      mem.map(d1, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC);
      mem.poke(d1 + 0x100, Uint8Array.of(0xba, 1, 0, 0, 0, 0xc3));
      mem.map(d2, 0x1000, PROT_READ | PROT_WRITE);
      const cpu = make(mem);
      cpu.r[12] = d1 + 0x40; // rsi
      cpu.r[14] = d2 + 0x80; // rdi
      cpu.r[6] = d1 + 0x100; // rbx
      cpu.r[8] = stack + 0x800; // rsp
      cpu.rip = CODE;
      let r = cpu.run(budget);
      let executed = r.executed;
      while (r.reason === 'budget' && executed < 100_000) {
        r = cpu.run(budget);
        executed += r.executed;
      }
      return { cpu, r, executed };
    };
    const a = run(interp, 1e6);
    expect(a.r.reason).toBe('syscall');
    // Each call returned the immediate just written: the low byte of eax before the call.
    expect(a.cpu.r[16]).not.toBe(0);
    const before = jitStats.instructions;
    for (const [make, budget] of [
      [forced, 1e6],
      [forced, 5],
      [warm, 1e6],
    ] as const) {
      const b = run(make, budget);
      expect(b.r.reason).toBe('syscall');
      expect(b.executed).toBe(a.executed);
      expectSame(b.cpu, a.cpu, [d1, d2, stack], `budget ${budget}`);
    }
    expect(jitStats.instructions - before).toBeGreaterThan(200);
  });
});
