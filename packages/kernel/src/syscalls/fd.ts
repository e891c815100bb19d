/**
 * fd family: fd_close, fd_create1, fd_create2, fd_datasync, fd_dup, fd_pread, fd_pwrite, fd_read,
 * fd_replace, fd_seek, fd_stat_get, fd_stat_put, fd_sync, fd_write (spec: the `fd_*` syscalls;
 * rights per digest §1.6).
 */
import { Errno, Fdflags, Fdsflags, Filetype, RIGHTS_ALL, Rights, Whence } from '../abi.js';
import { type Err, isErr, isPromise, type MaybePromise } from '../errors.js';
import type { FdObject } from '../fd-object.js';
import type { FdEntry } from '../fd-table.js';
import { canRead, canWrite, copyIn, type IoVec, readIovecs } from '../guest.js';
import { SharedMemoryObject } from '../objects/memory-file.js';
import {
  createDatagramSocketPair,
  createPipe,
  createStreamSocketPair,
  DatagramSocket,
} from '../objects/pipe.js';
import { PollQueue } from '../objects/poll-queue.js';
import { syncIn, syncOut, type Thread } from '../process.js';
import { typeRights } from '../rights.js';
import { createLegacySocket } from '../sock/unix.js';
import { andThen, blocking, type Handler, offsetArg } from './common.js';

const SYNC_FLAGS = Fdflags.DSYNC | Fdflags.RSYNC | Fdflags.SYNC;

/** Closes objects that never made it into the fd table. */
function discard(...objects: FdObject[]): void {
  for (const o of objects) {
    o.retain();
    o.release();
  }
}

/** fd_close(fd): closes the fd; the object closes with its last fd. EBADF for an unknown fd. */
export const fd_close: Handler = (_k, t, a) => t.process.fds.close(a[0] as number);

/**
 * Whether the thread's current syscall came in through the legacy numbering (a raw `syscall`
 * outside the vDSO; digest §1.1), as the dispatcher decides it.
 */
export function legacyCall(t: Thread): boolean {
  const at = t.cpu.rip - 2;
  const proc = t.process;
  return !(at >= proc.vdsoBase && at < proc.vdsoEnd);
}

/**
 * fd_create1(type) → fd: creates an anonymous object. At HEAD only SHARED_MEMORY exists (an
 * empty POSIX shared memory object, grown with file_stat_fput). Through the legacy numbering only
 * (HEAD has no call that could use them) it also creates POLL objects (kqueues for poll_fd) and
 * unbound Unix sockets (SOCKET_STREAM, SOCKET_SEQPACKET, SOCKET_DGRAM) for sock_bind and
 * sock_connect. Any other type is EINVAL.
 */
export const fd_create1: Handler = (k, t, a) => {
  const type = a[0] as number;
  let object: FdObject;
  if (type === Filetype.SHARED_MEMORY) object = new SharedMemoryObject(k.objectMemory);
  else if (type === Filetype.POLL && legacyCall(t)) object = new PollQueue();
  else {
    const socket = legacyCall(t) ? createLegacySocket(type) : null;
    if (!socket) return Errno.EINVAL;
    object = socket;
  }
  const fd = t.process.fds.insert(object);
  if (isErr(fd)) {
    discard(object);
    return fd.errno;
  }
  t.ret0 = fd;
  return Errno.SUCCESS;
};

/**
 * fd_create2(type) → fd1, fd2: a connected pair. SOCKET_STREAM and SOCKET_DGRAM give an AF_UNIX
 * socket pair; the legacy FIFO type gives a one-way pipe whose fd1 may only read and fd2 only
 * write; legacy SOCKET_SEQPACKET a message-preserving pair. Other types are EINVAL.
 */
export const fd_create2: Handler = (_k, t, a) => {
  const type = a[0] as number;
  const fds = t.process.fds;
  // FIFO pipes (until 2017-09-04) and SEQPACKET pairs (until 2017-03-23) exist only for the
  // legacy numbering; the final ABI makes stream and datagram pairs alone (digest §1.3).
  if ((type === Filetype.FIFO || type === Filetype.SOCKET_SEQPACKET) && !legacyCall(t)) return Errno.EINVAL;
  let fd1: number | Err;
  let fd2: number | Err;
  if (type === Filetype.FIFO) {
    const [r, w] = createPipe();
    const fifo = typeRights(Filetype.FIFO).base;
    fd1 = fds.insert(r, { base: fifo & ~Rights.FD_WRITE, inheriting: 0n });
    if (isErr(fd1)) {
      discard(r, w);
      return fd1.errno;
    }
    fd2 = fds.insert(w, { base: fifo & ~Rights.FD_READ, inheriting: 0n });
    if (isErr(fd2)) {
      fds.close(fd1);
      discard(w);
      return fd2.errno;
    }
  } else if (
    type === Filetype.SOCKET_STREAM ||
    type === Filetype.SOCKET_DGRAM ||
    type === Filetype.SOCKET_SEQPACKET
  ) {
    const [s1, s2] =
      type === Filetype.SOCKET_STREAM ? createStreamSocketPair() : createDatagramSocketPair(type);
    fd1 = fds.insert(s1);
    if (isErr(fd1)) {
      discard(s1, s2);
      return fd1.errno;
    }
    fd2 = fds.insert(s2);
    if (isErr(fd2)) {
      fds.close(fd1);
      discard(s2);
      return fd2.errno;
    }
  } else {
    return Errno.EINVAL;
  }
  t.ret0 = fd1;
  t.ret1 = fd2;
  return Errno.SUCCESS;
};

