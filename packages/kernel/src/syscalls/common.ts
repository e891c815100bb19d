/** Shared pieces of the syscall handlers. */
import { Errno, Fdflags } from '../abi.js';
import { type Err, err, isErr, isPromise, type MaybePromise } from '../errors.js';
import type { FdObject } from '../fd-object.js';
import type { Kernel } from '../kernel.js';
import type { Thread } from '../process.js';

/**
 * A syscall handler: decoded register arguments in, errno (or a Promise of one) out; results go
 * to `thread.ret0` / `thread.ret1`.
 */
export type Handler = (
  kernel: Kernel,
  thread: Thread,
  args: readonly (number | bigint)[],
) => number | Promise<number>;

/** Returned by handlers that replaced or ended the thread's register state (exit, exec). */
export const NO_RETURN = -1;

/**
 * Returned by handlers that parked the thread without a Promise: they have arranged for
 * `kernel.unpark(thread, resume)` to be called when the thread is woken, and `resume` (run in
 * the thread's context before it runs again) returns the syscall's errno, or PARKED again.
 * Cheaper than a Promise for waits that are woken by other threads' syscalls (futexes).
 */
export const PARKED = -2;

/** Resolves once `object` reports readiness of `kind`. */
export function whenReady(object: FdObject, kind: 'read' | 'write'): Promise<void> {
  return new Promise((resolve) => {
    if (object.readiness(kind).ready) {
      resolve();
      return;
    }
    const unsubscribe = object.subscribe(() => {
      if (object.readiness(kind).ready) {
        unsubscribe();
        resolve();
      }
    });
  });
}

/**
 * Runs a read-like operation with blocking semantics: EAGAIN from the object parks the thread
 * until the object is ready, unless the object is non-blocking (FDFLAG_NONBLOCK). `first` is
 * the outcome of an attempt already made (default: `op()` now).
 */
export function blocking<T>(
  object: FdObject,
  kind: 'read' | 'write',
  op: () => MaybePromise<T | Err>,
  first: MaybePromise<T | Err> = op(),
): MaybePromise<T | Err> {
  // The common case answers at once, without building the waiting machinery.
  if (!isPromise(first) && !(isErr(first) && first.errno === Errno.EAGAIN)) return first;
  const again = (r: T | Err): MaybePromise<T | Err> => {
    if (!(isErr(r) && r.errno === Errno.EAGAIN) || object.fdflags & Fdflags.NONBLOCK) return r;
    return whenReady(object, kind).then(() => {
      const next = op();
      return isPromise(next) ? next.then(again) : again(next);
    });
  };
  return isPromise(first) ? first.then(again) : again(first);
}

/** Maps a maybe-async value through `f`. */
export function andThen<T, U>(value: MaybePromise<T>, f: (v: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromise(value) ? value.then(f) : f(value);
}

/** Converts a u64 offset argument to a number, or EINVAL when it exceeds what a file can hold. */
export function offsetArg(value: bigint): number | Err {
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? err(Errno.EINVAL) : Number(value);
}
