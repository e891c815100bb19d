/**
 * The Node backend's file system: the real host file system through synchronous node:fs calls
 * (the fast path; every call is short), confined to the directories the embedder grants.
 *
 * Directory handles are open host fds. Every operation names its target as
 * `/proc/self/fd/<dirfd>/<name>`: Linux resolves the `<dirfd>` part to the directory that fd
 * has open (wherever it has been moved meanwhile), and `<name>` is a single component, never
 * followed when it is a symlink (O_NOFOLLOW, lstat, lutimes, link without follow). So another
 * host process that renames directories or swaps components for symlinks between the resolver's
 * check and the backend's use cannot redirect the guest outside the granted directory. This
 * requires Linux's /proc.
 *
 * Legacy FIFOs (file_create with the FIFO type): Node cannot make a host FIFO, and its data would
 * not concern the host anyway, so a FIFO lives in the kernel ({@link NamedFifo}) and is tied to a
 * host inode: file_create makes an empty placeholder file without permission bits and registers
 * its (device, inode, birth time). stat and readdir report that inode as a FIFO and every open of it reaches the
 * kernel FIFO, so it is shared by all guests of all kernels of this host process, and renames,
 * links and unlinks (by the guest or the host) carry it along. Host processes see an empty file.
 *
 * Legacy Unix sockets (sock_bind/sock_connect): real host Unix sockets through node:net, which
 * host processes can connect to as well. bind listens at a temporary name relative to the
 * directory's fd and links it into place (see bindSocket); connect first opens the name with
 * O_PATH|O_NOFOLLOW and connects through `/proc/self/fd/<that fd>`, so a symlink swapped in by a
 * host process is never followed and no path meets the 108-byte sun_path limit.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { Errno, Filetype } from '../abi.js';
import { type Err, err, isErr, KernelError, type MaybePromise } from '../errors.js';
import type { FdObject, FileStat } from '../fd-object.js';
import {
  type HostDirEntry,
  type HostFile,
  type HostOpenFlags,
  type SocketBinding,
  type SocketListener,
  type TimeUpdate,
  UnsupportedBackend,
} from '../vfs/backend.js';
import { type FifoOpen, type FifoOpener, NamedFifo } from '../vfs/fifo.js';
import { errnoOf } from './errno.js';
import { NetStreamFd } from './net.js';

const C = fs.constants;
const PROC_FD = '/proc/self/fd/';

/** The CloudABI file type of a host mode (host FIFOs and sockets are SOCKET_STREAM, digest §6.2 item 21). */
export function filetypeOfMode(mode: number): number {
  switch (mode & C.S_IFMT) {
    case C.S_IFREG:
      return Filetype.REGULAR_FILE;
    case C.S_IFDIR:
      return Filetype.DIRECTORY;
    case C.S_IFLNK:
      return Filetype.SYMBOLIC_LINK;
    case C.S_IFCHR:
      return Filetype.CHARACTER_DEVICE;
    case C.S_IFBLK:
      return Filetype.BLOCK_DEVICE;
    case C.S_IFIFO:
    case C.S_IFSOCK:
      return Filetype.SOCKET_STREAM;
    default:
      return Filetype.UNKNOWN;
  }
}

/** Converts a bigint host stat to the CloudABI filestat. */
export function fileStatOf(st: fs.BigIntStats): FileStat {
  return {
    dev: st.dev,
    ino: st.ino,
    filetype: filetypeOfMode(Number(st.mode)),
    nlink: Number(st.nlink),
    size: st.size,
    atim: st.atimeNs,
    mtim: st.mtimeNs,
    ctim: st.ctimeNs,
  };
}

function at(dir: number, name: string): string {
  return `${PROC_FD}${dir}/${name}`;
}

/** Linux O_PATH (node:fs does not export it): an fd naming an inode without opening it. */
const O_PATH = (C as Record<string, number>).O_PATH ?? 0o10000000;
/** Numbers the temporary names of sock_bind. */
let bindCounter = 0;

/** A listening host Unix socket at `path` (a short path: a directory fd and one name). */
function hostListen(
  path: string,
  onConnection: (socket: net.Socket) => void,
): Promise<{ server: net.Server; path: string } | Err> {
  return new Promise((resolve) => {
    const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true });
    server.once('error', (e) => resolve(err(errnoOf(e))));
    server.listen({ path, backlog: 511 }, () => {
      server.removeAllListeners('error');
      server.on('error', () => {});
      server.on('connection', onConnection);
      resolve({ server, path });
    });
  });
}

