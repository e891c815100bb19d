/**
 * An inode-based in-memory file system: directories, regular files and symlinks held in
 * JavaScript memory. It runs anywhere (browsers included) and is the reference the Node backend
 * is compared against by the conformance suite (`@cabi/kernel/testing`).
 *
 * File contents grow geometrically (doubling), so a sequence of appends costs linear time.
 */
import { Errno, Filetype } from '../abi.js';
import { type Err, err } from '../errors.js';
import type { FdObject, FileStat } from '../fd-object.js';
import { createDatagramSocketPair, createStreamSocketPair } from '../objects/pipe.js';
import { DatagramPeer } from '../sock/unix.js';
import {
  type HostDirEntry,
  type HostFile,
  type HostOpenFlags,
  type SocketBinding,
  type SocketListener,
  type TimeUpdate,
  UnsupportedBackend,
} from '../vfs/backend.js';
import { NamedFifo } from '../vfs/fifo.js';

/** Largest file the memory backend stores (EFBIG beyond). */
export const MEMORY_MAX_FILE = 1 << 30;

/** A node of the in-memory file system. */
export abstract class MemoryInode {
  abstract readonly filetype: number;
  nlink = 0;
  atim: bigint;
  mtim: bigint;
  ctim: bigint;
  constructor(
    readonly fs: MemoryBackend,
    readonly ino: bigint,
  ) {
    const now = fs.now();
    this.atim = now;
    this.mtim = now;
    this.ctim = now;
  }
  abstract get size(): number;
  stat(): FileStat {
    return {
      dev: this.fs.dev,
      ino: this.ino,
      filetype: this.filetype,
      nlink: this.nlink,
      size: BigInt(this.size),
      atim: this.atim,
      mtim: this.mtim,
      ctim: this.ctim,
    };
  }
}

/** A directory: names → inodes, with a stable, increasing cookie per entry (for readdir). */
export class MemoryDirectory extends MemoryInode {
  readonly filetype = Filetype.DIRECTORY;
  readonly entries = new Map<string, { inode: MemoryInode; cookie: number }>();
  /** The directory containing this one (itself for a root). */
  parent: MemoryDirectory = this;
  /** Set once the directory has been removed: nothing can be created in it any more. */
  removed = false;
  get size(): number {
    return 0;
  }
}

/** A regular file with geometrically growing storage. */
export class MemoryRegularFile extends MemoryInode {
  readonly filetype = Filetype.REGULAR_FILE;
  data = new Uint8Array(0);
  length = 0;
  get size(): number {
    return this.length;
  }
  /** Sets the logical size, growing storage by doubling; bytes beyond the old size read as zero. */
  resize(size: number): void {
    if (size > this.data.length) {
      const grown = new Uint8Array(Math.min(MEMORY_MAX_FILE, Math.max(size, this.data.length * 2, 256)));
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    } else if (size < this.length) {
      this.data.fill(0, size, this.length);
    }
    this.length = size;
  }
}

/** A symbolic link (its target is text the resolver interprets). */
export class MemorySymlink extends MemoryInode {
  readonly filetype = Filetype.SYMBOLIC_LINK;
  constructor(
    fs: MemoryBackend,
    ino: bigint,
    readonly target: string,
  ) {
    super(fs, ino);
  }
  get size(): number {
    return new TextEncoder().encode(this.target).length;
  }
}

/** A FIFO (legacy file_create): every open shares the inode's {@link NamedFifo}. */
export class MemoryFifo extends MemoryInode {
  readonly filetype = Filetype.FIFO;
  readonly fifo = new NamedFifo(() => this.stat());
  get size(): number {
    return 0;
  }
}

/**
 * The name of a bound Unix socket (legacy sock_bind). It stays after the socket closes, as on
 * FreeBSD; connecting to it then is ECONNREFUSED. Reported as SOCKET_STREAM, like host sockets.
 */
export class MemorySocket extends MemoryInode {
  readonly filetype = Filetype.SOCKET_STREAM;
  listener: SocketListener | null = null;
  get size(): number {
    return 0;
  }
}

/** Options of {@link memoryHost}. */
export interface MemoryHostOptions {
  /** Clock for timestamps in ns since the epoch (default: the host's wall clock). */
  now?: () => bigint;
  /** Device number reported in stat (default 1). */
  dev?: bigint;
}

