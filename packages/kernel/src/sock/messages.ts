/**
 * Socket messages: data plus passed fds for sock_send / sock_recv (digest §6.3 item 24).
 *
 * The kernel's socket pairs (objects/pipe.ts: {@link StreamSocket}, {@link DatagramSocket}) move
 * bytes; this module adds fds travelling with them, without changing those classes:
 *
 * - on a stream, passed fds are attached at the position in the byte stream where they were
 *   sent; a receive never reads across an attachment, so the fds arrive with the first byte sent
 *   after them (FreeBSD's soreceive stops at control data the same way);
 * - on a datagram (or legacy seqpacket) socket they are attached to the message.
 *
 * A passed fd keeps the sender's rights (FreeBSD semantics); the object is referenced while in
 * flight and the reference moves into the receiver's fd table (or is dropped when the receiver
 * has no room: FDS_TRUNCATED).
 */
import { Errno } from '../abi.js';
import { type Err, err, type MaybePromise } from '../errors.js';
import type { FdObject } from '../fd-object.js';
import { type ByteChannel, type DatagramChannel, DatagramSocket, StreamSocket } from '../objects/pipe.js';

/** An fd in flight: the object and the sender's rights. */
export interface PassedFd {
  object: FdObject;
  base: bigint;
  inheriting: bigint;
}

/** What one receive produced. */
export interface ReceivedMessage {
  data: Uint8Array;
  fds: PassedFd[];
  /** The message was longer than the buffer (datagrams; the rest is discarded unless PEEK). */
  dataTruncated: boolean;
  /** No message at all: end of stream, or a datagram socket that will receive no more. */
  end?: boolean;
}

/** A socket that carries fds natively (host sockets and socket pairs implement or get one). */
export interface MessageSocket {
  /** Receives up to `len` bytes (EAGAIN: nothing yet; empty data and no fds: end of stream). */
  receive(len: number, peek: boolean): MaybePromise<ReceivedMessage | Err>;
  /** Sends bytes with fds; returns how many bytes were accepted (EAGAIN: no room yet). */
  send(data: Uint8Array, fds: PassedFd[]): MaybePromise<number | Err>;
}

/** Releases the references of fds that will never be delivered. */
export function dropPassed(fds: readonly PassedFd[]): void {
  for (const f of fds) f.object.release();
}

interface Attachment {
  /** Bytes of the stream ahead of this attachment. */
  before: number;
  fds: PassedFd[];
}

const streamAttachments = new WeakMap<ByteChannel, Attachment[]>();
const datagramAttachments = new WeakMap<Uint8Array, PassedFd[]>();
const watched = new WeakSet<object>();

/**
 * Once a channel's reader is gone, fds still in flight on it can never be delivered: release
 * them (so that, e.g., a passed pipe end really closes). Both socket ends are watched because
 * either may close first.
 */
function watchChannel(channel: ByteChannel | DatagramChannel, pending: () => PassedFd[][]): void {
  if (watched.has(channel)) return;
  watched.add(channel);
  const stops: (() => void)[] = [];
  const check = (): void => {
    if (channel.readerOpen) return;
    for (const fds of pending()) dropPassed(fds);
    for (const stop of stops.splice(0)) stop();
  };
  for (const end of channel.ends) stops.push(end.subscribe(check));
}

/** Copies the first `n` queued bytes without consuming them. */
function peekQueue(channel: ByteChannel, n: number): Uint8Array {
  const all = channel.queue.shift(channel.queue.length);
  channel.queue.push(all, true);
  return all.slice(0, n);
}

function streamReceive(sock: StreamSocket, len: number, peek: boolean): ReceivedMessage | Err {
  const ch = sock.incoming;
  const list = streamAttachments.get(ch) ?? [];
  // Bytes read with fd_read do not pass through here: keep positions within what is queued.
  for (const a of list) if (a.before > ch.queue.length) a.before = ch.queue.length;
  let taken = 0;
  const fds: PassedFd[] = [];
  while (taken < list.length && (list[taken] as Attachment).before === 0) {
    fds.push(...(list[taken] as Attachment).fds);
    taken++;
  }
  const next = list[taken];
  const limit = Math.min(len, next ? next.before : len, ch.queue.length);
  if (limit === 0 && fds.length === 0) {
    if (len === 0) return { data: new Uint8Array(0), fds, dataTruncated: false };
    if (ch.queue.length === 0 && ch.writerOpen) return err(Errno.EAGAIN);
    if (ch.queue.length === 0) return { data: new Uint8Array(0), fds, dataTruncated: false };
  }
  if (peek) return { data: peekQueue(ch, limit), fds: [...fds], dataTruncated: false };
  const data = limit > 0 ? ch.queue.shift(limit) : new Uint8Array(0);
  list.splice(0, taken);
  for (const a of list) a.before -= data.length;
  ch.changed();
  return { data, fds, dataTruncated: false };
}

