/**
 * Test support: operand and control-word generators for the native x87 comparisons (edge values
 * of every class, rounding ties at each precision, random values), driven by a seeded PRNG so
 * failures reproduce.
 */
import { type F80, MEM, type ProbeCase } from './probe.js';

/** A small deterministic PRNG (xorshift32). */
export class Rng {
  constructor(private s: number) {}

  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }

  int(n: number): number {
    return this.next() % n;
  }

  u64(): bigint {
    return (BigInt(this.next()) << 32n) | BigInt(this.next());
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

const I = 1n << 63n;
const M = (1n << 64n) - 1n;

/** Edge values of every class the x87 distinguishes. */
export const EDGES: F80[] = [
  { sign: 0, exp: 0, sig: 0n },
  { sign: 1, exp: 0, sig: 0n },
  { sign: 0, exp: 0x3fff, sig: I },
  { sign: 1, exp: 0x3fff, sig: I },
  { sign: 0, exp: 0x7fff, sig: I },
  { sign: 1, exp: 0x7fff, sig: I },
  { sign: 0, exp: 0x7ffe, sig: M },
  { sign: 1, exp: 0x7ffe, sig: M },
  { sign: 0, exp: 1, sig: I },
  { sign: 1, exp: 1, sig: I },
  { sign: 0, exp: 0, sig: 1n },
  { sign: 1, exp: 0, sig: I - 1n },
  { sign: 0, exp: 0, sig: 0x123456789abcn },
  // pseudo-denormals
  { sign: 0, exp: 0, sig: I | 5n },
  { sign: 1, exp: 0, sig: I },
  // NaNs: quiet and signalling with payloads, the indefinite
  { sign: 0, exp: 0x7fff, sig: 0xc000000000000001n },
  { sign: 1, exp: 0x7fff, sig: 0xc000000000000000n },
  { sign: 0, exp: 0x7fff, sig: 0x8000000000000001n },
  { sign: 1, exp: 0x7fff, sig: 0xa000000000000000n },
  { sign: 0, exp: 0x7fff, sig: 0xffffffffffffffffn },
  // unsupported: unnormal, pseudo-infinity, pseudo-NaN
  { sign: 0, exp: 0x3fff, sig: 0x4000000000000000n },
  { sign: 0, exp: 0x7fff, sig: 0n },
  { sign: 1, exp: 0x7fff, sig: 0x4000000000000001n },
  // integers, halves, values near integer limits
  { sign: 0, exp: 0x3ffe, sig: I },
  { sign: 1, exp: 0x3ffe, sig: I | (I >> 1n) },
  { sign: 0, exp: 0x3fff + 15, sig: 0xffff000000000000n },
  { sign: 1, exp: 0x3fff + 15, sig: I },
  { sign: 0, exp: 0x3fff + 31, sig: 0xffffffff00000000n },
  { sign: 1, exp: 0x3fff + 63, sig: I },
  { sign: 0, exp: 0x3fff + 63, sig: M },
  { sign: 0, exp: 0x3fff + 14, sig: 0xfffe800000000000n },
];

/** A normal value with exponent near 1.0 and random significand. */
export function randomNear(r: Rng, spread = 40): F80 {
  return { sign: r.int(2), exp: 0x3fff + r.int(2 * spread + 1) - spread, sig: r.u64() | I };
}

/** A significand whose low bits sit on or next to a rounding boundary for one of the precisions. */
function tieSig(r: Rng): bigint {
  const drop = r.pick([11, 40, 1, 2]);
  const hi = r.u64() | I;
  const base = (hi >> BigInt(drop)) << BigInt(drop);
  const half = 1n << BigInt(drop - 1);
  return base | r.pick([half, half - 1n, half + 1n, 0n, (1n << BigInt(drop)) - 1n]);
}

/** Any operand: edges, values near 1, full-range values, rounding ties, denormals. */
export function randomF80(r: Rng): F80 {
  switch (r.int(10)) {
    case 0:
    case 1:
      return r.pick(EDGES);
    case 2:
    case 3:
    case 4:
      return randomNear(r);
    case 5:
      return { sign: r.int(2), exp: 1 + r.int(0x7ffe), sig: r.u64() | I };
    case 6:
    case 7:
      return { sign: r.int(2), exp: 0x3fff + r.int(5) - 2, sig: tieSig(r) };
    case 8:
      return {
        sign: r.int(2),
        exp: r.pick([0, 1, 2, 0x7ffd, 0x7ffe, 64, 0x3fff - 16383 + 60]),
        sig: r.u64() | (r.int(2) ? I : 0n),
      };
    default:
      return { sign: r.int(2), exp: r.pick([0, 0x7fff]), sig: r.u64() };
  }
}

/** A control word: random PC and RC; exceptions masked unless `unmasked` allows some open. */
export function randomCw(r: Rng, unmasked = false): number {
  const masks = unmasked && r.int(4) === 0 ? r.int(64) : 0x3f;
  return 0x40 | masks | (r.int(4) << 8) | (r.int(4) << 10);
}

export function emptyMem(): Uint8Array {
  return new Uint8Array(MEM);
}

/** Builds a case with two stack values. */
export function makeCase(
  r: Rng,
  code: number[],
  opts: { n?: number; mem?: Uint8Array; unmasked?: boolean } = {},
): ProbeCase {
  const n = opts.n ?? (r.int(20) === 0 ? r.pick([0, 1, 8]) : 2);
  return {
    cw: randomCw(r, opts.unmasked ?? true),
    n,
    a: randomF80(r),
    b: randomF80(r),
    mem: opts.mem ?? emptyMem(),
    code,
  };
}