const utf8 = new TextEncoder();

/** The in-memory backend; directory handles are {@link MemoryDirectory} objects. */
export class MemoryBackend extends UnsupportedBackend<MemoryDirectory> {
  override readonly name = 'memory';
  readonly dev: bigint;
  readonly now: () => bigint;
  /** The root directory. */
  readonly root: MemoryDirectory;
  private nextIno = 1n;
  private nextCookie = 3;

  constructor(options: MemoryHostOptions = {}) {
    super();
    this.dev = options.dev ?? 1n;
    this.now = options.now ?? (() => BigInt(Date.now()) * 1_000_000n);
    this.root = new MemoryDirectory(this, this.nextIno++);
    this.root.nlink = 2;
  }

  private add(dir: MemoryDirectory, name: string, inode: MemoryInode): void {
    dir.entries.set(name, { inode, cookie: this.nextCookie++ });
    inode.nlink++;
    if (inode instanceof MemoryDirectory) {
      inode.parent = dir;
      dir.nlink++;
      inode.nlink++; // its own "."
    }
    dir.mtim = dir.ctim = this.now();
  }

  private drop(dir: MemoryDirectory, name: string, inode: MemoryInode): void {
    dir.entries.delete(name);
    inode.nlink--;
    if (inode instanceof MemoryDirectory) {
      dir.nlink--;
      inode.nlink--;
    }
    inode.ctim = this.now();
    dir.mtim = dir.ctim = inode.ctim;
  }

  /** A validity check on names the resolver hands over (defence in depth). */
  private static badName(name: string): number {
    if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0'))
      return Errno.EINVAL;
    if (utf8.encode(name).length > 255) return Errno.ENAMETOOLONG;
    return Errno.SUCCESS;
  }

  override lstat(dir: MemoryDirectory, name: string | null): FileStat | Err {
    if (name === null) return dir.stat();
    const e = dir.entries.get(name);
    return e ? e.inode.stat() : err(Errno.ENOENT);
  }

  override openDir(dir: MemoryDirectory, name: string): MemoryDirectory | Err {
    const e = dir.entries.get(name);
    if (!e) return err(Errno.ENOENT);
    if (e.inode instanceof MemoryDirectory) return e.inode;
    return err(e.inode instanceof MemorySymlink ? Errno.ELOOP : Errno.ENOTDIR);
  }

  override dupDir(dir: MemoryDirectory): MemoryDirectory {
    return dir;
  }

  override openFile(dir: MemoryDirectory, name: string, flags: HostOpenFlags): HostFile | Err {
    const bad = MemoryBackend.badName(name);
    if (bad) return err(bad);
    const e = dir.entries.get(name);
    let file: MemoryRegularFile;
    if (!e) {
      if (!flags.create) return err(Errno.ENOENT);
      if (dir.removed) return err(Errno.ENOENT);
      file = new MemoryRegularFile(this, this.nextIno++);
      this.add(dir, name, file);
    } else {
      if (flags.create && flags.exclusive) return err(Errno.EEXIST);
      if (e.inode instanceof MemorySymlink) return err(Errno.ELOOP);
      if (e.inode instanceof MemoryDirectory) return err(Errno.EISDIR);
      // FIFOs are opened through fifo(); a socket cannot be opened (FreeBSD: EOPNOTSUPP).
      if (!(e.inode instanceof MemoryRegularFile)) return err(Errno.ENOTSUP);
      file = e.inode;
      if (flags.truncate && file.length > 0) {
        file.resize(0);
        file.mtim = file.ctim = this.now();
      }
    }
    return new MemoryFileHandle(this, file);
  }

  override readlink(dir: MemoryDirectory, name: string): string | Err {
    const e = dir.entries.get(name);
    if (!e) return err(Errno.ENOENT);
    if (!(e.inode instanceof MemorySymlink)) return err(Errno.EINVAL);
    e.inode.atim = this.now();
    return e.inode.target;
  }

  override mkdir(dir: MemoryDirectory, name: string): number {
    const bad = MemoryBackend.badName(name);
    if (bad) return bad;
    if (dir.entries.has(name)) return Errno.EEXIST;
    if (dir.removed) return Errno.ENOENT;
    this.add(dir, name, new MemoryDirectory(this, this.nextIno++));
    return Errno.SUCCESS;
  }

