/**
 * sock family: sock_recv, sock_send (data and fd passing), sock_shutdown, and for 2015–2017
 * binaries the legacy sock_accept, sock_bind, sock_connect, sock_listen and sock_stat_get
 * (spec: `sock_*`, legacy spec for the legacy calls and their rights; struct
 * layouts recv_in/recv_out/send_in/send_out per digest §2.7, legacy sockstat/sockaddr per §2.8;
 * semantics per digest §6.3 item 24).
 */
import { SaFamily, Sstate } from '@cabi/abi-types';
import { Errno, Filetype, Rights } from '../abi.js';
import { type Err, isErr, type MaybePromise } from '../errors.js';
import { type FdObject, isSocketType } from '../fd-object.js';
import type { FdEntry } from '../fd-table.js';
import { canRead, canWrite, copyIn, copyOut, type IoVec, readIovecs, storeU32 } from '../guest.js';
import { DatagramSocket, StreamSocket } from '../objects/pipe.js';
import { typeRights } from '../rights.js';
import {
  dropPassed,
  isAccepting,
  messageSocket,
  type PassedFd,
  type ReceivedMessage,
  type SocketAddress,
} from '../sock/messages.js';
import { isLegacySocket, UnixDatagramFd } from '../sock/unix.js';
import { DirectoryFd } from '../vfs/objects.js';
import { bindAt, connectAt, dispose } from '../vfs/ops.js';
import { andThen, blocking, type Handler } from './common.js';
import { legacyCall } from './fd.js';

/** riflags (spec: type `riflags`). */
const PEEK = 0x4;
const WAITALL = 0x10;
/** roflags (spec: type `roflags`). */
const FDS_TRUNCATED = 0x1;
const DATA_TRUNCATED = 0x8;
/** sdflags (spec: type `sdflags`). */
const SHUT_RD = 0x1;
const SHUT_WR = 0x2;
/** Most fds one message may carry (FreeBSD's SCM_RIGHTS limit is of this order). */
const MAX_PASSED_FDS = 1024;
/** Legacy SOCKSTAT_CLEAR_ERROR. */
const CLEAR_ERROR = 0x1;

function u64(dv: DataView, at: number): number {
  const v = dv.getBigUint64(at, true);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(v);
}

function socketOf(entry: FdEntry | Err): FdObject | number {
  if (isErr(entry)) return entry.errno;
  return isSocketType(entry.object.filetype) ? entry.object : Errno.ENOTSOCK;
}

/**
 * Whether the call came through the legacy numbering. Handler-level harnesses drive a thread
 * without a CPU; those calls count as HEAD calls.
 */
function viaLegacyNumbering(t: Parameters<Handler>[1]): boolean {
  return (t as { cpu?: unknown }).cpu !== undefined && legacyCall(t);
}

/** Scatters `data` over iovecs (already checked writable). */
function scatter(mem: Parameters<typeof copyOut>[0], iovs: IoVec[], data: Uint8Array): boolean {
  let at = 0;
  for (const v of iovs) {
    if (at >= data.length) break;
    const n = Math.min(v.len, data.length - at);
    if (!copyOut(mem, v.buf, data.subarray(at, at + n))) return false;
    at += n;
  }
  return true;
}

/**
 * sock_recv(sock, in, out): receives into ri_data and fds into ri_fds (needs FD_READ).
 * PEEK leaves the data queued; WAITALL keeps a stream receive going until the buffer is full or
 * the stream ends. Results: ro_datalen, ro_fdslen, ro_flags (DATA_TRUNCATED for a longer
 * datagram, FDS_TRUNCATED when fds did not fit and were closed).
 *
 * Through the legacy numbering recv_out also has ro_sockname (@16) and ro_peername (@36), 20-byte
 * sockaddrs (digest §2.8). FreeBSD's compat layer filled only ro_peername, from the address
 * recvmsg returned: Unix datagrams carry the sender's (AF_UNIX, the path not being expressible),
 * streams and SEQPACKET records none, so ro_peername stays zero (AF_UNSPEC) for them.
 */
