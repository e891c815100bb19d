/**
 * Errno as a value. Operations that can fail return either their result or an {@link Err}; one
 * shared instance exists per errno, so failing costs no allocation.
 */
import { errnoName } from './abi.js';

/** A failed operation's CloudABI errno. */
export class Err {
  constructor(
    /** The CloudABI errno (never SUCCESS). */
    readonly errno: number,
  ) {}
  toString(): string {
    return errnoName(this.errno);
  }
}

const ERRS: Err[] = [];
for (let i = 0; i <= 76; i++) ERRS.push(new Err(i));

/** The shared {@link Err} for `errno`. */
export function err(errno: number): Err {
  return ERRS[errno] ?? new Err(errno);
}

/** True when `value` is an {@link Err}. */
export function isErr(value: unknown): value is Err {
  return value instanceof Err;
}

/** A value now or later: host backends may answer asynchronously. */
export type MaybePromise<T> = T | Promise<T>;

/** True when `value` is a thenable (an asynchronous answer). */
export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** Thrown by the library for misuse by the embedder (not for guest errors, which are errno values). */
export class KernelError extends Error {
  override readonly name = 'KernelError';
}
