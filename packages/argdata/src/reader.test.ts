import { describe, expect, expectTypeOf, it } from 'vitest';
import { ArgdataError } from './errors.js';
import { ArgdataReader, decode } from './reader.js';
import { ArgdataMap, Fd, Timestamp } from './values.js';
import { encode } from './writer.js';

const bytes = (h: string): Uint8Array =>
  new Uint8Array(
    h
      .split(/\s+/)
      .filter(Boolean)
      .map((x) => Number.parseInt(x, 16)),
  );
const reader = (h: string): ArgdataReader => new ArgdataReader(bytes(h));

function errorOf(f: () => unknown): ArgdataError {
  try {
    f();
  } catch (e) {
    if (e instanceof ArgdataError) return e;
    throw e;
  }
  throw new Error('expected an ArgdataError');
}

describe('ArgdataReader getters', () => {
  it('reports the type from the tag byte', () => {
    expect(reader('').type).toBe('null');
    expect(reader('01').type).toBe('binary');
    expect(reader('09').type).toBe('timestamp');
    expect(reader('0a').type).toBeUndefined();
    expect(reader('').isNull()).toBe(true);
  });

  it('getInt range-checks into the requested C type', () => {
    expect(reader('05 7f').getInt('i8')).toBe(127);
    expect(errorOf(() => reader('05 00 80').getInt('i8')).code).toBe('ERANGE');
    expect(reader('05 80').getInt('i8')).toBe(-128);
    expect(errorOf(() => reader('05 ff 7f').getInt('i8')).code).toBe('ERANGE');
    expect(reader('05 00 ff ff').getInt('u16')).toBe(65535);
    expect(errorOf(() => reader('05 01 00 00').getInt('u16')).code).toBe('ERANGE');
    expect(reader('05 7f ff ff ff').getInt('i32')).toBe(0x7fffffff);
    expect(reader('05 00 ff ff ff ff').getInt('u32')).toBe(0xffffffff);
    expect(reader('05').getInt('u64')).toBe(0n);
    expect(reader('05 00 ff ff ff ff ff ff ff ff').getInt('u64')).toBe(0xffffffffffffffffn);
    expect(reader('05 80 00 00 00 00 00 00 00').getInt('i64')).toBe(-0x8000000000000000n);
  });

  it('getInt returns number up to 32 bits and bigint for 64-bit kinds', () => {
    const r = reader('05 01');
    expectTypeOf(r.getInt('i32')).toEqualTypeOf<number>();
    expectTypeOf(r.getInt('u16')).toEqualTypeOf<number>();
    expectTypeOf(r.getInt('i64')).toEqualTypeOf<bigint>();
    expectTypeOf(r.getInt('u64')).toEqualTypeOf<bigint>();
    expect(typeof r.getInt('u8')).toBe('number');
    expect(typeof r.getInt('u64')).toBe('bigint');
  });

  it('getInt follows the reference length rules', () => {
    // Signed reads refuse more than 8 payload bytes, even for small values.
    expect(errorOf(() => reader('05 00 00 00 00 00 00 00 00 01').getInt('i64')).code).toBe('ERANGE');
    // Unsigned reads take 9 bytes only with a leading 00, and no negative numbers.
    expect(reader('05 00 00 00 00 00 00 00 00 01').getInt('u64')).toBe(1n);
    expect(errorOf(() => reader('05 01 00 00 00 00 00 00 00 00').getInt('u64')).code).toBe('ERANGE');
    expect(errorOf(() => reader('05 00 00 00 00 00 00 00 00 00 01').getInt('u64')).code).toBe('ERANGE');
    expect(errorOf(() => reader('05 ff').getInt('u8')).code).toBe('ERANGE');
    // Non-minimal forms are accepted.
    expect(reader('05 00 00 05').getInt('i32')).toBe(5);
    expect(reader('05 ff ff fb').getInt('i32')).toBe(-5);
    expect(reader('05 00 00 00 00 00 00 00 00 00 00 07').getBigInt()).toBe(7n);
  });

  it('wrong types and null are EINVAL, with the offset', () => {
    const e = errorOf(() => reader('08 41 00').getInt('i32'));
    expect(e.code).toBe('EINVAL');
    expect(e.offset).toBe(0);
    expect(e.message).toMatch(/expected int, found str at byte offset 0/);
    expect(errorOf(() => reader('').getStr()).code).toBe('EINVAL');
    expect(errorOf(() => reader('0b').getBool()).message).toMatch(/unknown tag 0x0b/);
  });

  it('getBool accepts only empty and 01', () => {
    expect(reader('02').getBool()).toBe(false);
    expect(reader('02 01').getBool()).toBe(true);
    expect(errorOf(() => reader('02 00').getBool()).code).toBe('EINVAL');
    expect(errorOf(() => reader('02 02').getBool()).code).toBe('EINVAL');
    expect(errorOf(() => reader('02 01 01').getBool()).code).toBe('EINVAL');
  });

  it('getFloat needs exactly 8 bytes', () => {
    expect(reader('04 3f f0 00 00 00 00 00 00').getFloat()).toBe(1);
    expect(errorOf(() => reader('04 3f f0 00 00 00 00 00').getFloat()).code).toBe('EINVAL');
  });

  it('getFd: 4 bytes, EBADF for numbers that name no descriptor', () => {
    expect(reader('03 00 00 00 07').getFd()).toBe(7);
    expect(reader('03 7f ff ff ff').getFd()).toBe(0x7fffffff);
    expect(errorOf(() => reader('03 80 00 00 00').getFd()).code).toBe('EBADF');
    expect(errorOf(() => reader('03 ff ff ff ff').getFd()).code).toBe('EBADF');
    expect(reader('03 ff ff ff ff').getRawFd()).toBe(0xffffffff);
    expect(errorOf(() => reader('03 00 00 07').getFd()).code).toBe('EINVAL');
    const table = [10, 11];
    expect(reader('03 00 00 00 01').getFd((raw) => table[raw] ?? -1)).toBe(11);
    expect(errorOf(() => reader('03 00 00 00 02').getFd((raw) => table[raw] ?? -1)).code).toBe('EBADF');
  });

  it('getStr: NUL terminator, UTF-8 validation, embedded NUL', () => {
    expect(reader('08 00').getStr()).toBe('');
    expect(reader('08 c3 a9 00').getStr()).toBe('é');
    expect(reader('08 f0 9f 98 80 00').getStr()).toBe('😀');
    expect(reader('08 61 00 62 00').getStr()).toBe('a\0b');
    expect(errorOf(() => reader('08 61 00 62 00').getStrC()).code).toBe('EILSEQ');
    expect(errorOf(() => reader('08 61 00 62 00').getStrC()).offset).toBe(2);
    expect(reader('08 61 62 00').getStrC()).toBe('ab');
    expect(errorOf(() => reader('08 41').getStr()).code).toBe('EINVAL');
    expect(errorOf(() => reader('08').getStr()).code).toBe('EINVAL');
    for (const bad of [
      'c0 80',
      'e0 80 80',
      'ed a0 80',
      'f4 90 80 80',
      'f8 88 80 80 80',
      '80',
      'c3',
      'e2 82',
    ]) {
      const e = errorOf(() => reader(`08 41 ${bad} 00`).getStr());
      expect(e.code, bad).toBe('EILSEQ');
      expect(e.offset, bad).toBe(2);
      expect(errorOf(() => reader(`08 41 ${bad} 00`).getStrBytes()).code).toBe('EILSEQ');
    }
  });

  it('getBinary and getStrBytes are views into the buffer', () => {
    const buf = bytes('07 84 01 0a 0b 0c 83 08 68 00');
    const [bin, str] = [...new ArgdataReader(buf).seqIterate()];
    const b = bin!.getBinary();
    expect(Array.from(b)).toEqual([10, 11, 12]);
    expect(b.buffer).toBe(buf.buffer);
    buf[3] = 99;
    expect(b[0]).toBe(99);
    expect(str!.getStrBytes().buffer).toBe(buf.buffer);
  });

  it('getTimestamp: at most 12 bytes and seconds within time_t', () => {
    expect(reader('09 ff').getTimestamp()).toEqual(new Timestamp(-1n));
    expect(reader('09').getTimestamp()).toEqual(new Timestamp(0n));
    expect(errorOf(() => reader('09 00 00 00 00 00 00 00 00 00 00 00 00 01').getTimestamp()).code).toBe(
      'ERANGE',
    );
    // 2^95 - 1 ns is about 3.96e19 s, beyond INT64_MAX seconds.
    expect(errorOf(() => reader('09 7f ff ff ff ff ff ff ff ff ff ff ff').getTimestamp()).code).toBe(
      'ERANGE',
    );
    expect(reader('09 7f ff ff ff ff ff ff ff').getTimestamp().ns).toBe(0x7fffffffffffffffn);
  });
});

