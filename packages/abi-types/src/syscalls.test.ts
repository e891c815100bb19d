import { describe, expect, it } from 'vitest';
import {
  type AbiType,
  Filetype,
  LEGACY_STRUCTS,
  LEGACY_SYSCALL_COUNT,
  STRUCTS,
  SYSCALL_COUNT,
  SYSCALLS,
  type SyscallDescriptor,
  syscallByLegacyNumber,
  syscallByName,
  syscallByNumber,
  TYPES,
} from './index.js';

// abi-digest §1.3: column L (2015-08 … 2016-08 raw `syscall` numbers) and column H (HEAD, the
// reference vDSO's alphabetical numbering). `null` = not present in that ABI.
const NUMBERS: Record<string, [number | null, number | null]> = {
  clock_res_get: [0, 0],
  clock_time_get: [1, 1],
  condvar_signal: [2, 2],
  fd_close: [3, 3],
  fd_create1: [4, 4],
  fd_create2: [5, 5],
  fd_datasync: [6, 6],
  fd_dup: [7, 7],
  fd_pread: [8, 8],
  fd_pwrite: [9, 9],
  fd_read: [10, 10],
  fd_replace: [11, 11],
  fd_seek: [12, 12],
  fd_stat_get: [13, 13],
  fd_stat_put: [14, 14],
  fd_sync: [15, 15],
  fd_write: [16, 16],
  file_advise: [17, 17],
  file_allocate: [18, 18],
  file_create: [19, 19],
  file_link: [20, 20],
  file_open: [21, 21],
  file_readdir: [22, 22],
  file_readlink: [23, 23],
  file_rename: [24, 24],
  file_stat_fget: [25, 25],
  file_stat_fput: [26, 26],
  file_stat_get: [27, 27],
  file_stat_put: [28, 28],
  file_symlink: [29, 29],
  file_unlink: [30, 30],
  lock_unlock: [31, 31],
  mem_advise: [32, 32],
  mem_lock: [33, null],
  mem_map: [34, 33],
  mem_protect: [35, 34],
  mem_sync: [36, 35],
  mem_unlock: [37, null],
  mem_unmap: [38, 36],
  poll: [39, 37],
  poll_fd: [57, null],
  proc_exec: [40, 38],
  proc_exit: [41, 39],
  proc_fork: [42, 40],
  proc_raise: [43, 41],
  random_get: [44, 42],
  sock_accept: [45, null],
  sock_bind: [46, null],
  sock_connect: [47, null],
  sock_listen: [48, null],
  sock_recv: [49, 43],
  sock_send: [50, 44],
  sock_shutdown: [51, 45],
  sock_stat_get: [52, null],
  thread_create: [53, 46],
  thread_exit: [54, 47],
  thread_tcb_set: [55, null],
  thread_yield: [56, 48],
};

