/**
 * Host sockets through node:net: connected stream sockets ({@link NetStreamFd}) and listening
 * TCP or Unix sockets ({@link NetListenFd}) handed to a guest at startup, as cloudabi-run's
 * `!socket` does. Listening sockets accept through the legacy sock_accept and report pending
 * connections as read readiness to poll.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { Errno, Filetype } from '../abi.js';
import { type Err, err, isErr } from '../errors.js';
import { FdObject, type Readiness } from '../fd-object.js';
import { ByteQueue } from '../objects/byte-queue.js';
import type {
  AcceptingSocket,
  MessageSocket,
  PassedFd,
  ReceivedMessage,
  SocketAddress,
} from '../sock/messages.js';
import { errnoOf } from './errno.js';

/** Bytes buffered from the host before the socket is paused. */
const HIGH_WATER = 65536;

function inetAddress(address: string | undefined, port: number | undefined): SocketAddress | undefined {
  if (!address || port === undefined) return undefined;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return net.isIPv4(v4) ? { family: 'inet', address: v4, port } : undefined;
}

/** A connected host stream socket. */
export class NetStreamFd extends FdObject implements MessageSocket {
  readonly filetype = Filetype.SOCKET_STREAM;
  private readonly queue = new ByteQueue(HIGH_WATER);
  private ended = false;
  private error: number | null = null;
  private readShut = false;
  private writeShut = false;
  private busy = false;
  private gone = false;

  /** A Unix-domain (or other non-inet) stream: its addresses are AF_UNIX. */
  private readonly unix: boolean;

  constructor(
    readonly socket: net.Socket,
    /** Bytes already taken from the host socket, delivered first. */
    initial?: Uint8Array,
  ) {
    super();
    if (initial && initial.length > 0) this.queue.push(initial, true);
    this.unix = socket.localAddress === undefined && socket.remoteAddress === undefined;
    socket.on('data', (chunk: Buffer) => {
      if (this.readShut) return;
      this.queue.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength), true);
      if (this.queue.length >= HIGH_WATER) socket.pause();
      this.notify();
    });
    socket.on('end', () => {
      this.ended = true;
      this.notify();
    });
    socket.on('error', (e) => {
      this.error = errnoOf(e);
      this.ended = true;
      this.notify();
    });
    socket.on('close', () => {
      this.ended = true;
      this.gone = true;
      this.busy = false;
      this.notify();
    });
    socket.resume();
  }

  receive(len: number, peek: boolean): ReceivedMessage | Err {
    if (len === 0) return { data: new Uint8Array(0), fds: [], dataTruncated: false };
    if (this.queue.length > 0) {
      let data: Uint8Array;
      if (peek) {
        const all = this.queue.shift(this.queue.length);
        this.queue.push(all, true);
        data = all.slice(0, len);
      } else {
        data = this.queue.shift(len);
        if (this.queue.length < HIGH_WATER && !this.ended) this.socket.resume();
      }
      return { data, fds: [], dataTruncated: false };
    }
    if (this.error !== null && this.error !== Errno.ECONNRESET) return err(this.error);
    if (this.ended || this.readShut) return { data: new Uint8Array(0), fds: [], dataTruncated: false };
    return err(Errno.EAGAIN);
  }

  send(data: Uint8Array, fds: PassedFd[]): number | Err {
    if (fds.length > 0) return err(Errno.ENOTSUP);
    return this.write(data);
  }

  override read(len: number): Uint8Array | Err {
    const r = this.receive(len, false);
    return isErr(r) ? r : r.data;
  }

  override write(data: Uint8Array): number | Err {
    if (this.writeShut || this.gone || this.socket.destroyed) return err(Errno.EPIPE);
    if (this.busy) return err(Errno.EAGAIN);
    if (data.length === 0) return 0;
    const ok = this.socket.write(data.slice());
    if (!ok) {
      this.busy = true;
      this.socket.once('drain', () => {
        this.busy = false;
        this.notify();
      });
    }
    return data.length;
  }

  override readiness(kind: 'read' | 'write'): Readiness {
    if (kind === 'read') {
      const done = this.ended || this.readShut;
      return { ready: this.queue.length > 0 || done, nbytes: this.queue.length, hangup: done };
    }
    // A closed peer is HANGUP without an error, as FreeBSD reports EV_EOF for sockets.
    if (this.writeShut || this.gone) return { ready: true, nbytes: 0, hangup: true };
    return { ready: !this.busy, nbytes: this.busy ? 0 : HIGH_WATER, hangup: false };
  }

  /** sock_shutdown: SHUT_RD discards further input, SHUT_WR sends end of stream. */
  shutdown(how: number): number {
    if (how & 1) {
      this.readShut = true;
      this.queue.shift(this.queue.length);
      this.socket.resume();
    }
    if (how & 2 && !this.writeShut) {
      this.writeShut = true;
      this.socket.end();
    }
    this.notify();
    return Errno.SUCCESS;
  }

  /** The local address (legacy sock_stat_get): inet, or AF_UNIX for a Unix socket. */
  address(): SocketAddress | undefined {
    if (this.unix) return { family: 'unix' };
    return inetAddress(this.socket.localAddress, this.socket.localPort);
  }
  /** The peer's address (legacy sock_stat_get, sock_accept). */
  peerAddress(): SocketAddress | undefined {
    if (this.unix) return { family: 'unix' };
    return inetAddress(this.socket.remoteAddress, this.socket.remotePort);
  }

  protected override onClose(): void {
    // Closing the last fd: flush what was written, then release the host socket.
    if (this.socket.destroyed) return;
    this.readShut = true;
    this.socket.once('finish', () => this.socket.destroy());
    this.socket.end();
  }
}

