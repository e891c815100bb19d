/**
 * fd objects over host data sources and sinks: callbacks and Web streams. (Node streams are on the
 * `@cabi/kernel/node` subpath, built on the same two classes.)
 *
 * An {@link InputFd} buffers what its source produces and pulls more only while its buffer is below
 * the high-water mark, so a fast producer cannot make the host buffer unbounded data. An
 * {@link OutputFd} hands each write to its sink and completes the guest's write when the sink has
 * accepted it (a Promise when the sink is asynchronous).
 */
import { Errno, Filetype } from '../abi.js';
import { type Err, err, isPromise, type MaybePromise } from '../errors.js';
import { FdObject, type Readiness } from '../fd-object.js';
import { ByteQueue } from './byte-queue.js';

/** Default bytes an input fd buffers before it stops pulling from its source. */
export const INPUT_HIGH_WATER = 65536;

/**
 * A readable character device fed by a host source. The source calls {@link InputFd.push} and
 * {@link InputFd.end} (or {@link InputFd.fail}); `pull` is called whenever the buffer has room
 * and more data is wanted.
 */
export class InputFd extends FdObject {
  readonly filetype = Filetype.CHARACTER_DEVICE;
  override readonly tty = true;
  private readonly queue: ByteQueue;
  private ended = false;
  private error: number | null = null;
  private pulling = false;

  constructor(
    private readonly pull: (() => void) | null,
    highWater = INPUT_HIGH_WATER,
    private readonly cancel: (() => void) | null = null,
  ) {
    super();
    this.queue = new ByteQueue(highWater);
  }

  /** Adds bytes from the source (always accepted; the source should then wait for the next pull). */
  push(data: Uint8Array): void {
    this.pulling = false;
    if (this.ended || data.length === 0) return;
    this.queue.push(data, true);
    this.notify();
  }
  /** Marks the end of the source. */
  end(): void {
    this.pulling = false;
    this.ended = true;
    this.notify();
  }
  /** Ends the source with an error (reads then fail with `errno`, EIO by default). */
  fail(errno: number = Errno.EIO): void {
    this.error = errno;
    this.end();
  }
  /** True while the buffer wants more data. */
  get wantsData(): boolean {
    return !this.ended && this.queue.length < this.queue.capacity;
  }
  private demand(): void {
    if (this.pull && !this.pulling && this.wantsData) {
      this.pulling = true;
      this.pull();
    }
  }
  override read(len: number): Uint8Array | Err {
    if (len === 0) return new Uint8Array(0);
    if (this.queue.length > 0) {
      const out = this.queue.shift(len);
      this.demand();
      return out;
    }
    if (this.error !== null) return err(this.error);
    if (this.ended) return new Uint8Array(0);
    this.demand();
    return err(Errno.EAGAIN);
  }
  override readiness(kind: 'read' | 'write'): Readiness {
    if (kind === 'write') return { ready: false, nbytes: 0, hangup: false };
    if (this.queue.length === 0) this.demand();
    return { ready: this.queue.length > 0 || this.ended, nbytes: this.queue.length, hangup: this.ended };
  }
  protected override onClose(): void {
    this.ended = true;
    this.cancel?.();
  }
}

/**
 * The errno a failed host write becomes: a reader that went away is EPIPE (SIGPIPE is ignored in
 * CloudABI, so the guest sees the error: digest §6.3), anything else EIO.
 */
function outputErrno(error: unknown): number {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ERR_STREAM_WRITE_AFTER_END'
    ? Errno.EPIPE
    : Errno.EIO;
}

/** A writable character device draining into a host sink. */
export class OutputFd extends FdObject {
  readonly filetype = Filetype.CHARACTER_DEVICE;
  override readonly tty = true;
  private busy = false;
  constructor(
    private readonly sink: (data: Uint8Array) => MaybePromise<void>,
    private readonly finish: (() => void) | null = null,
  ) {
    super();
  }
  override write(data: Uint8Array): MaybePromise<number | Err> {
    if (this.busy) return err(Errno.EAGAIN);
    let result: MaybePromise<void>;
    try {
      result = this.sink(data.slice());
    } catch (error) {
      return err(outputErrno(error));
    }
    if (!isPromise(result)) return data.length;
    this.busy = true;
    return result.then(
      () => {
        this.busy = false;
        this.notify();
        return data.length;
      },
      (error: unknown) => {
        this.busy = false;
        this.notify();
        return err(outputErrno(error));
      },
    );
  }
  override readiness(kind: 'read' | 'write'): Readiness {
    return kind === 'write'
      ? { ready: !this.busy, nbytes: 0, hangup: false }
      : { ready: false, nbytes: 0, hangup: false };
  }
  protected override onClose(): void {
    this.finish?.();
  }
}

/** Callbacks for {@link callbackFd}. */
export interface CallbackFdOptions {
  /** Produces the next chunk of input, or null at end of input. */
  read?: () => MaybePromise<Uint8Array | string | null>;
  /** Consumes a chunk the guest wrote. */
  write?: (data: Uint8Array) => MaybePromise<void>;
}

/** An fd object over plain callbacks: an input if `read` is given, otherwise an output. */
export function callbackFd(options: CallbackFdOptions): FdObject {
  const { read, write } = options;
  if (read) {
    const fd: InputFd = new InputFd(() => {
      const deliver = (chunk: Uint8Array | string | null) => {
        if (chunk === null) fd.end();
        else fd.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
      };
      try {
        const value = read();
        if (isPromise(value)) value.then(deliver, () => fd.fail());
        else deliver(value);
      } catch {
        fd.fail();
      }
    });
    return fd;
  }
  if (write) return new OutputFd(write);
  throw new TypeError('callbackFd needs a read or a write callback');
}

/** An input fd reading a Web `ReadableStream` of bytes. */
export function fdFromReadableStream(stream: ReadableStream<Uint8Array>): FdObject {
  const reader = stream.getReader();
  const fd: InputFd = new InputFd(
    () => {
      reader.read().then(
        ({ done, value }) => (done ? fd.end() : fd.push(value)),
        () => fd.fail(),
      );
    },
    INPUT_HIGH_WATER,
    () => {
      reader.cancel().catch(() => {});
    },
  );
  return fd;
}

/** An output fd writing into a Web `WritableStream` of bytes; closing the last fd closes the stream. */
export function fdFromWritableStream(stream: WritableStream<Uint8Array>): FdObject {
  const writer = stream.getWriter();
  return new OutputFd(
    (data) => writer.write(data),
    () => {
      writer.close().catch(() => {});
    },
  );
}
