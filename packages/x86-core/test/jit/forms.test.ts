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
import { emitInsn } from '../../src/jit/insns.js';
import { JitCpu } from '../../src/jit/jit-cpu.js';
import { jitStats } from '../../src/jit/translate.js';
import type { GuestMemory } from '../../src/memory.js';
import { CODE, expectSameState, type Gen, program, randomForm, randomSseForm, setup } from './forms-gen.js';

const interp = (m: GuestMemory) => new Cpu(m);
const forced = (m: GuestMemory) => new JitCpu(m, { threshold: 0 });

/** Runs `seeds` programs on both tiers at budget splits of 1e6, 7 (and 1); returns statistics. */
function compareAll(gen: (next: Gen) => number[], seeds: number, base: number) {
  let faults = 0;
  let retired = 0;
  let executedAll = 0;
  for (let seed = base; seed < base + seeds; seed++) {
    const code = program(seed, gen);
    const a = setup(code, interp, seed);
    const ra = a.run(1e6);
    if (ra.reason === 'fault') faults++;
    // Budget 1 makes every instruction a region entry (a compilation each): a quarter of the seeds.
    for (const step of seed % 4 === 0 ? [1e6, 7, 1] : [1e6, 7]) {
      const b = setup(code, forced, seed);
      let executed = 0;
      let rb = b.run(Math.min(step, 1e6));
      executed += rb.executed;
      while (
        rb.reason === 'budget' &&
        (executed < ra.executed || (ra.reason !== 'budget' && executed === ra.executed))
      ) {
        rb = b.run(Math.max(1, Math.min(step, ra.executed - executed)));
        executed += rb.executed;
      }
      const what = `seed ${seed} step ${step}`;
      expect(rb.reason, what).toBe(ra.reason);
      expect(rb.fault?.kind, what).toBe(ra.fault?.kind);
      expect(executed, what).toBe(ra.executed);
      expect(b.rip, what).toBe(a.rip);
      expectSameState(b, a, what);
      if (step === 1e6) {
        retired += (b as JitCpu).jitRetired;
        executedAll += executed;
      }
    }
  }
  return { faults, share: retired / executedAll };
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
      const branch = i.map === 0 && i.opcode >= 0x70 && i.opcode <= 0x7f;
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
    const { faults, share } = compareAll(randomForm, 200, 1);
    expect(jitStats.instructions - before).toBeGreaterThan(5000);
    // Faulting divisions and loads across the page end are part of the mix.
    expect(faults).toBeGreaterThan(20);
    expect(share).toBeGreaterThan(0.6);
  });

  it('SSE forms (movss, movd/movq, conversions, scalar single, SSE2 integer)', () => {
    const before = jitStats.instructions;
    const { share } = compareAll(randomSseForm, 200, 1);
    expect(jitStats.instructions - before).toBeGreaterThan(5000);
    expect(share).toBeGreaterThan(0.6);
  });

  it('translates every generated form', () => {
    expect(declined(randomForm, 200, 1)).toEqual([]);
    expect(declined(randomSseForm, 200, 1)).toEqual([]);
  });
});
