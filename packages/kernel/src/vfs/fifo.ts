/**
 * Named FIFOs (legacy `file_create` with the FIFO file type, 2015–2017 ABI).
 *
 * A {@link NamedFifo} is the kernel object behind one FIFO inode of a backend: every open of the
 * name shares it, so guest processes of the kernel talk through it exactly as through a pipe
 * from fd_create2. The data never reaches the host. Semantics follow POSIX/FreeBSD FIFOs:
 *
 * - an open for reading waits for a writer and an open for writing waits for a reader, unless
 *   FDFLAG_NONBLOCK is set: then a read-only open succeeds at once and a write-only open with no
 *   reader is ENXIO; an open for reading and writing never waits;
 * - reading an empty FIFO with no writer left is end of file (poll: readable with HANGUP);
 * - writing with no reader left is EPIPE (SIGPIPE is ignored in CloudABI);
 * - bytes still buffered when the last end closes are discarded.
 */
import { Errno, Filetype } from '../abi.js';
import { type Err, err, type MaybePromise } from '../errors.js';
import { FdObject, type FileStat, type Readiness } from '../fd-object.js';
import { ByteChannel } from '../objects/pipe.js';

/** How an open of a FIFO wants it. */
export interface FifoOpen {
  read: boolean;
  write: boolean;
  /** FDFLAG_NONBLOCK: never wait for the other side. */
  nonblock: boolean;
  /** Receives a function that abandons the wait (called when the opening thread is killed). */
  onWait?: (cancel: () => void) => void;
}

/** Something a FIFO open reaches: a kernel FIFO, or a host FIFO of the Node backend. */
export interface FifoOpener {
  /** Opens an end (waiting for the other side unless `how.nonblock`). */
  open(how: FifoOpen): MaybePromise<FdObject | Err>;
}

/** The kernel side of one FIFO inode. */
export class NamedFifo implements FifoOpener {
  private readers = 0;
  private writers = 0;
  private channel: ByteChannel | null = null;
  /** Opens waiting for the other side. */
  private readonly waiting = new Set<() => void>();

  constructor(
    /** Attributes of the inode (the FIFO's fds report them through file_stat_fget). */
    readonly stat: () => MaybePromise<FileStat | Err>,
  ) {}

  /** Whether any fd has the FIFO open. */
  get inUse(): boolean {
    return this.readers + this.writers > 0;
  }

  /** Opens an end (see the module comment for when this waits). */
  open(how: FifoOpen): MaybePromise<FdObject | Err> {
    if (!how.read && !how.write) return err(Errno.EINVAL);
    if (how.write && !how.read && this.readers === 0 && how.nonblock) return err(Errno.ENXIO);
    const end = this.attach(how.read, how.write);
    const satisfied = (): boolean => (how.read && how.write) || (how.read ? this.writers : this.readers) > 0;
    if (satisfied() || (how.read && how.nonblock)) return end;
    return new Promise((resolve) => {
      const check = (): void => {
        if (!satisfied()) return;
        this.waiting.delete(check);
        resolve(end);
      };
      this.waiting.add(check);
      how.onWait?.(() => {
        if (!this.waiting.delete(check)) return;
        end.retain();
        end.release();
        resolve(err(Errno.EINTR));
      });
    });
  }

  private attach(read: boolean, write: boolean): FifoEnd {
    if (this.channel === null) {
      this.channel = new ByteChannel();
      this.channel.readerOpen = false;
      this.channel.writerOpen = false;
    }
    const ch = this.channel;
    if (read) this.readers++;
    if (write) this.writers++;
    ch.readerOpen = this.readers > 0;
    ch.writerOpen = this.writers > 0;
    const end = new FifoEnd(this, ch, read, write);
    ch.changed();
    for (const w of [...this.waiting]) w();
    return end;
  }

  /** Called by an end when its last fd closes. */
  detach(end: FifoEnd): void {
    const ch = end.channel;
    if (end.canRead) this.readers--;
    if (end.canWrite) this.writers--;
    ch.readerOpen = this.readers > 0;
    ch.writerOpen = this.writers > 0;
    ch.ends.delete(end);
    ch.changed();
    // With every end closed the FIFO forgets its contents (POSIX: data is discarded).
    if (!this.inUse && this.channel === ch) this.channel = null;
  }
}

/** An open end of a named FIFO (read, write or both). */
export class FifoEnd extends FdObject {
  readonly filetype = Filetype.FIFO;
  private closed = false;

  constructor(
    readonly fifo: NamedFifo,
    readonly channel: ByteChannel,
    readonly canRead: boolean,
    readonly canWrite: boolean,
  ) {
    super();
    channel.ends.add(this);
  }

  override read(len: number): Uint8Array | Err {
    if (!this.canRead) return err(Errno.EBADF);
    return this.channel.read(len);
  }
  override write(data: Uint8Array): number | Err {
    if (!this.canWrite) return err(Errno.EBADF);
    return this.channel.write(data);
  }
  override readiness(kind: 'read' | 'write'): Readiness {
    if (kind === 'read')
      return this.canRead ? this.channel.readReadiness() : { ready: false, nbytes: 0, hangup: false };
    return this.canWrite ? this.channel.writeReadiness() : { ready: false, nbytes: 0, hangup: false };
  }
  override stat(): MaybePromise<FileStat | Err> {
    return this.fifo.stat();
  }
  protected override onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.fifo.detach(this);
  }
}
