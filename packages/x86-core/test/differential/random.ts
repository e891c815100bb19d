/**
 * Seeded pseudo-random numbers and pools of edge-case operands for the case generators: integer
 * sign and carry boundaries, and for floating point ±0, denormals, the normal range ends, ±∞,
 * quiet and signalling NaNs with payloads, x87 unnormals and pseudo-denormals, and values near the
 * integer-conversion limits and rounding ties.
 */

/** A small, fast, seedable generator (xorshift128+ on 32-bit halves, no BigInt). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 to spread the seed over the state
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
  }

  /** A uniform 32-bit unsigned integer (xoshiro128**). */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }

  /** A random element. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** A uniform 64-bit value. */
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }

  /** Random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.u32();
      out[i] = v & 0xff;
      if (i + 1 < n) out[i + 1] = (v >>> 8) & 0xff;
      if (i + 2 < n) out[i + 2] = (v >>> 16) & 0xff;
      if (i + 3 < n) out[i + 3] = v >>> 24;
    }
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

const mask = (bits: number) => (1n << BigInt(bits)) - 1n;

/** An edge-biased integer of `bits` bits (unsigned representation). */
export function edgeInt(rng: Rng, bits: number): bigint {
  if (bits <= 32) return BigInt(edgeSmall(rng, bits));
  const m = mask(bits);
  const sign = 1n << BigInt(bits - 1);
  switch (rng.int(16)) {
    case 0:
      return 0n;
    case 1:
      return 1n;
    case 2:
      return m; // -1
    case 3:
      return sign - 1n; // max signed
    case 4:
      return sign; // min signed
    case 5:
      return sign + 1n;
    case 6:
      return sign - 2n;
    case 7:
      return BigInt(rng.int(70)); // small (shift and bit counts)
    case 8:
      return (m - BigInt(rng.int(4))) & m;
    case 9:
      return (1n << BigInt(rng.int(bits))) & m; // one bit
    case 10:
      return m ^ ((1n << BigInt(rng.int(bits))) & m); // all but one bit
    case 11:
      return (rng.u64() & m) >> BigInt(rng.int(bits)); // random magnitude
    default:
      return rng.u64() & m;
  }
}

/** {@link edgeInt} for widths up to 32 bits, without BigInt. */
export function edgeSmall(rng: Rng, bits: number): number {
  const m = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  const sign = 2 ** (bits - 1);
  switch (rng.int(16)) {
    case 0:
      return 0;
    case 1:
      return 1;
    case 2:
      return m;
    case 3:
      return sign - 1;
    case 4:
      return sign;
    case 5:
      return sign + 1;
    case 6:
      return sign - 2;
    case 7:
      return rng.int(70) & m;
    case 8:
      return m - rng.int(4);
    case 9:
      return 2 ** rng.int(bits);
    case 10:
      return m - 2 ** rng.int(bits);
    case 11:
      return Math.floor((rng.u32() % (m + 1)) / 2 ** rng.int(bits));
    default:
      return rng.u32() % (m + 1);
  }
}

/** Register value: an edge value in the low `bits`, random garbage above (to check zero/sign extension and preservation). */
export function edgeReg(rng: Rng, bits: number): bigint {
  const low = edgeInt(rng, bits);
  if (bits >= 64) return low;
  const hi = rng.chance(0.2) ? (rng.chance(0.5) ? 0n : mask(64)) : rng.u64();
  return ((hi & ~mask(bits)) | low) & mask(64);
}

const F64_SPECIAL: bigint[] = [
  0x0000000000000000n, // +0
  0x8000000000000000n, // -0
  0x0000000000000001n, // min denormal
  0x000fffffffffffffn, // max denormal
  0x8008000000000000n, // negative denormal
  0x0010000000000000n, // min normal
  0x7fefffffffffffffn, // max finite
  0xffefffffffffffffn,
  0x3ff0000000000000n, // 1
  0xbff0000000000000n, // -1
  0x3fe0000000000000n, // 0.5
  0x3ff8000000000000n, // 1.5
  0x4004000000000000n, // 2.5
  0xc004000000000000n, // -2.5
  0x7ff0000000000000n, // +inf
  0xfff0000000000000n, // -inf
  0x7ff8000000000000n, // default QNaN
  0xfff8000000000000n, // real indefinite
  0x7ff8000000001234n, // QNaN with payload
  0xfff4000000000567n, // SNaN with payload (negative)
  0x7ff0000000000001n, // SNaN
  0x41e0000000000000n, // 2^31
  0xc1e0000000000000n, // -2^31
  0x41dfffffffc00000n, // 2^31 - 1
  0xc1e0000000200000n, // -2^31 - 1
  0x41dfffffffe00000n, // 2^31 - 0.5
  0x43e0000000000000n, // 2^63
  0xc3e0000000000000n, // -2^63
  0x43dfffffffffffffn, // largest double below 2^63
  0x4330000000000000n, // 2^52
  0x3ff0000000000001n, // 1 + ulp
  0x4000000000000000n, // 2
  0x36a0000000000000n, // tiny normal (underflow on multiply)
  0x47efffffe0000000n, // FLT_MAX as double
  0x47f0000000000000n, // above FLT_MAX
  0x36a0000000000001n,
  0x3810000000000000n, // FLT_MIN as double
  0x380fffffffffffffn, // just below FLT_MIN
];

