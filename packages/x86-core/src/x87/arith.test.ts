import { describe, expect, it } from 'vitest';
import { makeCase, Rng } from './cases.js';
import { diff, type ProbeCase, runEmulated, runNative } from './probe.js';

/** Runs the cases natively in one batch and in the emulator; returns the mismatches. */
function compareAll(cases: ProbeCase[], opts = { flags: false, memBytes: 0 }): string[] {
  const hw = runNative(cases);
  expect(hw.length).toBe(cases.length);
  const bad: string[] = [];
  cases.forEach((c, i) => {
    const d = diff(c, hw[i]!, runEmulated(c), opts);
    if (d) bad.push(d);
  });
  return bad;
}

describe('x87 arithmetic against the host CPU', () => {
  it('register forms D8/DC/DE (add, mul, sub, subr, div, divr, popping)', () => {
    const r = new Rng(12345);
    const cases: ProbeCase[] = [];
    for (let k = 0; k < 6000; k++) {
      const esc = r.pick([0xd8, 0xdc, 0xde]);
      const reg = r.pick([0, 1, 4, 5, 6, 7]);
      const i = r.int(8) === 0 ? 0 : 1;
      cases.push(makeCase(r, [esc, 0xc0 | (reg << 3) | i]));
    }
    const bad = compareAll(cases);
    expect(bad.slice(0, 20)).toEqual([]);
  }, 120_000);
});
