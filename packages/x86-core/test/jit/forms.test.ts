/**
 * The instruction forms of insns-ext.ts and ext-sse.ts against the interpreter: random programs
 * built mostly from those forms (with flag consumers after them), run by the interpreter and by
 * JitCpu forced to translate every block, compared — register file, RFLAGS, XMM, MXCSR, rip,
 * retired count and written memory — after every budget split; and a check that every
 * generated form is actually translated (a form the translator declined silently would make
 * the comparison vacuous).
 */
import { describe, expect, it } from 'vitest';
import { Cpu } from '../../src/cpu.js';
import { Emitter } from '../../src/jit/emitter.js';
import { branchKind, emitInsn } from '../../src/jit/insns.js';
import { JitCpu } from '../../src/jit/jit-cpu.js';
import { jitStats } from '../../src/jit/translate.js';
import type { GuestMemory } from '../../src/memory.js';
import { MXCSR_I32, XMM_OFFSET } from '../../src/state.js';
import {
  CODE,
  compareTiers,
  expectSameState,
  type Gen,
  program,
  randomForm,
  randomSseForm,
  setup,
} from './forms-gen.js';

const interp = (m: GuestMemory) => new Cpu(m);
const forced = (m: GuestMemory) => new JitCpu(m, { threshold: 0 });

/** Runs `seeds` programs on both tiers at budget splits of 1e6, 7 (and 1); returns statistics. */
function compareAll(gen: (next: Gen) => number[], seeds: number, base: number) {
  // Budget 1 makes every instruction a region entry (a compilation each): a quarter of the seeds.
  return compareTiers(
    base,
    seeds,
    (seed, make) => setup(program(seed, gen), make, seed),
    (seed) => (seed % 4 === 0 ? [1e6, 7, 1] : [1e6, 7]),
  );
}

/** The generated instructions the translator declines (decoded from the programs). */
function declined(gen: (next: Gen) => number[], seeds: number, base: number): string[] {
  const out = new Set<string>();
  for (let seed = base; seed < base + seeds; seed++) {
    const code = program(seed, gen);
    const cpu = setup(code, interp, seed);
    let addr = CODE + 5;
    const end = CODE + code.length - 8;
    while (addr < end) {
      const i = cpu.cache.get(addr);
      const branch = branchKind(i) !== null;
      // A lea of a negative absolute address stays with the interpreter (insns-ext.ts).
      const negLea = i.row?.mnemonic === 'lea' && i.disp < 0;
      if (!branch && !negLea && !emitInsn(new Emitter(), i)) out.add(`${i.row?.mnemonic ?? 'ud'} @${seed}`);
      addr = i.next;
    }
  }
  return [...out];
}