export const sock_recv: Handler = (_k, t, a) => {
  const proc = t.process;
  const mem = proc.memory;
  const object = socketOf(proc.fds.get(a[0] as number, Rights.FD_READ));
  if (typeof object === 'number') return object;
  const input = copyIn(mem, a[1] as number, 40);
  if (!input) return Errno.EFAULT;
  const dv = new DataView(input.buffer);
  const dataPtr = u64(dv, 0);
  const dataLen = u64(dv, 8);
  const fdsPtr = u64(dv, 16);
  const fdsLen = u64(dv, 24);
  const flags = dv.getUint16(32, true);
  if (flags & ~(PEEK | WAITALL)) return Errno.EINVAL;
  const outPtr = a[2] as number;
  if (!canWrite(mem, outPtr, 64)) return Errno.EFAULT;
  const iovs = readIovecs(mem, dataPtr, dataLen);
  if (typeof iovs === 'number') return iovs;
  let total = 0;
  for (const v of iovs) {
    if (!canWrite(mem, v.buf, v.len)) return Errno.EFAULT;
    total += v.len;
  }
  if (fdsLen > 0 && !canWrite(mem, fdsPtr, Math.min(fdsLen, MAX_PASSED_FDS) * 4)) return Errno.EFAULT;
  const peek = (flags & PEEK) !== 0;
  const socket = messageSocket(object);
  const receive = (len: number) => blocking(object, 'read', () => socket.receive(len, peek));

  // Unix datagram sockets only (host UDP sockets would name an inet sender).
  const unixDatagram =
    (object instanceof DatagramSocket && object.filetype === Filetype.SOCKET_DGRAM) ||
    object instanceof UnixDatagramFd;
  const finish = (parts: Uint8Array[], fds: PassedFd[], dataTruncated: boolean, end = false): number => {
    let size = 0;
    for (const p of parts) size += p.length;
    const data = parts.length === 1 ? (parts[0] as Uint8Array) : new Uint8Array(size);
    if (parts.length > 1) {
      let at = 0;
      for (const p of parts) {
        data.set(p, at);
        at += p.length;
      }
    }
    if (!canWrite(mem, outPtr, 64) || !scatter(mem, iovs, data)) {
      if (!peek) dropPassed(fds);
      return Errno.EFAULT;
    }
    let outFlags = dataTruncated ? DATA_TRUNCATED : 0;
    let delivered = 0;
    if (!peek) {
      const room = Math.min(fdsLen, MAX_PASSED_FDS);
      for (const f of fds) {
        const fd =
          delivered < room ? proc.fds.insert(f.object, { base: f.base, inheriting: f.inheriting }) : null;
        // Through the checked store, so that a receive completing while another process runs
        // still reaches shared mappings (see shared-pages.ts).
        if (typeof fd === 'number' && storeU32(mem, fdsPtr + delivered * 4, fd)) {
          delivered++;
        } else {
          if (typeof fd === 'number') proc.fds.close(fd);
          outFlags |= FDS_TRUNCATED;
        }
        // The in-flight reference moves into the table (or is dropped).
        f.object.release();
      }
    }
    const out = new Uint8Array(64);
    const odv = new DataView(out.buffer);
    odv.setBigUint64(0, BigInt(data.length), true);
    odv.setBigUint64(8, BigInt(delivered), true);
    if (unixDatagram && !end && viaLegacyNumbering(t)) encodeSockaddr(out, 36, { family: 'unix' });
    odv.setUint16(56, outFlags, true);
    return copyOut(mem, outPtr, out) ? Errno.SUCCESS : Errno.EFAULT;
  };

  return andThen(receive(total), (first): MaybePromise<number> => {
    if (isErr(first)) return first.errno;
    // WAITALL only concerns streams: a datagram receive returns one message regardless.
    const waitall = (flags & WAITALL) !== 0 && !peek && object.filetype === Filetype.SOCKET_STREAM;
    if (!waitall || first.data.length === 0 || first.data.length >= total) {
      return finish([first.data], first.fds, first.dataTruncated, first.end === true);
    }
    const parts = [first.data];
    const fds = [...first.fds];
    let got = first.data.length;
    const more = (): MaybePromise<number> =>
      andThen(receive(total - got), (r: ReceivedMessage | Err): MaybePromise<number> => {
        if (isErr(r) || r.data.length === 0) return finish(parts, fds, false);
        parts.push(r.data);
        fds.push(...r.fds);
        got += r.data.length;
        return got >= total ? finish(parts, fds, false) : more();
      });
    return more();
  });
};

