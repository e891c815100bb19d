import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ERRNO_MESSAGES,
  Errno,
  errnoMessage,
  errnoName,
  Filetype,
  formatEnum,
  formatFlags,
  formatRights,
  Oflags,
  RIGHTS_ALL,
  Rights,
  TYPES,
} from './index.js';

describe('errno names and messages', () => {
  it('names errno values', () => {
    expect(errnoName(Errno.ENOTCAPABLE)).toBe('ENOTCAPABLE');
    expect(errnoName(0)).toBe('SUCCESS');
    expect(errnoName(8)).toBe('EBADF');
    expect(errnoName(500)).toBe('500');
  });

  it('explains errno values', () => {
    expect(errnoMessage(Errno.ENOTCAPABLE)).toBe('capabilities insufficient');
    expect(errnoMessage(Errno.ENOENT)).toBe('no such file or directory');
    expect(errnoMessage(999)).toBe('unknown error 999');
  });

  it('has a message for every errno', () => {
    expect(Object.keys(ERRNO_MESSAGES).sort()).toEqual(Object.keys(Errno).sort());
    for (const value of Object.values(Errno)) expect(errnoMessage(value)).not.toMatch(/^unknown/);
  });
});

describe('formatFlags / formatRights', () => {
  it('joins known bits and shows the rest in hex', () => {
    expect(formatFlags('rights', 0x42n)).toBe('FD_READ|FD_WRITE');
    expect(formatRights(Rights.FD_READ | Rights.PROC_EXEC)).toBe('FD_READ|PROC_EXEC');
    expect(formatRights(1n << 50n)).toBe('0x4000000000000');
    expect(formatRights(Rights.FD_SEEK | (1n << 63n))).toBe('FD_SEEK|0x8000000000000000');
    expect(formatFlags('oflags', Oflags.CREAT | Oflags.EXCL)).toBe('CREAT|EXCL');
    expect(formatFlags('oflags', 0x30)).toBe('0x30');
    expect(formatFlags('oflags', 0x31)).toBe('CREAT|0x30');
    expect(formatFlags('mprot', 7)).toBe('EXEC|WRITE|READ');
    expect(formatFlags('siflags', 1)).toBe('0x1');
  });

  it('prints 0 for an empty set', () => {
    expect(formatFlags('rights', 0n)).toBe('0');
    expect(formatFlags('fdflags', 0)).toBe('0');
  });

  it('includes legacy bits by name', () => {
    expect(formatRights(Rights.SOCK_ACCEPT | Rights.POLL_WAIT)).toBe('POLL_WAIT|SOCK_ACCEPT');
    expect(formatRights(RIGHTS_ALL).split('|')).toHaveLength(31);
  });

  it('shows odd numbers as they are instead of throwing', () => {
    expect(formatFlags('oflags', Number.NaN)).toBe('NaN');
    expect(formatFlags('oflags', 1.5)).toBe('1.5');
    expect(formatRights(-1n)).toBe(formatRights((1n << 64n) - 1n));
    expect(formatEnum('whence', Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(errnoName(-3)).toBe('-3');
    expect(errnoMessage(Number.NaN)).toBe('unknown error NaN');
  });

  it('rejects unknown types and non-flag types', () => {
    expect(() => formatFlags('nonsense', 1)).toThrow(TypeError);
    expect(() => formatFlags('filetype', 1)).toThrow(/not a flag set/);
  });

  it('round-trips: the named bits and the hex rest OR back to the value', () => {
    const keys = new Map(TYPES.rights!.members.map((m) => [m.key, m.value as bigint]));
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (value) => {
        const text = formatRights(value);
        const back =
          text === '0'
            ? 0n
            : text.split('|').reduce((acc, part) => acc | (keys.get(part) ?? BigInt(part)), 0n);
        expect(back).toBe(value);
      }),
    );
  });
});

describe('formatEnum', () => {
  it('names enum values and falls back to the number', () => {
    expect(formatEnum('filetype', Filetype.REGULAR_FILE)).toBe('REGULAR_FILE');
    expect(formatEnum('filetype', 0x30)).toBe('FIFO');
    expect(formatEnum('filetype', 0x31)).toBe('49');
    expect(formatEnum('whence', 3)).toBe('SET');
    expect(formatEnum('signal', 13)).toBe('SIGSEGV');
    expect(formatEnum('auxtype', 262)).toBe('SYSINFO_EHDR');
    expect(formatEnum('fd', 0xffffffff)).toBe('PROCESS_CHILD');
    expect(formatEnum('dircookie', 0n)).toBe('START');
  });

  it('throws a TypeError for an unknown type', () => {
    expect(() => formatEnum('nonsense', 1)).toThrow(TypeError);
  });
});