// syscall-register-abi.md: raw inputs in register order (rdi, rsi, rdx, r10, r8, r9) and results (rax, rdx).
const REGISTERS: Record<string, [string[], string[]]> = {
  clock_res_get: [['clock_id'], ['resolution']],
  clock_time_get: [['clock_id', 'precision'], ['time']],
  condvar_signal: [['condvar', 'scope', 'nwaiters'], []],
  fd_close: [['fd'], []],
  fd_create1: [['type'], ['fd']],
  fd_create2: [['type'], ['fd1', 'fd2']],
  fd_datasync: [['fd'], []],
  fd_dup: [['from'], ['fd']],
  fd_pread: [['fd', 'iovs', 'iovs_len', 'offset'], ['nread']],
  fd_pwrite: [['fd', 'iovs', 'iovs_len', 'offset'], ['nwritten']],
  fd_read: [['fd', 'iovs', 'iovs_len'], ['nread']],
  fd_replace: [['from', 'to'], []],
  fd_seek: [['fd', 'offset', 'whence'], ['newoffset']],
  fd_stat_get: [['fd', 'buf'], []],
  fd_stat_put: [['fd', 'buf', 'flags'], []],
  fd_sync: [['fd'], []],
  fd_write: [['fd', 'iovs', 'iovs_len'], ['nwritten']],
  file_advise: [['fd', 'offset', 'len', 'advice'], []],
  file_allocate: [['fd', 'offset', 'len'], []],
  file_create: [['fd', 'path', 'path_len', 'type'], []],
  file_link: [['fd1', 'path1', 'path1_len', 'fd2', 'path2', 'path2_len'], []],
  file_open: [['dirfd', 'path', 'path_len', 'oflags', 'fds'], ['fd']],
  file_readdir: [['fd', 'buf', 'buf_len', 'cookie'], ['bufused']],
  file_readlink: [['fd', 'path', 'path_len', 'buf', 'buf_len'], ['bufused']],
  file_rename: [['fd1', 'path1', 'path1_len', 'fd2', 'path2', 'path2_len'], []],
  file_stat_fget: [['fd', 'buf'], []],
  file_stat_fput: [['fd', 'buf', 'flags'], []],
  file_stat_get: [['fd', 'path', 'path_len', 'buf'], []],
  file_stat_put: [['fd', 'path', 'path_len', 'buf', 'flags'], []],
  file_symlink: [['path1', 'path1_len', 'fd', 'path2', 'path2_len'], []],
  file_unlink: [['fd', 'path', 'path_len', 'flags'], []],
  lock_unlock: [['lock', 'scope'], []],
  mem_advise: [['mapping', 'mapping_len', 'advice'], []],
  mem_map: [['addr', 'len', 'prot', 'flags', 'fd', 'off'], ['mem']],
  mem_protect: [['mapping', 'mapping_len', 'prot'], []],
  mem_sync: [['mapping', 'mapping_len', 'flags'], []],
  mem_unmap: [['mapping', 'mapping_len'], []],
  poll: [['in', 'out', 'nsubscriptions'], ['nevents']],
  proc_exec: [['fd', 'data', 'data_len', 'fds', 'fds_len'], []],
  proc_exit: [['rval'], []],
  proc_fork: [[], ['fd', 'tid']],
  proc_raise: [['sig'], []],
  random_get: [['buf', 'buf_len'], []],
  sock_recv: [['sock', 'in', 'out'], []],
  sock_send: [['sock', 'in', 'out'], []],
  sock_shutdown: [['sock', 'how'], []],
  thread_create: [['attr'], ['tid']],
  thread_exit: [['lock', 'scope'], []],
  thread_yield: [[], []],
};

function get(name: string): SyscallDescriptor {
  const s = syscallByName(name);
  if (s === undefined) throw new Error(`missing ${name}`);
  return s;
}

describe('syscall numbering', () => {
  it('has 49 final syscalls, 58 legacy ones, 58 in total', () => {
    expect(SYSCALL_COUNT).toBe(49);
    expect(LEGACY_SYSCALL_COUNT).toBe(58);
    expect(SYSCALLS.map((s) => s.name).sort()).toEqual(Object.keys(NUMBERS).sort());
  });

  for (const [name, [legacy, final]] of Object.entries(NUMBERS)) {
    it(`${name}: legacy ${legacy ?? '-'}, final ${final ?? '-'}`, () => {
      const s = get(name);
      expect(s.legacyNumber ?? null).toBe(legacy);
      expect(s.number ?? null).toBe(final);
      expect(s.legacy).toBe(final === null);
      if (final !== null) expect(syscallByNumber(final)).toBe(s);
      if (legacy !== null) expect(syscallByLegacyNumber(legacy)).toBe(s);
    });
  }

  it('numbers the final ABI alphabetically (as the reference vDSO does)', () => {
    const finals = SYSCALLS.filter((s) => s.number !== undefined);
    expect(finals.map((s) => s.name)).toEqual(finals.map((s) => s.name).sort());
    expect(finals.map((s) => s.number)).toEqual(finals.map((_, i) => i));
  });

  it('returns undefined for unknown names and numbers', () => {
    expect(syscallByName('open')).toBeUndefined();
    expect(syscallByNumber(49)).toBeUndefined();
    expect(syscallByNumber(-1)).toBeUndefined();
    expect(syscallByNumber(1.5)).toBeUndefined();
    expect(syscallByLegacyNumber(58)).toBeUndefined();
    expect(syscallByLegacyNumber(Number.NaN)).toBeUndefined();
  });
});