/**
 * sock_send(sock, in, out): sends si_data with the fds listed in si_fds (needs FD_WRITE); each
 * passed fd keeps the sender's rights. so_datalen is how much data was accepted.
 */
export const sock_send: Handler = (_k, t, a) => {
  const proc = t.process;
  const mem = proc.memory;
  const object = socketOf(proc.fds.get(a[0] as number, Rights.FD_WRITE));
  if (typeof object === 'number') return object;
  const input = copyIn(mem, a[1] as number, 40);
  if (!input) return Errno.EFAULT;
  const dv = new DataView(input.buffer);
  const dataPtr = u64(dv, 0);
  const dataLen = u64(dv, 8);
  const fdsPtr = u64(dv, 16);
  const fdsLen = u64(dv, 24);
  const outPtr = a[2] as number;
  if (!canWrite(mem, outPtr, 8)) return Errno.EFAULT;
  const iovs = readIovecs(mem, dataPtr, dataLen);
  if (typeof iovs === 'number') return iovs;
  let total = 0;
  for (const v of iovs) {
    if (!canRead(mem, v.buf, v.len)) return Errno.EFAULT;
    total += v.len;
  }
  if (fdsLen > MAX_PASSED_FDS) return Errno.EINVAL;
  if (fdsLen > 0 && !canRead(mem, fdsPtr, fdsLen * 4)) return Errno.EFAULT;
  const passed: PassedFd[] = [];
  for (let i = 0; i < fdsLen; i++) {
    const entry = proc.fds.peek(mem.dv.getUint32(fdsPtr + i * 4, true));
    if (!entry) return Errno.EBADF;
    if (!entry.object.passable) return Errno.ENOTSUP;
    passed.push({ object: entry.object, base: entry.base, inheriting: entry.inheriting });
  }
  const data = new Uint8Array(total);
  let at = 0;
  for (const v of iovs) {
    data.set(mem.u8.subarray(v.buf, v.buf + v.len), at);
    at += v.len;
  }
  const socket = messageSocket(object);
  return andThen(
    blocking(object, 'write', () => socket.send(data, passed)),
    (n) => {
      if (isErr(n)) return n.errno;
      const out = new Uint8Array(8);
      new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
      return copyOut(mem, outPtr, out) ? Errno.SUCCESS : Errno.EFAULT;
    },
  );
};

/** sock_shutdown(sock, how): SHUT_RD and/or SHUT_WR (needs SOCK_SHUTDOWN). */
export const sock_shutdown: Handler = (_k, t, a) => {
  const how = a[1] as number;
  const object = socketOf(t.process.fds.get(a[0] as number, Rights.SOCK_SHUTDOWN));
  if (typeof object === 'number') return object;
  if (how === 0 || how & ~(SHUT_RD | SHUT_WR)) return Errno.EINVAL;
  const target = object as FdObject & { shutdown?: (how: number) => number };
  if (typeof target.shutdown !== 'function') return Errno.ENOTCONN;
  return target.shutdown(how);
};

/** Encodes a legacy sockaddr (20 bytes; inet port in network byte order). */
function encodeSockaddr(out: Uint8Array, at: number, address: SocketAddress | undefined): void {
  if (!address) return;
  if (address.family === 'unix') {
    out[at] = SaFamily.UNIX;
    return;
  }
  const parts = address.address.split('.').map((p) => Number(p));
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) return;
  out[at] = SaFamily.INET;
  out.set(parts, at + 2);
  out[at + 6] = (address.port >> 8) & 0xff;
  out[at + 7] = address.port & 0xff;
}

