/**
 * The fd objects of a file system: a directory capability ({@link DirectoryFd}) and an open
 * regular file ({@link FileFd}), both over a {@link HostBackend}.
 */
import { Errno, Fdflags, Filetype, Whence } from '../abi.js';
import { type Err, err, isErr, type MaybePromise } from '../errors.js';
import { FdObject, type FileStat } from '../fd-object.js';
import { andThen } from '../syscalls/common.js';
import type { HostBackend, HostDirEntry, HostFile, TimeUpdate } from './backend.js';

/** A directory entry as file_readdir reports it. */
export interface DirEntry {
  name: string;
  ino: bigint;
  filetype: number;
  /** The cookie that resumes after this entry (`d_next`). */
  next: bigint;
}

/**
 * A directory fd: the capability through which paths are resolved (the resolver's base). The
 * handle is released when the last fd referring to it is closed.
 */
export class DirectoryFd<D = unknown> extends FdObject {
  readonly filetype = Filetype.DIRECTORY;
  /** The listing numbered at the last readdir from the start (backends without cookies). */
  private snapshot: HostDirEntry[] | null = null;
  private closed = false;

  constructor(
    readonly backend: HostBackend<D>,
    readonly handle: D,
  ) {
    super();
  }

  override stat(): MaybePromise<FileStat | Err> {
    return this.backend.lstat(this.handle, null);
  }
  override sync(): MaybePromise<number> {
    return this.backend.syncDir(this.handle);
  }
  override datasync(): MaybePromise<number> {
    return this.backend.syncDir(this.handle);
  }
  /** Sets the directory's timestamps (file_stat_fput with time flags). */
  override utimes(atim: TimeUpdate, mtim: TimeUpdate): MaybePromise<number> {
    return this.backend.utimes(this.handle, null, atim, mtim);
  }

  /**
   * The entries after `cookie`, `.` and `..` included (cookies 1 and 2), in cookie order
   * (digest §6.2 item 15: cookies are stable and increasing; 0 is the start).
   */
  entries(cookie: bigint): MaybePromise<DirEntry[] | Err> {
    const fresh = cookie === 0n || this.snapshot === null;
    return andThen(this.backend.lstat(this.handle, null), (self) => {
      if (isErr(self)) return self;
      return andThen(
        fresh || this.snapshot === null ? this.backend.readdir(this.handle) : this.snapshot,
        (list) => {
          if (isErr(list)) return list;
          const out: DirEntry[] = [];
          if (cookie < 1n) out.push({ name: '.', ino: self.ino, filetype: Filetype.DIRECTORY, next: 1n });
          if (cookie < 2n) out.push({ name: '..', ino: self.ino, filetype: Filetype.DIRECTORY, next: 2n });
          const numbered = list.every((e) => e.cookie !== undefined);
          if (!numbered) this.snapshot = list;
          list.forEach((e, i) => {
            const next = numbered ? (e.cookie as bigint) : BigInt(i + 3);
            if (next > cookie) out.push({ name: e.name, ino: e.ino, filetype: e.filetype, next });
          });
          if (numbered) out.sort((a, b) => (a.next < b.next ? -1 : a.next > b.next ? 1 : 0));
          return out;
        },
      );
    });
  }

  protected override onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.backend.closeDir(this.handle);
  }
}

/** Largest file offset the kernel accepts (2^53 - 1). */
const MAX_OFFSET = Number.MAX_SAFE_INTEGER;

/** An open regular file: a host file plus the fd's offset. */
export class FileFd extends FdObject {
  readonly filetype = Filetype.REGULAR_FILE;
  /** The file offset (shared by every fd referring to this object, as in POSIX). */
  offset = 0;
  private closed = false;

  constructor(
    readonly file: HostFile,
    /** Whether the host file was opened for reading / writing (others answer EBADF, as the host would). */
    readonly access: { readonly read: boolean; readonly write: boolean } = { read: true, write: true },
  ) {
    super();
  }