  override unlink(dir: MemoryDirectory, name: string, directory: boolean): number {
    const e = dir.entries.get(name);
    if (!e) return Errno.ENOENT;
    const isDir = e.inode instanceof MemoryDirectory;
    // POSIX: unlink of a directory is EPERM (digest §6.2 item 20); rmdir of a non-directory ENOTDIR.
    if (isDir !== directory) return directory ? Errno.ENOTDIR : Errno.EPERM;
    if (isDir) {
      const d = e.inode as MemoryDirectory;
      if (d.entries.size > 0) return Errno.ENOTEMPTY;
      d.removed = true;
    }
    this.drop(dir, name, e.inode);
    return Errno.SUCCESS;
  }

  override rename(fromDir: MemoryDirectory, from: string, toDir: MemoryDirectory, to: string): number {
    const bad = MemoryBackend.badName(to);
    if (bad) return bad;
    const src = fromDir.entries.get(from);
    if (!src) return Errno.ENOENT;
    const dst = toDir.entries.get(to);
    if (dst?.inode === src.inode) return Errno.SUCCESS;
    if (toDir.removed) return Errno.ENOENT;
    if (src.inode instanceof MemoryDirectory) {
      // A directory cannot move beneath itself.
      for (let d: MemoryDirectory = toDir; ; d = d.parent) {
        if (d === src.inode) return Errno.EINVAL;
        if (d.parent === d) break;
      }
      if (dst) {
        if (!(dst.inode instanceof MemoryDirectory)) return Errno.ENOTDIR;
        if (dst.inode.entries.size > 0) return Errno.ENOTEMPTY;
      }
    } else if (dst?.inode instanceof MemoryDirectory) {
      return Errno.EISDIR;
    }
    if (dst) {
      if (dst.inode instanceof MemoryDirectory) dst.inode.removed = true;
      this.drop(toDir, to, dst.inode);
    }
    this.drop(fromDir, from, src.inode);
    this.add(toDir, to, src.inode);
    return Errno.SUCCESS;
  }

  override link(fromDir: MemoryDirectory, from: string, toDir: MemoryDirectory, to: string): number {
    const bad = MemoryBackend.badName(to);
    if (bad) return bad;
    const src = fromDir.entries.get(from);
    if (!src) return Errno.ENOENT;
    if (toDir.entries.has(to)) return Errno.EEXIST;
    if (src.inode instanceof MemoryDirectory) return Errno.EPERM;
    if (toDir.removed) return Errno.ENOENT;
    this.add(toDir, to, src.inode);
    src.inode.ctim = this.now();
    return Errno.SUCCESS;
  }

  override symlink(target: string, dir: MemoryDirectory, name: string): number {
    const bad = MemoryBackend.badName(name);
    if (bad) return bad;
    if (dir.entries.has(name)) return Errno.EEXIST;
    if (dir.removed) return Errno.ENOENT;
    this.add(dir, name, new MemorySymlink(this, this.nextIno++, target));
    return Errno.SUCCESS;
  }

  override mkfifo(dir: MemoryDirectory, name: string): number {
    const bad = MemoryBackend.badName(name);
    if (bad) return bad;
    if (dir.entries.has(name)) return Errno.EEXIST;
    if (dir.removed) return Errno.ENOENT;
    this.add(dir, name, new MemoryFifo(this, this.nextIno++));
    return Errno.SUCCESS;
  }

  override fifo(dir: MemoryDirectory, name: string): NamedFifo | null {
    const e = dir.entries.get(name);
    return e?.inode instanceof MemoryFifo ? e.inode.fifo : null;
  }

  override bindSocket(dir: MemoryDirectory, name: string, listener: SocketListener): SocketBinding | Err {
    const bad = MemoryBackend.badName(name);
    if (bad) return err(bad);
    if (dir.entries.has(name)) return err(Errno.EADDRINUSE);
    if (dir.removed) return err(Errno.ENOENT);
    const inode = new MemorySocket(this, this.nextIno++);
    inode.listener = listener;
    this.add(dir, name, inode);
    return {
      // The listener itself refuses connections until it listens.
      listen: () => Errno.SUCCESS,
      close: () => {
        if (inode.listener === listener) inode.listener = null;
      },
    };
  }

