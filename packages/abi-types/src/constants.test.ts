import { describe, expect, it } from 'vitest';
import {
  Advice,
  Auxtype,
  Clockid,
  CONDVAR_HAS_NO_WAITERS,
  DIRCOOKIE_START,
  Errno,
  Eventrwflags,
  Eventtype,
  Fd,
  Fdflags,
  Fdsflags,
  Filetype,
  Fsflags,
  LOCK_KERNEL_MANAGED,
  LOCK_UNLOCKED,
  LOCK_WRLOCKED,
  Lookupflags,
  MAP_ANON_FD,
  Mflags,
  Mprot,
  Msflags,
  Msgflags,
  Oflags,
  PROCESS_CHILD,
  RIGHTS_ALL,
  RIGHTS_ALL_LEGACY,
  Riflags,
  Rights,
  Roflags,
  SaFamily,
  Scope,
  Sdflags,
  Siflags,
  Signal,
  Ssflags,
  Sstate,
  Subclockflags,
  Subflags,
  Subrwflags,
  TYPES,
  Ulflags,
  Whence,
} from './index.js';

describe('enums and flag sets', () => {
  it('uses the spec values (abi-digest §2.2–2.6)', () => {
    expect(Errno.SUCCESS).toBe(0);
    expect(Errno.E2BIG).toBe(1);
    expect(Errno.EBADF).toBe(8);
    expect(Errno.EINVAL).toBe(28);
    expect(Errno.ENOSYS).toBe(52);
    expect(Errno.ENOTSUP).toBe(58);
    expect(Errno.ENOTCAPABLE).toBe(76);
    expect(Object.keys(Errno)).toHaveLength(77);
    expect(Filetype).toEqual({
      UNKNOWN: 0,
      BLOCK_DEVICE: 0x10,
      CHARACTER_DEVICE: 0x11,
      DIRECTORY: 0x20,
      FIFO: 0x30,
      POLL: 0x40,
      PROCESS: 0x50,
      REGULAR_FILE: 0x60,
      SHARED_MEMORY: 0x70,
      SOCKET_DGRAM: 0x80,
      SOCKET_SEQPACKET: 0x81,
      SOCKET_STREAM: 0x82,
      SYMBOLIC_LINK: 0x90,
    });
    expect(Whence).toEqual({ CUR: 1, END: 2, SET: 3 });
    expect(Advice).toEqual({ DONTNEED: 1, NOREUSE: 2, NORMAL: 3, RANDOM: 4, SEQUENTIAL: 5, WILLNEED: 6 });
    expect(Clockid).toEqual({ MONOTONIC: 1, PROCESS_CPUTIME_ID: 2, REALTIME: 3, THREAD_CPUTIME_ID: 4 });
    expect(Eventtype).toEqual({
      CLOCK: 1,
      CONDVAR: 2,
      FD_READ: 3,
      FD_WRITE: 4,
      LOCK_RDLOCK: 5,
      LOCK_WRLOCK: 6,
      PROC_TERMINATE: 7,
    });
    expect(Oflags).toEqual({ CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 });
    expect(Fdflags).toEqual({ APPEND: 1, DSYNC: 2, NONBLOCK: 4, RSYNC: 8, SYNC: 16 });
    expect(Fdsflags).toEqual({ FLAGS: 1, RIGHTS: 2 });
    expect(Fsflags).toEqual({ ATIM: 1, ATIM_NOW: 2, MTIM: 4, MTIM_NOW: 8, SIZE: 16 });
    expect(Ulflags).toEqual({ REMOVEDIR: 1 });
    expect(Lookupflags).toEqual({ SYMLINK_FOLLOW: 1 });
    expect(Mflags).toEqual({ ANON: 1, FIXED: 2, PRIVATE: 4, SHARED: 8 });
    expect(Mprot).toEqual({ EXEC: 1, WRITE: 2, READ: 4 });
    expect(Msflags).toEqual({ ASYNC: 1, INVALIDATE: 2, SYNC: 4 });
    expect(Scope).toEqual({ PRIVATE: 4, SHARED: 8 });
    expect(Eventrwflags).toEqual({ HANGUP: 1 });
    expect(Subclockflags).toEqual({ ABSTIME: 1 });
    expect(Subrwflags).toEqual({ POLL: 1 });
    expect(Riflags).toEqual({ PEEK: 4, WAITALL: 16 });
    expect(Roflags).toEqual({ FDS_TRUNCATED: 1, DATA_TRUNCATED: 8 });
    expect(Sdflags).toEqual({ RD: 1, WR: 2 });
    expect(Siflags).toEqual({});
    expect(Signal.SIGABRT).toBe(1);
    expect(Signal.SIGKILL).toBe(10);
    expect(Signal.SIGSEGV).toBe(13);
    expect(Signal.SIGXFSZ).toBe(26);
    expect(Object.keys(Signal)).toHaveLength(26);
    expect(Auxtype).toMatchObject({
      NULL: 0,
      PHDR: 3,
      PHNUM: 4,
      PAGESZ: 6,
      BASE: 7,
      ARGDATA: 256,
      SYSINFO_EHDR: 262,
      PID: 263,
    });
  });

  it('uses bigint for rights and exact bit positions', () => {
    expect(Rights.FD_DATASYNC).toBe(1n);
    expect(Rights.FD_READ).toBe(2n);
    expect(Rights.FD_WRITE).toBe(0x40n);
    expect(Rights.FILE_CREATE_FIFO).toBe(0x800n);
    expect(Rights.POLL_FD_READWRITE).toBe(0x10000000n);
    expect(Rights.PROC_EXEC).toBe(0x100000000n);
    expect(Rights.SOCK_ACCEPT).toBe(0x200000000n);
    expect(Rights.SOCK_SHUTDOWN).toBe(0x8000000000n);
    expect(Rights.SOCK_STAT_GET).toBe(0x10000000000n);
    expect(Object.keys(Rights)).toHaveLength(41);
    expect(RIGHTS_ALL).toBe(0x815ffff7ffn);
    expect(RIGHTS_ALL_LEGACY).toBe(0x1ffffffffffn);
  });

  it('marks legacy-only members and types in the metadata', () => {
    const legacyKeys = (type: string) =>
      TYPES[type]!.members.filter((m) => m.legacy)
        .map((m) => m.key)
        .sort();
    expect(legacyKeys('filetype')).toEqual(['FIFO', 'POLL', 'SOCKET_SEQPACKET']);
    expect(legacyKeys('rights')).toEqual([
      'FILE_CREATE_FIFO',
      'POLL_MODIFY',
      'POLL_WAIT',
      'SOCK_ACCEPT',
      'SOCK_BIND_DIRECTORY',
      'SOCK_BIND_SOCKET',
      'SOCK_CONNECT_DIRECTORY',
      'SOCK_CONNECT_SOCKET',
      'SOCK_LISTEN',
      'SOCK_STAT_GET',
    ]);
    expect(legacyKeys('errno')).toEqual([]);
    expect(TYPES.filetype!.legacy).toBe(false);
    for (const t of ['sa_family', 'msgflags', 'ssflags', 'sstate', 'subflags', 'backlog'])
      expect(TYPES[t]!.legacy).toBe(true);
    expect(TYPES.rights!.members.find((m) => m.key === 'FD_READ')).toEqual({
      name: 'fd_read',
      key: 'FD_READ',
      cName: 'CLOUDABI_RIGHT_FD_READ',
      value: 2n,
      legacy: false,
    });
    expect(TYPES.errno!.members.find((m) => m.value === 76)?.cName).toBe('CLOUDABI_ENOTCAPABLE');
  });

  it('exports the legacy-only types', () => {
    expect(SaFamily).toEqual({ UNSPEC: 0, INET: 1, INET6: 2, UNIX: 3 });
    expect(Msgflags).toEqual({ CTRUNC: 1, EOR: 2, PEEK: 4, TRUNC: 8, WAITALL: 16 });
    expect(Ssflags).toEqual({ CLEAR_ERROR: 1 });
    expect(Sstate).toEqual({ ACCEPTCONN: 1 });
    expect(Subflags).toEqual({ ADD: 1, CLEAR: 2, DELETE: 4, DISABLE: 8, ENABLE: 16, ONESHOT: 32 });
  });

  it('describes every type with its width', () => {
    expect(TYPES.fd).toMatchObject({ kind: 'opaque', size: 4, signed: false });
    expect(TYPES.filedelta).toMatchObject({ kind: 'alias', size: 8, signed: true });
    expect(TYPES.errno).toMatchObject({ kind: 'enum', size: 2 });
    expect(TYPES.rights).toMatchObject({ kind: 'flags', size: 8 });
    expect(TYPES.userdata).toMatchObject({ kind: 'alias', size: 8 });
    for (const t of Object.values(TYPES)) expect(t.doc.length).toBeGreaterThan(5);
  });
});

describe('special constants', () => {
  it('matches abi-digest §2.6', () => {
    expect(PROCESS_CHILD).toBe(0xffffffff);
    expect(MAP_ANON_FD).toBe(0xffffffff);
    expect(Fd).toEqual({ PROCESS_CHILD: 0xffffffff, MAP_ANON_FD: 0xffffffff });
    expect(LOCK_UNLOCKED).toBe(0);
    expect(LOCK_WRLOCKED).toBe(0x40000000);
    expect(LOCK_KERNEL_MANAGED).toBe(0x80000000);
    expect(CONDVAR_HAS_NO_WAITERS).toBe(0);
    expect(DIRCOOKIE_START).toBe(0n);
  });
});
