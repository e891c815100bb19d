/**
 * Unbound Unix sockets of the legacy ABI (2015–2017): `fd_create1` with a socket type makes one,
 * and sock_bind, sock_listen, sock_accept and sock_connect give it a name, a queue of incoming
 * connections or a peer (legacy spec: `sock_*`; semantics of FreeBSD's AF_UNIX sockets).
 *
 * The name lives in a backend's directory ({@link HostBackend.bindSocket}): an inode of the
 * memory backend, connected within the kernel, or a real host Unix socket on the Node backend.
 * Once connected, every transfer goes to the connected end object (a socket pair end or a host
 * stream socket), so fd passing, PEEK and WAITALL behave exactly as on those.
 */
import { Errno, Filetype } from '../abi.js';
import { type Err, err, isErr, type MaybePromise } from '../errors.js';
import { FdObject, type Readiness } from '../fd-object.js';
import type { SocketBinding, SocketListener } from '../vfs/backend.js';
import {
  type AcceptingSocket,
  type MessageSocket,
  messageSocket,
  type PassedFd,
  type ReceivedMessage,
  type SocketAddress,
} from './messages.js';

/** FreeBSD's default `kern.ipc.somaxconn`: the largest listen backlog. */
export const SOMAXCONN = 128;

type State = 'new' | 'binding' | 'bound' | 'listening' | 'connecting' | 'connected' | 'closed';

const NOT_READY: Readiness = { ready: false, nbytes: 0, hangup: false };

/** A legacy Unix socket (SOCKET_STREAM or SOCKET_SEQPACKET) created unbound. */
export class UnixSocketFd extends FdObject implements MessageSocket, AcceptingSocket, SocketListener {
  private state: State = 'new';
  private binding: SocketBinding | null = null;
  private readonly pending: FdObject[] = [];
  private backlog = 0;
  private peer: FdObject | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(readonly filetype: number) {
    super();
  }

  /** Whether sock_listen has been called (sockstat ACCEPTCONN). */
  get listening(): boolean {
    return this.state === 'listening';
  }

  /** Whether the socket has a name or a peer (sock_bind is then EINVAL). */
  get bindable(): boolean {
    return this.state === 'new';
  }

  /**
   * Starts binding: the caller resolves the path and reports the outcome with
   * {@link UnixSocketFd.bound}. EINVAL when the socket already has a name or a peer.
   */
  beginBind(): number {
    if (this.state !== 'new') return Errno.EINVAL;
    this.state = 'binding';
    return Errno.SUCCESS;
  }

  /** The outcome of a bind started with {@link UnixSocketFd.beginBind}. */
  bound(result: SocketBinding | Err): number {
    if (isErr(result)) {
      if (this.state === 'binding') this.state = 'new';
      return result.errno;
    }
    if (this.state !== 'binding') {
      // Closed meanwhile: the name gets no listener.
      result.close();
      return Errno.EBADF;
    }
    this.binding = result;
    this.state = 'bound';
    return Errno.SUCCESS;
  }

  /**
   * sock_listen: a bound socket starts accepting (FreeBSD uipc_listen: an unbound or connected
   * one is EINVAL); listening again only changes the backlog.
   */
  listen(backlog: number): MaybePromise<number> {
    if (this.state === 'listening') {
      this.backlog = Math.min(backlog, SOMAXCONN);
      return Errno.SUCCESS;
    }
    const binding = this.binding;
    if (this.state !== 'bound' || !binding) return Errno.EINVAL;
    this.state = 'binding';
    const started = (e: number): number => {
      if (this.state !== 'binding') return this.state === 'closed' ? Errno.EBADF : e;
      if (e !== Errno.SUCCESS) {
        this.state = 'bound';
        return e;
      }
      this.backlog = Math.min(backlog, SOMAXCONN);
      this.state = 'listening';
      return Errno.SUCCESS;
    };
    const r = binding.listen();
    return typeof r === 'number' ? started(r) : r.then(started);
  }

