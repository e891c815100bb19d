/**
 * The calling shape of every CloudABI system call as the vDSO sees it: the number our kernel uses
 * for a `syscall` executed inside the vDSO (final numbering, digest §1.3 column H), the number of
 * C inputs, and the results stored through out-pointers (digest §1.4). The legacy 2015–2016
 * numbers (column L) are listed too: they are what a raw `syscall` outside the vDSO means.
 */

/** Width of one result the vDSO stores through an out-pointer: fd and tid results are 32-bit. */
export type ResultWidth = 32 | 64;

/** One system call of the final CloudABI spec. */
export interface VdsoSyscall {
  /** Name without the `cloudabi_sys_` prefix. */
  readonly name: string;
  /** Number used between our vDSO and the kernel (final spec, alphabetical order). */
  readonly number: number;
  /** Number in the 2015–2016 legacy numbering used by raw `syscall` instructions. */
  readonly legacyNumber: number;
  /** Number of C inputs (a `lookup` struct is one 64-bit register: fd | flags << 32). */
  readonly inputs: number;
  /** Results returned in rax (and rdx), stored through the out-pointers following the inputs. */
  readonly results: readonly ResultWidth[];
  /** True for proc_exit and thread_exit, which never return. */
  readonly noreturn: boolean;
}

const row = (
  name: string,
  number: number,
  legacyNumber: number,
  inputs: number,
  results: readonly ResultWidth[] = [],
  noreturn = false,
): VdsoSyscall => ({ name, number, legacyNumber, inputs, results, noreturn });

/** The 49 system calls of the final CloudABI specification, in number order. */
export const VDSO_SYSCALLS: readonly VdsoSyscall[] = [
  row('clock_res_get', 0, 0, 1, [64]),
  row('clock_time_get', 1, 1, 2, [64]),
  row('condvar_signal', 2, 2, 3),
  row('fd_close', 3, 3, 1),
  row('fd_create1', 4, 4, 1, [32]),
  row('fd_create2', 5, 5, 1, [32, 32]),
  row('fd_datasync', 6, 6, 1),
  row('fd_dup', 7, 7, 1, [32]),
  row('fd_pread', 8, 8, 4, [64]),
  row('fd_pwrite', 9, 9, 4, [64]),
  row('fd_read', 10, 10, 3, [64]),
  row('fd_replace', 11, 11, 2),
  row('fd_seek', 12, 12, 3, [64]),
  row('fd_stat_get', 13, 13, 2),
  row('fd_stat_put', 14, 14, 3),
  row('fd_sync', 15, 15, 1),
  row('fd_write', 16, 16, 3, [64]),
  row('file_advise', 17, 17, 4),
  row('file_allocate', 18, 18, 3),
  row('file_create', 19, 19, 4),
  row('file_link', 20, 20, 6),
  row('file_open', 21, 21, 5, [32]),
  row('file_readdir', 22, 22, 4, [64]),
  row('file_readlink', 23, 23, 5, [64]),
  row('file_rename', 24, 24, 6),
  row('file_stat_fget', 25, 25, 2),
  row('file_stat_fput', 26, 26, 3),
  row('file_stat_get', 27, 27, 4),
  row('file_stat_put', 28, 28, 5),
  row('file_symlink', 29, 29, 5),
  row('file_unlink', 30, 30, 4),
  row('lock_unlock', 31, 31, 2),
  row('mem_advise', 32, 32, 3),
  row('mem_map', 33, 34, 6, [64]),
  row('mem_protect', 34, 35, 3),
  row('mem_sync', 35, 36, 3),
  row('mem_unmap', 36, 38, 2),
  row('poll', 37, 39, 3, [64]),
  row('proc_exec', 38, 40, 5),
  row('proc_exit', 39, 41, 1, [], true),
  row('proc_fork', 40, 42, 0, [32, 32]),
  row('proc_raise', 41, 43, 1),
  row('random_get', 42, 44, 2),
  row('sock_recv', 43, 49, 3),
  row('sock_send', 44, 50, 3),
  row('sock_shutdown', 45, 51, 2),
  row('thread_create', 46, 53, 1, [32]),
  row('thread_exit', 47, 54, 2, [], true),
  row('thread_yield', 48, 56, 0),
];
