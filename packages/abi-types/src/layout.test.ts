// Golden x86-64 layouts, cross-checked against the offsets asserted by the reference C headers
// (abi-digest §2.7 and §2.8).
import { describe, expect, it } from 'vitest';
import {
  AUXV_SIZE,
  CIOVEC_SIZE,
  DIRENT_SIZE,
  EVENT_SIZE,
  FDSTAT_SIZE,
  FILESTAT_SIZE,
  IOVEC_SIZE,
  LEGACY_STRUCTS,
  LOOKUP_SIZE,
  RECV_IN_SIZE,
  RECV_OUT_SIZE,
  SEND_IN_SIZE,
  SEND_OUT_SIZE,
  SOCKADDR_SIZE,
  SOCKSTAT_SIZE,
  STRUCTS,
  SUBSCRIPTION_SIZE,
  TCB_SIZE,
  THREADATTR_SIZE,
} from './index.js';

const GOLDEN: Record<string, { size: number; align: number; offsets: Record<string, number> }> = {
  auxv: { size: 16, align: 8, offsets: { a_type: 0, a_val: 8, a_ptr: 8 } },
  ciovec: { size: 16, align: 8, offsets: { buf: 0, buf_len: 8 } },
  iovec: { size: 16, align: 8, offsets: { buf: 0, buf_len: 8 } },
  dirent: { size: 24, align: 8, offsets: { d_next: 0, d_ino: 8, d_namlen: 16, d_type: 20 } },
  fdstat: {
    size: 24,
    align: 8,
    offsets: { fs_filetype: 0, fs_flags: 2, fs_rights_base: 8, fs_rights_inheriting: 16 },
  },
  filestat: {
    size: 56,
    align: 8,
    offsets: {
      st_dev: 0,
      st_ino: 8,
      st_filetype: 16,
      st_nlink: 20,
      st_size: 24,
      st_atim: 32,
      st_mtim: 40,
      st_ctim: 48,
    },
  },
  lookup: { size: 8, align: 4, offsets: { fd: 0, flags: 4 } },
  event: {
    size: 32,
    align: 8,
    offsets: {
      userdata: 0,
      error: 8,
      type: 10,
      'fd_readwrite.nbytes': 16,
      'fd_readwrite.unused': 24,
      'fd_readwrite.flags': 28,
      'proc_terminate.unused': 16,
      'proc_terminate.signal': 20,
      'proc_terminate.exitcode': 24,
    },
  },
  subscription: {
    size: 56,
    align: 8,
    offsets: {
      userdata: 0,
      unused: 8,
      type: 10,
      'clock.identifier': 16,
      'clock.clock_id': 24,
      'clock.timeout': 32,
      'clock.precision': 40,
      'clock.flags': 48,
      'condvar.condvar': 16,
      'condvar.lock': 24,
      'condvar.condvar_scope': 32,
      'condvar.lock_scope': 33,
      'fd_readwrite.fd': 16,
      'fd_readwrite.flags': 20,
      'lock.lock': 16,
      'lock.lock_scope': 24,
      'proc_terminate.fd': 16,
    },
  },
  recv_in: {
    size: 40,
    align: 8,
    offsets: { ri_data: 0, ri_data_len: 8, ri_fds: 16, ri_fds_len: 24, ri_flags: 32 },
  },
  recv_out: { size: 64, align: 8, offsets: { ro_datalen: 0, ro_fdslen: 8, ro_unused: 16, ro_flags: 56 } },
  send_in: {
    size: 40,
    align: 8,
    offsets: { si_data: 0, si_data_len: 8, si_fds: 16, si_fds_len: 24, si_flags: 32 },
  },
  send_out: { size: 8, align: 8, offsets: { so_datalen: 0 } },
  tcb: { size: 8, align: 8, offsets: { parent: 0 } },
  threadattr: { size: 32, align: 8, offsets: { entry_point: 0, stack: 8, stack_len: 16, argument: 24 } },
  sockaddr: {
    size: 20,
    align: 2,
    offsets: { sa_family: 0, 'sa_inet.addr': 2, 'sa_inet.port': 6, 'sa_inet6.addr': 2, 'sa_inet6.port': 18 },
  },
  sockstat: { size: 48, align: 4, offsets: { ss_sockname: 0, ss_peername: 20, ss_error: 40, ss_state: 44 } },
};

