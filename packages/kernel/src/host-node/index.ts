/**
 * The Node backend (`@cabi/kernel/node`): the host file system through node:fs confined to
 * granted directories, host files and fds, and host sockets through node:net.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tty from 'node:tty';
import { Filetype, Rights } from '../abi.js';
import { type Err, err } from '../errors.js';
import { FdObject, type FileStat } from '../fd-object.js';
import { fdFromReadable, fdFromWritable } from '../node.js';
import { type RightsPair, typeRights } from '../rights.js';
import { DirectoryFd, FileFd } from '../vfs/objects.js';
import { errnoOf } from './errno.js';
import { fileStatOf, type NodeBackend, NodeFile, nodeHost } from './fs.js';
import { NetStreamFd } from './net.js';

export { errnoFromCode } from './errno.js';
export { NodeBackend, NodeFile, type NodeHostOptions, nodeHost } from './fs.js';
export {
  type HostSocketAddress,
  type HostSocketSpec,
  hostSocket,
  NetDatagramFd,
  NetListenFd,
  NetStreamFd,
} from './net.js';

let shared: NodeBackend | null = null;
function backend(): NodeBackend {
  shared ??= nodeHost();
  return shared;
}

/** Options of {@link openHostPath}. */
export interface OpenHostPathOptions {
  /** Open a file for writing as well (`mode: rw` / `w`). */
  write?: boolean;
  /** Create the file when missing (implies write). */
  create?: boolean;
  /** Empty the file (implies write). */
  truncate?: boolean;
}

function hostError(path: string, error: unknown): Error {
  const e = error as { code?: string; message?: string };
  return new Error(`${path}: ${e.code ?? (e.message ?? String(error)).split('\n')[0]}`);
}

/**
 * Opens a host path for a guest (`!file {path}`): a directory becomes a directory capability
 * rooted there (its fd gets directory rights, inheriting directory ∪ regular-file rights, digest
 * §2.9); a file becomes a file object, read-only unless `write`, `create` or `truncate` is given.
 * Rejects with a one-line Error naming the path.
 */
export async function openHostPath(path: string, options: OpenHostPathOptions = {}): Promise<FdObject> {
  const write = !!(options.write || options.create || options.truncate);
  let st: fs.Stats | null = null;
  try {
    st = fs.statSync(path);
  } catch (error) {
    if (!(options.create && (error as { code?: string }).code === 'ENOENT')) throw hostError(path, error);
  }
  if (st?.isDirectory()) {
    if (options.create || options.truncate) throw new Error(`${path}: is a directory`);
    const b = backend();
    try {
      return new DirectoryFd<number>(b, b.openRoot(path));
    } catch (error) {
      throw hostError(path, error);
    }
  }
  let flags = write ? fs.constants.O_RDWR : fs.constants.O_RDONLY;
  if (options.create) flags |= fs.constants.O_CREAT;
  if (options.truncate) flags |= fs.constants.O_TRUNC;
  let fd: number;
  try {
    fd = fs.openSync(path, flags | fs.constants.O_NONBLOCK, 0o666);
  } catch (error) {
    throw hostError(path, error);
  }
  return fdFromOpenHostFd(fd, true, write);
}

/** Probes whether a host fd is open for reading / writing (zero-length transfers fail with EBADF). */
function probeAccess(fd: number): { read: boolean; write: boolean } {
  const empty = Buffer.alloc(0);
  let read = true;
  let write = true;
  try {
    fs.readSync(fd, empty, 0, 0, null);
  } catch (error) {
    if ((error as { code?: string }).code === 'EBADF') read = false;
  }
  try {
    fs.writeSync(fd, empty, 0, 0, null);
  } catch (error) {
    if ((error as { code?: string }).code === 'EBADF') write = false;
  }
  return { read, write };
}

