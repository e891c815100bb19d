/**
 * The CloudABI numbers the kernel works with, gathered in one module.
 *
 * Values are those of the CloudABI specification (`cloudabi.txt`, types section) and of the
 * 2016-08 legacy specification for the removed file types and the legacy POLL machinery. Rights
 * are 64-bit and kept as bigint here; hot paths compare them as bigint once per syscall, never
 * with a 32-bit `&` (PROC_EXEC is bit 32).
 */

/** CloudABI error numbers (spec: type `errno`). */
export const Errno = {
  SUCCESS: 0,
  E2BIG: 1,
  EACCES: 2,
  EADDRINUSE: 3,
  EADDRNOTAVAIL: 4,
  EAFNOSUPPORT: 5,
  EAGAIN: 6,
  EALREADY: 7,
  EBADF: 8,
  EBADMSG: 9,
  EBUSY: 10,
  ECANCELED: 11,
  ECHILD: 12,
  ECONNABORTED: 13,
  ECONNREFUSED: 14,
  ECONNRESET: 15,
  EDEADLK: 16,
  EDESTADDRREQ: 17,
  EDOM: 18,
  EDQUOT: 19,
  EEXIST: 20,
  EFAULT: 21,
  EFBIG: 22,
  EHOSTUNREACH: 23,
  EIDRM: 24,
  EILSEQ: 25,
  EINPROGRESS: 26,
  EINTR: 27,
  EINVAL: 28,
  EIO: 29,
  EISCONN: 30,
  EISDIR: 31,
  ELOOP: 32,
  EMFILE: 33,
  EMLINK: 34,
  EMSGSIZE: 35,
  EMULTIHOP: 36,
  ENAMETOOLONG: 37,
  ENETDOWN: 38,
  ENETRESET: 39,
  ENETUNREACH: 40,
  ENFILE: 41,
  ENOBUFS: 42,
  ENODEV: 43,
  ENOENT: 44,
  ENOEXEC: 45,
  ENOLCK: 46,
  ENOLINK: 47,
  ENOMEM: 48,
  ENOMSG: 49,
  ENOPROTOOPT: 50,
  ENOSPC: 51,
  ENOSYS: 52,
  ENOTCONN: 53,
  ENOTDIR: 54,
  ENOTEMPTY: 55,
  ENOTRECOVERABLE: 56,
  ENOTSOCK: 57,
  ENOTSUP: 58,
  ENOTTY: 59,
  ENXIO: 60,
  EOVERFLOW: 61,
  EOWNERDEAD: 62,
  EPERM: 63,
  EPIPE: 64,
  EPROTO: 65,
  EPROTONOSUPPORT: 66,
  EPROTOTYPE: 67,
  ERANGE: 68,
  EROFS: 69,
  ESPIPE: 70,
  ESRCH: 71,
  ESTALE: 72,
  ETIMEDOUT: 73,
  ETXTBSY: 74,
  EXDEV: 75,
  ENOTCAPABLE: 76,
} as const;
/** A CloudABI error number. */
export type Errno = (typeof Errno)[keyof typeof Errno];

const ERRNO_NAMES: string[] = [];
for (const [name, value] of Object.entries(Errno)) ERRNO_NAMES[value] = name;
/** The symbolic name of an errno value (`EBADF`), or its number in decimal when unknown. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? String(errno);
}

/** Rights bits (spec: type `rights`), including the legacy ones of the 2016 specification. */
export const Rights = {
  FD_DATASYNC: 1n << 0n,
  FD_READ: 1n << 1n,
  FD_SEEK: 1n << 2n,
  FD_STAT_PUT_FLAGS: 1n << 3n,
  FD_SYNC: 1n << 4n,
  FD_TELL: 1n << 5n,
  FD_WRITE: 1n << 6n,
  FILE_ADVISE: 1n << 7n,
  FILE_ALLOCATE: 1n << 8n,
  FILE_CREATE_DIRECTORY: 1n << 9n,
  FILE_CREATE_FILE: 1n << 10n,
  FILE_CREATE_FIFO: 1n << 11n,
  FILE_LINK_SOURCE: 1n << 12n,
  FILE_LINK_TARGET: 1n << 13n,
  FILE_OPEN: 1n << 14n,
  FILE_READDIR: 1n << 15n,
  FILE_READLINK: 1n << 16n,
  FILE_RENAME_SOURCE: 1n << 17n,
  FILE_RENAME_TARGET: 1n << 18n,
  FILE_STAT_FGET: 1n << 19n,
  FILE_STAT_FPUT_SIZE: 1n << 20n,
  FILE_STAT_FPUT_TIMES: 1n << 21n,
  FILE_STAT_GET: 1n << 22n,
  FILE_STAT_PUT_TIMES: 1n << 23n,
  FILE_SYMLINK: 1n << 24n,
  FILE_UNLINK: 1n << 25n,
  MEM_MAP: 1n << 26n,
  MEM_MAP_EXEC: 1n << 27n,
  POLL_FD_READWRITE: 1n << 28n,
  POLL_MODIFY: 1n << 29n,
  POLL_PROC_TERMINATE: 1n << 30n,
  POLL_WAIT: 1n << 31n,
  PROC_EXEC: 1n << 32n,
  SOCK_ACCEPT: 1n << 33n,
  SOCK_BIND_DIRECTORY: 1n << 34n,
  SOCK_BIND_SOCKET: 1n << 35n,
  SOCK_CONNECT_DIRECTORY: 1n << 36n,
  SOCK_CONNECT_SOCKET: 1n << 37n,
  SOCK_LISTEN: 1n << 38n,
  SOCK_SHUTDOWN: 1n << 39n,
  SOCK_STAT_GET: 1n << 40n,
} as const;