/** fd_datasync(fd): needs FD_DATASYNC. */
export const fd_datasync: Handler = (_k, t, a) => {
  const e = t.process.fds.get(a[0] as number, Rights.FD_DATASYNC);
  return isErr(e) ? e.errno : e.object.datasync();
};

/** fd_sync(fd): needs FD_SYNC. */
export const fd_sync: Handler = (_k, t, a) => {
  const e = t.process.fds.get(a[0] as number, Rights.FD_SYNC);
  return isErr(e) ? e.errno : e.object.sync();
};

/** fd_dup(from) → fd: a new fd (lowest free number) with the same object and rights. */
export const fd_dup: Handler = (_k, t, a) => {
  const fd = t.process.fds.dup(a[0] as number);
  if (isErr(fd)) return fd.errno;
  t.ret0 = fd;
  return Errno.SUCCESS;
};

/**
 * fd_replace(from, to): atomically makes `to` refer to what `from` refers to, with its rights.
 * `to` must already be open (EBADF otherwise): CloudABI has no dup2 onto a free number.
 */
export const fd_replace: Handler = (_k, t, a) => t.process.fds.replace(a[0] as number, a[1] as number);

/**
 * Keeps a shared memory object and the calling process's shared mappings of it coherent around
 * fd_read/fd_write on the object: the mappings' bytes go to the object before it is read, and a
 * write to the object shows in the mappings.
 */
function coherent(t: Thread, object: FdObject, wrote: boolean): void {
  if (!(object instanceof SharedMemoryObject)) return;
  const proc = t.process;
  if (!proc.sharedRegions.some((r) => r.object === object)) return;
  if (wrote) syncIn(proc);
  else syncOut(proc);
}

/** Checks that every iovec buffer is writable (for reads) or readable (for writes). */
function checkBuffers(t: Thread, iovs: IoVec[], write: boolean): boolean {
  const mem = t.process.memory;
  for (const v of iovs) if (!(write ? canWrite(mem, v.buf, v.len) : canRead(mem, v.buf, v.len))) return false;
  return true;
}

/** Copies below this many bytes go byte by byte: TypedArray set/subarray cost more for them. */
const SMALL_COPY = 64;

/** Scatters `data` over the iovecs (re-checking them: memory may have changed while parked). */
function scatter(t: Thread, iovs: IoVec[], data: Uint8Array): number {
  if (!checkBuffers(t, iovs, true)) return Errno.EFAULT;
  const mem = t.process.memory;
  let at = 0;
  for (const v of iovs) {
    if (at >= data.length) break;
    const n = Math.min(v.len, data.length - at);
    if (n >= SMALL_COPY || t.process.detachedMemory !== null) {
      // writeBytes: a process that is not current mirrors the store into its shared objects.
      mem.writeBytes(v.buf, data.subarray(at, at + n));
    } else if (n > 0) {
      // The checked write path first (it invalidates translated code in the range).
      mem.checkWrite(v.buf, n);
      const u8 = mem.u8;
      for (let i = 0; i < n; i++) u8[v.buf + i] = data[at + i]!;
    }
    at += n;
  }
  t.ret0 = data.length;
  return Errno.SUCCESS;
}

/** Gathers the iovecs' bytes, at most `limit` of them (iovecs may repeat one buffer many times). */
function gather(t: Thread, iovs: IoVec[], limit: number): Uint8Array {
  const u8 = t.process.memory.u8;
  const only = iovs.length === 1 ? iovs[0]! : null;
  if (only) return u8.slice(only.buf, only.buf + Math.min(limit, only.len));
  const total = Math.min(
    limit,
    iovs.reduce((s, v) => s + v.len, 0),
  );
  const out = new Uint8Array(total);
  let at = 0;
  for (const v of iovs) {
    if (at >= total) break;
    const n = Math.min(v.len, total - at);
    out.set(u8.subarray(v.buf, v.buf + n), at);
    at += n;
  }
  return out;
}