describe('struct layouts (x86-64)', () => {
  it('covers exactly the structs of the final spec plus the legacy sockaddr/sockstat', () => {
    expect(Object.keys(STRUCTS).sort()).toEqual(Object.keys(GOLDEN).sort());
    expect(
      Object.values(STRUCTS)
        .filter((s) => s.legacy)
        .map((s) => s.name)
        .sort(),
    ).toEqual(['sockaddr', 'sockstat']);
  });

  for (const [name, golden] of Object.entries(GOLDEN)) {
    it(`${name}: size ${golden.size}, align ${golden.align}, field offsets`, () => {
      const layout = STRUCTS[name]!;
      expect(layout.size).toBe(golden.size);
      expect(layout.align).toBe(golden.align);
      expect(layout.offsets).toEqual(golden.offsets);
    });
  }

  it('exports <NAME>_SIZE constants equal to the layouts', () => {
    expect([
      AUXV_SIZE,
      CIOVEC_SIZE,
      DIRENT_SIZE,
      EVENT_SIZE,
      FDSTAT_SIZE,
      FILESTAT_SIZE,
      IOVEC_SIZE,
      LOOKUP_SIZE,
      RECV_IN_SIZE,
      RECV_OUT_SIZE,
      SEND_IN_SIZE,
      SEND_OUT_SIZE,
      SOCKADDR_SIZE,
      SOCKSTAT_SIZE,
      SUBSCRIPTION_SIZE,
      TCB_SIZE,
      THREADATTR_SIZE,
    ]).toEqual([16, 16, 24, 32, 24, 56, 16, 8, 40, 64, 40, 8, 20, 48, 56, 8, 32]);
  });

  it('places the subscription/event union at 16, after the type byte at 10', () => {
    expect(STRUCTS.subscription!.union).toMatchObject({
      tag: 'type',
      tagType: 'eventtype',
      offset: 16,
      size: 40,
      align: 8,
    });
    expect(STRUCTS.event!.union).toMatchObject({ tag: 'type', offset: 16, size: 16 });
    const eventArms = STRUCTS.event!.union!.variants.map((v) => [v.property, v.tagValues]);
    expect(eventArms).toEqual([
      ['fd_readwrite', [3, 4]],
      ['proc_terminate', [7]],
      [undefined, [1, 2, 5, 6]],
    ]);
  });

  it('describes range halves and element types', () => {
    const [ptr, len] = STRUCTS.recv_in!.fields;
    expect(ptr).toMatchObject({
      name: 'ri_data',
      size: 8,
      type: { kind: 'pointer', const: true },
      range: { part: 'pointer' },
    });
    expect(ptr?.range?.type.element).toEqual({ kind: 'struct', name: 'iovec' });
    expect(len).toMatchObject({
      name: 'ri_data_len',
      type: { kind: 'int', name: 'size' },
      range: { of: 'ri_data', part: 'length' },
    });
    expect(STRUCTS.fdstat!.fields[2]!.type).toEqual({
      kind: 'flags',
      name: 'rights',
      size: 8,
      signed: false,
    });
  });

  it('keeps every field inside its struct and non-overlapping within each arm', () => {
    for (const layout of Object.values(STRUCTS)) {
      const arms = layout.union?.variants.map((v) => v.fields) ?? [[]];
      for (const arm of arms) {
        const fields = [...layout.fields, ...arm].sort((a, b) => a.offset - b.offset);
        let end = 0;
        for (const f of fields) {
          expect(f.offset).toBeGreaterThanOrEqual(end);
          expect(
            f.offset % Math.min(f.size, 8) === 0 || f.type.kind === 'array' || f.type.kind === 'struct',
          ).toBe(true);
          end = f.offset + f.size;
        }
        expect(end).toBeLessThanOrEqual(layout.size);
      }
    }
  });
});

// abi-digest §2.8: the 2016-08 declarations use the same sizes, but some bytes held fields later dropped.
describe('legacy struct layouts', () => {
  it('covers every struct of the legacy spec with the same sizes as today', () => {
    expect(Object.keys(LEGACY_STRUCTS).sort()).toEqual(Object.keys(GOLDEN).sort());
    for (const [name, layout] of Object.entries(LEGACY_STRUCTS)) {
      expect(layout.size).toBe(GOLDEN[name]!.size);
      expect(layout.align).toBe(GOLDEN[name]!.align);
    }
  });

  it('places the dropped fields where 2015–2016 binaries expect them', () => {
    expect(LEGACY_STRUCTS.event!.offsets).toMatchObject({
      'clock.identifier': 16,
      'condvar.condvar': 16,
      'fd_readwrite.nbytes': 16,
      'fd_readwrite.fd': 24,
      'fd_readwrite.flags': 28,
      'lock.lock': 16,
      'proc_terminate.fd': 16,
      'proc_terminate.signal': 20,
      'proc_terminate.exitcode': 24,
    });
    expect(LEGACY_STRUCTS.subscription!.offsets).toMatchObject({ flags: 8, type: 10, 'clock.timeout': 32 });
    expect(LEGACY_STRUCTS.recv_out!.offsets).toEqual({
      ro_datalen: 0,
      ro_fdslen: 8,
      ro_sockname: 16,
      ro_peername: 36,
      ro_flags: 56,
    });
    expect(LEGACY_STRUCTS.iovec!.offsets).toEqual({ iov_base: 0, iov_len: 8 });
    expect(LEGACY_STRUCTS.threadattr!.offsets).toEqual({
      entry_point: 0,
      stack: 8,
      stack_size: 16,
      argument: 24,
    });
    expect(LEGACY_STRUCTS.recv_in!.fields[4]!.type).toEqual({
      kind: 'flags',
      name: 'msgflags',
      size: 2,
      signed: false,
    });
  });
});