describe('iterators', () => {
  it('iterate a map in order', () => {
    const { bytes: b } = encode(
      new ArgdataMap([
        ['a', 1n],
        ['b', [true]],
      ]),
    );
    const it = new ArgdataReader(b).mapIterate();
    const pairs = [...it].map(([k, v]) => [k.getStr(), v.type]);
    expect(pairs).toEqual([
      ['a', 'int'],
      ['b', 'seq'],
    ]);
    expect(it.complete).toBe(true);
    expect(it.error).toBeUndefined();
    expect(it.index).toBe(2);
  });

  it('stop at a malformed subfield and report it', () => {
    const it = reader('07 81 05 83 05 01').seqIterate();
    const got = [...it];
    expect(got.length).toBe(1);
    expect(it.complete).toBe(false);
    expect(it.error?.code).toBe('EINVAL');
    expect(it.error?.offset).toBe(3);
    expect(it.error?.message).toMatch(/exceeds/);
  });

  it('stop at an overlong prefix and at a key without value', () => {
    const seq = reader('07 81 05 00 81 05').seqIterate();
    expect([...seq].length).toBe(1);
    expect(seq.error?.message).toMatch(/overlong/);
    const map = reader('06 81 05 81 05 81 05').mapIterate();
    expect([...map].length).toBe(1);
    expect(map.error?.message).toMatch(/key without a value/);
    const trunc = reader('07 01 02').seqIterate();
    expect([...trunc].length).toBe(0);
    expect(trunc.error?.message).toMatch(/truncated subfield length prefix/);
  });

  it('mapIterate on a non-map is EINVAL', () => {
    expect(errorOf(() => reader('07').mapIterate()).code).toBe('EINVAL');
    expect(errorOf(() => reader('06').seqIterate()).code).toBe('EINVAL');
    expect([...reader('07').seqIterate()]).toEqual([]);
  });
});