  override read(len: number): MaybePromise<Uint8Array | Err> {
    if (!this.access.read) return err(Errno.EBADF);
    const at = this.offset;
    return andThen(this.file.pread(len, at), (r) => {
      if (!isErr(r)) this.offset = at + r.length;
      return r;
    });
  }
  override write(data: Uint8Array): MaybePromise<number | Err> {
    if (!this.access.write) return err(Errno.EBADF);
    if (this.fdflags & Fdflags.APPEND) {
      // The append position is taken from the file's size at the time of the write.
      return andThen(this.file.stat(), (st) => {
        if (isErr(st)) return st;
        const at = Number(st.size);
        return andThen(this.file.pwrite(data, at), (n) => {
          if (!isErr(n)) this.offset = at + n;
          return this.synced(n);
        });
      });
    }
    const at = this.offset;
    if (at + data.length > MAX_OFFSET) return err(Errno.EFBIG);
    return andThen(this.file.pwrite(data, at), (n) => {
      if (!isErr(n)) this.offset = at + n;
      return this.synced(n);
    });
  }
  /**
   * With FDFLAG_SYNC or FDFLAG_DSYNC (RSYNC only matters for reads) a write completes once the
   * data (and for SYNC the metadata) reached the host's storage.
   */
  private synced(n: number | Err): MaybePromise<number | Err> {
    if (isErr(n) || !(this.fdflags & (Fdflags.SYNC | Fdflags.DSYNC))) return n;
    const done = this.fdflags & Fdflags.SYNC ? this.file.sync() : this.file.datasync();
    return andThen(done, (e) => (e === Errno.SUCCESS ? n : err(e)));
  }
  override pread(len: number, offset: number): MaybePromise<Uint8Array | Err> {
    if (!this.access.read) return err(Errno.EBADF);
    return this.file.pread(len, offset);
  }
  override pwrite(data: Uint8Array, offset: number): MaybePromise<number | Err> {
    if (!this.access.write) return err(Errno.EBADF);
    if (offset + data.length > MAX_OFFSET) return err(Errno.EFBIG);
    return andThen(this.file.pwrite(data, offset), (n) => this.synced(n));
  }
  override seek(delta: number, whence: number): MaybePromise<number | Err> {
    const to = (base: number): number | Err => {
      const pos = base + delta;
      if (!Number.isSafeInteger(pos) || pos < 0) return err(Errno.EINVAL);
      this.offset = pos;
      return pos;
    };
    if (whence === Whence.CUR) return to(this.offset);
    if (whence === Whence.SET) return to(0);
    if (whence === Whence.END)
      return andThen(this.file.stat(), (st) => (isErr(st) ? st : to(Number(st.size))));
    return err(Errno.EINVAL);
  }
  override sync(): MaybePromise<number> {
    return this.file.sync();
  }
  override datasync(): MaybePromise<number> {
    return this.file.datasync();
  }
  override truncate(size: number): MaybePromise<number> {
    if (!this.access.write) return Errno.EINVAL;
    if (!(size >= 0) || size > MAX_OFFSET) return Errno.EFBIG;
    return this.file.truncate(size);
  }
  override stat(): MaybePromise<FileStat | Err> {
    return this.file.stat();
  }
  override mapBytes(offset: number, len: number): MaybePromise<Uint8Array | Err> {
    // Bytes beyond the end of the file map as zeros (the mapping code zero-fills the rest).
    return this.file.pread(len, offset);
  }
  /** Sets timestamps (file_stat_fput with time flags). */
  override utimes(atim: TimeUpdate, mtim: TimeUpdate): MaybePromise<number> {
    return this.file.utimes(atim, mtim);
  }
  /** file_allocate. */
  allocate(offset: number, len: number): MaybePromise<number> {
    if (!this.access.write) return Errno.EBADF;
    if (offset + len > MAX_OFFSET) return Errno.EFBIG;
    return this.file.allocate(offset, len);
  }
  protected override onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.file.close();
  }
}