function streamSend(sock: StreamSocket, data: Uint8Array, fds: PassedFd[]): number | Err {
  const ch = sock.outgoing;
  if (!ch.readerOpen) return err(Errno.EPIPE);
  if (!ch.writerOpen) return err(Errno.EPIPE);
  const before = ch.queue.length;
  let n = 0;
  if (data.length > 0) {
    const r = ch.write(data);
    if (typeof r !== 'number') return r;
    n = r;
  }
  if (fds.length > 0) {
    let list = streamAttachments.get(ch);
    if (!list) {
      list = [];
      streamAttachments.set(ch, list);
    }
    for (const f of fds) f.object.retain();
    list.push({ before, fds });
    const attachments = list;
    watchChannel(ch, () => attachments.splice(0).map((a) => a.fds));
    ch.changed();
  }
  return n;
}

/** Receives one message (with its fds) from a datagram channel. */
export function channelReceive(ch: DatagramChannel, len: number, peek: boolean): ReceivedMessage | Err {
  const msg = ch.messages[0];
  if (!msg)
    return ch.writerOpen
      ? err(Errno.EAGAIN)
      : { data: new Uint8Array(0), fds: [], dataTruncated: false, end: true };
  const fds = datagramAttachments.get(msg) ?? [];
  if (!peek) {
    ch.messages.shift();
    ch.bytes -= msg.length;
    datagramAttachments.delete(msg);
    ch.changed();
  }
  const truncated = msg.length > len;
  return {
    data: truncated ? msg.slice(0, len) : msg.slice(),
    fds: peek ? [...fds] : fds,
    dataTruncated: truncated,
  };
}

/** Queues one message (with fds, which keep the sender's rights) on a datagram channel. */
export function channelSend(out: DatagramChannel, data: Uint8Array, fds: PassedFd[]): number | Err {
  if (!out.readerOpen || !out.writerOpen) return err(Errno.EPIPE);
  if (data.length > out.capacity) return err(Errno.EMSGSIZE);
  if (out.bytes + data.length > out.capacity) return err(Errno.EAGAIN);
  const msg = data.slice();
  out.messages.push(msg);
  out.bytes += msg.length;
  if (fds.length > 0) {
    for (const f of fds) f.object.retain();
    datagramAttachments.set(msg, fds);
    watchChannel(out, () => {
      const left: PassedFd[][] = [];
      for (const m of out.messages) {
        const passed = datagramAttachments.get(m);
        if (passed) left.push(passed);
        datagramAttachments.delete(m);
      }
      return left;
    });
  }
  out.changed();
  return data.length;
}

/** True when `object` implements {@link MessageSocket} itself. */
function isMessageSocket(object: unknown): object is MessageSocket {
  return typeof (object as Partial<MessageSocket>).receive === 'function';
}

/**
 * The message interface of a socket object: objects implementing {@link MessageSocket} answer
 * themselves, socket pairs get fd passing, and any other socket object carries data only through
 * its read/write (sending fds over it is refused with ENOTSUP rather than dropping them; PEEK is
 * ENOTSUP there too).
 */
export function messageSocket(object: FdObject): MessageSocket {
  if (isMessageSocket(object)) return object;
  if (object instanceof StreamSocket) {
    return {
      receive: (len, peek) => streamReceive(object, len, peek),
      send: (data, fds) => streamSend(object, data, fds),
    };
  }
  if (object instanceof DatagramSocket) {
    return {
      receive: (len, peek) => channelReceive(object.incoming, len, peek),
      send: (data, fds) => channelSend(object.outgoing, data, fds),
    };
  }
  return {
    receive: (len, peek) => {
      if (peek) return err(Errno.ENOTSUP);
      const r = object.read(len);
      const wrap = (v: Uint8Array | Err): ReceivedMessage | Err =>
        v instanceof Uint8Array ? { data: v, fds: [], dataTruncated: false } : v;
      return r instanceof Promise ? r.then(wrap) : wrap(r);
    },
    send: (data, fds) => (fds.length > 0 ? err(Errno.ENOTSUP) : object.write(data)),
  };
}

/** A listening socket: what the legacy sock_accept and sock_listen act on. */
export interface AcceptingSocket {
  /** Takes one pending connection (EAGAIN when none is pending). */
  accept(): MaybePromise<FdObject | Err>;
  /** Local and peer addresses for the legacy sockstat (undefined: unknown / AF_UNSPEC). */
  address?(): SocketAddress | undefined;
}

/** A socket address as the legacy `sockaddr` can express it (digest §2.8). */
export type SocketAddress = { family: 'inet'; address: string; port: number } | { family: 'unix' };

/** True when `object` is a listening socket. */
export function isAccepting(object: unknown): object is AcceptingSocket {
  return typeof (object as Partial<AcceptingSocket>).accept === 'function';
}