describe('decode', () => {
  it('decodes every type', () => {
    const value = [
      null,
      new Uint8Array([1, 2]),
      true,
      false,
      new Fd(4),
      2.5,
      -7n,
      new ArgdataMap([[1n, 'one']]),
      ['x'],
      'str',
      new Timestamp(123n),
    ];
    const { bytes: b } = encode(value, { remapFds: false });
    expect(decode(b)).toEqual(value);
    expect(new ArgdataReader(b).toValue()).toEqual(value);
  });

  it('is strict where the iterators are lenient', () => {
    expect(errorOf(() => decode(bytes('07 81 05 83 05 01'))).offset).toBe(3);
    expect(errorOf(() => decode(bytes('06 81 05'))).message).toMatch(/key without a value/);
    expect(errorOf(() => decode(bytes('07 81 0c'))).message).toMatch(
      /unknown type tag 0x0c at byte offset 2/,
    );
    expect(errorOf(() => decode(bytes('07 82 08 ff'))).code).toBe('EINVAL');
    expect(errorOf(() => decode(bytes('07 83 08 ff 00'))).code).toBe('EILSEQ');
  });

  it('copies binary payloads', () => {
    const b = bytes('01 05 06');
    const v = decode(b) as Uint8Array;
    b[1] = 0;
    expect(Array.from(v)).toEqual([5, 6]);
  });
});
