import { describe, expect, it } from 'vitest';
import type { Reg } from './api.js';
import { Cpu } from './cpu.js';
import { GuestMemory, PROT_EXEC, PROT_READ, PROT_WRITE } from './memory.js';

/** A small deterministic PRNG (xorshift32) so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

describe('robustness: arbitrary bytes never escape as host exceptions', () => {
  it('runs 20,000 random instruction streams to a RunResult', () => {
    const mem = new GuestMemory({ maxBytes: 1 << 24 });
    const code = 0x10000;
    mem.map(code, 0x2000, PROT_READ | PROT_EXEC);
    mem.map(0x100000, 0x10000, PROT_READ | PROT_WRITE);
    const cpu = new Cpu(mem);
    const next = rng(0xc0ffee);
    const bytes = new Uint8Array(64);
    const reasons = new Map<string, number>();
    for (let n = 0; n < 20_000; n++) {
      for (let k = 0; k < bytes.length; k++) bytes[k] = next() & 0xff;
      mem.poke(code, bytes);
      cpu.reset();
      for (let g = 0; g < 16; g++) {
        // Registers point into the data area half of the time, elsewhere otherwise.
        const v = next() & 1 ? 0x100000 + (next() & 0xfff0) : next() * 0x10000 + next();
        cpu.setRegNumber(g as Reg, v);
      }
      cpu.rip = code;
      const res = cpu.run(32);
      reasons.set(res.reason, (reasons.get(res.reason) ?? 0) + 1);
      if (res.reason === 'fault') {
        // Branches below address 0 land in the upper canonical half, reported as a negative rip.
        expect(Number.isFinite(res.fault?.rip)).toBe(true);
        expect(res.fault?.rip).toBe(cpu.rip);
      }
    }
    expect((reasons.get('fault') ?? 0) + (reasons.get('budget') ?? 0) + (reasons.get('syscall') ?? 0)).toBe(
      20_000,
    );
  });
});
