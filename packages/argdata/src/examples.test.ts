// The worked examples of the digest's argdata section (§4), byte for byte.
import { describe, expect, it } from 'vitest';
import { decode } from './reader.js';
import { remapFds } from './remap.js';
import { ArgdataMap, Fd, Timestamp } from './values.js';
import { encode } from './writer.js';
import { yamlToArgdata } from './yaml-to-argdata.js';

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
const bytes = (h: string): Uint8Array =>
  new Uint8Array(
    h
      .split(/\s+/)
      .filter(Boolean)
      .map((x) => Number.parseInt(x, 16)),
  );
const ascii = (s: string): string => hex(new TextEncoder().encode(s));

describe('digest §4 worked examples', () => {
  it('1: the string "123"', () => {
    expect(hex(encode('123').bytes)).toBe('08 31 32 33 00');
    expect(decode(bytes('08 31 32 33 00'))).toBe('123');
  });

  it.each([
    [0n, '05'],
    [1n, '05 01'],
    [127n, '05 7f'],
    [128n, '05 00 80'],
    [-1n, '05 ff'],
    [-128n, '05 80'],
    [-129n, '05 ff 7f'],
    [1000n, '05 03 e8'],
    [-1000n, '05 fc 18'],
  ])('2: int %s', (v, h) => {
    expect(hex(encode(v).bytes)).toBe(h);
    expect(decode(bytes(h))).toBe(v);
  });

  it('3: UINT64_MAX and INT64_MIN', () => {
    expect(hex(encode(0xffffffffffffffffn).bytes)).toBe('05 00 ff ff ff ff ff ff ff ff');
    expect(hex(encode(-0x8000000000000000n).bytes)).toBe('05 80 00 00 00 00 00 00 00');
    expect(decode(bytes('05 00 ff ff ff ff ff ff ff ff'))).toBe(0xffffffffffffffffn);
    expect(decode(bytes('05 80 00 00 00 00 00 00 00'))).toBe(-0x8000000000000000n);
  });

  it('4: seq [0, true, "A"]', () => {
    expect(hex(encode([0n, true, 'A']).bytes)).toBe('07 81 05 82 02 01 83 08 41 00');
    expect(decode(bytes('07 81 05 82 02 01 83 08 41 00'))).toEqual([0n, true, 'A']);
  });

  it('5: seq [false, null, true]', () => {
    expect(hex(encode([false, null, true]).bytes)).toBe('07 81 02 80 82 02 01');
    expect(decode(bytes('07 81 02 80 82 02 01'))).toEqual([false, null, true]);
  });

  it('6: map {true: null, false: true, null: false}', () => {
    const m = new ArgdataMap([
      [true, null],
      [false, true],
      [null, false],
    ]);
    const h = '06 82 02 01 80 81 02 82 02 01 80 81 02';
    expect(hex(encode(m).bytes)).toBe(h);
    expect(decode(bytes(h))).toEqual(m);
  });

  it.each([
    [1.0, '04 3f f0 00 00 00 00 00 00'],
    [0.5, '04 3f e0 00 00 00 00 00 00'],
    [-0, '04 80 00 00 00 00 00 00 00'],
    [Number.NaN, '04 7f f8 00 00 00 00 00 00'],
  ])('7: float %s', (v, h) => {
    expect(hex(encode(v).bytes)).toBe(h);
    expect(Object.is(decode(bytes(h)), v)).toBe(true);
  });

  it.each([
    ['1970-01-01T00:00:00.000000128Z', 128n, '09 00 80'],
    ['2017-01-01T00:00:00Z', 1483228800n * 1_000_000_000n, '09 14 95 7c bc 30 a1 00 00'],
    ['1969-12-31T23:59:59.999999999Z', -1n, '09 ff'],
  ])('8: timestamp %s', (iso, ns, h) => {
    expect(hex(encode(new Timestamp(ns)).bytes)).toBe(h);
    expect(decode(bytes(h))).toEqual(new Timestamp(ns));
    expect(yamlToArgdata(`!!timestamp ${iso}`)).toEqual(new Timestamp(ns));
  });

  it('9: hello.yaml, three times !fd stdout', () => {
    const value = yamlToArgdata(
      '%TAG ! tag:nuxi.nl,2015:cloudabi/\n---\n- !fd stdout\n- !fd stdout\n- !fd stdout\n',
    );
    const { bytes: out, fds } = encode(value);
    expect(hex(out)).toBe('07 85 03 00 00 00 00 85 03 00 00 00 00 85 03 00 00 00 00');
    expect(fds).toEqual([1]);
  });

  it('10: map {logfile: fd 5, port: 8080, verbose: true}', () => {
    const { bytes: out, fds } = encode({ logfile: new Fd(5), port: 8080n, verbose: true });
    expect(hex(out)).toBe(
      '06 89 08 6c 6f 67 66 69 6c 65 00 85 03 00 00 00 00 86 08 70 6f 72 74 00 83 05 1f 90 89 08 76 65 72 62 6f 73 65 00 82 02 01',
    );
    expect(fds).toEqual([5]);
  });

  it('11: seq [fd 7, fd 3, fd 7] numbered by first appearance', () => {
    const { bytes: out, fds } = encode([new Fd(7), new Fd(3), new Fd(7)]);
    expect(hex(out)).toBe('07 85 03 00 00 00 00 85 03 00 00 00 01 85 03 00 00 00 00');
    expect(fds).toEqual([7, 3]);
    const raw = encode([new Fd(7), new Fd(3), new Fd(7)], { remapFds: false });
    expect(hex(raw.bytes)).toBe('07 85 03 00 00 00 07 85 03 00 00 00 03 85 03 00 00 00 07');
    expect(raw.fds).toEqual([7, 3]);
  });

  it('12: re-serialising a buffer map remaps fds and leaves trailing garbage alone', () => {
    const garbage = `${ascii('Trailing garbage that is not processed')} 85 03 00 00 00 42`;
    const input = bytes(
      `06 85 03 12 34 56 78 85 03 01 23 45 67 85 03 01 23 45 67 85 03 00 00 00 12 ${garbage}`,
    );
    const r = remapFds(input);
    expect(hex(r.bytes)).toBe(
      `06 85 03 00 00 00 00 85 03 00 00 00 01 85 03 00 00 00 01 85 03 00 00 00 02 ${garbage}`,
    );
    expect(r.fds).toEqual([305419896, 19088743, 18]);
    expect(r.fdLeaves).toBe(4);
    // Leaves of other sizes are left alone; invalid numbers stay invalid.
    expect(hex(remapFds(bytes('03 00 00 00')).bytes)).toBe('03 00 00 00');
    expect(remapFds(bytes('03 00 00 00 13'))).toEqual({
      bytes: bytes('03 00 00 00 00'),
      fds: [19],
      fdLeaves: 1,
    });
    expect(remapFds(bytes('03 ca fe ba be'))).toEqual({
      bytes: bytes('03 ff ff ff ff'),
      fds: [],
      fdLeaves: 1,
    });
    expect(hex(encode(new Fd(0xcafebabe)).bytes)).toBe('03 ff ff ff ff');
    expect(encode(new Fd(0xcafebabe)).fds).toEqual([]);
  });

  it('13: subfield prefixes around 127/128 bytes', () => {
    const s125 = 'x'.repeat(125);
    const s126 = 'x'.repeat(126);
    const a = encode([null, s125, null]).bytes;
    expect(hex(a.subarray(0, 4))).toBe('07 80 ff 08');
    expect(hex(a.subarray(a.length - 2))).toBe('00 80');
    expect(a.length).toBe(1 + 1 + 1 + 127 + 1);
    const b = encode([null, s126, null]).bytes;
    expect(hex(b.subarray(0, 5))).toBe('07 80 01 80 08');
    expect(b.length).toBe(1 + 1 + 2 + 128 + 1);
    expect(decode(a)).toEqual([null, s125, null]);
    expect(decode(b)).toEqual([null, s126, null]);
  });

  it('13b: length prefix examples 0, 6, 125, 127, 128, 16383, 16384', () => {
    const prefixOf = (n: number): string => {
      const enc = encode([new Uint8Array(n - 1)]).bytes; // binary value of n bytes (tag + n-1)
      return hex(enc.subarray(1, enc.length - n));
    };
    expect(hex(encode([null]).bytes)).toBe('07 80');
    expect(prefixOf(6)).toBe('86');
    expect(prefixOf(125)).toBe('fd');
    expect(prefixOf(127)).toBe('ff');
    expect(prefixOf(128)).toBe('01 80');
    expect(prefixOf(16383)).toBe('7f ff');
    expect(prefixOf(16384)).toBe('01 00 80');
  });

  it('14: the program_exec wrapper [fd(exe), {}]', () => {
    const { bytes: out, fds } = encode([new Fd(9), new ArgdataMap()]);
    expect(hex(out)).toBe('07 85 03 00 00 00 00 81 06');
    expect(fds).toEqual([9]);
  });

  it('str with an embedded NUL keeps it', () => {
    expect(hex(encode('Hello\0world').bytes)).toBe(`08 ${ascii('Hello')} 00 ${ascii('world')} 00`);
  });
});