interface FifoEntry {
  fifo: NamedFifo;
  /** Birth time of the placeholder (0 when the host file system does not record it). */
  birth: bigint;
}

/** The kernel FIFOs of this host process, by the placeholder's `dev:ino`. */
const FIFOS = new Map<string, FifoEntry>();

/** The registered FIFO whose placeholder is the inode `st` describes, if any. */
function fifoOf(st: fs.BigIntStats): FifoEntry | undefined {
  // A placeholder is a regular file without any permission bits; with its (device, inode,
  // birth time) registered, a file that merely reuses a freed inode number is not taken for it.
  if (FIFOS.size === 0 || (Number(st.mode) & (C.S_IFMT | 0o7777)) !== C.S_IFREG) return undefined;
  const e = FIFOS.get(`${st.dev}:${st.ino}`);
  return e && (e.birth === 0n || st.birthtimeNs === 0n || e.birth === st.birthtimeNs) ? e : undefined;
}

/** A host stat as the guest sees it: a FIFO placeholder is a FIFO of size 0. */
function guestStat(st: fs.BigIntStats): FileStat {
  const out = fileStatOf(st);
  if (fifoOf(st)) {
    out.filetype = Filetype.FIFO;
    out.size = 0n;
  }
  return out;
}

/** A name a backend call may receive (the resolver guarantees it; checked again here). */
function badName(name: string): boolean {
  return name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0');
}

/** ns → seconds for node:fs (whole seconds and fraction converted separately to keep precision). */
function seconds(t: bigint): number {
  return Number(t / 1_000_000_000n) + Number(t % 1_000_000_000n) / 1e9;
}

function errnoCall(f: () => void, remap?: Record<string, number>): number {
  try {
    f();
    return Errno.SUCCESS;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (remap && code && remap[code] !== undefined) return remap[code] as number;
    return errnoOf(error);
  }
}

/** Options of {@link nodeHost}. */
export interface NodeHostOptions {
  /** Permission bits for new files (before the umask); default 0o666. */
  fileMode?: number;
  /** Permission bits for new directories (before the umask); default 0o777. */
  dirMode?: number;
}

/** The Node backend. Directory handles are host fds (numbers). */
export class NodeBackend extends UnsupportedBackend<number> {
  override readonly name = 'node';
  private readonly fileMode: number;
  private readonly dirMode: number;

  constructor(options: NodeHostOptions = {}) {
    super();
    if (!fs.existsSync('/proc/self/fd')) {
      throw new KernelError('the Node file system backend needs /proc/self/fd (Linux)');
    }
    this.fileMode = options.fileMode ?? 0o666;
    this.dirMode = options.dirMode ?? 0o777;
  }

  /** Opens a host directory by its host path as a directory handle (embedder use only). */
  openRoot(path: string): number {
    return fs.openSync(path, C.O_RDONLY | C.O_DIRECTORY);
  }

  override lstat(dir: number, name: string | null): FileStat | Err {
    try {
      if (name === null) return fileStatOf(fs.fstatSync(dir, { bigint: true }));
      if (badName(name)) return err(Errno.EINVAL);
      return guestStat(fs.lstatSync(at(dir, name), { bigint: true }));
    } catch (error) {
      return err(errnoOf(error));
    }
  }

  override openDir(dir: number, name: string): number | Err {
    if (badName(name)) return err(Errno.EINVAL);
    try {
      return fs.openSync(at(dir, name), C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW);
    } catch (error) {
      const e = errnoOf(error);
      if (e === Errno.ENOTDIR) {
        // Linux answers ENOTDIR for a symlink under O_DIRECTORY|O_NOFOLLOW; tell them apart.
        const st = this.lstat(dir, name);
        if (!isErr(st) && st.filetype === Filetype.SYMBOLIC_LINK) return err(Errno.ELOOP);
      }
      return err(e === Errno.EMLINK ? Errno.ELOOP : e);
    }
  }

  override dupDir(dir: number): number | Err {
    try {
      return fs.openSync(`${PROC_FD}${dir}`, C.O_RDONLY | C.O_DIRECTORY);
    } catch (error) {
      return err(errnoOf(error));
    }
  }