function prepare(t: Thread, a: readonly (number | bigint)[], need: bigint, write: boolean) {
  const e = t.process.fds.get(a[0] as number, need);
  if (isErr(e)) return e.errno;
  const iovs = readIovecs(t.process.memory, a[1] as number, a[2] as number);
  if (typeof iovs === 'number') return iovs;
  if (!checkBuffers(t, iovs, !write)) return Errno.EFAULT;
  let total = 0;
  for (let i = 0; i < iovs.length; i++) total += iovs[i]!.len;
  return { entry: e as FdEntry, iovs, total };
}

/** Largest single transfer; larger requests are served partially, as short reads/writes. */
const MAX_TRANSFER = 16 * 1024 * 1024;

/**
 * fd_read(fd, iovs, iovs_len) → nread: reads into the buffers (needs FD_READ). Blocks while
 * nothing is available unless the fd is non-blocking (EAGAIN); 0 means end of file.
 */
export const fd_read: Handler = (_k, t, a) => {
  const p = prepare(t, a, Rights.FD_READ, false);
  if (typeof p === 'number') return p;
  if (p.total === 0) {
    t.ret0 = 0;
    return Errno.SUCCESS;
  }
  const object = p.entry.object;
  const len = Math.min(p.total, MAX_TRANSFER);
  coherent(t, object, false);
  const first = object.read(len);
  if (!isPromise(first) && !(isErr(first) && first.errno === Errno.EAGAIN)) {
    return isErr(first) ? first.errno : scatter(t, p.iovs, first);
  }
  const r = blocking(object, 'read', () => object.read(len), first);
  if (!isPromise(r)) return isErr(r) ? r.errno : scatter(t, p.iovs, r);
  return r.then((data) => (isErr(data) ? data.errno : scatter(t, p.iovs, data)));
};

/** fd_pread(fd, iovs, iovs_len, offset) → nread: reads at an offset (needs FD_READ and FD_SEEK). */
export const fd_pread: Handler = (_k, t, a) => {
  const p = prepare(t, a, Rights.FD_READ | Rights.FD_SEEK, false);
  if (typeof p === 'number') return p;
  const offset = offsetArg(a[3] as bigint);
  if (isErr(offset)) return offset.errno;
  if (p.total === 0) {
    t.ret0 = 0;
    return Errno.SUCCESS;
  }
  const r = p.entry.object.pread(Math.min(p.total, MAX_TRANSFER), offset);
  return andThen(r, (data) => (isErr(data) ? data.errno : scatter(t, p.iovs, data)));
};

/**
 * fd_write(fd, iovs, iovs_len) → nwritten: writes the buffers (needs FD_WRITE). A blocking fd
 * waits until everything is written; a non-blocking one returns what fit (EAGAIN if nothing).
 * Writing to a pipe or socket without readers is EPIPE (SIGPIPE is ignored in CloudABI).
 */
export const fd_write: Handler = (_k, t, a) => {
  const p = prepare(t, a, Rights.FD_WRITE, true);
  if (typeof p === 'number') return p;
  const data = gather(t, p.iovs, MAX_TRANSFER);
  const object = p.entry.object;
  // Bring the object up to date with the mappings first, so the copy back after the write
  // carries only newer bytes.
  coherent(t, object, false);
  // A datagram socket sends even an empty message (FreeBSD sosend: a zero-length datagram is a
  // datagram); every other object treats a zero-length write as nothing to do.
  if (data.length === 0 && !(object instanceof DatagramSocket)) {
    coherent(t, object, true);
    t.ret0 = 0;
    return Errno.SUCCESS;
  }
  return writeAll(t, object, data, object.write(data), 0);
};

/**
 * Continues fd_write after an attempt that gave `result` with `done` bytes written before it:
 * synchronous outcomes are handled in a loop, a blocked or asynchronous one through
 * {@link blocking}.
 */
function writeAll(
  t: Thread,
  object: FdObject,
  data: Uint8Array,
  result: MaybePromise<number | Err>,
  done: number,
): number | Promise<number> {
  let r = result;
  for (;;) {
    if (isPromise(r) || (isErr(r) && r.errno === Errno.EAGAIN && !(object.fdflags & Fdflags.NONBLOCK))) {
      const at = done;
      const next = blocking(object, 'write', () => object.write(data.subarray(at)), r);
      return andThen(next, (n) => writeAll(t, object, data, n, at));
    }
    if (isErr(r)) {
      if (done > 0) {
        t.ret0 = done;
        return Errno.SUCCESS;
      }
      return r.errno;
    }
    done += r;
    if (object.fdflags & Fdflags.NONBLOCK || r === 0) {
      t.ret0 = done;
      return Errno.SUCCESS;
    }
    if (done === data.length) {
      coherent(t, object, true);
      t.ret0 = done;
      return Errno.SUCCESS;
    }
    r = object.write(data.subarray(done));
  }
}

