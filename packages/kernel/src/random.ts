/**
 * Randomness for random_get, the initial stack's canary and pid, and randomized scheduling:
 * the host's cryptographic generator, or a seeded generator (xoshiro128**) for reproducible runs.
 */

/** Fills a buffer with random bytes. */
export type RandomSource = (buf: Uint8Array) => void;

/** The host's cryptographically secure generator. */
export function cryptoRandom(): RandomSource {
  return (buf) => {
    for (let i = 0; i < buf.length; i += 65536) {
      globalThis.crypto.getRandomValues(buf.subarray(i, Math.min(buf.length, i + 65536)));
    }
  };
}

/** A deterministic generator of 32-bit values from a seed (xoshiro128**, seeded by splitmix32). */
export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  constructor(seed: number) {
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }
  /** The next 32-bit unsigned value. */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }
  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.next() / 0x100000000) * n);
  }
  /** Fills a buffer. */
  fill(buf: Uint8Array): void {
    for (let i = 0; i < buf.length; i += 4) {
      const v = this.next();
      buf[i] = v & 0xff;
      if (i + 1 < buf.length) buf[i + 1] = (v >>> 8) & 0xff;
      if (i + 2 < buf.length) buf[i + 2] = (v >>> 16) & 0xff;
      if (i + 3 < buf.length) buf[i + 3] = v >>> 24;
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A {@link RandomSource} from a seed. */
export function seededRandom(seed: number): RandomSource {
  const rng = new SeededRandom(seed);
  return (buf) => rng.fill(buf);
}
