/**
 * The host backend interface: what a file system must provide so that the kernel can serve
 * path-based syscalls over it.
 *
 * A backend never sees a path. The kernel's resolver (./resolve.ts) walks every path itself and
 * hands the backend one (directory handle, single name) pair at a time, where the name is never
 * empty, never `.` or `..` and never contains `/` or NUL. Nothing a backend does may follow a
 * symbolic link: the resolver expands links itself, within the directory it started from.
 *
 * Every method may answer synchronously (the fast path for in-memory and synchronous host calls)
 * or with a Promise (hosts that can only answer asynchronously). Errors are CloudABI errno values
 * wrapped in {@link Err}; each backend converts its host's errors through one table.
 */
import { Errno } from '../abi.js';
import { type Err, err, type MaybePromise } from '../errors.js';
import type { FdObject, FileStat } from '../fd-object.js';
import type { DatagramChannel } from '../objects/pipe.js';
import type { FifoOpener } from './fifo.js';

/** One entry of a directory listing (without `.` and `..`, which the kernel adds). */
export interface HostDirEntry {
  /** The entry's name (one component). */
  name: string;
  /** Inode number. */
  ino: bigint;
  /** CloudABI file type (digest §2.4; host FIFOs and sockets are SOCKET_STREAM, §6.2 item 21). */
  filetype: number;
  /**
   * A stable cookie (> 2) for readdir, increasing in listing order, when the backend has one;
   * without it the kernel numbers a snapshot of the listing.
   */
  cookie?: bigint;
}

/** A timestamp update of `utimes`: leave unchanged, set to now, or set to a value in ns. */
export type TimeUpdate = null | 'now' | bigint;

/** How {@link HostBackend.openFile} opens a regular file. */
export interface HostOpenFlags {
  read: boolean;
  write: boolean;
  /** Create when missing (O_CREAT). */
  create: boolean;
  /** With create: fail with EEXIST when present (O_EXCL). */
  exclusive: boolean;
  /** Empty the file (O_TRUNC). */
  truncate: boolean;
}

/** An open regular file of a backend. Offsets are handled by the kernel's file object. */
export interface HostFile {
  /** Reads up to `len` bytes at `offset` (a short or empty result at the end). */
  pread(len: number, offset: number): MaybePromise<Uint8Array | Err>;
  /** Writes all of `data` at `offset`, returning the count. */
  pwrite(data: Uint8Array, offset: number): MaybePromise<number | Err>;
  /** Attributes of the open file. */
  stat(): MaybePromise<FileStat | Err>;
  /** Sets the size. */
  truncate(size: number): MaybePromise<number>;
  /** Ensures the range `[offset, offset+len)` is allocated (posix_fallocate). */
  allocate(offset: number, len: number): MaybePromise<number>;
  /** Sets timestamps. */
  utimes(atim: TimeUpdate, mtim: TimeUpdate): MaybePromise<number>;
  /** Flushes data and metadata. */
  sync(): MaybePromise<number>;
  /** Flushes data. */
  datasync(): MaybePromise<number>;
  /** Releases the host resource (called once, when the last fd closes). */
  close(): void;
}

/**
 * A file system the kernel can serve paths from. `D` is the backend's directory handle (an open
 * host fd, an inode object, …). Every method has a "not supported" answer in
 * {@link UnsupportedBackend}, so a partial backend states only what it can do.
 */
export interface HostBackend<D = unknown> {
  /** A short name for diagnostics (`memory`, `node`). */
  readonly name: string;
  /** Attributes of `name` in `dir` without following a symlink (`name` null: `dir` itself). */
  lstat(dir: D, name: string | null): MaybePromise<FileStat | Err>;
  /** Opens the directory `name` in `dir`; a symlink is ELOOP, anything else ENOTDIR. */
  openDir(dir: D, name: string): MaybePromise<D | Err>;
  /** A second handle to the same directory (released separately with closeDir). */
  dupDir(dir: D): MaybePromise<D | Err>;
  /** Releases a directory handle obtained from openDir or dupDir. */
  closeDir(dir: D): void;
  /**
   * Opens (or creates) the regular file `name` in `dir`; a symlink is ELOOP, a directory EISDIR
   * (directories are opened with {@link HostBackend.openDir}).
   */
  openFile(dir: D, name: string, flags: HostOpenFlags): MaybePromise<HostFile | Err>;
  /** The target text of the symlink `name` (EINVAL when it is not a symlink). */
  readlink(dir: D, name: string): MaybePromise<string | Err>;
  /** Creates the directory `name`. */
  mkdir(dir: D, name: string): MaybePromise<number>;
  /** Removes `name`: a directory only with `directory` (then it must be empty), else a non-directory. */
  unlink(dir: D, name: string, directory: boolean): MaybePromise<number>;
  /** Renames `from` in `fromDir` to `to` in `toDir`, replacing a compatible target. */
  rename(fromDir: D, from: string, toDir: D, to: string): MaybePromise<number>;
  /** Creates the hard link `to` in `toDir` to `from` in `fromDir` (a symlink is linked itself). */
  link(fromDir: D, from: string, toDir: D, to: string): MaybePromise<number>;
  /** Creates the symlink `name` with the given target text. */
  symlink(target: string, dir: D, name: string): MaybePromise<number>;
  /** Lists `dir` (without `.` and `..`). */
  readdir(dir: D): MaybePromise<HostDirEntry[] | Err>;
  /** Sets timestamps of `name` in `dir` (null: `dir` itself), never following a symlink. */
  utimes(dir: D, name: string | null, atim: TimeUpdate, mtim: TimeUpdate): MaybePromise<number>;
  /** Flushes a directory. */
  syncDir(dir: D): MaybePromise<number>;
  /** Creates the FIFO `name` (legacy file_create with the FIFO type). */
  mkfifo(dir: D, name: string): MaybePromise<number>;
  /**
   * What opens `name` when it is a FIFO (one this kernel created, or a host FIFO); null when it is
   * anything else or absent (the caller then opens it as a file).
   */
  fifo(dir: D, name: string): MaybePromise<FifoOpener | null>;
  /**
   * Binds a Unix socket at `name` (legacy sock_bind): creates the socket's name, whose incoming
   * connections go to `listener`. EADDRINUSE when the name exists.
   */
  bindSocket(dir: D, name: string, listener: SocketListener): MaybePromise<SocketBinding | Err>;
  /**
   * Connects to the Unix socket bound at `name` (legacy sock_connect), never following a symlink
   * there (ELOOP: the resolver expands it). Answers the connected client end.
   */
  connectSocket(dir: D, name: string, filetype: number): MaybePromise<FdObject | Err>;
}

