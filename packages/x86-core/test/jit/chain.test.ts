/**
 * Chained regions (src/jit/chain.ts) against the interpreter: random programs whose regions call,
 * return and jump indirectly into each other (compared at every budget split), code written
 * while its region is linked, mem_protect between runs, and two threads sharing one memory.
 */
import { describe, expect, it } from 'vitest';
import { Cpu } from '../../src/cpu.js';
import { IND_SAMPLE_WORD } from '../../src/jit/chain.js';
import { JitCpu } from '../../src/jit/jit-cpu.js';
import { GuestMemory, PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/memory.js';
import { MXCSR_I32, XMM_OFFSET } from '../../src/state.js';
import { CODE, DATA, expectSameRegisters, RW, rng } from './forms-gen.js';

/** Functions: one per page after the main page. */
const FUNCS = 4;

/** Registers random code may change: rax, rdx, rbx, r8–r11 (rcx counts, rbp jumps, rsi/rdi point). */
const FREE = [0, 2, 3, 8, 9, 10, 11];

const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** A random instruction that writes only FREE registers (or the RW page through rdi). */
function randomOp(next: () => number): number[] {
  const pick = () => FREE[next() % FREE.length]!;
  const d = pick();
  const s = pick();
  const rex = (w: boolean, reg: number, rm: number) => 0x40 | (w ? 8 : 0) | ((reg >> 3) << 2) | (rm >> 3);
  const w = (next() & 1) === 1;
  const rr = 0xc0 | ((s & 7) << 3) | (d & 7);
  switch (next() % 12) {
    case 0: // add/sub/xor/and/or/cmp/test/mov r, r
      return [rex(w, s, d), [0x01, 0x29, 0x31, 0x21, 0x09, 0x39, 0x85, 0x89][next() % 8]!, rr];
    case 1: // add/sub/cmp r, imm8
      return [rex(w, 0, d), 0x83, 0xc0 | ([0, 5, 7, 4][next() % 4]! << 3) | (d & 7), next() & 0xff];
    case 2: // mov r32, imm32
      return [rex(false, 0, d), 0xb8 | (d & 7), ...le32(next())];
    case 3: // imul r, r
      return [rex(w, d, s), 0x0f, 0xaf, 0xc0 | ((d & 7) << 3) | (s & 7)];
    case 4: // setcc r8 (flags from whatever ran before, possibly another region)
      return [rex(false, 0, d), 0x0f, 0x90 | (next() & 15), 0xc0 | (d & 7)];
    case 5: // cmovcc r, r
      return [rex(w, d, s), 0x0f, 0x40 | (next() & 15), 0xc0 | ((d & 7) << 3) | (s & 7)];
    case 6: // mov r, [rsi + disp8]
      return [rex(w, d, 0), 0x8b, 0x46 | ((d & 7) << 3), next() & 0x7f];
    case 7: // mov [rdi + disp8], r
      return [rex(w, s, 0), 0x89, 0x47 | ((s & 7) << 3), next() & 0x7f];
    case 8: // shl/shr/sar r, imm8
      return [rex(w, 0, d), 0xc1, 0xc0 | ([4, 5, 7][next() % 3]! << 3) | (d & 7), next() & 63];
    case 9: // inc/dec r (keeps CF from before)
      return [rex(w, 0, d), 0xff, 0xc0 | ((next() & 1) << 3) | (d & 7)];
    case 10: // lea r, [r + r*2 + disp8]
      return [
        rex(true, d, s) | ((s >> 3) << 1),
        0x8d,
        0x44 | ((d & 7) << 3),
        0x40 | ((s & 7) << 3) | (s & 7),
        9,
      ];
    default: // push r; pop r
      return [rex(false, 0, s), 0x50 | (s & 7), rex(false, 0, d), 0x58 | (d & 7)];
  }
}

/**
 * A program of a main loop (first page) and FUNCS functions (one per following page, at a random
 * offset) that call each other directly and through rbp, return, jump indirectly into a block of
 * the main loop, and tail-jump into another function; flags flow across every transfer.
 */
function randomChainProgram(seed: number): { code: Uint8Array; iterations: number } {
  const next = rng(seed);
  const code = new Uint8Array(0x1000 * (FUNCS + 1)).fill(0x90);
  const funcs: number[] = [];
  for (let f = 0; f < FUNCS; f++) funcs.push(0x1000 * (f + 1) + (next() & 0x3f0));
  const ops = (out: number[], n: number) => {
    for (let k = 0; k < n; k++) out.push(...randomOp(next));
  };
  // Functions: random code, maybe a call further down, then ret or a tail jump.
  for (let f = 0; f < FUNCS; f++) {
    const at = funcs[f]!;
    const out: number[] = [];
    ops(out, next() % 6);
    if (f + 1 < FUNCS && next() & 1) {
      // call the next function directly or through rbp
      if (next() & 1) {
        out.push(0xe8, ...le32(funcs[f + 1]! - (at + out.length + 5)));
      } else {
        out.push(0xbd, ...le32(CODE + funcs[f + 1]!), 0xff, 0xd5);
      }
      ops(out, next() % 4);
    }
    if (f + 1 < FUNCS && next() % 3 === 0) {
      // tail jump: the callee returns to our caller
      out.push(0xe9, ...le32(funcs[f + 1]! - (at + out.length + 5)));
    } else out.push(0xc3);
    code.set(out, at);
  }
  // Main: mov ecx, n; L: { ops; call f | call rbp | jmp rbp to the next block }…; dec ecx; jnz L; syscall
  const iterations = 20 + (next() & 31);
  const main: number[] = [0xb9, ...le32(iterations)];
  const loop = main.length;
  const parts = 2 + (next() % 4);
  for (let p = 0; p < parts; p++) {
    ops(main, 1 + (next() % 4));
    const f = funcs[next() % FUNCS]!;
    switch (next() % 3) {
      case 0:
        main.push(0xe8, ...le32(f - (main.length + 5)));
        break;
      case 1:
        main.push(0xbd, ...le32(CODE + f), 0xff, 0xd5);
        break;
      default: {
        // jmp rbp to the instruction right after it (a new block reached only indirectly)
        const after = main.length + 7;
        main.push(0xbd, ...le32(CODE + after), 0xff, 0xe5);
      }
    }
  }
  ops(main, next() % 3);
  main.push(0xff, 0xc9); // dec ecx
  main.push(0x0f, 0x85, ...le32(loop - (main.length + 6))); // jnz L
  main.push(0x0f, 0x05); // syscall
  code.set(main, 0);
  return { code, iterations };
}

function makeMemory(code: Uint8Array, codeProt = PROT_READ | PROT_EXEC): GuestMemory {
  const mem = new GuestMemory({ maxBytes: 1 << 22 });
  mem.map(CODE, code.length, codeProt);
  mem.poke(CODE, code);
  mem.map(DATA, 0x1000, PROT_READ);
  mem.map(RW, 0x1000, PROT_READ | PROT_WRITE);
  const next = rng(99);
  mem.poke(
    DATA,
    Uint8Array.from({ length: 4096 }, () => next() & 0xff),
  );
  return mem;
}

function initCpu(cpu: Cpu, seed: number, stack = RW + 0x800): void {
  const next = rng(seed * 13 + 5);
  for (let k = 0; k < 32; k++) cpu.r[k] = next() & 1 ? next() : next() & 0xff;
  const x = new Float64Array(cpu.b.buffer, XMM_OFFSET, 32);
  for (let k = 0; k < 32; k++) x[k] = ((next() & 0xffff) - 0x8000) / 64;
  cpu.u32[MXCSR_I32] = 0x1f80;
  cpu.r[12] = DATA + 0x100; // rsi
  cpu.r[13] = 0;
  cpu.r[14] = RW + 0x100; // rdi
  cpu.r[15] = 0;
  cpu.r[8] = stack; // rsp
  cpu.r[9] = 0;
  cpu.rip = CODE;
}

/** Registers (see expectSameRegisters) and rip equal. */
function expectSameState(b: Cpu, a: Cpu, what: string): void {
  expectSameRegisters(b, a, what);
  expect(b.rip, `${what}: rip`).toBe(a.rip);
}

/**
 * Runs both CPUs in steps of `budget` until the interpreter stops otherwise, comparing each step;
 * returns why it stopped.
 */
function lockstep(a: Cpu, b: Cpu, budget: number, what: string): string {
  for (let step = 0; step < 1e6; step++) {
    const ra = a.run(budget);
    const rb = b.run(budget);
    expect(rb, `${what} step ${step}`).toEqual(ra);
    expectSameState(b, a, `${what} step ${step}`);
    if (ra.reason !== 'budget') return ra.reason;
  }
  return 'budget';
}

const interp = (m: GuestMemory) => new Cpu(m);

/**
 * main: mov ecx, 50; L: call F; add rbx, rax; dec ecx; jnz L; syscall — F (at 0x1040, on the
 * next page): cvtsi2sd xmm2, eax; addsd xmm0, xmm2; add eax, 7; ret.
 */
function xmmCallLoop(): Uint8Array {
  const code = new Uint8Array(0x2000).fill(0x90);
  const f = 0x1040;
  code.set(
    [0xb9, 50, 0, 0, 0, 0xe8, ...le32(f - 10), 0x48, 0x01, 0xc3, 0xff, 0xc9, 0x75, -12 & 0xff, 0x0f, 0x05],
    0,
  );
  code.set([0xf2, 0x0f, 0x2a, 0xd0, 0xf2, 0x0f, 0x58, 0xc2, 0x83, 0xc0, 0x07, 0xc3], f);
  return code;
}

describe('chained JIT regions', () => {
  it('random calls, returns and indirect jumps between regions: identical state at every budget split', () => {
    let retired = 0;
    let iterations = 0;
    let jsCalls = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const program = randomChainProgram(seed);
      const code = program.code;
      for (const threshold of [0, 3]) {
        for (const budget of [1e6, 1, 5, 13]) {
          const a = interp(makeMemory(code));
          const b = new JitCpu(makeMemory(code), { threshold });
          initCpu(a, seed);
          initCpu(b, seed);
          lockstep(a, b, budget, `seed ${seed} threshold ${threshold} budget ${budget}`);
          expect(
            Buffer.from(b.memory.readBytes(RW, 4096)).equals(Buffer.from(a.memory.readBytes(RW, 4096))),
          ).toBe(true);
          expect(b.instructionCount).toBe(a.instructionCount);
          if (budget === 1e6 && threshold === 0) {
            retired += b.jitRetired;
            iterations += program.iterations;
            jsCalls += b.jitEntries;
          }
        }
      }
    }
    // Most instructions ran translated, and an iteration passes at least four region boundaries
    // (two calls or jumps and returns): without chaining each would be a call from JavaScript;
    // here they are a small fraction (mostly each region's first run, right after compiling).
    expect(retired).toBeGreaterThan(50_000);
    expect(jsCalls * 2).toBeLessThan(iterations);
  });

  it('a linked region whose code the interpreter rewrites is never entered again', () => {
    // main: mov ecx, 40; L: call F; mov [rdi], bl; dec ecx; jnz L; syscall — F: add eax, 1; ret
    // (next page). rdi points at F's immediate, so the (interpreted) store rewrites F every
    // iteration with the low byte of rbx, which F's callers change.
    const code = new Uint8Array(0x2000).fill(0x90);
    const f = 0x1100;
    code.set(
      [
        0xb9,
        40,
        0,
        0,
        0,
        0xe8,
        ...le32(f - 10),
        0x88,
        0x1f,
        0x83,
        0xc3,
        0x01,
        0xff,
        0xc9,
        0x75,
        -14 & 0xff,
        0x0f,
        0x05,
      ],
      0,
    );
    code.set([0x83, 0xc0, 0x01, 0xc3], f);
    for (const budget of [1e6, 1, 3, 4, 7]) {
      for (const threshold of [0, 2]) {
        const a = interp(makeMemory(code, PROT_READ | PROT_WRITE | PROT_EXEC));
        const b = new JitCpu(makeMemory(code, PROT_READ | PROT_WRITE | PROT_EXEC), { threshold });
        for (const c of [a, b]) {
          initCpu(c, 7, RW + 0x800);
          c.r[0] = 0;
          c.r[6] = 1; // ebx
          c.r[14] = CODE + f + 2; // rdi → F's imm8
        }
        lockstep(a, b, budget, `budget ${budget} threshold ${threshold}`);
        // eax = 1 + (1 + 2 + … + 39): each call after the first adds the byte stored by the
        // previous iteration.
        expect(b.r[0]).toBe(1 + (39 * 40) / 2);
      }
    }
  });

  it('code written between runs (as a syscall would) or made non-executable drops the links', () => {
    // main: mov ecx, 30; L: call F; dec ecx; jnz L; syscall — F on the next page: add eax, 1; ret.
    const code = new Uint8Array(0x2000).fill(0x90);
    const f = 0x1200;
    code.set([0xb9, 30, 0, 0, 0, 0xe8, ...le32(f - 10), 0xff, 0xc9, 0x75, -9 & 0xff, 0x0f, 0x05], 0);
    code.set([0x83, 0xc0, 0x01, 0xc3], f);
    const mems = [makeMemory(code, PROT_READ | PROT_EXEC), makeMemory(code, PROT_READ | PROT_EXEC)];
    const a = interp(mems[0]!);
    const b = new JitCpu(mems[1]!, { threshold: 0 });
    const again = (what: string) => {
      for (const c of [a, b]) {
        c.r[0] = 0;
        c.r[1] = 0;
        c.rip = CODE;
        c.r[8] = RW + 0x800;
      }
      lockstep(a, b, 1e6, what);
    };
    for (const c of [a, b]) initCpu(c, 3);
    again('first');
    expect(b.r[0]).toBe(30);
    // 60 transitions between the two regions, nearly all through the chain.
    expect(b.jitEntries).toBeLessThan(8);
    // The kernel writes code (e.g. fd_read into it): F becomes add eax, 3.
    for (const m of mems) {
      m.protect(CODE + 0x1000, 0x1000, PROT_READ | PROT_WRITE);
      m.write8(CODE + f + 2, 3);
      m.protect(CODE + 0x1000, 0x1000, PROT_READ | PROT_EXEC);
    }
    again('rewritten');
    expect(b.r[0]).toBe(90);
    // A byte poked into read-only code (as the loader or a debugger would).
    for (const m of mems) m.poke(CODE + f + 2, Uint8Array.of(5));
    again('poked');
    expect(b.r[0]).toBe(150);
    // mem_protect: F's page loses execute permission; the call faults exactly like the interpreter.
    for (const m of mems) m.protect(CODE + 0x1000, 0x1000, PROT_READ);
    again('not executable');
    expect(b.rip).toBe(CODE + f);
    expect(b.r[0]).toBe(0);
  });

  it('two threads sharing a memory (and its region table) keep their own registers, XMM included', () => {
    const code = xmmCallLoop();
    for (const budget of [1e6, 1, 5, 9, 31]) {
      const ma = makeMemory(code);
      const mb = makeMemory(code);
      const as = [interp(ma), interp(ma)];
      const bs = [new JitCpu(mb, { threshold: 0 }), new JitCpu(mb, { threshold: 0 })];
      for (let t = 0; t < 2; t++) {
        initCpu(as[t]!, 10 + t, RW + 0x400 + 0x400 * t);
        initCpu(bs[t]!, 10 + t, RW + 0x400 + 0x400 * t);
      }
      const done = [false, false];
      for (let step = 0; step < 1e5 && !(done[0] && done[1]); step++) {
        const t = step & 1;
        if (done[t]) continue;
        const ra = as[t]!.run(budget);
        const rb = bs[t]!.run(budget);
        expect(rb, `budget ${budget} step ${step}`).toEqual(ra);
        expectSameState(bs[t]!, as[t]!, `budget ${budget} step ${step} thread ${t}`);
        if (ra.reason !== 'budget') done[t] = true;
      }
      expect(done).toEqual([true, true]);
      expect(bs[0]!.jitRetired + bs[1]!.jitRetired).toBeGreaterThan(budget === 1e6 ? 500 : 100);
    }
  });

  it('a region using XMM is entered through the chain only with the current XMM registers in the mirror', () => {
    // The two-thread program; between runs the XMM registers change (as a signal handler's
    // return would restore them), so the mirror's copy from the previous run is stale.
    const code = xmmCallLoop();
    for (const budget of [7, 20, 33]) {
      const a = interp(makeMemory(code));
      const b = new JitCpu(makeMemory(code), { threshold: 0 });
      initCpu(a, 21);
      initCpu(b, 21);
      for (let step = 0; step < 1000; step++) {
        const ra = a.run(budget);
        const rb = b.run(budget);
        expect(rb, `budget ${budget} step ${step}`).toEqual(ra);
        expectSameState(b, a, `budget ${budget} step ${step}`);
        if (ra.reason !== 'budget') break;
        for (const c of [a, b]) new Float64Array(c.b.buffer, XMM_OFFSET, 2)[0] = step * 1.5 - 3;
      }
      expect(b.jitRetired).toBeGreaterThan(200);
    }
  });
});