  override closeDir(dir: number): void {
    try {
      fs.closeSync(dir);
    } catch {
      // Already closed: nothing to release.
    }
  }

  override openFile(dir: number, name: string, flags: HostOpenFlags): HostFile | Err {
    if (badName(name)) return err(Errno.EINVAL);
    let mode = flags.write ? (flags.read ? C.O_RDWR : C.O_WRONLY) : C.O_RDONLY;
    // Never follow a symlink; never block on a FIFO.
    mode |= C.O_NOFOLLOW | C.O_NONBLOCK;
    if (flags.create) mode |= C.O_CREAT;
    if (flags.create && flags.exclusive) mode |= C.O_EXCL;
    let fd: number;
    try {
      fd = fs.openSync(at(dir, name), mode, this.fileMode);
    } catch (error) {
      const e = errnoOf(error);
      // Linux refuses to open a socket with ENXIO; FreeBSD says EOPNOTSUPP.
      if (e === Errno.ENXIO && this.isSocket(dir, name)) return err(Errno.ENOTSUP);
      return err(e === Errno.EMLINK ? Errno.ELOOP : e);
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) {
        fs.closeSync(fd);
        return err(st.isDirectory() ? Errno.EISDIR : Errno.ENOTSUP);
      }
      if (flags.truncate && st.size > 0) fs.ftruncateSync(fd, 0);
    } catch (error) {
      fs.closeSync(fd);
      return err(errnoOf(error));
    }
    return new NodeFile(fd);
  }

  override readlink(dir: number, name: string): string | Err {
    if (badName(name)) return err(Errno.EINVAL);
    try {
      return fs.readlinkSync(at(dir, name), 'utf8');
    } catch (error) {
      return err(errnoOf(error));
    }
  }

  override mkdir(dir: number, name: string): number {
    if (badName(name)) return Errno.EINVAL;
    return errnoCall(() => fs.mkdirSync(at(dir, name), this.dirMode));
  }

  override unlink(dir: number, name: string, directory: boolean): number {
    if (badName(name)) return Errno.EINVAL;
    if (directory) return errnoCall(() => fs.rmdirSync(at(dir, name)), { EEXIST: Errno.ENOTEMPTY });
    // A FIFO placeholder's last name going away ends the registration.
    let placeholder: fs.BigIntStats | null = null;
    if (FIFOS.size > 0) {
      try {
        placeholder = fs.lstatSync(at(dir, name), { bigint: true });
      } catch {
        placeholder = null;
      }
    }
    // Linux says EISDIR for unlink of a directory; POSIX and CloudABI say EPERM (digest §6.2 item 20).
    const r = errnoCall(() => fs.unlinkSync(at(dir, name)), { EISDIR: Errno.EPERM });
    if (r === Errno.SUCCESS && placeholder && placeholder.nlink <= 1n && fifoOf(placeholder))
      FIFOS.delete(`${placeholder.dev}:${placeholder.ino}`);
    return r;
  }

  private isSocket(dir: number, name: string): boolean {
    try {
      return fs.lstatSync(at(dir, name)).isSocket();
    } catch {
      return false;
    }
  }

  /** Legacy file_create(FIFO): an empty placeholder file registered as a kernel FIFO. */
  override mkfifo(dir: number, name: string): number {
    if (badName(name)) return Errno.EINVAL;
    let fd: number;
    try {
      fd = fs.openSync(at(dir, name), C.O_CREAT | C.O_EXCL | C.O_WRONLY | C.O_NOFOLLOW, 0);
    } catch (error) {
      return errnoOf(error);
    }
    try {
      const st = fs.fstatSync(fd, { bigint: true });
      const captured: FileStat = { ...fileStatOf(st), filetype: Filetype.FIFO, size: 0n };
      FIFOS.set(`${st.dev}:${st.ino}`, { fifo: new NamedFifo(() => captured), birth: st.birthtimeNs });
      return Errno.SUCCESS;
    } catch (error) {
      return errnoOf(error);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * The FIFO behind `name`: a kernel FIFO (placeholder), or a host FIFO made by a host process,
   * which is opened for real (see {@link HostFifo}).
   */
  override fifo(dir: number, name: string): FifoOpener | null {
    if (badName(name)) return null;
    let st: fs.BigIntStats;
    try {
      st = fs.lstatSync(at(dir, name), { bigint: true });
    } catch {
      return null;
    }
    const kernel = fifoOf(st);
    if (kernel) return kernel.fifo;
    return (Number(st.mode) & C.S_IFMT) === C.S_IFIFO ? new HostFifo(dir, name) : null;
  }

  /**
   * Legacy sock_bind: a host Unix socket named `name`. Node can only bind and listen together,
   * and removes the path it bound when that socket closes; so every host socket is made at a
   * short temporary name in the same directory (no sun_path limit on `name`) and moved:
   *
   * - bind hard-links a first socket to `name` (EADDRINUSE when the name exists, atomically) and
   *   closes it: the name is then a socket nobody listens on, and connecting is ECONNREFUSED,
   *   as for a bound but not listening socket on FreeBSD;
   * - listen makes the listening socket and renames it over that name, provided the name still
   *   is the inode bind made (otherwise the socket listens without a reachable name);
   * - after close the name stays, refusing connections, as on FreeBSD.
   */
  override bindSocket(
    dir: number,
    name: string,
    listener: SocketListener,
  ): Err | Promise<SocketBinding | Err> {
    if (badName(name)) return err(Errno.EINVAL);
    if (listener.filetype !== Filetype.SOCKET_STREAM) return err(Errno.ENOTSUP);
    const pinned = this.dupDir(dir);
    if (isErr(pinned)) return pinned;
    const target = at(pinned, name);
    const temporary = (): string => at(pinned, `.cabi-bind-${process.pid}-${++bindCounter}`);
    let server: net.Server | null = null;
    let ino = -1n;
    let closed = false;
    const binding: SocketBinding = {
      listen: () =>
        hostListen(temporary(), (socket) => {
          if (!listener.incoming(new NetStreamFd(socket))) socket.destroy();
        }).then((made) => {
          if (isErr(made)) return made.errno;
          if (closed) {
            made.server.close();
            return Errno.EBADF;
          }
          server = made.server;
          let current = -2n;
          try {
            current = fs.lstatSync(target, { bigint: true }).ino;
          } catch {
            // The name is gone: listen without one.
          }
          try {
            if (current === ino) fs.renameSync(made.path, target);
            else fs.unlinkSync(made.path);
          } catch (error) {
            return errnoOf(error);
          }
          return Errno.SUCCESS;
        }),
      close: () => {
        if (closed) return;
        closed = true;
        const s = server as net.Server | null;
        if (s) s.close(() => this.closeDir(pinned));
        else this.closeDir(pinned);
      },
    };
    return hostListen(temporary(), () => {}).then((made) => {
      if (isErr(made)) {
        this.closeDir(pinned);
        return made;
      }
      const linked = errnoCall(() => fs.linkSync(made.path, target), { EEXIST: Errno.EADDRINUSE });
      try {
        fs.unlinkSync(made.path);
      } catch {
        // Already gone.
      }
      made.server.close();
      if (linked !== Errno.SUCCESS) {
        this.closeDir(pinned);
        return err(linked);
      }
      try {
        ino = fs.lstatSync(target, { bigint: true }).ino;
      } catch {
        ino = -1n;
      }
      return binding;
    });
  }

  /** Legacy sock_connect to a host Unix socket (see the module comment for the O_PATH step). */
  override connectSocket(dir: number, name: string, filetype: number): Err | Promise<FdObject | Err> {
    if (badName(name)) return err(Errno.EINVAL);
    let pfd: number;
    try {
      pfd = fs.openSync(at(dir, name), O_PATH | C.O_NOFOLLOW);
    } catch (error) {
      return err(errnoOf(error));
    }
    let st: fs.Stats;
    try {
      st = fs.fstatSync(pfd);
    } catch (error) {
      fs.closeSync(pfd);
      return err(errnoOf(error));
    }
    // FreeBSD unp_connect: a symlink is followed (by our resolver), a non-socket is ENOTSOCK.
    const early = st.isSymbolicLink()
      ? Errno.ELOOP
      : !st.isSocket()
        ? Errno.ENOTSOCK
        : filetype !== Filetype.SOCKET_STREAM
          ? Errno.ENOTSUP
          : Errno.SUCCESS;
    if (early !== Errno.SUCCESS) {
      fs.closeSync(pfd);
      return err(early);
    }
    return new Promise((resolve) => {
      const socket = net.connect({ path: `${PROC_FD}${pfd}`, allowHalfOpen: true });
      socket.pause();
      const done = (r: FdObject | Err): void => {
        try {
          fs.closeSync(pfd);
        } catch {
          // Already closed.
        }
        resolve(r);
      };
      socket.once('error', (e) => done(err(errnoOf(e))));
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        done(new NetStreamFd(socket));
      });
    });
  }

  override rename(fromDir: number, from: string, toDir: number, to: string): number {
    if (badName(from) || badName(to)) return Errno.EINVAL;
    return errnoCall(() => fs.renameSync(at(fromDir, from), at(toDir, to)), {
      EBUSY: Errno.EINVAL,
      EEXIST: Errno.ENOTEMPTY,
    });
  }

  override link(fromDir: number, from: string, toDir: number, to: string): number {
    if (badName(from) || badName(to)) return Errno.EINVAL;
    return errnoCall(() => fs.linkSync(at(fromDir, from), at(toDir, to)));
  }

  override symlink(target: string, dir: number, name: string): number {
    if (badName(name)) return Errno.EINVAL;
    return errnoCall(() => fs.symlinkSync(target, at(dir, name)));
  }

  override readdir(dir: number): HostDirEntry[] | Err {
    try {
      const names = fs.readdirSync(`${PROC_FD}${dir}`).sort();
      const out: HostDirEntry[] = [];
      for (const name of names) {
        try {
          const st = fs.lstatSync(at(dir, name), { bigint: true });
          out.push({ name, ino: st.ino, filetype: guestStat(st).filetype });
        } catch {
          // Removed between listing and stat: not part of the listing.
        }
      }
      return out;
    } catch (error) {
      return err(errnoOf(error));
    }
  }

  override utimes(dir: number, name: string | null, atim: TimeUpdate, mtim: TimeUpdate): number {
    if (name !== null && badName(name)) return Errno.EINVAL;
    try {
      const st =
        name === null ? fs.fstatSync(dir, { bigint: true }) : fs.lstatSync(at(dir, name), { bigint: true });
      const a = timeArg(atim, st.atimeNs);
      const m = timeArg(mtim, st.mtimeNs);
      if (name === null) fs.futimesSync(dir, a, m);
      else fs.lutimesSync(at(dir, name), a, m);
      return Errno.SUCCESS;
    } catch (error) {
      return errnoOf(error);
    }
  }

  override syncDir(dir: number): number {
    return errnoCall(() => fs.fsyncSync(dir));
  }
}