/** Every right of the current specification (the legacy-only bits excluded). */
export const RIGHTS_ALL = 0x0000_0081_5fff_f7ffn;
/** Every right including the legacy ones, for objects that may carry anything (sockets' inheriting). */
export const RIGHTS_ALL_LEGACY = (1n << 41n) - 1n;

/** File types (spec: type `filetype`; FIFO and POLL from the 2016 specification). */
export const Filetype = {
  UNKNOWN: 0x00,
  BLOCK_DEVICE: 0x10,
  CHARACTER_DEVICE: 0x11,
  DIRECTORY: 0x20,
  FIFO: 0x30,
  POLL: 0x40,
  PROCESS: 0x50,
  REGULAR_FILE: 0x60,
  SHARED_MEMORY: 0x70,
  SOCKET_DGRAM: 0x80,
  SOCKET_SEQPACKET: 0x81,
  SOCKET_STREAM: 0x82,
  SYMBOLIC_LINK: 0x90,
} as const;

/** fd flags (spec: type `fdflags`). */
export const Fdflags = { APPEND: 0x1, DSYNC: 0x2, NONBLOCK: 0x4, RSYNC: 0x8, SYNC: 0x10 } as const;
/** fd_stat_put selector (spec: type `fdsflags`). */
export const Fdsflags = { FLAGS: 0x1, RIGHTS: 0x2 } as const;
/** Seek origins (spec: type `whence`). */
export const Whence = { CUR: 1, END: 2, SET: 3 } as const;
/** Clocks (spec: type `clockid`). */
export const Clockid = { MONOTONIC: 1, PROCESS_CPUTIME_ID: 2, REALTIME: 3, THREAD_CPUTIME_ID: 4 } as const;
/** Event and subscription types (spec: type `eventtype`). */
export const Eventtype = {
  CLOCK: 1,
  CONDVAR: 2,
  FD_READ: 3,
  FD_WRITE: 4,
  LOCK_RDLOCK: 5,
  LOCK_WRLOCK: 6,
  PROC_TERMINATE: 7,
} as const;
/** HANGUP in an fd_readwrite event (spec: type `eventrwflags`). */
export const EVENT_FD_READWRITE_HANGUP = 0x1;
/** ABSTIME in a clock subscription (spec: type `subclockflags`). */
export const SUBSCRIPTION_CLOCK_ABSTIME = 0x1;
/** mem_map flags (spec: type `mflags`). */
export const Mflags = { ANON: 0x1, FIXED: 0x2, PRIVATE: 0x4, SHARED: 0x8 } as const;
/** Memory protection (spec: type `mprot`). Note the order differs from the CPU's page bits. */
export const Mprot = { EXEC: 0x1, WRITE: 0x2, READ: 0x4 } as const;
/** mem_sync flags (spec: type `msflags`). */
export const Msflags = { ASYNC: 0x1, INVALIDATE: 0x2, SYNC: 0x4 } as const;
/** Advice values (spec: type `advice`). */
export const Advice = { DONTNEED: 1, NOREUSE: 2, NORMAL: 3, RANDOM: 4, SEQUENTIAL: 5, WILLNEED: 6 } as const;
/** Futex scopes (spec: type `scope`). */
export const Scope = { PRIVATE: 0x4, SHARED: 0x8 } as const;
/** Signals (spec: type `signal`). */
export const Signal = {
  SIGABRT: 1,
  SIGALRM: 2,
  SIGBUS: 3,
  SIGCHLD: 4,
  SIGCONT: 5,
  SIGFPE: 6,
  SIGHUP: 7,
  SIGILL: 8,
  SIGINT: 9,
  SIGKILL: 10,
  SIGPIPE: 11,
  SIGQUIT: 12,
  SIGSEGV: 13,
  SIGSTOP: 14,
  SIGSYS: 15,
  SIGTERM: 16,
  SIGTRAP: 17,
  SIGTSTP: 18,
  SIGTTIN: 19,
  SIGTTOU: 20,
  SIGURG: 21,
  SIGUSR1: 22,
  SIGUSR2: 23,
  SIGVTALRM: 24,
  SIGXCPU: 25,
  SIGXFSZ: 26,
} as const;
/** A CloudABI signal name. */
export type SignalName = keyof typeof Signal;
const SIGNAL_NAMES: string[] = [];
for (const [name, value] of Object.entries(Signal)) SIGNAL_NAMES[value] = name;
/** The name of a signal number, or undefined when it is not a CloudABI signal. */
export function signalName(sig: number): SignalName | undefined {
  return SIGNAL_NAMES[sig] as SignalName | undefined;
}

/** The fd a forked child sees as proc_fork's first result (spec: `PROCESS_CHILD`). */
export const PROCESS_CHILD = 0xffffffff;
/** The fd argument of an anonymous mem_map (spec: `MAP_ANON_FD`). */
export const MAP_ANON_FD = 0xffffffff;
/** Lock word bits (spec: type `lock`). */
export const LOCK_UNLOCKED = 0;
export const LOCK_WRLOCKED = 0x40000000;
export const LOCK_KERNEL_MANAGED = 0x80000000;
/** Condition variable word meaning "no waiters" (spec: `CONDVAR_HAS_NO_WAITERS`). */
export const CONDVAR_HAS_NO_WAITERS = 0;

/** Struct sizes on x86-64 (spec: struct layouts). */
export const IOVEC_SIZE = 16;
export const FDSTAT_SIZE = 24;
export const EVENT_SIZE = 32;
export const SUBSCRIPTION_SIZE = 56;
export const THREADATTR_SIZE = 32;
