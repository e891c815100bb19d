/**
 * PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM on string-like operands (needles, character ranges,
 * terminators, word and byte formats) under every imm8 control byte, compared with the host CPU
 * through the native differential harness. Random register contents rarely produce matches, so
 * this complements the generated differential suite.
 */
import { describe, expect, it } from 'vitest';
import { compareResults, type DiffCase } from '../../test/differential/compare.js';
import { EmulatorRunner } from '../../test/differential/emulator.js';
import { defaultFx, FX, runNative } from '../../test/native/harness.js';
import { Cpu } from '../cpu.js';

const NEEDLES = ['abc', 'az09', 'AZaz', 'l', 'world', '', 'hello world, abc!', 'oo', '\x7f\x80', 'a\0b'];
const TEXTS = [
  'hello world abc',
  'xyzabcabcxyzABC0',
  'ZZZ',
  '',
  'aaaaaaaaaaaaaaaa',
  'oooooo',
  '\xff\x80\x7f01',
  'ab',
];

function fill(fx: Uint8Array, reg: number, text: string, words: boolean): void {
  const o = FX.XMM + 16 * reg;
  for (let k = 0; k < 16; k++) fx[o + k] = 0x5a; // garbage after the terminator
  const n = words ? 8 : 16;
  for (let k = 0; k < Math.min(n, text.length + 1); k++) {
    const c = k < text.length ? text.charCodeAt(k) : 0;
    if (words) {
      fx[o + 2 * k] = c;
      fx[o + 2 * k + 1] = c >= 0x80 ? 0xff : 0;
    } else fx[o + k] = c;
  }
}

function cases(): DiffCase[] {
  const out: DiffCase[] = [];
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  for (const opcode of [0x60, 0x61, 0x62, 0x63])
    for (let imm = 0; imm < 128; imm++) {
      const words = (imm & 1) !== 0;
      for (let v = 0; v < 6; v++) {
        const fx = defaultFx();
        const needle = NEEDLES[rnd(NEEDLES.length)]!;
        const text = TEXTS[rnd(TEXTS.length)]!;
        fill(fx, 1, needle, words);
        fill(fx, 2, text, words);
        const gpr = new Array<bigint>(16).fill(0n);
        const wide = v === 5;
        const len = (s: string) => BigInt(rnd(4) === 0 ? rnd(40) - 20 : Math.min(s.length, words ? 8 : 16));
        gpr[0] = wide ? -len(needle) & 0xffffffffffffffffn : len(needle) & 0xffffffffn;
        gpr[2] = len(text) & 0xffffffffn;
        gpr[4] = 0x2000c0n;
        const code = wide
          ? [0x66, 0x48, 0x0f, 0x3a, opcode, 0xca, imm]
          : [0x66, 0x0f, 0x3a, opcode, 0xca, imm];
        out.push({
          code: Uint8Array.from(code),
          data: new Uint8Array(16),
          gpr,
          rflags: 0x202,
          fx,
          name: `op ${opcode.toString(16)} imm ${imm.toString(16)}`,
          undefinedFlags: 0,
          undefinedFsw: 0,
        });
      }
    }
  return out;
}

describe('SSE4.2 string compares', () => {
  it('match the host CPU on string-like operands for every control byte', async () => {
    const all = cases();
    const native = await runNative(all);
    const runner = new EmulatorRunner((m) => new Cpu(m));
    const bad: string[] = [];
    all.forEach((tc, k) => {
      const diffs = compareResults(tc, native[k]!, runner.run(tc));
      if (diffs.length > 0 && bad.length < 10) bad.push(`${tc.name}: ${JSON.stringify(diffs)}`);
    });
    expect(bad).toEqual([]);
    expect(all.length).toBe(3072);
  }, 120_000);
});