  /**
   * A connection to the socket's name. FreeBSD's sonewconn refuses once more than 3/2 of the
   * backlog is pending.
   */
  incoming(conn: FdObject): boolean {
    if (this.state !== 'listening') return false;
    if (this.pending.length > Math.floor((3 * this.backlog) / 2)) return false;
    this.pending.push(conn);
    this.notify();
    return true;
  }

  /** sock_accept: the oldest pending connection (EINVAL when not listening). */
  accept(): FdObject | Err {
    if (this.state !== 'listening') return err(Errno.EINVAL);
    const conn = this.pending.shift();
    return conn ?? err(Errno.EAGAIN);
  }

  /**
   * Starts connecting: EOPNOTSUPP on a listening socket (FreeBSD soconnect), EISCONN when
   * connected, EALREADY while a bind or connect is under way.
   */
  beginConnect(): number {
    switch (this.state) {
      case 'listening':
        return Errno.ENOTSUP;
      case 'connected':
        return Errno.EISCONN;
      case 'binding':
      case 'connecting':
        return Errno.EALREADY;
      case 'closed':
        return Errno.EBADF;
      default:
        this.state = 'connecting';
        return Errno.SUCCESS;
    }
  }

  /** The outcome of a connect started with {@link UnixSocketFd.beginConnect}. */
  connected(result: FdObject | Err): number {
    const failed = !(result instanceof FdObject);
    if (this.state !== 'connecting') {
      if (!failed) {
        result.retain();
        result.release();
      }
      return Errno.EBADF;
    }
    if (failed) {
      this.state = this.binding ? 'bound' : 'new';
      return result.errno;
    }
    const peer = result;
    peer.retain();
    this.peer = peer;
    this.unsubscribe = peer.subscribe(() => this.notify());
    this.state = 'connected';
    this.notify();
    return Errno.SUCCESS;
  }

  receive(len: number, peek: boolean): MaybePromise<ReceivedMessage | Err> {
    return this.peer ? messageSocket(this.peer).receive(len, peek) : err(Errno.ENOTCONN);
  }
  send(data: Uint8Array, fds: PassedFd[]): MaybePromise<number | Err> {
    return this.peer ? messageSocket(this.peer).send(data, fds) : err(Errno.ENOTCONN);
  }
  override read(len: number): MaybePromise<Uint8Array | Err> {
    return this.peer ? this.peer.read(len) : err(Errno.ENOTCONN);
  }
  override write(data: Uint8Array): MaybePromise<number | Err> {
    return this.peer ? this.peer.write(data) : err(Errno.ENOTCONN);
  }
  override readiness(kind: 'read' | 'write'): Readiness {
    if (this.peer) return this.peer.readiness(kind);
    if (this.state === 'listening' && kind === 'read') {
      const n = this.pending.length;
      return { ready: n > 0, nbytes: n, hangup: false };
    }
    return NOT_READY;
  }

  /** sock_shutdown: on the connection; ENOTCONN without one. */
  shutdown(how: number): number {
    const peer = this.peer as (FdObject & { shutdown?: (how: number) => number }) | null;
    if (!peer || typeof peer.shutdown !== 'function') return Errno.ENOTCONN;
    return peer.shutdown(how);
  }

  /** The socket's own address: always AF_UNIX (unnamed unless bound). */
  address(): SocketAddress {
    return { family: 'unix' };
  }
  /** The peer's address: AF_UNIX once connected. */
  peerAddress(): SocketAddress | undefined {
    return this.peer ? { family: 'unix' } : undefined;
  }

  protected override onClose(): void {
    this.state = 'closed';
    this.binding?.close();
    this.binding = null;
    for (const conn of this.pending.splice(0)) {
      conn.retain();
      conn.release();
    }
    this.unsubscribe?.();
    this.unsubscribe = null;
    const peer = this.peer;
    this.peer = null;
    peer?.release();
  }
}

/** Socket types the legacy fd_create1 creates unbound (digest §1.3; datagram sockets are left out). */
export function isUnixSocketType(filetype: number): boolean {
  return filetype === Filetype.SOCKET_STREAM || filetype === Filetype.SOCKET_SEQPACKET;
}