/** A host character device that is not a terminal (/dev/null, /dev/zero, …): plain read/write. */
class HostDeviceFd extends FdObject {
  readonly filetype = Filetype.CHARACTER_DEVICE;
  constructor(readonly fd: number) {
    super();
  }
  override read(len: number): Uint8Array | Err {
    const buf = new Uint8Array(len);
    try {
      return buf.subarray(0, fs.readSync(this.fd, buf, 0, len, null));
    } catch (error) {
      return err(errnoOf(error));
    }
  }
  override write(data: Uint8Array): number | Err {
    try {
      return fs.writeSync(this.fd, data, 0, data.length, null);
    } catch (error) {
      return err(errnoOf(error));
    }
  }
  override stat(): FileStat | Err {
    try {
      return { ...fileStatOf(fs.fstatSync(this.fd, { bigint: true })), filetype: this.filetype };
    } catch (error) {
      return err(errnoOf(error));
    }
  }
  protected override onClose(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // Already closed.
    }
  }
}

function fdFromOpenHostFd(fd: number, read: boolean, write: boolean, offset?: number): FdObject {
  const st = fs.fstatSync(fd);
  if (st.isFile()) {
    const file = new NodeFile(fd, fd > 2);
    const object = new FileFd(file, { read, write });
    if (offset !== undefined) {
      object.offset = offset;
      file.sharedOffset = offset;
    }
    return object;
  }
  if (st.isDirectory()) return new DirectoryFd<number>(backend(), fd);
  if (st.isCharacterDevice() && !tty.isatty(fd)) return new HostDeviceFd(fd);
  if (tty.isatty(fd))
    return read ? fdFromReadable(new tty.ReadStream(fd)) : fdFromWritable(new tty.WriteStream(fd));
  return new NetStreamFd(new net.Socket({ fd, readable: read, writable: write }));
}

/**
 * Wraps an already-open host fd (`!fd N`, `!fd stdout`): a regular file becomes a seekable file
 * object (its access mode probed), a directory a directory capability, a terminal or pipe on
 * host fd 0/1/2 the process's stdin/stdout/stderr stream, other pipes and sockets a stream socket,
 * other character devices a plain device.
 */
export function fdFromHostFd(fd: number): FdObject {
  const st = fs.fstatSync(fd);
  if ((st.isFIFO() || st.isSocket() || tty.isatty(fd)) && fd <= 2) {
    if (fd === 0) return fdFromReadable(process.stdin);
    return fdFromWritable(fd === 1 ? process.stdout : process.stderr);
  }
  const access = probeAccess(fd);
  // Start at the host fd's current offset (Linux shows it in /proc/self/fdinfo) and keep it shared,
  // so that a guest writing to a redirected stdout continues after what the host already wrote and
  // the host's own later writes continue after the guest's.
  return fdFromOpenHostFd(fd, access.read, access.write, hostOffset(fd));
}

function hostOffset(fd: number): number {
  try {
    const info = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    const pos = /^pos:\s*(\d+)/m.exec(info);
    return pos ? Number(pos[1]) : 0;
  } catch {
    return 0;
  }
}

/** Rights that need a host fd open for writing / reading (digest §6.2 item 13). */
const WRITE_RIGHTS = Rights.FD_DATASYNC | Rights.FD_WRITE | Rights.FILE_ALLOCATE | Rights.FILE_STAT_FPUT_SIZE;
const READ_RIGHTS = Rights.FD_READ | Rights.MEM_MAP_EXEC;

/**
 * The rights to grant an object from {@link openHostPath} or {@link fdFromHostFd}: its type's
 * rights (digest §2.9) without those its host access mode cannot serve (a read-only file loses
 * FD_WRITE and the other writing rights).
 */
export function hostRights(object: FdObject): RightsPair {
  const rights = typeRights(object.filetype, object.tty);
  if (object instanceof FileFd) {
    let base = rights.base;
    if (!object.access.write) base &= ~WRITE_RIGHTS;
    if (!object.access.read) base &= ~READ_RIGHTS;
    return { base, inheriting: rights.inheriting };
  }
  return rights;
}
