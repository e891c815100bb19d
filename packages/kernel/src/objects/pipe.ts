/**
 * Pipes and socket pairs: the in-kernel byte and message channels of fd_create2.
 *
 * HEAD CloudABI's `fd_create2` makes AF_UNIX socket pairs (SOCKET_STREAM, SOCKET_DGRAM); the
 * 2016 legacy ABI also made unidirectional FIFOs (fd1 read-only, fd2 write-only) and SEQPACKET
 * pairs (digest §6.3 item 22). Reading an empty channel whose writer is still open would block
 * (EAGAIN to the kernel); once every writer is closed it reads end of file. Writing when every
 * reader is closed fails with EPIPE (SIGPIPE is ignored in CloudABI).
 */
import { Errno, Filetype } from '../abi.js';
import { type Err, err, isErr } from '../errors.js';
import { FdObject, type Readiness } from '../fd-object.js';
import type { SocketBinding, SocketListener } from '../vfs/backend.js';
import { ByteQueue } from './byte-queue.js';

/**
 * The name a socket pair end may get from the legacy sock_bind. FreeBSD's unp_bind only refuses a
 * socket that already has a name (EINVAL) or is being bound (EALREADY): a connected AF_UNIX
 * socket may be bound. Nobody listens on the name, so a stream connect to it is ECONNREFUSED; a
 * datagram sent to it lands in the end's receive queue. The name stays after close, as on FreeBSD.
 */
export class PairName {
  private binding: SocketBinding | null = null;
  private pending = false;
  private closed = false;

  /** Starts a bind; report the outcome with {@link PairName.done}. */
  begin(): number {
    if (this.closed) return Errno.EBADF;
    if (this.pending) return Errno.EALREADY;
    if (this.binding) return Errno.EINVAL;
    this.pending = true;
    return Errno.SUCCESS;
  }

  /** The outcome of a bind started with {@link PairName.begin}. */
  done(result: SocketBinding | Err): number {
    this.pending = false;
    if (isErr(result)) return result.errno;
    if (this.closed) {
      result.close();
      return Errno.EBADF;
    }
    this.binding = result;
    return Errno.SUCCESS;
  }

  /** The end closed: connections and datagrams to the name stop. */
  close(): void {
    this.closed = true;
    this.binding?.close();
    this.binding = null;
  }
}

/** Refuses every connection: a socket pair end never listens. */
function refuse(_conn: FdObject): boolean {
  return false;
}

/** Default capacity of a pipe or socket buffer (FreeBSD's default pipe buffer is 16 KiB; we allow 64 KiB). */
export const PIPE_CAPACITY = 65536;

/** One direction of a byte stream, shared by its reading and writing ends. */
export class ByteChannel {
  readonly queue: ByteQueue;
  readerOpen = true;
  writerOpen = true;
  /** Set when either end of the socket pair owning this channel has closed. */
  disconnected = false;
  /** The objects to notify on changes (both ends). */
  readonly ends = new Set<FdObject>();

  constructor(capacity = PIPE_CAPACITY) {
    this.queue = new ByteQueue(capacity);
  }

  read(len: number): Uint8Array | Err {
    if (len === 0) return new Uint8Array(0);
    if (this.queue.length === 0) return this.writerOpen ? err(Errno.EAGAIN) : new Uint8Array(0);
    const out = this.queue.shift(len);
    this.changed();
    return out;
  }

  write(data: Uint8Array): number | Err {
    if (!this.readerOpen) return err(Errno.EPIPE);
    if (data.length === 0) return 0;
    const n = this.queue.push(data);
    if (n === 0) return err(Errno.EAGAIN);
    this.changed();
    return n;
  }

  readReadiness(): Readiness {
    const hangup = !this.writerOpen;
    return { ready: this.queue.length > 0 || hangup, nbytes: this.queue.length, hangup };
  }

  writeReadiness(): Readiness {
    // FreeBSD reports a closed peer as EV_EOF (HANGUP) with so_error, normally 0.
    if (!this.readerOpen) return { ready: true, nbytes: 0, hangup: true };
    return { ready: this.queue.room > 0, nbytes: this.queue.room, hangup: false };
  }