/** Table of the dispatch jumps (8 dwords) and of the dispatch calls (4 dwords) in the RW page. */
const JUMPS = RW + 0xc00;
const CALLS = RW + 0xc40;

/**
 * A bytecode-interpreter-like program: a main loop that dispatches through `jmp rbp` on a table
 * of 8 handlers (indexed by r12, which counts dispatches) and then through `call rbp` on a table
 * of 4 functions. Handlers run random code and jump back to the dispatch (a second bytecode) or
 * to the loop's end (handler 0 always, so every 8 dispatches retire an iteration); functions run
 * random code and return. Handlers and functions sit either densely on one page (the targets
 * then go through a br_table) or spread over four pages (compares; the region takes in blocks
 * of several pages). With `smc`, the loop's head stores bl at r13 and handler 2 (on the third
 * page) starts with `add eax, 1`, whose immediate r13 may point at.
 */
function randomDispatchProgram(
  seed: number,
  iterations = 20,
  smc = false,
): { code: Uint8Array; jumps: number[]; calls: number[]; spare: number; imm: number } {
  const next = rng(seed);
  const code = new Uint8Array(0x4000).fill(0x90);
  const spread = smc || (next() & 1) === 1;
  const free = [0x400, next() & 0x3f0, next() & 0x3f0, next() & 0x3f0];
  const slot = (page = spread ? next() & 3 : 1) => {
    const at = 0x1000 * page + free[page]!;
    free[page]! += 0x40;
    return at;
  };
  const ops = (out: number[], n: number) => {
    for (let k = 0; k < n; k++) out.push(...randomOp(next));
  };
  const main: number[] = [0xb9, ...le32(iterations)];
  const loop = main.length;
  if (smc) main.push(0x41, 0x88, 0x5d, 0x00); // mov [r13], bl
  ops(main, next() % 3);
  const disp = main.length;
  // inc r12; mov eax, r12d; and eax, 7; mov ebp, [rax*4 + JUMPS]; jmp rbp
  main.push(
    0x49,
    0xff,
    0xc4,
    0x44,
    0x89,
    0xe0,
    0x83,
    0xe0,
    0x07,
    0x8b,
    0x2c,
    0x85,
    ...le32(JUMPS),
    0xff,
    0xe5,
  );
  const end = main.length;
  // mov eax, r12d; and eax, 3; mov ebp, [rax*4 + CALLS]; call rbp; dec ecx; jnz L; syscall
  main.push(0x44, 0x89, 0xe0, 0x83, 0xe0, 0x03, 0x8b, 0x2c, 0x85, ...le32(CALLS), 0xff, 0xd5);
  ops(main, next() % 2);
  main.push(0xff, 0xc9); // dec ecx
  main.push(0x0f, 0x85, ...le32(loop - (main.length + 6)), 0x0f, 0x05); // jnz L; syscall
  code.set(main, 0);
  let imm = 0;
  const handler = (k: number) => {
    const at = smc && k === 2 ? slot(2) : slot();
    const out: number[] = [];
    if (smc && k === 2) {
      out.push(0x83, 0xc0, 0x01); // add eax, 1
      imm = CODE + at + 2;
    }
    ops(out, next() % 5);
    const to = k === 0 || next() % 3 === 0 ? end : disp;
    out.push(0xe9, ...le32(to - (at + out.length + 5)));
    code.set(out, at);
    return CODE + at;
  };
  const func = () => {
    const at = slot();
    const out: number[] = [];
    ops(out, next() % 5);
    out.push(0xc3);
    code.set(out, at);
    return CODE + at;
  };
  // Distinct handlers (some used twice), functions, and one handler no table names yet.
  const hs = Array.from({ length: 6 }, (_, k) => handler(k));
  const jumps = Array.from({ length: 8 }, (_, k) => (k < 6 ? hs[k]! : hs[1 + (next() % 5)]!));
  const calls = Array.from({ length: 4 }, () => func());
  const spare = handler(7);
  return { code, jumps, calls, spare, imm };
}