/**
 * Legacy sock_accept(sock, buf) → conn: takes a pending connection of a listening socket,
 * blocking unless the socket is non-blocking. Needs the legacy SOCK_ACCEPT right. The new fd's
 * rights are the socket type's, narrowed by the listening fd's inheriting rights; `buf` (if not
 * NULL) gets a sockstat whose peer name is the connection's.
 */
export const sock_accept: Handler = (_k, t, a) => {
  const proc = t.process;
  const entry = proc.fds.get(a[0] as number, Rights.SOCK_ACCEPT);
  const object = socketOf(entry);
  if (typeof object === 'number' || isErr(entry)) return typeof object === 'number' ? object : Errno.EBADF;
  if (!isAccepting(object)) return Errno.EINVAL;
  const buf = a[1] as number;
  if (buf !== 0 && !canWrite(proc.memory, buf, 48)) return Errno.EFAULT;
  return andThen(
    blocking(object, 'read', () => object.accept()),
    (conn) => {
      if (isErr(conn)) return conn.errno;
      const type = typeRights(conn.filetype);
      const fd = proc.fds.insert(conn, { base: type.base & entry.inheriting, inheriting: entry.inheriting });
      if (isErr(fd)) {
        dispose(conn);
        return fd.errno;
      }
      if (buf !== 0) {
        const st = new Uint8Array(48);
        encodeSockaddr(st, 20, peerAddressOf(conn));
        if (!copyOut(proc.memory, buf, st)) return Errno.EFAULT;
      }
      t.ret0 = fd;
      return Errno.SUCCESS;
    },
  );
};

/**
 * Legacy sock_listen(sock, backlog): needs SOCK_LISTEN. A legacy Unix socket must be bound
 * (EINVAL otherwise, as FreeBSD's uipc_listen); a socket granted listening already listens; a
 * datagram socket cannot listen (EOPNOTSUPP); any other (connected) socket is EINVAL.
 */
export const sock_listen: Handler = (_k, t, a) => {
  const object = socketOf(t.process.fds.get(a[0] as number, Rights.SOCK_LISTEN));
  if (typeof object === 'number') return object;
  if (isLegacySocket(object)) return object.listen(a[1] as number);
  if (object.filetype === Filetype.SOCKET_DGRAM) return Errno.ENOTSUP;
  return isAccepting(object) ? Errno.SUCCESS : Errno.EINVAL;
};

/** Largest path sock_bind/sock_connect accept: FreeBSD copies it into sun_path (104 bytes). */
const SUN_PATH_LEN = 104;

/**
 * Reads the (sock, dirfd, path) arguments of sock_bind/sock_connect in FreeBSD's order: the path
 * (ENAMETOOLONG when it does not fit sun_path), then the socket, then the directory.
 */
function pathSocketArgs(
  t: Parameters<Handler>[1],
  a: Parameters<Handler>[2],
  sockRight: bigint,
  dirRight: bigint,
): { sock: FdObject; dir: DirectoryFd; path: Uint8Array } | number {
  const proc = t.process;
  const len = Number(a[3]);
  if (len >= SUN_PATH_LEN) return Errno.ENAMETOOLONG;
  const path = copyIn(proc.memory, Number(a[2]), len);
  if (!path) return Errno.EFAULT;
  const sock = socketOf(proc.fds.get(a[0] as number, sockRight));
  if (typeof sock === 'number') return sock;
  const d = proc.fds.get(a[1] as number, dirRight);
  if (isErr(d)) return d.errno;
  if (!(d.object instanceof DirectoryFd)) return Errno.ENOTDIR;
  return { sock, dir: d.object, path };
}

/**
 * Legacy sock_bind(sock, fd, path): binds a socket from fd_create1 or a socket pair end to a name
 * beneath the directory (SOCK_BIND_SOCKET on the socket, SOCK_BIND_DIRECTORY on the directory).
 * As FreeBSD's unp_bind, only a socket that already has a name is EINVAL (a connected one may be
 * bound); an existing name is EADDRINUSE. Host sockets granted at startup are EINVAL.
 */