const F32_SPECIAL: number[] = [
  0x00000000, 0x80000000, 0x00000001, 0x007fffff, 0x80400000, 0x00800000, 0x7f7fffff, 0xff7fffff, 0x3f800000,
  0xbf800000, 0x3f000000, 0x3fc00000, 0x40200000, 0xc0200000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000,
  0x7fc01234, 0xffa00567, 0x7f800001, 0x4f000000, 0xcf000000, 0x4effffff, 0xcf000001, 0x5f000000, 0xdf000000,
  0x5effffff, 0x4b000000, 0x3f800001, 0x40000000, 0x0d800000,
];

/** An edge-biased IEEE binary64 bit pattern. */
export function edgeF64(rng: Rng): bigint {
  const k = rng.int(8);
  if (k < 4) return rng.pick(F64_SPECIAL);
  if (k === 4) {
    // a random value near 1 with random sign (typical arithmetic)
    return (
      ((rng.chance(0.5) ? 1n : 0n) << 63n) | (BigInt(0x3f0 + rng.int(0x20)) << 52n) | (rng.u64() & mask(52))
    );
  }
  if (k === 5) {
    // small integers and halves (conversion and rounding ties)
    const v = (rng.int(64) - 32) / (rng.chance(0.5) ? 1 : 2);
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, v);
    return dv.getBigUint64(0);
  }
  return rng.u64(); // anything: random exponents, NaNs, denormals
}

/** An edge-biased IEEE binary32 bit pattern. */
export function edgeF32(rng: Rng): number {
  const k = rng.int(8);
  if (k < 4) return rng.pick(F32_SPECIAL);
  if (k === 4)
    return ((rng.chance(0.5) ? 0x80000000 : 0) | ((0x7c + rng.int(6)) << 23) | (rng.u32() & 0x7fffff)) >>> 0;
  if (k === 5) {
    const dv = new DataView(new ArrayBuffer(4));
    dv.setFloat32(0, (rng.int(64) - 32) / (rng.chance(0.5) ? 1 : 2));
    return dv.getUint32(0);
  }
  return rng.u32();
}

/** An 80-bit extended value as [sign+exponent, significand]. */
export function edgeF80(rng: Rng): [number, bigint] {
  const s = rng.chance(0.5) ? 0x8000 : 0;
  switch (rng.int(20)) {
    case 0:
      return [s, 0n]; // ±0
    case 1:
      return [s, rng.u64() >> 1n]; // denormal
    case 2:
      return [s, (1n << 63n) | (rng.u64() >> 1n)]; // pseudo-denormal (exponent 0, J = 1)
    case 3:
      return [s | (1 + rng.int(0x7ffe)), rng.u64() >> 1n]; // unnormal (J = 0)
    case 4:
      return [s | 0x7fff, 1n << 63n]; // ±∞
    case 5:
      return [s | 0x7fff, (3n << 62n) | (rng.u64() >> 2n)]; // QNaN
    case 6:
      return [s | 0x7fff, (2n << 62n) | (rng.u64() >> 2n) | 1n]; // SNaN
    case 7:
      return [0xffff, 3n << 62n]; // real indefinite
    case 8:
      return [s | 0x7fff, rng.u64() >> 1n]; // pseudo-NaN / pseudo-∞ (J = 0)
    case 9:
      return [s | 0x7ffe, mask(64)]; // largest finite
    case 10:
      return [s | 1, 1n << 63n]; // smallest normal
    case 11:
    case 12: {
      // small integers and halves
      const e = 0x3fff + rng.int(12);
      return [s | e, (1n << 63n) | ((rng.u64() >> BigInt(rng.int(64))) & (mask(63) ^ mask(52)))];
    }
    case 13:
      return [s | 0x3fff, 1n << 63n]; // ±1
    case 14:
      return [s | (0x3fff - 70 + rng.int(140)), (1n << 63n) | (rng.u64() >> 1n)]; // moderate range
    case 15:
      return [s | (0x403e + rng.int(3) - 1), (1n << 63n) | (rng.u64() >> 1n)]; // near ±2^63
    default:
      return [s | (1 + rng.int(0x7ffe)), (1n << 63n) | (rng.u64() >> 1n)]; // any normal
  }
}
