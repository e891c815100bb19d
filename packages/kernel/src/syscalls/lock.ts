/**
 * condvar and lock families: condvar_signal, lock_unlock (spec: syscalls `condvar_signal`,
 * `lock_unlock`; protocol in digest §3.9 and ../futex.ts). Waiting happens through poll.
 */
import { Errno, Scope } from '../abi.js';
import type { UserWords } from '../futex.js';
import { loadU32, storeU32 } from '../guest.js';
import type { Process } from '../process.js';
import type { Handler } from './common.js';

/** The futex engine's view of a process's memory. */
export function userWords(proc: Process): UserWords {
  return {
    load: (addr) => loadU32(proc.memory, addr),
    store: (addr, value) => storeU32(proc.memory, addr, value),
  };
}

/**
 * The identity of a lock or condvar word. Private scope: the process and the address. Shared
 * scope: the shared memory object and offset when the word lies in a shared mapping (so that
 * processes sharing it after fork, or mapping the same object, meet), else as private (FreeBSD's
 * AUTO_SHARE). Any other scope is EINVAL.
 */
export function futexKey(proc: Process, addr: number, scope: number): string | number {
  if (scope === Scope.PRIVATE) return `p${proc.pid}:${addr}`;
  if (scope !== Scope.SHARED) return Errno.EINVAL;
  for (const r of proc.sharedRegions) {
    if (addr >= r.addr && addr < r.addr + r.len) return `s${r.object.inode}:${addr - r.addr + r.offset}`;
  }
  return `p${proc.pid}:${addr}`;
}

/**
 * condvar_signal(condvar, scope, nwaiters): wakes up to `nwaiters` threads waiting on the
 * condvar; they re-acquire the condvar's lock before their poll returns. Signalling a condvar
 * without waiters, or one the kernel has never seen, succeeds.
 */
export const condvar_signal: Handler = (kernel, t, a) => {
  const addr = a[0] as number;
  const key = futexKey(t.process, addr, a[1] as number);
  if (typeof key === 'number') return key;
  return kernel.futex.condvarSignal(userWords(t.process), key, addr, a[2] as number);
};

/**
 * lock_unlock(lock, scope): releases a write lock that has the KERNEL_MANAGED bit set, handing
 * it to the next waiting writer or to all waiting readers. EPERM when the caller does not own
 * the lock.
 */
export const lock_unlock: Handler = (kernel, t, a) => {
  const addr = a[0] as number;
  const key = futexKey(t.process, addr, a[1] as number);
  if (typeof key === 'number') return key;
  return kernel.futex.unlock(userWords(t.process), key, addr, t.tid);
};