/** A listening host socket (TCP or Unix). */
export class NetListenFd extends FdObject implements AcceptingSocket, MessageSocket {
  readonly filetype = Filetype.SOCKET_STREAM;
  private readonly pending: net.Socket[] = [];
  private closed = false;

  constructor(readonly server: net.Server) {
    super();
    server.on('connection', (socket) => {
      if (this.closed) {
        socket.destroy();
        return;
      }
      socket.pause();
      this.pending.push(socket);
      this.notify();
    });
  }

  /** A listening socket has no connection to read from or write to (FreeBSD: ENOTCONN). */
  override read(_len: number): Err {
    return err(Errno.ENOTCONN);
  }
  override write(_data: Uint8Array): Err {
    return err(Errno.ENOTCONN);
  }
  receive(_len: number, _peek: boolean): Err {
    return err(Errno.ENOTCONN);
  }
  send(_data: Uint8Array, _fds: PassedFd[]): Err {
    return err(Errno.ENOTCONN);
  }

  accept(): FdObject | Err {
    const socket = this.pending.shift();
    if (!socket) return err(Errno.EAGAIN);
    return new NetStreamFd(socket);
  }

  override readiness(kind: 'read' | 'write'): Readiness {
    if (kind === 'write') return { ready: false, nbytes: 0, hangup: false };
    return { ready: this.pending.length > 0, nbytes: this.pending.length, hangup: false };
  }

  /** The bound address: inet address and port, or a Unix socket. */
  address(): SocketAddress | undefined {
    const a = this.server.address();
    if (a === null) return undefined;
    if (typeof a === 'string') return { family: 'unix' };
    return inetAddress(a.address, a.port);
  }

  /** The TCP port the socket listens on (useful when bound to port 0). */
  get port(): number | undefined {
    const a = this.server.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  protected override onClose(): void {
    this.closed = true;
    for (const s of this.pending.splice(0)) s.destroy();
    this.server.close();
  }
}

/** Most datagrams queued for the guest before new ones are dropped (UDP semantics). */
const DGRAM_QUEUE = 1024;
/** The largest UDP payload. */
const MAX_UDP = 65507;

/**
 * A host UDP socket: bound (receiving from anyone; sending needs a connected peer, since the
 * CloudABI socket calls have no destination address) or connected to one peer.
 */
export class NetDatagramFd extends FdObject implements MessageSocket {
  readonly filetype = Filetype.SOCKET_DGRAM;
  private readonly queue: Uint8Array[] = [];
  private closed = false;
  private readShut = false;
  private writeShut = false;

  constructor(
    readonly socket: dgram.Socket,
    private readonly connected: boolean,
  ) {
    super();
    socket.on('message', (msg: Buffer) => {
      if (this.readShut || this.queue.length >= DGRAM_QUEUE) return;
      this.queue.push(new Uint8Array(msg));
      this.notify();
    });
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
    socket.on('error', () => {});
  }

  receive(len: number, peek: boolean): ReceivedMessage | Err {
    const msg = this.queue[0];
    if (!msg)
      return this.readShut || this.closed
        ? { data: new Uint8Array(0), fds: [], dataTruncated: false }
        : err(Errno.EAGAIN);
    if (!peek) this.queue.shift();
    const truncated = msg.length > len;
    return { data: truncated ? msg.slice(0, len) : msg, fds: [], dataTruncated: truncated };
  }

  send(data: Uint8Array, fds: PassedFd[]): number | Err {
    if (fds.length > 0) return err(Errno.ENOTSUP);
    return this.write(data);
  }

  override read(len: number): Uint8Array | Err {
    const r = this.receive(len, false);
    return isErr(r) ? r : r.data;
  }

  override write(data: Uint8Array): number | Err {
    if (this.writeShut || this.closed) return err(Errno.EPIPE);
    if (!this.connected) return err(Errno.EDESTADDRREQ);
    if (data.length > MAX_UDP) return err(Errno.EMSGSIZE);
    this.socket.send(data.slice());
    return data.length;
  }