/** fd_pwrite(fd, iovs, iovs_len, offset) → nwritten: writes at an offset (FD_WRITE and FD_SEEK). */
export const fd_pwrite: Handler = (_k, t, a) => {
  const p = prepare(t, a, Rights.FD_WRITE | Rights.FD_SEEK, true);
  if (typeof p === 'number') return p;
  const offset = offsetArg(a[3] as bigint);
  if (isErr(offset)) return offset.errno;
  const data = gather(t, p.iovs, MAX_TRANSFER);
  const r = p.entry.object.pwrite(data, offset);
  return andThen(r, (n) => {
    if (isErr(n)) return n.errno;
    t.ret0 = n;
    return Errno.SUCCESS;
  });
};

/**
 * fd_seek(fd, offset, whence) → newoffset. Asking for the current offset (offset 0, WHENCE_CUR)
 * needs only FD_TELL; any other seek needs FD_SEEK. Unknown whence is EINVAL (checked first); a resulting
 * negative offset EINVAL; objects without an offset (pipes, sockets) ESPIPE.
 */
export const fd_seek: Handler = (_k, t, a) => {
  const delta = a[1] as bigint;
  const whence = a[2] as number;
  // FreeBSD validates whence before looking at the fd's rights.
  if (whence !== Whence.CUR && whence !== Whence.END && whence !== Whence.SET) return Errno.EINVAL;
  const tell = delta === 0n && whence === Whence.CUR;
  const e = t.process.fds.get(a[0] as number, tell ? Rights.FD_TELL : Rights.FD_SEEK);
  if (isErr(e)) return e.errno;
  if (delta > BigInt(Number.MAX_SAFE_INTEGER) || delta < -BigInt(Number.MAX_SAFE_INTEGER))
    return Errno.EINVAL;
  return andThen(e.object.seek(Number(delta), whence), (r) => {
    if (isErr(r)) return r.errno;
    t.ret0 = r;
    return Errno.SUCCESS;
  });
};

/** fd_stat_get(fd, buf): writes the fdstat (file type, fd flags, rights; spec: struct `fdstat`). */
export const fd_stat_get: Handler = (_k, t, a) => {
  const e = t.process.fds.get(a[0] as number);
  if (isErr(e)) return e.errno;
  const buf = a[1] as number;
  const mem = t.process.memory;
  if (!canWrite(mem, buf, 24)) return Errno.EFAULT;
  const out = new Uint8Array(24);
  const dv = new DataView(out.buffer);
  dv.setUint8(0, e.object.filetype);
  dv.setUint16(2, e.object.fdflags, true);
  // Rights only the legacy ABI defines (sock_bind, file_create FIFO, …) mean nothing at HEAD:
  // a program using the final numbering sees the rights it knows.
  const known = legacyCall(t) ? ~0n : RIGHTS_ALL;
  dv.setBigUint64(8, e.base & known, true);
  dv.setBigUint64(16, e.inheriting & known, true);
  mem.writeBytes(buf, out);
  return Errno.SUCCESS;
};

/**
 * fd_stat_put(fd, buf, flags): with FDSTAT_FLAGS sets APPEND and NONBLOCK (needs FD_STAT_PUT_FLAGS);
 * with FDSTAT_RIGHTS replaces the rights, which may only shrink (ENOTCAPABLE otherwise). Any
 * other selector is EINVAL.
 */
export const fd_stat_put: Handler = (_k, t, a) => {
  const flags = a[2] as number;
  const bytes = copyIn(t.process.memory, a[1] as number, 24);
  if (flags === Fdsflags.FLAGS) {
    const e = t.process.fds.get(a[0] as number, Rights.FD_STAT_PUT_FLAGS);
    if (isErr(e)) return e.errno;
    if (!bytes) return Errno.EFAULT;
    const fdflags = new DataView(bytes.buffer).getUint16(2, true);
    // As FreeBSD's F_SETFL: only APPEND and NONBLOCK change; the sync modes stay as opened.
    e.object.fdflags = (e.object.fdflags & SYNC_FLAGS) | (fdflags & (Fdflags.APPEND | Fdflags.NONBLOCK));
    e.object.notify();
    return Errno.SUCCESS;
  }
  if (flags === Fdsflags.RIGHTS) {
    const e = t.process.fds.get(a[0] as number);
    if (isErr(e)) return e.errno;
    if (!bytes) return Errno.EFAULT;
    const dv = new DataView(bytes.buffer);
    const base = dv.getBigUint64(8, true);
    const inheriting = dv.getBigUint64(16, true);
    if ((base & ~e.base) !== 0n || (inheriting & ~e.inheriting) !== 0n) return Errno.ENOTCAPABLE;
    e.base = base;
    e.inheriting = inheriting;
    return Errno.SUCCESS;
  }
  return Errno.EINVAL;
};