/** Writes the dispatch tables into the RW page of `m`. */
function setTables(m: GuestMemory, jumps: number[], calls: number[]): void {
  for (let k = 0; k < jumps.length; k++) m.write32(JUMPS + 4 * k, jumps[k]!);
  for (let k = 0; k < calls.length; k++) m.write32(CALLS + 4 * k, calls[k]!);
}

/** The mirror word counting indirect exits to targets outside their region (chain.ts). */
const outsideExits = (c: JitCpu) => new Uint32Array(c.memory.u8.buffer, IND_SAMPLE_WORD * 4, 1)[0]!;

describe('indirect branches inside regions', () => {
  it('random dispatch loops through jump and call tables: identical state at every budget split', () => {
    for (let seed = 1; seed <= 16; seed++) {
      const p = randomDispatchProgram(seed);
      for (const threshold of [0, 3, 40]) {
        for (const budget of [1e6, 1, 5, 13, 29]) {
          const a = interp(makeMemory(p.code));
          const b = new JitCpu(makeMemory(p.code), { threshold });
          for (const c of [a, b]) {
            setTables(c.memory, p.jumps, p.calls);
            initCpu(c, seed);
          }
          const what = `seed ${seed} threshold ${threshold} budget ${budget}`;
          expect(lockstep(a, b, budget, what)).toBe('syscall');
          // A handler the tables did not name: the next run reaches it through the same branch.
          for (const c of [a, b]) {
            c.memory.write32(JUMPS + 4 * (seed & 7), p.spare);
            c.r[2] = 9; // ecx
            c.r[3] = 0;
            c.rip = CODE;
          }
          expect(lockstep(a, b, budget, `${what} (new target)`)).toBe('syscall');
          expect(b.instructionCount).toBe(a.instructionCount);
          expect(
            Buffer.from(b.memory.readBytes(RW, 4096)).equals(Buffer.from(a.memory.readBytes(RW, 4096))),
          ).toBe(true);
        }
      }
    }
  });

  it('the dispatch stays inside one region, and takes in a target that turns hot later', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const p = randomDispatchProgram(seed, 400);
      const a = interp(makeMemory(p.code));
      const b = new JitCpu(makeMemory(p.code), { threshold: 3 });
      for (const c of [a, b]) {
        setTables(c.memory, p.jumps, p.calls);
        initCpu(c, seed);
      }
      expect(lockstep(a, b, 1e6, `seed ${seed}`)).toBe('syscall');
      // About 400 * 8 jumps and 400 calls through the tables: nearly all continue inside the
      // region that holds the dispatch (an exit to a target outside it counts in the mirror).
      const first = outsideExits(b);
      expect(first, `seed ${seed}`).toBeLessThan(40);
      for (const c of [a, b]) {
        c.memory.write32(JUMPS + 4 * 3, p.spare);
        c.r[2] = 400;
        c.r[3] = 0;
        c.rip = CODE;
      }
      expect(lockstep(a, b, 1e6, `seed ${seed} (new target)`)).toBe('syscall');
      // The new handler leaves the region until JitCpu saw it often enough (each exit that
      // returns to JavaScript, or every 64th); then the region is translated again with it inside.
      expect(outsideExits(b) - first, `seed ${seed}`).toBeLessThan(120);
      expect(b.jitRetired / b.instructionCount).toBeGreaterThan(0.9);
    }
  });

  it('code written into an indirect target on another page drops the regions holding it', () => {
    // Every iteration the loop's head stores bl (which the handlers change) over the immediate
    // of handler 2's first instruction (add eax, 1), on the third page; the store runs in the
    // interpreter (the page holds code) while regions holding handler 2 are linked.
    for (let seed = 1; seed <= 10; seed++) {
      const p = randomDispatchProgram(seed, 60, true);
      for (const threshold of [0, 3]) {
        for (const budget of [1e6, 7]) {
          const a = interp(makeMemory(p.code, PROT_READ | PROT_WRITE | PROT_EXEC));
          const b = new JitCpu(makeMemory(p.code, PROT_READ | PROT_WRITE | PROT_EXEC), { threshold });
          for (const c of [a, b]) {
            setTables(c.memory, p.jumps, p.calls);
            initCpu(c, seed);
            c.r[26] = p.imm; // r13
            c.r[27] = 0;
          }
          const why = lockstep(a, b, budget, `seed ${seed} threshold ${threshold} budget ${budget}`);
          expect(why).toBe('syscall');
          expect(b.jitRetired).toBeGreaterThan(0);
        }
      }
    }
  });

  it('a page of indirect targets made non-executable between runs faults like the interpreter', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const p = randomDispatchProgram(seed, 40, true);
      const a = interp(makeMemory(p.code));
      const b = new JitCpu(makeMemory(p.code), { threshold: 2 });
      for (const c of [a, b]) {
        setTables(c.memory, p.jumps, p.calls);
        initCpu(c, seed);
        c.r[26] = RW + 0x200; // r13: the loop's store goes to data
        c.r[27] = 0;
      }
      expect(lockstep(a, b, 1e6, `seed ${seed}`)).toBe('syscall');
      for (const c of [a, b]) {
        c.memory.protect(CODE + 0x2000, 0x1000, PROT_READ);
        c.r[2] = 40;
        c.r[3] = 0;
        c.rip = CODE;
      }
      expect(lockstep(a, b, 1e6, `seed ${seed} (not executable)`)).toBe('fault');
      expect(Math.floor(b.rip / 4096)).toBe((CODE + 0x2000) / 4096);
    }
  });
});