  changed(): void {
    for (const end of this.ends) end.notify();
  }
}

/** The read end of a legacy FIFO pipe. */
export class PipeReadEnd extends FdObject {
  readonly filetype = Filetype.FIFO;
  constructor(readonly channel: ByteChannel) {
    super();
    channel.ends.add(this);
  }
  override read(len: number): Uint8Array | Err {
    return this.channel.read(len);
  }
  override readiness(kind: 'read' | 'write'): Readiness {
    return kind === 'read' ? this.channel.readReadiness() : { ready: false, nbytes: 0, hangup: false };
  }
  protected override onClose(): void {
    this.channel.readerOpen = false;
    this.channel.changed();
    this.channel.ends.delete(this);
  }
}

/** The write end of a legacy FIFO pipe. */
export class PipeWriteEnd extends FdObject {
  readonly filetype = Filetype.FIFO;
  constructor(readonly channel: ByteChannel) {
    super();
    channel.ends.add(this);
  }
  override write(data: Uint8Array): number | Err {
    return this.channel.write(data);
  }
  override readiness(kind: 'read' | 'write'): Readiness {
    return kind === 'write' ? this.channel.writeReadiness() : { ready: false, nbytes: 0, hangup: false };
  }
  protected override onClose(): void {
    this.channel.writerOpen = false;
    this.channel.changed();
    this.channel.ends.delete(this);
  }
}

/** Creates a legacy unidirectional pipe: [read end, write end]. */
export function createPipe(capacity = PIPE_CAPACITY): [PipeReadEnd, PipeWriteEnd] {
  const channel = new ByteChannel(capacity);
  return [new PipeReadEnd(channel), new PipeWriteEnd(channel)];
}

/** One end of a SOCK_STREAM socket pair: reads `incoming`, writes the peer's incoming. */
export class StreamSocket extends FdObject {
  readonly filetype: number = Filetype.SOCKET_STREAM;
  /** The name given by the legacy sock_bind, if any. */
  readonly name = new PairName();
  constructor(
    readonly incoming: ByteChannel,
    readonly outgoing: ByteChannel,
  ) {
    super();
    incoming.ends.add(this);
    outgoing.ends.add(this);
  }
  override read(len: number): Uint8Array | Err {
    return this.incoming.read(len);
  }
  override write(data: Uint8Array): number | Err {
    return this.outgoing.write(data);
  }
  override readiness(kind: 'read' | 'write'): Readiness {
    return kind === 'read' ? this.incoming.readReadiness() : this.outgoing.writeReadiness();
  }
  /**
   * sock_shutdown: SHUT_RD (1) stops reading, SHUT_WR (2) sends end of file. Once the peer has
   * closed, FreeBSD has disconnected the socket (uipc_detach → soisdisconnected) and soshutdown
   * answers ENOTCONN for every `how`, changing nothing.
   */
  shutdown(how: number): number {
    if (this.incoming.disconnected) return Errno.ENOTCONN;
    this.halfClose(how);
    return Errno.SUCCESS;
  }
  private halfClose(how: number): void {
    if (how & 1) {
      this.incoming.readerOpen = false;
      this.incoming.changed();
    }
    if (how & 2) {
      this.outgoing.writerOpen = false;
      this.outgoing.changed();
    }
  }
  /** What a name bound to this end delivers to: nothing (it does not listen). */
  listener(): SocketListener {
    return { filetype: this.filetype, incoming: refuse };
  }
  protected override onClose(): void {
    this.name.close();
    this.halfClose(3);
    this.incoming.disconnected = true;
    this.outgoing.disconnected = true;
    this.incoming.ends.delete(this);
    this.outgoing.ends.delete(this);
  }
}

/** Creates a connected SOCK_STREAM pair. */
export function createStreamSocketPair(capacity = PIPE_CAPACITY): [StreamSocket, StreamSocket] {
  const ab = new ByteChannel(capacity);
  const ba = new ByteChannel(capacity);
  return [new StreamSocket(ba, ab), new StreamSocket(ab, ba)];
}

