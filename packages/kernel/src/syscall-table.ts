/**
 * The syscall table as the kernel needs it: name, the final (vDSO) number, the 2015–2016 legacy
 * number, and the raw register parameters in order (rdi, rsi, rdx, r10, r8, r9) with their types
 * (digest §1.3; spec-legacy syscall numbers). One row per syscall drives decoding, dispatch and
 * tracing.
 */

/** How a raw register argument is decoded. */
export type ParamType =
  /** u32 file descriptor */
  | 'fd'
  | 'u8'
  | 'u16'
  | 'u32'
  /** 64-bit value kept as bigint (rights, timestamps, file sizes) */
  | 'u64'
  /** signed 64-bit value (file deltas), bigint */
  | 'i64'
  /** size_t: a number (values above 2^53 become Infinity, which no check accepts) */
  | 'size'
  /** guest pointer: a number (above 2^53: Infinity) */
  | 'ptr'
  /** packed lookup: low 32 bits fd, high 32 bits flags (decoded as a number: fd + flags * 2^32) */
  | 'lookup';

/** One register parameter. */
export interface SyscallParam {
  name: string;
  type: ParamType;
}

/** One syscall. */
export interface SyscallInfo {
  name: string;
  /** Number used by our vDSO (final CloudABI numbering), or -1 for legacy-only syscalls. */
  number: number;
  /** Legacy raw `syscall` number (2015-08 … 2016-08), or -1 when it did not exist. */
  legacyNumber: number;
  params: readonly SyscallParam[];
  /** Names of the register results (rax, rdx). */
  results: readonly string[];
  /** True for proc_exit and thread_exit. */
  noreturn?: boolean;
}

const p = (spec: string): SyscallParam[] =>
  spec === ''
    ? []
    : spec.split(',').map((s) => {
        const [name, type] = s.trim().split(':') as [string, ParamType];
        return { name, type };
      });

const row = (
  name: string,
  number: number,
  legacyNumber: number,
  params: string,
  results: string[] = [],
  noreturn = false,
): SyscallInfo => ({
  name,
  number,
  legacyNumber,
  params: p(params),
  results,
  ...(noreturn ? { noreturn } : {}),
});