describe('syscall signatures', () => {
  for (const [name, [inputs, results]] of Object.entries(REGISTERS)) {
    it(`${name}: raw registers and results`, () => {
      const s = get(name);
      expect(s.registerParams.map((p) => p.name)).toEqual(inputs);
      expect(s.registerParams.map((p) => p.register)).toEqual(
        ['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'].slice(0, inputs.length),
      );
      expect(s.results.map((r) => r.name)).toEqual(results);
      expect(s.results.map((r) => r.register)).toEqual(['rax', 'rdx'].slice(0, results.length));
    });
  }

  it('packs a lookup into one register and splits paths into (ptr, len)', () => {
    const open = get('file_open');
    expect(open.params.map((p) => [p.name, p.role])).toEqual([
      ['dirfd', 'lookup'],
      ['path', 'path'],
      ['oflags', 'value'],
      ['fds', 'struct-in'],
    ]);
    expect(open.registerParams[0]).toMatchObject({
      part: 'value',
      role: 'lookup',
      type: { kind: 'struct', name: 'lookup' },
    });
    expect(open.registerParams[1]).toMatchObject({
      part: 'pointer',
      param: 'path',
      type: { kind: 'pointer', const: true },
    });
    expect(open.registerParams[2]).toMatchObject({
      part: 'length',
      param: 'path',
      type: { kind: 'int', name: 'size' },
    });
    expect(open.registerParams[3]!.type).toEqual({ kind: 'flags', name: 'oflags', size: 2, signed: false });
    expect(open.params[3]).toMatchObject({ struct: 'fdstat' });
    expect(open.results[0]).toMatchObject({ name: 'fd', storeSize: 4 });
  });

  it('gives the vDSO C signature: rcx instead of r10, out-pointers last, mem_map result on the stack', () => {
    const map = get('mem_map');
    expect(map.vdsoParams.map((p) => p.location)).toEqual(['rdi', 'rsi', 'rdx', 'rcx', 'r8', 'r9', 'stack']);
    expect(map.vdsoParams[6]).toMatchObject({
      name: 'mem',
      part: 'result',
      role: 'result-pointer',
      stackOffset: 8,
    });
    expect(map.results[0]).toMatchObject({ storeSize: 8, type: { kind: 'pointer' } });
    const readdir = get('file_readdir');
    expect(readdir.vdsoParams.map((p) => `${p.name}@${p.location}`)).toEqual([
      'fd@rdi',
      'buf@rsi',
      'buf_len@rdx',
      'cookie@rcx',
      'bufused@r8',
    ]);
    const fork = get('proc_fork');
    expect(fork.vdsoParams.map((p) => `${p.name}@${p.location}`)).toEqual(['fd@rdi', 'tid@rsi']);
    expect(fork.results.map((r) => r.storeSize)).toEqual([4, 4]);
    expect(get('clock_time_get').results[0]!.storeSize).toBe(8);
  });

  it('marks the non-returning syscalls', () => {
    expect(SYSCALLS.filter((s) => s.noreturn).map((s) => s.name)).toEqual(['proc_exit', 'thread_exit']);
  });

  it('classifies parameters for decoding and tracing', () => {
    const roles = (name: string) => get(name).params.map((p) => p.role);
    expect(roles('fd_read')).toEqual(['fd', 'iovec-array']);
    expect(roles('fd_write')).toEqual(['fd', 'ciovec-array']);
    expect(roles('file_symlink')).toEqual(['string', 'fd', 'path']);
    expect(roles('file_readlink')).toEqual(['fd', 'path', 'buffer-out']);
    expect(roles('mem_protect')).toEqual(['memory-region', 'value']);
    expect(roles('mem_map')).toEqual(['address', 'value', 'value', 'value', 'fd', 'value']);
    expect(roles('random_get')).toEqual(['buffer-out']);
    expect(roles('proc_exec')).toEqual(['fd', 'buffer-in', 'fd-array']);
    expect(roles('condvar_signal')).toEqual(['atomic-word', 'value', 'value']);
    expect(roles('thread_create')).toEqual(['struct-in']);
    expect(roles('sock_recv')).toEqual(['fd', 'struct-in', 'struct-out']);
    expect(get('poll').params.slice(0, 2)).toMatchObject([
      { role: 'struct-array-in', struct: 'subscription', count: 'nsubscriptions' },
      { role: 'struct-array-out', struct: 'event', count: 'nsubscriptions' },
    ]);
    expect(get('fd_seek').params[1]!.type).toEqual({
      kind: 'alias',
      name: 'filedelta',
      size: 8,
      signed: true,
    });
  });

  it('records allowed values for both ABIs', () => {
    expect(get('fd_create1').params[0]).toMatchObject({
      allowed: [Filetype.SHARED_MEMORY],
      legacyAllowed: [
        Filetype.POLL,
        Filetype.SHARED_MEMORY,
        Filetype.SOCKET_DGRAM,
        Filetype.SOCKET_SEQPACKET,
        Filetype.SOCKET_STREAM,
      ],
    });
    expect(get('fd_create2').params[0]).toMatchObject({
      allowed: [Filetype.SOCKET_DGRAM, Filetype.SOCKET_STREAM],
      legacyAllowed: [
        Filetype.FIFO,
        Filetype.SOCKET_DGRAM,
        Filetype.SOCKET_SEQPACKET,
        Filetype.SOCKET_STREAM,
      ],
    });
    expect(get('file_create').params[2]).toMatchObject({
      allowed: [Filetype.DIRECTORY],
      legacyAllowed: [Filetype.DIRECTORY, Filetype.FIFO],
    });
    expect(get('file_unlink').params[2]).toMatchObject({ allowed: [1] });
    expect(get('file_unlink').params[2]!.legacyAllowed).toBeUndefined();
  });

  it('describes the legacy-only syscalls', () => {
    expect(get('thread_tcb_set').registerParams).toMatchObject([
      { name: 'tcb', role: 'address', register: 'rdi' },
    ]);
    expect(get('poll_fd').registerParams.map((p) => `${p.name}:${p.role}`)).toEqual([
      'fd:fd',
      'in:struct-array-in',
      'nin:struct-array-in',
      'out:struct-array-out',
      'nout:struct-array-out',
      'timeout:struct-in',
    ]);
    expect(get('sock_accept').results).toMatchObject([{ name: 'conn', register: 'rax' }]);
    expect(get('sock_stat_get').params.map((p) => p.type)).toMatchObject([
      { name: 'fd' },
      { kind: 'pointer', target: { kind: 'struct', name: 'sockstat' } },
      { kind: 'flags', name: 'ssflags' },
    ]);
    expect(get('mem_lock').registerParams.map((p) => p.name)).toEqual(['addr', 'len']);
    expect(get('sock_listen').params[1]!.type).toEqual({
      kind: 'alias',
      name: 'backlog',
      size: 4,
      signed: false,
    });
  });

  it('has a summary and at most six raw registers for every syscall', () => {
    for (const s of SYSCALLS) {
      expect(s.doc.length).toBeGreaterThan(10);
      expect(s.registerParams.length).toBeLessThanOrEqual(6);
      expect(s.vdsoParams.length).toBe(s.registerParams.length + s.results.length);
    }
  });
});

