// Property-based round trips (fast-check) for every type and deep nesting.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { argdataToYaml } from './argdata-to-yaml.js';
import { ArgdataError } from './errors.js';
import { findInvalidUtf8 } from './format.js';
import { ArgdataReader, decode } from './reader.js';
import type { ArgdataValue } from './values.js';
import { ArgdataMap, argdataEquals, Fd, Timestamp } from './values.js';
import { encode } from './writer.js';
import { yamlToArgdata } from './yaml-to-argdata.js';

/** `ARGDATA_FUZZ_SCALE=50 pnpm fuzz` runs every property fifty times as often. */
const scale = Number(process.env.ARGDATA_FUZZ_SCALE ?? '1');
const runs = (n: number): number => Math.max(1, Math.round(n * (Number.isFinite(scale) ? scale : 1)));

const bigInts = fc.oneof(
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
  fc.constantFrom(
    0n,
    -1n,
    127n,
    128n,
    -128n,
    -129n,
    2n ** 63n - 1n,
    -(2n ** 63n),
    2n ** 64n - 1n,
    2n ** 31n,
    -(2n ** 31n) - 1n,
  ),
);

function values(fdMax: number): fc.Arbitrary<ArgdataValue> {
  const leaf: fc.Arbitrary<ArgdataValue> = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    bigInts,
    fc.double(),
    fc.string({ unit: 'binary', maxLength: 24 }),
    fc.uint8Array({ maxLength: 24 }),
    fc.integer({ min: 0, max: fdMax }).map((n) => new Fd(n)),
    fc.bigInt({ min: -(2n ** 95n), max: 2n ** 95n - 1n }).map((ns) => new Timestamp(ns)),
  );
  const { tree } = fc.letrec<{ tree: ArgdataValue }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('tree'), { maxLength: 5 }),
      fc.array(fc.tuple(tie('tree'), tie('tree')), { maxLength: 4 }).map((e) => new ArgdataMap(e)),
    ),
  }));
  return tree;
}

/** Collects fd numbers depth-first, map key before value, iteratively. */
function fdsOf(v: ArgdataValue): number[] {
  const out: number[] = [];
  const work: ArgdataValue[] = [v];
  while (work.length > 0) {
    const x = work.pop()!;
    if (x instanceof Fd) out.push(x.fd);
    else if (Array.isArray(x)) for (let i = x.length - 1; i >= 0; i--) work.push(x[i]!);
    else if (x instanceof ArgdataMap)
      for (let i = x.entries.length - 1; i >= 0; i--) work.push(x.entries[i]![1], x.entries[i]![0]);
  }
  return out;
}

describe('round trips', () => {
  it('decode(encode(v)) = v with raw fd numbers', () => {
    fc.assert(
      fc.property(values(0xffffffff), (v) => {
        const { bytes } = encode(v, { remapFds: false });
        expect(argdataEquals(decode(bytes), v)).toBe(true);
        expect(argdataEquals(new ArgdataReader(bytes).toValue(), v)).toBe(true);
      }),
      { numRuns: runs(600) },
    );
  });

  it('encoding is canonical: re-encoding the decoded value gives the same bytes', () => {
    fc.assert(
      fc.property(values(0xffffffff), (v) => {
        const { bytes } = encode(v);
        expect(encode(decode(bytes), { remapFds: false }).bytes).toEqual(bytes);
      }),
      { numRuns: runs(300) },
    );
  });

  it('fd remapping numbers distinct fds by first appearance', () => {
    fc.assert(
      fc.property(values(40), (v) => {
        const { bytes, fds } = encode(v);
        const original = fdsOf(v);
        const first = [...new Set(original)];
        expect(fds).toEqual(first);
        const numbered = fdsOf(decode(bytes));
        expect(numbered.map((n) => fds[n])).toEqual(original);
      }),
      { numRuns: runs(300) },
    );
  });

  it('yamlToArgdata(argdataToYaml(v)) = v', () => {
    fc.assert(
      fc.property(values(0x7fffffff), (v) => {
        const text = argdataToYaml(v);
        expect(argdataEquals(yamlToArgdata(text), v), text).toBe(true);
      }),
      { numRuns: runs(400) },
    );
  });

  it('ints: minimal encoding, read back through getInt and getBigInt', () => {
    fc.assert(
      fc.property(bigInts, (n) => {
        const { bytes } = encode(n);
        const p = bytes.subarray(1);
        if (p.length >= 2) {
          expect(p[0] === 0x00 && p[1]! < 0x80).toBe(false);
          expect(p[0] === 0xff && p[1]! >= 0x80).toBe(false);
        }
        if (n === 0n) expect(p.length).toBe(0);
        const r = new ArgdataReader(bytes);
        expect(r.getBigInt()).toBe(n);
        if (n >= -(2n ** 63n) && n < 2n ** 63n) expect(r.getInt('i64')).toBe(n);
        else expect(() => r.getInt('i64')).toThrow(ArgdataError);
        if (n >= 0n && n < 2n ** 64n) expect(r.getInt('u64')).toBe(n);
        else expect(() => r.getInt('u64')).toThrow(ArgdataError);
      }),
      { numRuns: runs(1000) },
    );
  });

  it('subfield length prefixes of any size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 70_000 }), (n) => {
        const v = [new Uint8Array(n), 'after'];
        const { bytes } = encode(v);
        expect(argdataEquals(decode(bytes), v)).toBe(true);
      }),
      { numRuns: runs(60) },
    );
  });

  it('nested containers of random depth', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.boolean(), (depth, useMap) => {
        let v: ArgdataValue = 'leaf';
        for (let i = 0; i < depth; i++) v = useMap && i % 2 === 0 ? new ArgdataMap([[BigInt(i), v]]) : [v];
        const { bytes } = encode(v);
        expect(argdataEquals(decode(bytes), v)).toBe(true);
      }),
      { numRuns: runs(30) },
    );
  });
});

describe('robustness on arbitrary bytes', () => {
  it('the UTF-8 validator agrees with a fatal TextDecoder', () => {
    const td = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (b) => {
        let ok = true;
        try {
          td.decode(b);
        } catch {
          ok = false;
        }
        expect(findInvalidUtf8(b, 0, b.length) < 0).toBe(ok);
      }),
      { numRuns: runs(3000) },
    );
  });

  it('decode and the iterators either succeed or throw ArgdataError', () => {
    const tagged = fc
      .tuple(fc.integer({ min: 0, max: 10 }), fc.uint8Array({ maxLength: 40 }))
      .map(([t, b]) => {
        const out = new Uint8Array(b.length + 1);
        out[0] = t;
        out.set(b, 1);
        return out;
      });
    fc.assert(
      fc.property(tagged, (b) => {
        try {
          decode(b);
        } catch (e) {
          expect(e).toBeInstanceOf(ArgdataError);
        }
        const r = new ArgdataReader(b);
        if (r.type === 'seq') for (const x of r.seqIterate()) expect(x.end).toBeLessThanOrEqual(b.length);
        if (r.type === 'map') for (const [k, x] of r.mapIterate()) expect(k.end).toBeLessThanOrEqual(x.start);
      }),
      { numRuns: runs(3000) },
    );
  });

  it('every truncation of a valid encoding decodes or throws ArgdataError', () => {
    fc.assert(
      fc.property(values(100), fc.nat(), (v, cut) => {
        const { bytes } = encode(v);
        const n = bytes.length === 0 ? 0 : cut % bytes.length;
        try {
          decode(bytes.subarray(0, n));
        } catch (e) {
          expect(e).toBeInstanceOf(ArgdataError);
        }
      }),
      { numRuns: runs(500) },
    );
  });
});