describe('JIT: further instruction forms against the interpreter', () => {
  it('integer forms (lea rip, xchg, mov r8, div/idiv, bit scans, 16-bit, adc/sbb, cmpxchg/xadd)', () => {
    const before = jitStats.instructions;
    const { faults, share } = compareAll(randomForm, 300, 1);
    expect(jitStats.instructions - before).toBeGreaterThan(5000);
    // Faulting divisions and loads across the page end are part of the mix.
    expect(faults).toBeGreaterThan(20);
    expect(share).toBeGreaterThan(0.6);
  });

  it('SSE forms (movss, movd/movq, conversions, scalar single, SSE2 integer)', () => {
    const before = jitStats.instructions;
    const { share } = compareAll(randomSseForm, 300, 1);
    expect(jitStats.instructions - before).toBeGreaterThan(5000);
    expect(share).toBeGreaterThan(0.6);
  });

  it('conversions and scalar single arithmetic at edge values, under every MXCSR mode', () => {
    const f32 = (v: number) => new Uint32Array(Float32Array.of(v).buffer)[0]!;
    const f64 = (v: number) => [...new Uint32Array(Float64Array.of(v).buffer)];
    const doubles = [
      0,
      -0,
      1.5,
      -2.5,
      2 ** 31 - 0.5,
      2 ** 31,
      -(2 ** 31) - 0.5,
      -(2 ** 31) - 1,
      2 ** 63,
      -(2 ** 63),
    ]
      .concat([1e-40, 2 ** -126, 2 ** -127, 3.4028234663852886e38, 3.5e38, 1 + 2 ** -30, 1e-310, Number.NaN])
      .concat([Number.POSITIVE_INFINITY, 123456789.123, -3e9]);
    const floats = [
      0,
      -0,
      1,
      -1.5,
      3,
      2 ** -126,
      2 ** -127,
      1e-30,
      1e30,
      2 ** 100,
      2 ** -96,
      0.1,
      Number.NaN,
    ].concat([Number.NEGATIVE_INFINITY, 16777217, -(2 ** 31)]);
    const ints = [0, 1, -1, 2 ** 24, 2 ** 24 + 1, -(2 ** 24) - 1, 2 ** 31 - 1, -(2 ** 31)];
    const longs: [number, number][] = [
      [0, 0],
      [-1, -1],
      [1, 0x200000],
      [1, 0x1fffff],
      [0, 0x80000000 | 0],
      [-1, 0x7fffffff],
    ];
    const modes = [0x1f80, 0x1fa0, 0x3fa0, 0x5fa0, 0x9fe0, 0x0fa0, 0x1da0];
    // cvtsd2ss, cvtss2sd, cvttsd2si eax/rax, cvttss2si eax/rax, cvttpd2dq (xmm1 → xmm0 / rax), then the
    // scalar single arithmetic xmm0 op= xmm1, and cvtsi2sd/ss xmm0 from eax/rax.
    const fromX = [
      [0xf2, 0x0f, 0x5a, 0xc1],
      [0xf3, 0x0f, 0x5a, 0xc1],
      [0xf2, 0x0f, 0x2c, 0xc1],
      [0xf2, 0x48, 0x0f, 0x2c, 0xc1],
      [0xf3, 0x0f, 0x2c, 0xc1],
      [0xf3, 0x48, 0x0f, 0x2c, 0xc1],
      [0x66, 0x0f, 0xe6, 0xc1],
    ];
    const arith = [0x58, 0x59, 0x5c, 0x5e, 0x51].map((op) => [0xf3, 0x0f, op, 0xc1]);
    const fromG = [
      [0xf2, 0x0f, 0x2a, 0xc0],
      [0xf3, 0x0f, 0x2a, 0xc0],
      [0xf2, 0x48, 0x0f, 0x2a, 0xc0],
      [0xf3, 0x48, 0x0f, 0x2a, 0xc0],
    ];
    let n = 0;
    // One machine per tier and instruction (its translation is reused), reset before each run.
    const machines = new Map<string, [Cpu, Cpu]>();
    const check = (insn: number[], init: (c: Cpu) => void) => {
      const key = Buffer.from(insn).toString('hex');
      let pair = machines.get(key);
      if (pair === undefined) {
        const code = Uint8Array.from([...insn, 0x0f, 0x05]);
        pair = [setup(code, interp, 1), setup(code, forced, 1)];
        machines.set(key, pair);
      }
      for (const mode of modes) {
        const results = pair.map((c) => {
          c.rip = CODE;
          c.u32[MXCSR_I32] = mode;
          init(c);
          return c.run(10);
        });
        const what = `${key} mxcsr ${mode.toString(16)}`;
        expect(results[1], what).toEqual(results[0]);
        expectSameState(pair[1], pair[0], what);
        n++;
      }
    };
    const x = (c: Cpu, reg: number, lo: number, hi: number) => {
      c.u32[XMM_OFFSET / 4 + reg * 4] = lo;
      c.u32[XMM_OFFSET / 4 + reg * 4 + 1] = hi;
    };
    for (const insn of fromX) {
      const single = insn[0] === 0xf3;
      for (const v of single ? floats : doubles) {
        const [lo, hi] = single ? [f32(v), 0x12345678] : f64(v);
        check(insn, (c) => {
          x(c, 1, lo!, hi!);
          // cvttpd2dq converts the high lane too: the same value, or a harmless one.
          if (insn[2] === 0xe6) {
            c.u32[XMM_OFFSET / 4 + 6] = v === -3e9 ? 0 : lo!;
            c.u32[XMM_OFFSET / 4 + 7] = v === -3e9 ? 0 : hi!;
          }
        });
      }
    }
    for (const insn of arith) {
      for (const a of floats)
        for (const b of floats)
          check(insn, (c) => {
            x(c, 0, f32(a), 7);
            x(c, 1, f32(b), 9);
          });
    }
    for (const insn of fromG) {
      const wide = insn[1] === 0x48;
      for (const [lo, hi] of wide ? longs : ints.map((v) => [v, 0x5555] as [number, number]))
        check(insn, (c) => {
          c.r[0] = lo;
          c.r[1] = hi;
        });
    }
    expect(n).toBeGreaterThan(2000);
  });

  it('translates every generated form', () => {
    expect(declined(randomForm, 200, 1)).toEqual([]);
    expect(declined(randomSseForm, 200, 1)).toEqual([]);
  });
});