export const sock_bind: Handler = (_k, t, a) => {
  const args = pathSocketArgs(t, a, Rights.SOCK_BIND_SOCKET, Rights.SOCK_BIND_DIRECTORY);
  if (typeof args === 'number') return args;
  const { sock, dir, path } = args;
  if (sock instanceof StreamSocket || sock instanceof DatagramSocket) {
    const e = sock.name.begin();
    if (e !== Errno.SUCCESS) return e;
    return andThen(bindAt(dir, path, sock.listener()), (r) => sock.name.done(r));
  }
  if (!isLegacySocket(sock)) return Errno.EINVAL;
  const e = sock.beginBind();
  if (e !== Errno.SUCCESS) return e;
  return andThen(bindAt(dir, path, sock), (r) => sock.bound(r));
};

/**
 * Legacy sock_connect(sock, fd, path): connects a socket from fd_create1 to the socket bound at
 * the path (SOCK_CONNECT_SOCKET, SOCK_CONNECT_DIRECTORY). ENOENT without a name, ENOTSOCK for a
 * name that is no socket, ECONNREFUSED when nobody listens there, EPROTOTYPE for another socket
 * type; EISCONN when already connected, EOPNOTSUPP on a listening socket.
 */
export const sock_connect: Handler = (_k, t, a) => {
  const args = pathSocketArgs(t, a, Rights.SOCK_CONNECT_SOCKET, Rights.SOCK_CONNECT_DIRECTORY);
  if (typeof args === 'number') return args;
  const { sock, dir, path } = args;
  if (!isLegacySocket(sock)) return isAccepting(sock) ? Errno.ENOTSUP : Errno.EISCONN;
  const e = sock.beginConnect();
  if (e !== Errno.SUCCESS) return e;
  return andThen(connectAt(dir, path, sock.filetype), (r) => sock.connected(r));
};

/** An object's own socket address for sockstat: socket pair ends are unnamed AF_UNIX sockets. */
function addressOf(object: FdObject): SocketAddress | undefined {
  const sock = object as FdObject & { address?: () => SocketAddress | undefined };
  if (typeof sock.address === 'function') return sock.address();
  return object instanceof StreamSocket || object instanceof DatagramSocket ? { family: 'unix' } : undefined;
}

/** The peer's address for sockstat (socket pair ends: an unnamed AF_UNIX peer). */
function peerAddressOf(object: FdObject): SocketAddress | undefined {
  const sock = object as FdObject & { peerAddress?: () => SocketAddress | undefined };
  if (typeof sock.peerAddress === 'function') return sock.peerAddress();
  return object instanceof StreamSocket || object instanceof DatagramSocket ? { family: 'unix' } : undefined;
}

/**
 * Legacy sock_stat_get(sock, buf, flags): the socket's addresses, pending error and state
 * (ACCEPTCONN for listening sockets). Needs the legacy SOCK_STAT_GET right.
 */
export const sock_stat_get: Handler = (_k, t, a) => {
  const flags = a[2] as number;
  if (flags & ~CLEAR_ERROR) return Errno.EINVAL;
  const object = socketOf(t.process.fds.get(a[0] as number, Rights.SOCK_STAT_GET));
  if (typeof object === 'number') return object;
  const buf = a[1] as number;
  if (!canWrite(t.process.memory, buf, 48)) return Errno.EFAULT;
  const st = new Uint8Array(48);
  encodeSockaddr(st, 0, addressOf(object));
  encodeSockaddr(st, 20, peerAddressOf(object));
  const listening = isLegacySocket(object) ? object.listening : isAccepting(object);
  if (listening) new DataView(st.buffer).setUint32(44, Sstate.ACCEPTCONN, true);
  return copyOut(t.process.memory, buf, st) ? Errno.SUCCESS : Errno.EFAULT;
};

/** The handlers of this file, for the kernel's handler table. */
export const SOCK_HANDLERS: Readonly<Record<string, Handler>> = {
  sock_accept,
  sock_bind,
  sock_connect,
  sock_listen,
  sock_recv,
  sock_send,
  sock_shutdown,
  sock_stat_get,
};