  override readiness(kind: 'read' | 'write'): Readiness {
    if (kind === 'read') {
      const first = this.queue[0];
      const done = this.readShut || this.closed;
      return { ready: first !== undefined || done, nbytes: first?.length ?? 0, hangup: done };
    }
    if (this.writeShut || this.closed) return { ready: true, nbytes: 0, hangup: true };
    return { ready: this.connected, nbytes: this.connected ? MAX_UDP : 0, hangup: false };
  }

  /** sock_shutdown. */
  shutdown(how: number): number {
    if (!this.connected) return Errno.ENOTCONN;
    if (how & 1) {
      this.readShut = true;
      this.queue.length = 0;
    }
    if (how & 2) this.writeShut = true;
    this.notify();
    return Errno.SUCCESS;
  }

  /** The local address (legacy sock_stat_get). */
  address(): SocketAddress | undefined {
    try {
      const a = this.socket.address();
      return inetAddress(a.address, a.port);
    } catch {
      return undefined;
    }
  }

  /** The UDP port the socket is bound to. */
  get port(): number | undefined {
    const a = this.address();
    return a?.family === 'inet' ? a.port : undefined;
  }

  protected override onClose(): void {
    if (!this.closed) this.socket.close();
  }
}

function datagramSocket(spec: HostSocketSpec): Promise<FdObject> {
  const where = (spec.bind ?? spec.connect) as HostSocketAddress;
  if (where.kind !== 'inet') {
    return Promise.reject(
      new Error(`socket ${describe(where)}: Unix datagram sockets are not supported by the Node backend`),
    );
  }
  const socket = dgram.createSocket(net.isIPv6(where.host) ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    socket.once('error', (e) => {
      socket.close();
      reject(new Error(`socket ${describe(where)}: ${oneLine(e)}`));
    });
    const ready = (): void => {
      socket.removeAllListeners('error');
      resolve(new NetDatagramFd(socket, !!spec.connect));
    };
    if (spec.bind) socket.bind(where.port, where.host, ready);
    else socket.connect(where.port, where.host, ready);
  });
}

/** A host socket address: a Unix socket path or an inet host and port. */
export type HostSocketAddress = { kind: 'unix'; path: string } | { kind: 'inet'; host: string; port: number };

/** What {@link hostSocket} should make. */
export interface HostSocketSpec {
  type: 'stream' | 'dgram' | 'seqpacket';
  /** Bind and listen: the result accepts connections. */
  bind?: HostSocketAddress;
  /** Connect: the result is a connected stream. */
  connect?: HostSocketAddress;
  /** Listen backlog (default 511). */
  backlog?: number;
}

function describe(a: HostSocketAddress): string {
  return a.kind === 'unix' ? a.path : `${a.host}:${a.port}`;
}

function oneLine(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return (e.code ?? e.message ?? String(error)).split('\n')[0] as string;
}

/**
 * Creates a host socket for a guest (`!socket` in a cloudabi-run config). Stream: `bind` gives a
 * listening TCP or Unix socket, `connect` a connected stream. Datagram (UDP only): `bind` a
 * socket receiving from anyone, `connect` one exchanging with a single peer. Seqpacket sockets
 * do not exist in Node. Rejects with a one-line Error naming the address when the host refuses.
 */
export function hostSocket(spec: HostSocketSpec): Promise<FdObject> {
  if (!!spec.bind === !!spec.connect) {
    return Promise.reject(new Error('socket: give exactly one of bind and connect'));
  }
  if (spec.type === 'dgram') return datagramSocket(spec);
  if (spec.type !== 'stream') {
    return Promise.reject(new Error(`socket: ${spec.type} sockets are not supported by the Node backend`));
  }
  if (spec.bind) {
    const where = spec.bind;
    return new Promise((resolve, reject) => {
      const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true });
      server.once('error', (e) => reject(new Error(`socket ${describe(where)}: ${oneLine(e)}`)));
      const done = (): void => {
        server.removeAllListeners('error');
        server.on('error', () => {});
        resolve(new NetListenFd(server));
      };
      const backlog = spec.backlog ?? 511;
      if (where.kind === 'unix') server.listen({ path: where.path, backlog }, done);
      else server.listen({ host: where.host, port: where.port, backlog }, done);
    });
  }
  const where = spec.connect as HostSocketAddress;
  return new Promise((resolve, reject) => {
    const socket =
      where.kind === 'unix'
        ? net.connect({ path: where.path, allowHalfOpen: true })
        : net.connect({ host: where.host, port: where.port, allowHalfOpen: true });
    socket.pause();
    socket.once('error', (e) => reject(new Error(`socket ${describe(where)}: ${oneLine(e)}`)));
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(new NetStreamFd(socket));
    });
  });
}