  /**
   * Connects within the kernel (FreeBSD unp_connect): a name that is not a socket is ENOTSOCK, a
   * socket nobody listens on ECONNREFUSED, one of another type EPROTOTYPE.
   */
  override connectSocket(dir: MemoryDirectory, name: string, filetype: number): FdObject | Err {
    const e = dir.entries.get(name);
    if (!e) return err(Errno.ENOENT);
    if (e.inode instanceof MemorySymlink) return err(Errno.ELOOP);
    if (!(e.inode instanceof MemorySocket)) return err(Errno.ENOTSOCK);
    const listener = e.inode.listener;
    if (!listener) return err(Errno.ECONNREFUSED);
    if (listener.filetype !== filetype) return err(Errno.EPROTOTYPE);
    // A datagram socket sends into the bound socket's queue; nothing is accepted.
    if (listener.datagramInbox) return new DatagramPeer(listener.datagramInbox);
    const [client, server] =
      filetype === Filetype.SOCKET_STREAM ? createStreamSocketPair() : createDatagramSocketPair(filetype);
    if (!listener.incoming(server)) {
      for (const o of [client, server]) {
        o.retain();
        o.release();
      }
      return err(Errno.ECONNREFUSED);
    }
    return client;
  }

  override readdir(dir: MemoryDirectory): HostDirEntry[] {
    dir.atim = this.now();
    const out: HostDirEntry[] = [];
    for (const [name, e] of dir.entries)
      out.push({ name, ino: e.inode.ino, filetype: e.inode.filetype, cookie: BigInt(e.cookie) });
    return out;
  }

  override utimes(dir: MemoryDirectory, name: string | null, atim: TimeUpdate, mtim: TimeUpdate): number {
    let inode: MemoryInode = dir;
    if (name !== null) {
      const e = dir.entries.get(name);
      if (!e) return Errno.ENOENT;
      inode = e.inode;
    }
    setTimes(this, inode, atim, mtim);
    return Errno.SUCCESS;
  }
}

function setTimes(fs: MemoryBackend, inode: MemoryInode, atim: TimeUpdate, mtim: TimeUpdate): void {
  const now = fs.now();
  if (atim !== null) inode.atim = atim === 'now' ? now : atim;
  if (mtim !== null) inode.mtim = mtim === 'now' ? now : mtim;
  inode.ctim = now;
}

/** An open in-memory regular file. */
class MemoryFileHandle implements HostFile {
  constructor(
    private readonly fs: MemoryBackend,
    readonly file: MemoryRegularFile,
  ) {}
  pread(len: number, offset: number): Uint8Array {
    const f = this.file;
    if (offset >= f.length || len <= 0) return new Uint8Array(0);
    return f.data.slice(offset, Math.min(f.length, offset + len));
  }
  pwrite(data: Uint8Array, offset: number): number | Err {
    const f = this.file;
    const end = offset + data.length;
    if (end > MEMORY_MAX_FILE) return err(Errno.EFBIG);
    if (data.length === 0) return 0;
    if (end > f.length) f.resize(end);
    f.data.set(data, offset);
    f.mtim = f.ctim = this.fs.now();
    return data.length;
  }
  stat(): FileStat {
    return this.file.stat();
  }
  truncate(size: number): number {
    if (!(size >= 0) || size > MEMORY_MAX_FILE) return Errno.EFBIG;
    this.file.resize(size);
    this.file.mtim = this.file.ctim = this.fs.now();
    return Errno.SUCCESS;
  }
  allocate(offset: number, len: number): number {
    const end = offset + len;
    if (end > MEMORY_MAX_FILE) return Errno.EFBIG;
    if (end > this.file.length) this.file.resize(end);
    return Errno.SUCCESS;
  }
  utimes(atim: TimeUpdate, mtim: TimeUpdate): number {
    setTimes(this.fs, this.file, atim, mtim);
    return Errno.SUCCESS;
  }
  sync(): number {
    return Errno.SUCCESS;
  }
  datasync(): number {
    return Errno.SUCCESS;
  }
  close(): void {}
}

/** Creates an empty in-memory file system; its root is `backend.root`. */
export function memoryHost(options: MemoryHostOptions = {}): MemoryBackend {
  return new MemoryBackend(options);
}
