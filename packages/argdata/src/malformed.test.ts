// Malformed and hostile inputs: a clear ArgdataError / ArgdataYamlError, never a
// stack overflow or another exception type.
import { describe, expect, it } from 'vitest';
import { argdataToYaml } from './argdata-to-yaml.js';
import { ArgdataError, ArgdataYamlError } from './errors.js';
import { ArgdataReader, decode } from './reader.js';
import { remapFds } from './remap.js';
import type { ArgdataValue } from './values.js';
import { ArgdataMap, Fd } from './values.js';
import { encode } from './writer.js';
import { YAML_MAX_DEPTH, yamlToArgdata } from './yaml-to-argdata.js';

const bytes = (h: string): Uint8Array =>
  new Uint8Array(
    h
      .split(/\s+/)
      .filter(Boolean)
      .map((x) => Number.parseInt(x, 16)),
  );

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an exception');
}

const DEEP = 100_000;

function nestedSeqs(depth: number): ArgdataValue {
  let v: ArgdataValue = 'bottom';
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

function depthOf(v: ArgdataValue): number {
  let d = 0;
  while (Array.isArray(v)) {
    d++;
    v = v[0]!;
  }
  return d;
}

describe('length prefixes and truncation', () => {
  it('rejects an overlong prefix (leading 00)', () => {
    const e = thrown(() => decode(bytes('07 00 81 05'))) as ArgdataError;
    expect(e).toBeInstanceOf(ArgdataError);
    expect(e.code).toBe('EINVAL');
    expect(e.offset).toBe(1);
    expect(e.message).toBe('EINVAL: overlong subfield length prefix (first byte 00) at byte offset 1');
  });

  it('rejects a length larger than the container', () => {
    const e = thrown(() => decode(bytes('07 01 80 05'))) as ArgdataError;
    expect(e.message).toMatch(
      /subfield length 128 exceeds the 1 bytes left in the container at byte offset 1/,
    );
  });

  it('rejects an oversized prefix that would overflow', () => {
    const prefix = `${'7f '.repeat(12)}ff`;
    const e = thrown(() => decode(bytes(`07 ${prefix} 05`))) as ArgdataError;
    expect(e).toBeInstanceOf(ArgdataError);
    expect(e.message).toMatch(/oversized subfield length prefix/);
    const it = new ArgdataReader(bytes(`07 ${prefix} 05`)).seqIterate();
    expect([...it]).toEqual([]);
    expect(it.error?.message).toMatch(/oversized/);
  });

  it('rejects a prefix cut off by the end of the buffer', () => {
    const e = thrown(() => decode(bytes('07 81 05 01 02'))) as ArgdataError;
    expect(e.message).toMatch(/truncated subfield length prefix at byte offset 3/);
  });

  it('every prefix of a config encoding is either valid or a clear error', () => {
    const { bytes: full } = encode(
      new ArgdataMap([
        ['name', 'server'],
        ['ports', [80n, 443n]],
        ['log', new Fd(2)],
        ['ratio', 0.25],
        ['blob', new Uint8Array(300)],
      ]),
    );
    let errors = 0;
    for (let n = 0; n < full.length; n++) {
      try {
        decode(full.subarray(0, n));
      } catch (e) {
        expect(e).toBeInstanceOf(ArgdataError);
        expect((e as ArgdataError).message).toMatch(/at byte offset \d+$/);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(full.length / 2);
  });
});

describe(`nesting ${DEEP} deep`, () => {
  const value = nestedSeqs(DEEP);
  const { bytes: deep } = encode(value);

  it('encodes and decodes without recursion', () => {
    expect(deep.length).toBeGreaterThan(DEEP * 2);
    expect(depthOf(decode(deep))).toBe(DEEP);
  });

  it('iterates down with the zero-copy reader', () => {
    let r = new ArgdataReader(deep);
    let d = 0;
    while (r.type === 'seq') {
      const [child] = [...r.seqIterate()];
      r = child!;
      d++;
    }
    expect(d).toBe(DEEP);
    expect(r.getStr()).toBe('bottom');
  });

  it('reports truncation deep inside as an ArgdataError', () => {
    const e = thrown(() => decode(deep.subarray(0, deep.length - 3)));
    expect(e).toBeInstanceOf(ArgdataError);
  });

  it('reports a bad leaf at the bottom with its offset', () => {
    const bad = deep.slice();
    bad[bad.length - 8] = 0x0c; // the str tag of "bottom" (08 b o t t o m 00)
    const e = thrown(() => decode(bad)) as ArgdataError;
    expect(e.message).toBe(`EINVAL: unknown type tag 0x0c at byte offset ${bad.length - 8}`);
  });

  it('deep maps too', () => {
    let v: ArgdataValue = null;
    for (let i = 0; i < DEEP; i++) v = new ArgdataMap([[v, null]]);
    const { bytes: b } = encode(v);
    let d = decode(b);
    let n = 0;
    while (d instanceof ArgdataMap) {
      d = d.entries[0]![0];
      n++;
    }
    expect(n).toBe(DEEP);
  });

  it('argdataToYaml stays linear and YAML input refuses excessive depth with a position', () => {
    const text = argdataToYaml(value);
    expect(text.length).toBeLessThan(DEEP * 4);
    expect(text.startsWith('%TAG ! tag:nuxi.nl,2015:cloudabi/\n---\n- - - ')).toBe(true);
    const flow = `${'- '.repeat(10)}${'['.repeat(DEEP)}${']'.repeat(DEEP)}`;
    const e = thrown(() => yamlToArgdata(flow, { filename: 'deep.yaml' })) as ArgdataYamlError;
    expect(e).toBeInstanceOf(ArgdataYamlError);
    expect(e.message).toBe(
      `deep.yaml:1:${21 + YAML_MAX_DEPTH - 10}: collections nested more than ${YAML_MAX_DEPTH} levels deep`,
    );
    // Right at the limit the document converts.
    const ok = `${'['.repeat(YAML_MAX_DEPTH)}1${']'.repeat(YAML_MAX_DEPTH)}`;
    expect(depthOf(yamlToArgdata(ok))).toBe(YAML_MAX_DEPTH);
  }, 60_000);
});

describe('encoder input errors', () => {
  it('names the path of a value outside the model', () => {
    const e = thrown(() => encode({ a: [1n, undefined as unknown as null] })) as ArgdataError;
    expect(e).toBeInstanceOf(ArgdataError);
    expect(e.message).toBe('EINVAL: cannot encode undefined at $."a"[1]');
    expect((thrown(() => encode(new Date() as unknown as null)) as Error).message).toMatch(
      /class Date at \$/,
    );
  });

  it('refuses cycles and lone surrogates', () => {
    const a: ArgdataValue[] = [];
    a.push(a);
    expect((thrown(() => encode(a)) as Error).message).toMatch(/cyclic/);
    const e = thrown(() => encode(['ok', 'bad \ud800'])) as ArgdataError;
    expect(e.code).toBe('EILSEQ');
    expect(e.message).toMatch(/\$\[1\]/);
  });

  it('accepts JS Maps and plain objects as maps, shared subtrees as copies', () => {
    const shared = [1n];
    const { bytes: b } = encode(
      new Map<ArgdataValue, ArgdataValue>([
        [1n, shared],
        ['x', shared],
      ]),
    );
    expect(decode(b)).toEqual(
      new ArgdataMap([
        [1n, [1n]],
        ['x', [1n]],
      ]),
    );
    expect(decode(encode(Object.assign(Object.create(null), { k: 'v' })).bytes)).toEqual(
      new ArgdataMap([['k', 'v']]),
    );
  });

  it('results never share memory with Node Buffers or the writer', async () => {
    const { Buffer } = await import('node:buffer');
    const input = Buffer.from([0x07, 0x83, 0x01, 0x05, 0x06, 0x85, 0x03, 0x00, 0x00, 0x00, 0x09]);
    const [bin] = decode(input) as [Uint8Array];
    input[3] = 0;
    expect(Array.from(bin)).toEqual([5, 6]);
    const remapped = remapFds(input);
    expect(input[10]).toBe(9);
    expect(remapped.bytes[10]).toBe(0);
    const { bytes: out } = encode('x');
    expect(out.buffer.byteLength).toBe(3);
  });

  it('huge ints round-trip byte for byte (linear-time paths)', () => {
    for (const fill of [0x5a, 0xa5]) {
      const b = new Uint8Array(1 + 100_000).fill(fill);
      b[0] = 0x05;
      const v = decode(b) as bigint;
      expect(v < 0n).toBe(fill >= 0x80);
      const out = encode(v).bytes;
      expect(out.length).toBe(b.length);
      expect(out.every((x, i) => x === b[i])).toBe(true);
    }
  });

  it('null encodes to zero bytes and decodes back', () => {
    expect(encode(null).bytes.length).toBe(0);
    expect(decode(new Uint8Array(0))).toBeNull();
  });

  it('a large binary grows the buffer correctly', () => {
    const big = new Uint8Array(3 << 20).map((_, i) => i & 0xff);
    const out = decode(encode([big, 'tail']).bytes) as ArgdataValue[];
    expect(out[1]).toBe('tail');
    expect((out[0] as Uint8Array)[1000]).toBe(1000 & 0xff);
  });
});
