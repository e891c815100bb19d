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
  formatValue,
  Oflags,
  RIGHTS_ALL,
  Rights,
  syscallByName,
  TYPES,
  unpackLookup,
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

describe('formatValue / unpackLookup', () => {
  const regs = (name: string) => syscallByName(name)!.registerParams.map((p) => p.type);

  it('formats register arguments by their declared type', () => {
    const [dirfd, path, pathLen, oflags, fds] = regs('file_open');
    expect(formatValue(dirfd!, (1n << 32n) | 3n)).toBe('{fd: 3, flags: SYMLINK_FOLLOW}');
    expect(formatValue(dirfd!, 5n)).toBe('{fd: 5, flags: 0}');
    expect(formatValue(path!, 0x7fff1000n)).toBe('0x7fff1000');
    expect(formatValue(fds!, 0n)).toBe('NULL');
    expect(formatValue(pathLen!, 12n)).toBe('12');
    expect(formatValue(oflags!, 0x0009n)).toBe('CREAT|TRUNC');
    // Only the low 16 bits of an oflags register count.
    expect(formatValue(oflags!, 0xdead_0001n)).toBe('CREAT');
    const [, offset, whence] = regs('fd_seek');
    expect(formatValue(offset!, (1n << 64n) - 5n)).toBe('-5');
    expect(formatValue(whence!, 3)).toBe('SET');
    expect(formatValue(regs('proc_raise')[0]!, 13)).toBe('SIGSEGV');
    expect(formatValue(regs('mem_map')[4]!, 0xffff_ffffn)).toBe('4294967295');
    expect(formatValue(syscallByName('fd_close')!.results[0]?.type ?? regs('fd_close')[0]!, 7)).toBe('7');
    expect(formatValue({ kind: 'void' }, 16)).toBe('0x10');
    expect(formatValue(whence!, Number.NaN)).toBe('NaN');
  });

  it('splits a packed lookup register', () => {
    expect(unpackLookup((1n << 32n) | 0xffff_fffen)).toEqual({ fd: 0xffff_fffe, flags: 1 });
    expect(unpackLookup(-1n)).toEqual({ fd: 0xffff_ffff, flags: 0xffff_ffff });
  });
});
