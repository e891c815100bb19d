/**
 * The path sandbox: the kernel's only interpreter of paths (architecture: "exactly one module
 * interprets paths").
 *
 * A path is resolved component by component beneath the directory of an fd. The walk keeps a
 * stack of open directory handles whose bottom is that directory and which `..` can never pop;
 * symbolic links are read and expanded here, within a budget, so that a backend only ever
 * receives a directory handle and one plain name. Rules (digest §6.2 items 11, 12, 14):
 *
 * - a path of 1024 bytes or more is ENAMETOOLONG, one containing NUL is EINVAL, one that is not
 *   UTF-8 is EILSEQ, an empty one ENOENT;
 * - an absolute path, an absolute symlink target and `..` above the starting directory are
 *   ENOTCAPABLE;
 * - a component longer than 255 bytes is ENAMETOOLONG;
 * - more than {@link MAX_SYMLINKS} expansions is ELOOP;
 * - symlinks in the middle of a path are always followed; the last component only when the
 *   operation asks for it (LOOKUP_SYMLINK_FOLLOW) or the path ends in `/`;
 * - a trailing `/` demands a directory (the operation is told through `mustBeDir`).
 */
import { Errno } from '../abi.js';
import { type Err, err, isErr, isPromise, type MaybePromise } from '../errors.js';
import type { HostBackend } from './backend.js';

/** PATH_MAX: paths of this many bytes or more are ENAMETOOLONG (FreeBSD MAXPATHLEN). */
export const PATH_MAX = 1024;
/** NAME_MAX: the longest single component in bytes. */
export const NAME_MAX = 255;
/** Symlink expansions allowed in one resolution (FreeBSD MAXSYMLINKS). */
export const MAX_SYMLINKS = 32;

/** Returned by a last-component operation to say "this is a symlink: follow it". */
export const FOLLOW: unique symbol = Symbol('follow');

/**
 * The operation on the last component: `name` is null when the path ends in `.` or `..` (the
 * operation then concerns `dir` itself); `mustBeDir` when the path ended in `/` (or `.`/`..`).
 * Answer {@link FOLLOW} to have the resolver expand a symlink found there.
 */
export type LastOp<D, T> = (
  dir: D,
  name: string | null,
  mustBeDir: boolean,
) => MaybePromise<T | Err | typeof FOLLOW>;

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** A parsed path: its components (no empty ones) and whether it ended in `/`. */
export interface ParsedPath {
  components: string[];
  trailingSlash: boolean;
  /** Length in bytes. */
  bytes: number;
}

/** Decodes guest path bytes and checks them (length, NUL, encoding, empty, absolute). */
export function parsePath(path: Uint8Array | string): ParsedPath | Err {
  let bytes: Uint8Array;
  let text: string;
  if (typeof path === 'string') {
    text = path;
    bytes = encoder.encode(path);
  } else {
    bytes = path;
    if (bytes.length >= PATH_MAX) return err(Errno.ENAMETOOLONG);
    if (bytes.includes(0)) return err(Errno.EINVAL);
    try {
      text = decoder.decode(bytes);
    } catch {
      return err(Errno.EILSEQ);
    }
  }
  if (bytes.length >= PATH_MAX) return err(Errno.ENAMETOOLONG);
  if (text.includes('\0')) return err(Errno.EINVAL);
  if (text.length === 0) return err(Errno.ENOENT);
  if (text.charCodeAt(0) === 0x2f) return err(Errno.ENOTCAPABLE);
  return split(text, bytes.length);
}

function split(text: string, bytes: number): ParsedPath {
  const components = text.split('/').filter((c) => c.length > 0);
  return { components, trailingSlash: text.endsWith('/'), bytes };
}

function byteLength(name: string): number {
  // Fast path: ASCII names are as long in bytes as in UTF-16 units.
  return /^[\x00-\x7f]*$/.test(name) ? name.length : encoder.encode(name).length;
}

/**
 * Drives a generator whose yields are maybe-promises: stays synchronous while every yielded
 * value is, switches to a Promise at the first asynchronous one.
 */
export function drive<T>(gen: Generator<unknown, T, unknown>, input?: unknown): MaybePromise<T> {
  let value = input;
  for (;;) {
    let step: IteratorResult<unknown, T>;
    step = gen.next(value);
    if (step.done) return step.value;
    if (isPromise(step.value)) {
      return (step.value as Promise<unknown>).then(
        (v) => drive(gen, v),
        (error: unknown) => {
          gen.return(undefined as T);
          throw error;
        },
      );
    }
    value = step.value;
  }
}

/**
 * Resolves `path` beneath `base` and runs `last` on the final (directory, name) pair; `last`
 * decides whether a symlink there is followed (answering {@link FOLLOW}), so LOOKUP_SYMLINK_FOLLOW
 * is the operation's business. Every directory the walk opened is closed when `last` has
 * answered; `base` itself is never closed.
 */
export function walk<D, T>(
  backend: HostBackend<D>,
  base: D,
  path: Uint8Array | string,
  last: LastOp<D, T>,
): MaybePromise<T | Err> {
  const parsed = parsePath(path);
  if (isErr(parsed)) return parsed;
  return drive(walker(backend, base, parsed, last));
}

function* walker<D, T>(
  backend: HostBackend<D>,
  base: D,
  parsed: ParsedPath,
  last: LastOp<D, T>,
): Generator<unknown, T | Err, unknown> {
  // Remaining components, next one at the end (pop is cheap).
  let rest = parsed.components.reverse();
  let trailing = parsed.trailingSlash;
  let budget = MAX_SYMLINKS;
  const stack: D[] = [base];
  try {
    for (;;) {
      const name = rest.pop();
      if (name === undefined) {
        // Only reachable through a symlink whose target is made of slashes and dots.
        return (yield last(stack[stack.length - 1] as D, null, true)) as T | Err;
      }
      const isLast = rest.length === 0;
      if (name === '.' || name === '..') {
        if (name === '..') {
          if (stack.length === 1) return err(Errno.ENOTCAPABLE);
          backend.closeDir(stack.pop() as D);
        }
        if (isLast) return (yield last(stack[stack.length - 1] as D, null, true)) as T | Err;
        continue;
      }
      if (byteLength(name) > NAME_MAX) return err(Errno.ENAMETOOLONG);
      const dir = stack[stack.length - 1] as D;
      if (!isLast) {
        const sub = (yield backend.openDir(dir, name)) as D | Err;
        if (!isErr(sub)) {
          stack.push(sub);
          continue;
        }
        if (sub.errno !== Errno.ELOOP) return sub;
      } else {
        const r = (yield last(dir, name, trailing)) as T | Err | typeof FOLLOW;
        if (r !== FOLLOW) return r;
      }
      // `name` is a symlink: splice its target into the remaining path.
      const target = (yield backend.readlink(dir, name)) as string | Err;
      if (isErr(target)) return target.errno === Errno.EINVAL ? err(Errno.ELOOP) : target;
      if (--budget < 0) return err(Errno.ELOOP);
      if (target.length === 0) return err(Errno.ENOENT);
      if (target.charCodeAt(0) === 0x2f) return err(Errno.ENOTCAPABLE);
      const expanded = split(target, byteLength(target));
      let remaining = expanded.bytes;
      for (const c of rest) remaining += byteLength(c) + 1;
      if (remaining >= PATH_MAX) return err(Errno.ENAMETOOLONG);
      if (isLast) trailing = trailing || expanded.trailingSlash;
      rest = rest.concat(expanded.components.reverse());
    }
  } finally {
    for (let i = stack.length - 1; i > 0; i--) backend.closeDir(stack[i] as D);
  }
}
