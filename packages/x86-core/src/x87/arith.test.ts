import { describe, expect, it } from 'vitest';
import { makeCase, Rng } from './cases.js';
import { diff, type F80, type ProbeCase, runEmulated, runNative } from './probe.js';

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

  it('tininess is detected after rounding: results that round up to the smallest normal (fmul, fdiv, fst m32/m64)', () => {
    const I = 1n << 63n;
    const M = (1n << 64n) - 1n;
    const minNormal: F80 = { sign: 0, exp: 1, sig: I };
    const cases: ProbeCase[] = [];
    const factors: F80[] = [M, M - 1n, M - 0x7ffn, M - 0x3ffn].map((sig) => ({ sign: 0, exp: 0x3ffe, sig }));
    const divisors: F80[] = [1n, 0x400n, 0x800n, 1n << 40n].map((low) => ({
      sign: 0,
      exp: 0x3fff,
      sig: I | low,
    }));
    for (const pc of [0, 2, 3]) {
      for (const rc of [0, 1, 2, 3]) {
        for (const masks of [0x3f, 0x2f]) {
          const cw = 0x40 | masks | (pc << 8) | (rc << 10);
          for (const b of factors)
            cases.push({ cw, n: 2, a: minNormal, b, mem: new Uint8Array(112), code: [0xd8, 0xc9] });
          for (const b of divisors)
            cases.push({ cw, n: 2, a: minNormal, b, mem: new Uint8Array(112), code: [0xd8, 0xf1] });
          // Stores: values just below the binary64/binary32 smallest normals (and one step further down).
          for (const [code, exp] of [
            [[0xdd, 0x17], 0x3fff - 1023],
            [[0xdd, 0x17], 0x3fff - 1024],
            [[0xd9, 0x17], 0x3fff - 127],
            [[0xd9, 0x17], 0x3fff - 128],
          ] as const) {
            for (const sig of [M, M - 0x3ffn, M - 0x400n, (M >> 40n) << 40n]) {
              cases.push({
                cw,
                n: 2,
                a: { sign: rc & 1, exp, sig },
                b: minNormal,
                mem: new Uint8Array(112),
                code: [...code],
              });
            }
          }
        }
      }
    }
    expect(compareAll(cases, { flags: false, memBytes: 16 }).slice(0, 8)).toEqual([]);
  }, 120_000);
});
