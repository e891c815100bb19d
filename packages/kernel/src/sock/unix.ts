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
import { DatagramChannel, PIPE_CAPACITY } from '../objects/pipe.js';
import type { SocketBinding, SocketListener } from '../vfs/backend.js';
import {
  type AcceptingSocket,
  channelReceive,
  channelSend,
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
  /** A bind of a connected socket is under way (FreeBSD unp_bind allows it). */
  private bindingConnected = false;

  constructor(readonly filetype: number) {
    super();
  }

  /** Whether sock_listen has been called (sockstat ACCEPTCONN). */
  get listening(): boolean {
    return this.state === 'listening';
  }

  /** Whether sock_bind may give the socket a name (it has none and no bind is under way). */
  get bindable(): boolean {
    return (this.state === 'new' || this.state === 'connected') && !this.binding && !this.bindingConnected;
  }

  /**
   * Starts binding: the caller resolves the path and reports the outcome with
   * {@link UnixSocketFd.bound}. EINVAL when the socket already has a name or is listening (or
   * while a bind, listen or connect is under way); EALREADY while binding a connected socket. A
   * connected socket may still be bound, as FreeBSD's unp_bind only checks for an existing name.
   */
  beginBind(): number {
    if (this.state === 'connected') {
      if (this.bindingConnected) return Errno.EALREADY;
      if (this.binding) return Errno.EINVAL;
      this.bindingConnected = true;
      return Errno.SUCCESS;
    }
    if (this.state !== 'new') return Errno.EINVAL;
    this.state = 'binding';
    return Errno.SUCCESS;
  }

  /** The outcome of a bind started with {@link UnixSocketFd.beginBind}. */
  bound(result: SocketBinding | Err): number {
    if (this.bindingConnected) {
      this.bindingConnected = false;
      if (isErr(result)) return result.errno;
      if (this.state === 'closed') {
        result.close();
        return Errno.EBADF;
      }
      this.binding = result;
      return Errno.SUCCESS;
    }
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

/**
 * A legacy Unix datagram socket created unbound. Bound, it receives the messages sent to its name;
 * connected (again and again, to any bound datagram socket), it sends to that socket. FreeBSD
 * semantics: sending unconnected is ENOTCONN; once the receiver closes, the next send reports
 * ECONNRESET and the socket is disconnected (ENOTCONN after that); it cannot listen (EOPNOTSUPP).
 */
export class UnixDatagramFd extends FdObject implements MessageSocket, SocketListener {
  readonly filetype = Filetype.SOCKET_DGRAM;
  /** Messages sent to this socket's name. */
  readonly datagramInbox = new DatagramChannel(PIPE_CAPACITY);
  private state: 'new' | 'binding' | 'bound' | 'closed' = 'new';
  private binding: SocketBinding | null = null;
  private target: DatagramChannel | null = null;
  private readShut = false;
  private writeShut = false;

  constructor() {
    super();
    this.datagramInbox.ends.add(this);
  }

  /** Datagram sockets never listen. */
  get listening(): boolean {
    return false;
  }
  /** Connections are not a datagram notion: nothing is ever queued for accept. */
  incoming(_conn: FdObject): boolean {
    return false;
  }
  beginBind(): number {
    if (this.state !== 'new') return Errno.EINVAL;
    this.state = 'binding';
    return Errno.SUCCESS;
  }
  bound(result: SocketBinding | Err): number {
    if (isErr(result)) {
      if (this.state === 'binding') this.state = 'new';
      return result.errno;
    }
    if (this.state !== 'binding') {
      result.close();
      return Errno.EBADF;
    }
    this.binding = result;
    this.state = 'bound';
    return Errno.SUCCESS;
  }
  /** sock_listen on a datagram socket: EOPNOTSUPP (FreeBSD uipc_listen). */
  listen(_backlog: number): number {
    return Errno.ENOTSUP;
  }
  /** A datagram socket may connect again, replacing its peer. */
  beginConnect(): number {
    return this.state === 'closed' ? Errno.EBADF : Errno.SUCCESS;
  }
  connected(result: FdObject | Err): number {
    if (isErr(result)) return result.errno;
    if (!(result instanceof DatagramPeer) || this.state === 'closed') return Errno.EPROTOTYPE;
    this.target?.ends.delete(this);
    this.target = result.inbox;
    this.target.ends.add(this);
    this.notify();
    return Errno.SUCCESS;
  }

  receive(len: number, peek: boolean): ReceivedMessage | Err {
    if (this.readShut) return { data: new Uint8Array(0), fds: [], dataTruncated: false, end: true };
    return channelReceive(this.datagramInbox, len, peek);
  }
  send(data: Uint8Array, fds: PassedFd[]): number | Err {
    if (this.writeShut) return err(Errno.EPIPE);
    const target = this.target;
    if (!target) return err(Errno.ENOTCONN);
    if (!target.readerOpen) {
      target.ends.delete(this);
      this.target = null;
      return err(Errno.ECONNRESET);
    }
    return channelSend(target, data, fds);
  }
  override read(len: number): Uint8Array | Err {
    const r = this.receive(len, false);
    return isErr(r) ? r : r.data;
  }
  override write(data: Uint8Array): number | Err {
    return this.send(data, []);
  }
  override readiness(kind: 'read' | 'write'): Readiness {
    if (kind === 'read') {
      const first = this.datagramInbox.messages[0];
      if (this.readShut) return { ready: true, nbytes: 0, hangup: true };
      return { ready: first !== undefined, nbytes: first?.length ?? 0, hangup: false };
    }
    const target = this.target;
    if (this.writeShut) return { ready: true, nbytes: 0, hangup: true };
    // Unconnected: a send would not block (it fails at once), as FreeBSD's sowriteable says.
    if (!target?.readerOpen) return { ready: true, nbytes: PIPE_CAPACITY, hangup: false };
    const room = target.capacity - target.bytes;
    return { ready: room > 0, nbytes: room, hangup: false };
  }
  /**
   * sock_shutdown: ENOTCONN unless connected. A receiver that closed disconnected this socket at
   * once on FreeBSD (uipc_detach → unp_drop), so that is ENOTCONN too, before any send.
   */
  shutdown(how: number): number {
    if (!this.target?.readerOpen) return Errno.ENOTCONN;
    if (how & 1) this.readShut = true;
    if (how & 2) this.writeShut = true;
    this.notify();
    return Errno.SUCCESS;
  }
  address(): SocketAddress {
    return { family: 'unix' };
  }
  peerAddress(): SocketAddress | undefined {
    return this.target ? { family: 'unix' } : undefined;
  }
  protected override onClose(): void {
    this.state = 'closed';
    this.binding?.close();
    this.binding = null;
    const inbox = this.datagramInbox;
    inbox.readerOpen = false;
    inbox.messages.length = 0;
    inbox.bytes = 0;
    inbox.changed();
    inbox.ends.delete(this);
    this.target?.ends.delete(this);
    this.target = null;
  }
}

/** What connecting a datagram socket to a bound name yields: the receiver's message queue. */
export class DatagramPeer extends FdObject {
  readonly filetype = Filetype.SOCKET_DGRAM;
  constructor(readonly inbox: DatagramChannel) {
    super();
  }
}

/** A legacy socket from fd_create1 (what sock_bind, sock_connect and sock_listen act on). */
export type LegacySocket = UnixSocketFd | UnixDatagramFd;

/** Whether `object` is a socket created unbound by the legacy fd_create1. */
export function isLegacySocket(object: unknown): object is LegacySocket {
  return object instanceof UnixSocketFd || object instanceof UnixDatagramFd;
}

/** Creates the unbound socket of a legacy fd_create1 type, or null for other types. */
export function createLegacySocket(filetype: number): LegacySocket | null {
  if (filetype === Filetype.SOCKET_DGRAM) return new UnixDatagramFd();
  if (filetype === Filetype.SOCKET_STREAM || filetype === Filetype.SOCKET_SEQPACKET)
    return new UnixSocketFd(filetype);
  return null;
}