function timeArg(t: TimeUpdate, current: bigint): number {
  if (t === null) return seconds(current);
  if (t === 'now') return Date.now() / 1000;
  return seconds(t);
}

/** An open host regular file. */
export class NodeFile implements HostFile {
  private closed = false;
  /**
   * For a descriptor the host already had open (`!fd stdout` redirected to a file): where the host
   * fd's own file offset stands. A transfer at exactly that offset goes through the shared offset
   * (read/write without a position), so the host sees it advance and whatever the host writes
   * after the guest lands after the guest's output. Null for files the kernel opened itself.
   */
  sharedOffset: number | null = null;
  constructor(
    readonly fd: number,
    /** Whether closing the last guest fd closes the host fd (false for the host's own 0, 1, 2). */
    private readonly owned = true,
  ) {}
  pread(len: number, offset: number): Uint8Array | Err {
    if (len <= 0) return new Uint8Array(0);
    // Not zero-filled: only the bytes the host returns are handed on.
    const buf = new Uint8Array(Buffer.allocUnsafeSlow(len).buffer, 0, len);
    try {
      const shared = this.sharedOffset === offset;
      let got = 0;
      while (got < len) {
        const n = fs.readSync(this.fd, buf, got, len - got, shared ? null : offset + got);
        if (n === 0) break;
        got += n;
      }
      if (shared) this.sharedOffset = offset + got;
      return got === len ? buf : buf.subarray(0, got);
    } catch (error) {
      return err(errnoOf(error));
    }
  }
  pwrite(data: Uint8Array, offset: number): number | Err {
    try {
      const shared = this.sharedOffset === offset;
      let put = 0;
      while (put < data.length) {
        put += fs.writeSync(this.fd, data, put, data.length - put, shared ? null : offset + put);
      }
      if (shared) this.sharedOffset = offset + put;
      return put;
    } catch (error) {
      return err(errnoOf(error));
    }
  }
  stat(): FileStat | Err {
    try {
      return fileStatOf(fs.fstatSync(this.fd, { bigint: true }));
    } catch (error) {
      return err(errnoOf(error));
    }
  }
  truncate(size: number): number {
    return errnoCall(() => fs.ftruncateSync(this.fd, size));
  }
  allocate(offset: number, len: number): number {
    // node:fs has no posix_fallocate: extending the size has the same visible effect.
    try {
      const size = fs.fstatSync(this.fd).size;
      if (offset + len > size) fs.ftruncateSync(this.fd, offset + len);
      return Errno.SUCCESS;
    } catch (error) {
      return errnoOf(error);
    }
  }
  utimes(atim: TimeUpdate, mtim: TimeUpdate): number {
    try {
      const st = fs.fstatSync(this.fd, { bigint: true });
      fs.futimesSync(this.fd, timeArg(atim, st.atimeNs), timeArg(mtim, st.mtimeNs));
      return Errno.SUCCESS;
    } catch (error) {
      return errnoOf(error);
    }
  }
  sync(): number {
    return errnoCall(() => fs.fsyncSync(this.fd));
  }
  datasync(): number {
    return errnoCall(() => fs.fdatasyncSync(this.fd));
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.owned) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // Nothing left to release.
    }
  }
}