/** Every syscall, HEAD and legacy. */
export const SYSCALL_TABLE: readonly SyscallInfo[] = [
  row('clock_res_get', 0, 0, 'clock_id:u32', ['resolution']),
  row('clock_time_get', 1, 1, 'clock_id:u32, precision:u64', ['time']),
  row('condvar_signal', 2, 2, 'condvar:ptr, scope:u8, nwaiters:u32'),
  row('fd_close', 3, 3, 'fd:fd'),
  row('fd_create1', 4, 4, 'type:u8', ['fd']),
  row('fd_create2', 5, 5, 'type:u8', ['fd1', 'fd2']),
  row('fd_datasync', 6, 6, 'fd:fd'),
  row('fd_dup', 7, 7, 'from:fd', ['fd']),
  row('fd_pread', 8, 8, 'fd:fd, iovs:ptr, iovs_len:size, offset:u64', ['nread']),
  row('fd_pwrite', 9, 9, 'fd:fd, iovs:ptr, iovs_len:size, offset:u64', ['nwritten']),
  row('fd_read', 10, 10, 'fd:fd, iovs:ptr, iovs_len:size', ['nread']),
  row('fd_replace', 11, 11, 'from:fd, to:fd'),
  row('fd_seek', 12, 12, 'fd:fd, offset:i64, whence:u8', ['newoffset']),
  row('fd_stat_get', 13, 13, 'fd:fd, buf:ptr'),
  row('fd_stat_put', 14, 14, 'fd:fd, buf:ptr, flags:u16'),
  row('fd_sync', 15, 15, 'fd:fd'),
  row('fd_write', 16, 16, 'fd:fd, iovs:ptr, iovs_len:size', ['nwritten']),
  row('file_advise', 17, 17, 'fd:fd, offset:u64, len:u64, advice:u8'),
  row('file_allocate', 18, 18, 'fd:fd, offset:u64, len:u64'),
  row('file_create', 19, 19, 'fd:fd, path:ptr, path_len:size, type:u8'),
  row('file_link', 20, 20, 'fd1:lookup, path1:ptr, path1_len:size, fd2:fd, path2:ptr, path2_len:size'),
  row('file_open', 21, 21, 'dirfd:lookup, path:ptr, path_len:size, oflags:u16, fds:ptr', ['fd']),
  row('file_readdir', 22, 22, 'fd:fd, buf:ptr, buf_len:size, cookie:u64', ['bufused']),
  row('file_readlink', 23, 23, 'fd:fd, path:ptr, path_len:size, buf:ptr, buf_len:size', ['bufused']),
  row('file_rename', 24, 24, 'fd1:fd, path1:ptr, path1_len:size, fd2:fd, path2:ptr, path2_len:size'),
  row('file_stat_fget', 25, 25, 'fd:fd, buf:ptr'),
  row('file_stat_fput', 26, 26, 'fd:fd, buf:ptr, flags:u16'),
  row('file_stat_get', 27, 27, 'fd:lookup, path:ptr, path_len:size, buf:ptr'),
  row('file_stat_put', 28, 28, 'fd:lookup, path:ptr, path_len:size, buf:ptr, flags:u16'),
  row('file_symlink', 29, 29, 'path1:ptr, path1_len:size, fd:fd, path2:ptr, path2_len:size'),
  row('file_unlink', 30, 30, 'fd:fd, path:ptr, path_len:size, flags:u8'),
  row('lock_unlock', 31, 31, 'lock:ptr, scope:u8'),
  row('mem_advise', 32, 32, 'mapping:ptr, mapping_len:size, advice:u8'),
  row('mem_lock', -1, 33, 'addr:ptr, len:size'),
  row('mem_map', 33, 34, 'addr:ptr, len:size, prot:u8, flags:u8, fd:fd, off:u64', ['mem']),
  row('mem_protect', 34, 35, 'mapping:ptr, mapping_len:size, prot:u8'),
  row('mem_sync', 35, 36, 'mapping:ptr, mapping_len:size, flags:u8'),
  row('mem_unlock', -1, 37, 'addr:ptr, len:size'),
  row('mem_unmap', 36, 38, 'mapping:ptr, mapping_len:size'),
  row('poll', 37, 39, 'in:ptr, out:ptr, nsubscriptions:size', ['nevents']),
  row('poll_fd', -1, 57, 'fd:fd, in:ptr, nin:size, out:ptr, nout:size, timeout:ptr', ['nevents']),
  row('proc_exec', 38, 40, 'fd:fd, data:ptr, data_len:size, fds:ptr, fds_len:size'),
  row('proc_exit', 39, 41, 'rval:u32', [], true),
  row('proc_fork', 40, 42, '', ['fd', 'tid']),
  row('proc_raise', 41, 43, 'sig:u8'),
  row('random_get', 42, 44, 'buf:ptr, buf_len:size'),
  row('sock_accept', -1, 45, 'sock:fd, buf:ptr', ['fd']),
  row('sock_bind', -1, 46, 'sock:fd, fd:fd, path:ptr, path_len:size'),
  row('sock_connect', -1, 47, 'sock:fd, fd:fd, path:ptr, path_len:size'),
  row('sock_listen', -1, 48, 'sock:fd, backlog:u32'),
  row('sock_recv', 43, 49, 'sock:fd, in:ptr, out:ptr'),
  row('sock_send', 44, 50, 'sock:fd, in:ptr, out:ptr'),
  row('sock_shutdown', 45, 51, 'sock:fd, how:u8'),
  row('sock_stat_get', -1, 52, 'sock:fd, buf:ptr, flags:u8'),
  row('thread_create', 46, 53, 'attr:ptr', ['tid']),
  row('thread_exit', 47, 54, 'lock:ptr, scope:u8', [], true),
  row('thread_tcb_set', -1, 55, 'tcb:ptr'),
  row('thread_yield', 48, 56, ''),
];

const byNumber: (SyscallInfo | undefined)[] = [];
const byLegacy: (SyscallInfo | undefined)[] = [];
const byName = new Map<string, SyscallInfo>();
for (const s of SYSCALL_TABLE) {
  if (s.number >= 0) byNumber[s.number] = s;
  if (s.legacyNumber >= 0) byLegacy[s.legacyNumber] = s;
  byName.set(s.name, s);
}

/** The syscall with final number `n`. */
export function syscallByNumber(n: number): SyscallInfo | undefined {
  return byNumber[n];
}
/** The syscall with legacy number `n`. */
export function syscallByLegacyNumber(n: number): SyscallInfo | undefined {
  return byLegacy[n];
}
/** The syscall called `name`. */
export function syscallByName(name: string): SyscallInfo | undefined {
  return byName.get(name);
}
