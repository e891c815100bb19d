import { describe, expect, it } from 'vitest';
import { rcp32, rsqrt32 } from './approx.js';
import { hostApprox } from './approx-probe.js';

const FN = { rcp: rcp32, rsqrt: rsqrt32 } as const;

/** Indices where x86-core differs from the host for inputs start + k·stride (first few, as text). */
function differences(op: 'rcp' | 'rsqrt', start: number, count: number, stride: number, mxcsr?: number) {
  const host = hostApprox(op, start, count, stride, mxcsr);
  const f = FN[op];
  const bad: string[] = [];
  let n = 0;
  for (let k = 0; k < count; k++) {
    const x = (start + k * stride) >>> 0;
    const ours = f(x) >>> 0;
    if (ours !== host[k]) {
      n++;
      if (bad.length < 8)
        bad.push(
          `${op}(0x${x.toString(16)}): host 0x${host[k]!.toString(16)} x86-core 0x${ours.toString(16)}`,
        );
    }
  }
  return n === 0 ? [] : [`${n} differences`, ...bad];
}

describe('rcpps/rsqrtps reproduce the host CPU bit for bit', () => {
  for (const op of ['rcp', 'rsqrt'] as const) {
    it(`${op}: every significand, both exponent parities`, () => {
      // [1, 2) and [2, 4): the result depends on the fraction and (for rsqrt) the exponent's parity.
      expect(differences(op, 127 << 23, 1 << 24, 1)).toEqual([]);
    });
    it(`${op}: every exponent and sign (zeros, denormals, infinities, NaNs, underflow)`, () => {
      // 8192 inputs per exponent and sign: stride 2^10 + 1 walks every fraction bit.
      expect(differences(op, 0, 1 << 22, 1025)).toEqual([]);
      expect(differences(op, 0x7f7ff000, 1 << 16, 1)).toEqual([]);
      expect(differences(op, 0xff800000, 1 << 16, 1)).toEqual([]);
    });
    it(`${op}: MXCSR (rounding, DAZ, FTZ, masks) changes nothing`, () => {
      for (const mxcsr of [0xffc0, 0x7f80, 0x0000, 0xbf80])
        expect(differences(op, 12345, 1 << 18, 16411, mxcsr)).toEqual([]);
    });
  }

  it('stays within the architectural error bound (1.5 · 2^-12 relative) where the result is normal', () => {
    const f32 = new Float32Array(2);
    const u32 = new Uint32Array(f32.buffer);
    let worst = 0;
    for (let x = 0x00800000; x < 0x7e800000; x += 4093) {
      u32[0] = x;
      const v = f32[0]!;
      u32[1] = rcp32(x);
      worst = Math.max(worst, Math.abs(f32[1]! * v - 1));
      u32[1] = rsqrt32(x);
      worst = Math.max(worst, Math.abs(f32[1]! * Math.sqrt(v) - 1));
    }
    expect(worst).toBeLessThanOrEqual(1.5 * 2 ** -12);
  });
});
