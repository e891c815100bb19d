/**
 * The CloudABI constants the kernel uses, re-exported from `@cabi/abi-types` (generated from the
 * specification) so that kernel modules import them from one place. Rights are 64-bit bigint
 * masks; they are compared as bigint, never with a 32-bit `&` (PROC_EXEC is bit 32).
 */
import { Eventrwflags, errnoName as formatErrno, Signal, Subclockflags } from '@cabi/abi-types';

export {
  Advice,
  Clockid,
  CONDVAR_HAS_NO_WAITERS,
  Errno,
  Eventtype,
  Fdflags,
  Fdsflags,
  Filetype,
  LOCK_KERNEL_MANAGED,
  LOCK_UNLOCKED,
  LOCK_WRLOCKED,
  MAP_ANON_FD,
  Mflags,
  Mprot,
  Msflags,
  PROCESS_CHILD,
  RIGHTS_ALL,
  RIGHTS_ALL_LEGACY,
  Rights,
  Scope,
  Signal,
  Whence,
} from '@cabi/abi-types';

/** The symbolic name of an errno value (`EBADF`). */
export function errnoName(errno: number): string {
  return formatErrno(errno);
}

/** HANGUP in an fd_readwrite event (spec: type `eventrwflags`). */
export const EVENT_FD_READWRITE_HANGUP = Eventrwflags.HANGUP;
/** ABSTIME in a clock subscription (spec: type `subclockflags`). */
export const SUBSCRIPTION_CLOCK_ABSTIME = Subclockflags.ABSTIME;

/** A CloudABI signal name. */
export type SignalName = keyof typeof Signal;
const SIGNAL_NAMES: string[] = [];
for (const [name, value] of Object.entries(Signal)) SIGNAL_NAMES[value] = name;
/** The name of a signal number, or undefined when it is not a CloudABI signal. */
export function signalName(sig: number): SignalName | undefined {
  return SIGNAL_NAMES[sig] as SignalName | undefined;
}
