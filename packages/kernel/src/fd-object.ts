/**
 * The objects fds refer to.
 *
 * An {@link FdObject} is what an fd table entry points at: a pipe end, a socket, a shared memory
 * object, an in-memory file, a host stream, a process. Every operation has a "not supported"
 * default, so a subclass only implements what its kind of object can do. Each method answers with
 * a value or an {@link Err}, synchronously or as a Promise (async host backends).
 *
 * Blocking is the kernel's business, not the object's: an object that has nothing to read (or no
 * room to write) returns EAGAIN and reports readiness changes through {@link FdObject.notify};
 * the kernel then parks the calling thread unless the fd is non-blocking.
 */
import { Errno, Filetype } from './abi.js';
import { type Err, err, type MaybePromise } from './errors.js';
import type { TimeUpdate } from './vfs/backend.js';

/** Readiness of an object for reading or writing, as poll reports it (spec: `event.fd_readwrite`). */
export interface Readiness {
  /** An operation would not block now (data or room available, end of file, or an error). */
  ready: boolean;
  /** Bytes available to read, or room to write. */
  nbytes: number;
  /** The peer is gone / end of file reached. */
  hangup: boolean;
  /** An error poll reports for this object instead of readiness (e.g. EPIPE). */
  error?: number;
}

/** What `file_stat_fget` reports about an object (spec: struct `filestat`). */
export interface FileStat {
  dev: bigint;
  ino: bigint;
  filetype: number;
  nlink: number;
  size: bigint;
  atim: bigint;
  mtim: bigint;
  ctim: bigint;
}

let nextInode = 1n;

/** The base of every object an fd can refer to. */
export abstract class FdObject {
  /** The CloudABI file type reported by fd_stat_get. */
  abstract readonly filetype: number;
  /** Whether a character device behaves like a terminal (narrower type rights). */
  readonly tty: boolean = false;
  /** fd flags (APPEND, NONBLOCK, …), shared by all fds referring to this object. */
  fdflags = 0;
  /** Whether proc_exec and socket messages may carry this object to another process. */
  readonly passable: boolean = true;
  /** A stable inode number for file_stat_fget. */
  readonly inode: bigint = nextInode++;
  private refs = 0;
  private listeners: Set<() => void> | null = null;

  /** Reads up to `len` bytes. An empty result is end of file; EAGAIN means "nothing yet". */
  read(_len: number): MaybePromise<Uint8Array | Err> {
    return err(Errno.ENOTSUP);
  }
  /** Writes bytes, returning how many were accepted (EAGAIN: no room yet). */
  write(_data: Uint8Array): MaybePromise<number | Err> {
    return err(Errno.ENOTSUP);
  }
  /** Reads at an offset without moving the file offset. */
  pread(_len: number, _offset: number): MaybePromise<Uint8Array | Err> {
    return err(Errno.ESPIPE);
  }
  /** Writes at an offset without moving the file offset. */
  pwrite(_data: Uint8Array, _offset: number): MaybePromise<number | Err> {
    return err(Errno.ESPIPE);
  }
  /** Moves the file offset (whence as in the spec: CUR 1, END 2, SET 3); returns the new offset. */
  seek(_delta: number, _whence: number): MaybePromise<number | Err> {
    return err(Errno.ESPIPE);
  }
  /** Flushes data and metadata. */
  sync(): MaybePromise<number> {
    return Errno.EINVAL;
  }
  /** Flushes data. */
  datasync(): MaybePromise<number> {
    return Errno.EINVAL;
  }
  /** Changes the size (file_stat_fput with FILESTAT_SIZE). */
  truncate(_size: number): MaybePromise<number> {
    return Errno.EINVAL;
  }
  /**
   * Sets the access and modification times (file_stat_fput with time flags): null leaves a time
   * unchanged, 'now' uses the current time, a bigint is nanoseconds since the epoch. Objects
   * without timestamps answer ENOTSUP.
   */
  utimes(_atim: TimeUpdate, _mtim: TimeUpdate): MaybePromise<number> {
    return Errno.ENOTSUP;
  }
  /** Attributes for file_stat_fget. */
  stat(): MaybePromise<FileStat | Err> {
    return {
      dev: 0n,
      ino: this.inode,
      filetype: this.filetype,
      nlink: 1,
      size: 0n,
      atim: 0n,
      mtim: 0n,
      ctim: 0n,
    };
  }
  /** Readiness for reading (`'read'`) or writing (`'write'`). Default: always ready (like regular files). */
  readiness(_kind: 'read' | 'write'): Readiness {
    return { ready: true, nbytes: 0, hangup: false };
  }
  /** Bytes to copy into a private file-backed mapping (mem_map of an fd). */
  mapBytes(_offset: number, _len: number): MaybePromise<Uint8Array | Err> {
    return err(Errno.ENODEV);
  }
  /** Called once when the last fd referring to the object is closed. */
  protected onClose(): void {}

  /** Adds a readiness listener; returns a function that removes it. */
  subscribe(listener: () => void): () => void {
    if (!this.listeners) this.listeners = new Set();
    this.listeners.add(listener);
    return () => {
      this.listeners?.delete(listener);
    };
  }
  /** Tells subscribers that readiness may have changed. */
  notify(): void {
    if (!this.listeners || this.listeners.size === 0) return;
    for (const listener of [...this.listeners]) listener();
  }
  /** Records one more fd table entry referring to this object. */
  retain(): void {
    this.refs++;
  }
  /** Drops one fd table entry; the object closes when none remain. */
  release(): void {
    if (--this.refs === 0) this.onClose();
  }
  /** How many fd table entries (in all processes) refer to this object. */
  get references(): number {
    return this.refs;
  }
}

/** Whether `filetype` is a socket type. */
export function isSocketType(filetype: number): boolean {
  return (
    filetype === Filetype.SOCKET_DGRAM ||
    filetype === Filetype.SOCKET_STREAM ||
    filetype === Filetype.SOCKET_SEQPACKET
  );
}