/** One direction of a datagram channel: whole messages, bounded by total bytes. */
export class DatagramChannel {
  readonly messages: Uint8Array[] = [];
  bytes = 0;
  readerOpen = true;
  writerOpen = true;
  /** Set when either end of the socket pair owning this channel has closed. */
  disconnected = false;
  readonly ends = new Set<FdObject>();
  constructor(readonly capacity = PIPE_CAPACITY) {}
  changed(): void {
    for (const end of this.ends) end.notify();
  }
}

/**
 * One end of a SOCK_DGRAM (or legacy SOCK_SEQPACKET) socket pair. A read returns one message,
 * truncated to the buffer (the rest of it is discarded, as for datagrams); a message larger than
 * the buffer capacity is EMSGSIZE.
 */
export class DatagramSocket extends FdObject {
  /** The name given by the legacy sock_bind, if any. */
  readonly name = new PairName();
  constructor(
    readonly filetype: number,
    readonly incoming: DatagramChannel,
    readonly outgoing: DatagramChannel,
  ) {
    super();
    incoming.ends.add(this);
    outgoing.ends.add(this);
  }
  override read(len: number): Uint8Array | Err {
    const msg = this.incoming.messages.shift();
    if (!msg) return this.incoming.writerOpen ? err(Errno.EAGAIN) : new Uint8Array(0);
    this.incoming.bytes -= msg.length;
    this.incoming.changed();
    return msg.length > len ? msg.slice(0, len) : msg;
  }
  override write(data: Uint8Array): number | Err {
    const out = this.outgoing;
    if (!out.readerOpen) return err(Errno.EPIPE);
    if (data.length > out.capacity) return err(Errno.EMSGSIZE);
    if (out.bytes + data.length > out.capacity) return err(Errno.EAGAIN);
    out.messages.push(data.slice());
    out.bytes += data.length;
    out.changed();
    return data.length;
  }
  override readiness(kind: 'read' | 'write'): Readiness {
    if (kind === 'read') {
      const first = this.incoming.messages[0];
      const hangup = !this.incoming.writerOpen;
      return { ready: first !== undefined || hangup, nbytes: first?.length ?? 0, hangup };
    }
    if (!this.outgoing.readerOpen) return { ready: true, nbytes: 0, hangup: true };
    const room = this.outgoing.capacity - this.outgoing.bytes;
    return { ready: room > 0, nbytes: room, hangup: false };
  }
  /**
   * sock_shutdown. After the peer closed, FreeBSD has disconnected this end too (uipc_detach
   * drops the datagram peer; stream-like SEQPACKET as streams): ENOTCONN, nothing changes.
   */
  shutdown(how: number): number {
    if (this.incoming.disconnected) return Errno.ENOTCONN;
    this.halfClose(how);
    return Errno.SUCCESS;
  }
  private halfClose(how: number): void {
    if (how & 1) {
      this.incoming.readerOpen = false;
      this.incoming.changed();
    }
    if (how & 2) {
      this.outgoing.writerOpen = false;
      this.outgoing.changed();
    }
  }
  /**
   * What a name bound to this end delivers to: datagrams sent to a SOCKET_DGRAM end's name join
   * its receive queue; a SEQPACKET end does not listen.
   */
  listener(): SocketListener {
    return this.filetype === Filetype.SOCKET_DGRAM
      ? { filetype: this.filetype, incoming: refuse, datagramInbox: this.incoming }
      : { filetype: this.filetype, incoming: refuse };
  }
  protected override onClose(): void {
    this.name.close();
    this.halfClose(3);
    this.incoming.disconnected = true;
    this.outgoing.disconnected = true;
    this.incoming.ends.delete(this);
    this.outgoing.ends.delete(this);
  }
}

/** Creates a connected datagram pair of the given socket file type. */
export function createDatagramSocketPair(
  filetype: number = Filetype.SOCKET_DGRAM,
  capacity = PIPE_CAPACITY,
): [DatagramSocket, DatagramSocket] {
  const ab = new DatagramChannel(capacity);
  const ba = new DatagramChannel(capacity);
  return [new DatagramSocket(filetype, ba, ab), new DatagramSocket(filetype, ab, ba)];
}
