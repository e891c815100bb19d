/** The handler table: syscall name → handler (the syscall table's names, one file per family). */
import { clock_res_get, clock_time_get } from './clock.js';
import type { Handler } from './common.js';
import {
  fd_close,
  fd_create1,
  fd_create2,
  fd_datasync,
  fd_dup,
  fd_pread,
  fd_pwrite,
  fd_read,
  fd_replace,
  fd_seek,
  fd_stat_get,
  fd_stat_put,
  fd_sync,
  fd_write,
} from './fd.js';
import { file_stat_fget, file_stat_fput } from './file.js';
import { FILE_PATH_HANDLERS } from './file-path.js';
import { condvar_signal, lock_unlock } from './lock.js';
import { mem_advise, mem_lock, mem_map, mem_protect, mem_sync, mem_unlock, mem_unmap } from './mem.js';
import { poll } from './poll.js';
import { poll_fd } from './poll-fd.js';
import { proc_exec, proc_exit, proc_fork, proc_raise } from './proc.js';
import { random_get } from './random.js';
import { SOCK_HANDLERS } from './sock.js';
import { thread_create, thread_exit, thread_tcb_set, thread_yield } from './thread.js';

export { type Handler, NO_RETURN, PARKED } from './common.js';

/** Handlers of the syscalls this kernel serves; others answer ENOSYS. */
export const HANDLERS: Readonly<Record<string, Handler>> = {
  ...FILE_PATH_HANDLERS,
  ...SOCK_HANDLERS,
  clock_res_get,
  clock_time_get,
  condvar_signal,
  fd_close,
  fd_create1,
  fd_create2,
  fd_datasync,
  fd_dup,
  fd_pread,
  fd_pwrite,
  fd_read,
  fd_replace,
  fd_seek,
  fd_stat_get,
  fd_stat_put,
  fd_sync,
  fd_write,
  file_stat_fget,
  file_stat_fput,
  lock_unlock,
  mem_advise,
  mem_lock,
  mem_map,
  mem_protect,
  mem_sync,
  mem_unlock,
  mem_unmap,
  poll,
  poll_fd,
  proc_exec,
  proc_exit,
  proc_fork,
  proc_raise,
  random_get,
  thread_create,
  thread_exit,
  thread_tcb_set,
  thread_yield,
};