/** The receiving side of a bound Unix socket: where connections to its name are delivered. */
export interface SocketListener {
  /** SOCKET_STREAM, SOCKET_SEQPACKET or SOCKET_DGRAM. */
  readonly filetype: number;
  /** A datagram socket's queue, where messages sent to its name go (in-kernel backends). */
  readonly datagramInbox?: DatagramChannel;
  /**
   * A connection arrived: `conn` is the server's end. False refuses it (not listening, or the
   * backlog is full); the connecting side then sees ECONNREFUSED.
   */
  incoming(conn: FdObject): boolean;
}

/** A socket name created by {@link HostBackend.bindSocket}. */
export interface SocketBinding {
  /**
   * The socket starts listening (legacy sock_listen): from now on connections to the name reach
   * the listener; before, connecting is ECONNREFUSED.
   */
  listen(): MaybePromise<number>;
  /** Stops delivering connections (the socket closed); the name itself may remain. */
  close(): void;
}

/**
 * A backend that supports nothing: every operation answers ENOTSUP. Backends extend it and
 * override what their host can do.
 */
export class UnsupportedBackend<D> implements HostBackend<D> {
  readonly name: string = 'unsupported';
  lstat(_dir: D, _name: string | null): MaybePromise<FileStat | Err> {
    return err(Errno.ENOTSUP);
  }
  openDir(_dir: D, _name: string): MaybePromise<D | Err> {
    return err(Errno.ENOTSUP);
  }
  dupDir(_dir: D): MaybePromise<D | Err> {
    return err(Errno.ENOTSUP);
  }
  closeDir(_dir: D): void {}
  openFile(_dir: D, _name: string, _flags: HostOpenFlags): MaybePromise<HostFile | Err> {
    return err(Errno.ENOTSUP);
  }
  readlink(_dir: D, _name: string): MaybePromise<string | Err> {
    return err(Errno.ENOTSUP);
  }
  mkdir(_dir: D, _name: string): MaybePromise<number> {
    return Errno.ENOTSUP;
  }
  unlink(_dir: D, _name: string, _directory: boolean): MaybePromise<number> {
    return Errno.ENOTSUP;
  }
  rename(_fromDir: D, _from: string, _toDir: D, _to: string): MaybePromise<number> {
    return Errno.ENOTSUP;
  }
  link(_fromDir: D, _from: string, _toDir: D, _to: string): MaybePromise<number> {
    return Errno.ENOTSUP;
  }
  symlink(_target: string, _dir: D, _name: string): MaybePromise<number> {
    return Errno.ENOTSUP;
  }
  readdir(_dir: D): MaybePromise<HostDirEntry[] | Err> {
    return err(Errno.ENOTSUP);
  }
  utimes(_dir: D, _name: string | null, _atim: TimeUpdate, _mtim: TimeUpdate): MaybePromise<number> {
    return Errno.ENOTSUP;
  }
  syncDir(_dir: D): MaybePromise<number> {
    return Errno.SUCCESS;
  }
  mkfifo(_dir: D, _name: string): MaybePromise<number> {
    return Errno.ENOTSUP;
  }
  fifo(_dir: D, _name: string): MaybePromise<FifoOpener | null> {
    return null;
  }
  bindSocket(_dir: D, _name: string, _listener: SocketListener): MaybePromise<SocketBinding | Err> {
    return err(Errno.ENOTSUP);
  }
  connectSocket(_dir: D, _name: string, _filetype: number): MaybePromise<FdObject | Err> {
    return err(Errno.ENOTSUP);
  }
}