/** How often a waiting open of a host FIFO looks for the other side, in ms. */
const FIFO_POLL_MS = 5;

/**
 * A FIFO of the host file system (made by a host process), opened through node:net as a stream
 * (stat and fds report it as SOCKET_STREAM, digest §6.2 item 21). Node cannot block in open(2),
 * so the host FIFO is opened non-blocking and a blocking open is emulated: a writer retries while
 * the host answers ENXIO (no reader yet); a reader probes with a one-byte read until a writer
 * shows (EAGAIN or data rather than end of file), keeping the byte it may have read. The name is
 * opened with O_NOFOLLOW and checked to still be a FIFO.
 */
class HostFifo implements FifoOpener {
  constructor(
    private readonly dir: number,
    private readonly name: string,
  ) {}

  open(how: FifoOpen): MaybePromise<FdObject | Err> {
    const read = how.read || !how.write;
    const mode = read && how.write ? C.O_RDWR : how.write ? C.O_WRONLY : C.O_RDONLY;
    let fd = -1;
    const release = (): void => {
      if (fd < 0) return;
      try {
        fs.closeSync(fd);
      } catch {
        // Already closed.
      }
      fd = -1;
    };
    // One step: an object, an error, or null to try again later.
    const step = (): FdObject | Err | null => {
      if (fd < 0) {
        try {
          fd = fs.openSync(at(this.dir, this.name), mode | C.O_NONBLOCK | C.O_NOFOLLOW);
        } catch (error) {
          const e = errnoOf(error);
          if (e === Errno.ENXIO && !how.nonblock) return null;
          return err(e === Errno.EMLINK ? Errno.ELOOP : e);
        }
        try {
          if (!fs.fstatSync(fd).isFIFO()) {
            release();
            return err(Errno.ENOTSUP);
          }
        } catch (error) {
          release();
          return err(errnoOf(error));
        }
      }
      let initial: Uint8Array | undefined;
      if (read && !how.write && !how.nonblock) {
        const probe = Buffer.alloc(1);
        try {
          if (fs.readSync(fd, probe, 0, 1, null) === 0) return null;
          initial = new Uint8Array(probe);
        } catch (error) {
          if (errnoOf(error) !== Errno.EAGAIN) {
            release();
            return err(errnoOf(error));
          }
        }
      }
      const socket = new net.Socket({ fd, readable: read, writable: how.write, allowHalfOpen: true });
      fd = -1;
      return new NetStreamFd(socket, initial);
    };
    const first = step();
    if (first !== null) return first;
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | null = null;
      const again = (): void => {
        const r = step();
        if (r === null) timer = setTimeout(again, FIFO_POLL_MS);
        else resolve(r);
      };
      timer = setTimeout(again, FIFO_POLL_MS);
      how.onWait?.(() => {
        if (timer) clearTimeout(timer);
        release();
        resolve(err(Errno.EINTR));
      });
    });
  }
}

/** Creates the Node file system backend. */
export function nodeHost(options: NodeHostOptions = {}): NodeBackend {
  return new NodeBackend(options);
}