describe('table consistency', () => {
  // Every type a descriptor mentions must resolve: structs to STRUCTS (or LEGACY_STRUCTS for
  // legacy-only ones), named scalars to TYPES with the same width and signedness.
  function check(type: AbiType): void {
    switch (type.kind) {
      case 'pointer':
        check(type.target);
        return;
      case 'range':
      case 'array':
        check(type.element);
        return;
      case 'struct':
        expect(STRUCTS[type.name] ?? LEGACY_STRUCTS[type.name], type.name).toBeDefined();
        return;
      case 'enum':
      case 'flags':
      case 'opaque':
      case 'alias': {
        const info = TYPES[type.name];
        expect(info, type.name).toBeDefined();
        expect([info!.kind, info!.size, info!.signed]).toEqual([type.kind, type.size, type.signed]);
        return;
      }
      default:
        return;
    }
  }

  it('resolves every type in SYSCALLS, STRUCTS and LEGACY_STRUCTS', () => {
    for (const s of SYSCALLS) {
      for (const p of [...s.params, ...s.results, ...s.registerParams, ...s.vdsoParams]) check(p.type);
      for (const p of s.params) if (p.struct !== undefined) expect(STRUCTS[p.struct], p.struct).toBeDefined();
    }
    for (const layout of [...Object.values(STRUCTS), ...Object.values(LEGACY_STRUCTS)]) {
      for (const f of [...layout.fields, ...(layout.union?.variants.flatMap((v) => v.fields) ?? [])])
        check(f.type);
    }
  });

  it('gives every register argument a width that fits in 64 bits', () => {
    for (const s of SYSCALLS) {
      for (const p of s.registerParams) {
        const t = p.type;
        if (t.kind === 'struct') expect(t.name).toBe('lookup');
        else expect(['pointer', 'int', 'enum', 'flags', 'opaque', 'alias']).toContain(t.kind);
      }
    }
  });
});
