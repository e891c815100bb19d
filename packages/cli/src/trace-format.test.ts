import type { SyscallTraceEvent } from '@cabi/kernel';
import { GuestMemory } from '@cabi/x86-core';
import { describe, expect, it } from 'vitest';
import { formatTraceLine, parseTraceFilter, quoteBytes, TraceSummary } from './trace-format.js';

const event = (over: Partial<SyscallTraceEvent>): SyscallTraceEvent => ({
  memory: new GuestMemory(),
  type: 'syscall',
  pid: 1,
  tid: 2,
  name: 'fd_close',
  number: 3,
  legacy: false,
  args: { fd: 4 },
  errno: 0,
  errnoName: 'SUCCESS',
  results: {},
  durationMs: 0.5,
  ...over,
});

const options = { stringLimit: 8, showThreads: false, showTime: false };

describe('trace lines', () => {
  it('quote bytes C-style and cut long ones', () => {
    expect(quoteBytes(new TextEncoder().encode('hi\n"\\'), 32)).toBe('"hi\\n\\"\\\\"');
    expect(quoteBytes(new Uint8Array([0, 255]), 32)).toBe('"\\x00\\xff"');
    expect(quoteBytes(new TextEncoder().encode('abcdefghij'), 4)).toBe('"abcd"...');
  });

  it('show arguments, results and errors', () => {
    expect(formatTraceLine(event({}), undefined, options)).toBe('fd_close(4) = 0');
    expect(formatTraceLine(event({ errno: 8, errnoName: 'EBADF' }), undefined, options)).toBe(
      'fd_close(4) = EBADF (bad file descriptor)',
    );
    expect(
      formatTraceLine(event({ name: 'fd_dup', args: { from: 3 }, results: { fd: 5 } }), undefined, {
        ...options,
        showThreads: true,
        showTime: true,
      }),
    ).toBe('[1:2] fd_dup(3) = 0 fd=5 <0.000500>');
  });

  it('read paths and written buffers from guest memory', () => {
    const memory = new Uint8Array(0x100);
    memory.set(new TextEncoder().encode('dir/file.txt'), 0x10);
    // A ciovec {buf 0x40, len 5} at 0x80.
    new DataView(memory.buffer).setBigUint64(0x80, 0x40n, true);
    new DataView(memory.buffer).setBigUint64(0x88, 5n, true);
    memory.set(new TextEncoder().encode('hello'), 0x40);
    const read = (a: number, l: number) => memory.slice(a, a + l);
    const open = event({
      name: 'file_open',
      args: { dirfd: 3n, path: 0x10, path_len: 12, oflags: 1, fds: 0x20 },
      results: { fd: 4 },
    });
    expect(formatTraceLine(open, read, options)).toBe(
      'file_open({fd: 3, flags: 0}, "dir/file"..., 12, CREAT, 0x20) = 0 fd=4',
    );
    const write = event({
      name: 'fd_write',
      args: { fd: 0, iovs: 0x80, iovs_len: 1 },
      results: { nwritten: 5 },
    });
    expect(formatTraceLine(write, read, options)).toBe('fd_write(0, [{"hello", 5}], 1) = 0 nwritten=5');
  });
});

describe('trace filters', () => {
  it('select names and families, or their complement', () => {
    const fd = parseTraceFilter('trace=fd,clock_time_get');
    expect(fd('fd_write')).toBe(true);
    expect(fd('clock_time_get')).toBe(true);
    expect(fd('file_open')).toBe(false);
    const notFile = parseTraceFilter('trace=!file');
    expect(notFile('file_open')).toBe(false);
    expect(notFile('fd_read')).toBe(true);
  });
  it('reject unknown names', () => {
    expect(() => parseTraceFilter('trace=bogus')).toThrow(/unknown syscall or family "bogus"/);
    expect(() => parseTraceFilter('trace=')).toThrow(/empty/);
  });
});

describe('summary', () => {
  it('counts calls, errors and time', () => {
    const s = new TraceSummary();
    s.add(event({ durationMs: 2 }));
    s.add(event({ errno: 8, durationMs: 2 }));
    s.add(event({ name: 'fd_write', durationMs: 1 }));
    const table = s.format();
    expect(table).toMatch(/80\.00\s+0\.004000\s+2000\s+2\s+1 fd_close/);
    expect(table).toMatch(/20\.00\s+0\.001000\s+1000\s+1\s+fd_write/);
    expect(table).toMatch(/100\.00\s+0\.005000\s+3\s+1 total/);
  });
});
