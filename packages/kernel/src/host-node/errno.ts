/**
 * The Node backend's one host-error → CloudABI errno table. Node reports host errors by their
 * POSIX names (`error.code`); names CloudABI shares map by name (digest §2.2), the Linux aliases
 * and the few Linux answers that differ from the CloudABI/FreeBSD ones are listed, and anything
 * unknown becomes ENOSYS (as FreeBSD's and the reference emulator's conversions do).
 */
import { Errno } from '../abi.js';

const ALIASES: Record<string, number> = {
  EWOULDBLOCK: Errno.EAGAIN,
  EOPNOTSUPP: Errno.ENOTSUP,
  EDEADLOCK: Errno.EDEADLK,
  // Linux answers rmdir of a non-empty directory with either; CloudABI programs expect ENOTEMPTY.
  EEXIST: Errno.EEXIST,
};

/** CloudABI errno for a Node error code (`'ENOENT'` → 44); unknown codes → ENOSYS. */
export function errnoFromCode(code: string | undefined): number {
  if (code === undefined) return Errno.EIO;
  const alias = ALIASES[code];
  if (alias !== undefined) return alias;
  const direct = (Errno as Record<string, number>)[code];
  return direct !== undefined && code !== 'SUCCESS' ? direct : Errno.ENOSYS;
}

/** CloudABI errno for a thrown Node error. */
export function errnoOf(error: unknown): number {
  const code = (error as { code?: unknown } | null)?.code;
  return errnoFromCode(typeof code === 'string' ? code : undefined);
}
