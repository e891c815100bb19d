/**
 * Objects backed by bytes in JavaScript memory: anonymous shared memory (fd_create1), in-memory
 * files handed to a guest ({@link memoryFd}) and output sinks that collect what a guest writes
 * ({@link bufferSink}).
 */
import { Errno, Fdflags, Filetype, Whence } from '../abi.js';
import { type Err, err } from '../errors.js';
import { FdObject, type FileStat } from '../fd-object.js';

/**
 * A pool of host bytes that guest-created memory objects draw from, so that many objects cannot
 * together make the host allocate without bound.
 */
export interface MemoryBudget {
  /** Bytes currently allocated by objects using this budget. */
  used: number;
  /** The most they may allocate together. */
  readonly limit: number;
}

/**
 * Growable bytes with a logical size, shared by seekable memory objects. The logical size may
 * exceed what is allocated (a truncate up to a large size allocates nothing); bytes beyond the
 * allocation read as zero and are allocated, against the budget, when written or mapped.
 */
class Bytes {
  data: Uint8Array;
  size: number;
  /** Counts changes of `size` (shared mappings recheck which pages lie beyond the end). */
  generation = 0;
  constructor(
    initial: Uint8Array,
    private readonly budget: MemoryBudget | null = null,
  ) {
    this.data = initial;
    this.size = initial.length;
  }
  /** Makes `data` at least `end` bytes long; false when the budget does not allow it. */
  reserve(end: number): boolean {
    if (end <= this.data.length) return true;
    const capacity = Math.max(end, Math.min(this.data.length * 2, end + (1 << 24)), 64);
    const extra = capacity - this.data.length;
    if (this.budget && this.budget.used + extra > this.budget.limit) {
      if (this.budget.used + (end - this.data.length) > this.budget.limit) return false;
      return this.reserveExactly(end);
    }
    return this.reserveExactly(capacity);
  }
  private reserveExactly(capacity: number): boolean {
    const grown = new Uint8Array(capacity);
    grown.set(this.data.subarray(0, Math.min(this.size, this.data.length)));
    if (this.budget) this.budget.used += capacity - this.data.length;
    this.data = grown;
    return true;
  }
  resize(size: number): void {
    if (size < this.size)
      this.data.fill(0, Math.min(size, this.data.length), Math.min(this.size, this.data.length));
    if (size !== this.size) this.generation++;
    this.size = size;
  }
  read(len: number, offset: number): Uint8Array {
    if (offset >= this.size) return new Uint8Array(0);
    const end = Math.min(this.size, offset + len);
    const out = new Uint8Array(end - offset);
    if (offset < this.data.length) out.set(this.data.subarray(offset, Math.min(end, this.data.length)));
    return out;
  }
  write(data: Uint8Array, offset: number): boolean {
    const end = offset + data.length;
    if (!this.reserve(end)) return false;
    this.data.set(data, offset);
    if (end > this.size) {
      this.size = end;
      this.generation++;
    }
    return true;
  }
  /** Returns the allocation to the budget (the object closed). */
  free(): void {
    if (this.budget) this.budget.used -= this.data.length;
    this.data = new Uint8Array(0);
  }
}

/** Largest size of a memory-backed object (keeps the host from allocating on a guest's whim). */
export const MAX_MEMORY_OBJECT = 1 << 30;

/** A seekable object over in-memory bytes. */
abstract class SeekableBytes extends FdObject {
  protected readonly bytes: Bytes;
  /** The current file offset. */
  offset = 0;
  protected mtime = 0n;
  constructor(initial: Uint8Array, budget: MemoryBudget | null = null) {
    super();
    this.bytes = new Bytes(initial, budget);
  }
  /** The current contents (a copy). */
  contents(): Uint8Array {
    return this.bytes.read(this.bytes.size, 0);
  }
  override read(len: number): Uint8Array | Err {
    const out = this.bytes.read(len, this.offset);
    this.offset += out.length;
    return out;
  }
  override write(data: Uint8Array): number | Err {
    const at = this.fdflags & Fdflags.APPEND ? this.bytes.size : this.offset;
    if (at + data.length > MAX_MEMORY_OBJECT) return err(Errno.EFBIG);
    if (!this.bytes.write(data, at)) return err(Errno.ENOSPC);
    this.offset = at + data.length;
    return data.length;
  }
  override truncate(size: number): number {
    if (!(size >= 0) || size > MAX_MEMORY_OBJECT) return Errno.EFBIG;
    this.bytes.resize(size);
    return Errno.SUCCESS;
  }
  override stat(): FileStat {
    return {
      dev: 0n,
      ino: this.inode,
      filetype: this.filetype,
      nlink: 1,
      size: BigInt(this.bytes.size),
      atim: this.mtime,
      mtim: this.mtime,
      ctim: this.mtime,
    };
  }
  override mapBytes(offset: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    out.set(this.bytes.read(len, offset));
    return out;
  }
}

/**
 * Anonymous shared memory (fd_create1 SHARED_MEMORY). FreeBSD's POSIX shm objects support
 * read/write at the file offset, size changes through file_stat_fput and shared mappings.
 */
export class SharedMemoryObject extends SeekableBytes {
  readonly filetype = Filetype.SHARED_MEMORY;
  constructor(budget: MemoryBudget | null = null) {
    super(new Uint8Array(0), budget);
  }
  /**
   * The backing bytes, the object's size and a counter of size changes, for shared mappings
   * (`data` covers a range only after {@link reserve}; bytes at and beyond `size` are zero).
   */
  get backing(): { readonly data: Uint8Array; readonly size: number; readonly generation: number } {
    return this.bytes;
  }
  /** Sets the size of an object that only a mapping can reach (anonymous MAP_SHARED). */
  setSize(size: number): void {
    this.bytes.resize(size);
  }
  /**
   * Replaces the contents (a mapped file's page cache re-read from the file); false when the
   * budget does not allow them.
   */
  replaceContents(data: Uint8Array): boolean {
    if (!this.bytes.reserve(data.length)) return false;
    this.bytes.resize(0);
    this.bytes.write(data, 0);
    this.bytes.resize(data.length);
    return true;
  }
  /** Allocates the backing store for `[0, end)` (without changing the size); false over budget. */
  reserve(end: number): boolean {
    return this.bytes.reserve(end);
  }
  protected override onClose(): void {
    this.bytes.free();
  }
}

/** An in-memory regular file: seekable, readable and (unless read-only) writable. */
export class MemoryFile extends SeekableBytes {
  readonly filetype = Filetype.REGULAR_FILE;
  constructor(
    initial: Uint8Array,
    readonly writable: boolean,
  ) {
    super(initial.slice());
  }
  override write(data: Uint8Array): number | Err {
    return this.writable ? super.write(data) : err(Errno.EBADF);
  }
  override pread(len: number, offset: number): Uint8Array | Err {
    return this.bytes.read(len, offset);
  }
  override pwrite(data: Uint8Array, offset: number): number | Err {
    if (!this.writable) return err(Errno.EBADF);
    if (offset + data.length > MAX_MEMORY_OBJECT) return err(Errno.EFBIG);
    if (!this.bytes.write(data, offset)) return err(Errno.ENOSPC);
    return data.length;
  }
  override seek(delta: number, whence: number): number | Err {
    const base = whence === Whence.SET ? 0 : whence === Whence.CUR ? this.offset : this.bytes.size;
    const next = base + delta;
    if (!Number.isSafeInteger(next) || next < 0) return err(Errno.EINVAL);
    this.offset = next;
    return next;
  }
  /** Regular files are always ready; reads report the bytes left after the offset (FIONREAD). */
  override readiness(kind: 'read' | 'write') {
    const left = Math.max(0, this.bytes.size - this.offset);
    return kind === 'read'
      ? { ready: true, nbytes: left, hangup: false }
      : { ready: this.writable, nbytes: 0, hangup: false };
  }
  override sync(): number {
    return Errno.SUCCESS;
  }
  override datasync(): number {
    return Errno.SUCCESS;
  }
  override truncate(size: number): number {
    return this.writable ? super.truncate(size) : Errno.EINVAL;
  }
}

/** Options for {@link memoryFd}. */
export interface MemoryFdOptions {
  /** Allow the guest to write (default false). */
  writable?: boolean;
}

/** An fd object for an in-memory regular file with the given contents. */
export function memoryFd(contents: Uint8Array | string = new Uint8Array(0), options: MemoryFdOptions = {}) {
  const bytes = typeof contents === 'string' ? new TextEncoder().encode(contents) : contents;
  return new MemoryFile(bytes, options.writable ?? false);
}

/**
 * A write-only character device that keeps everything written to it: the natural stdout of a
 * test. Read it back with {@link BufferSink.bytes} or {@link BufferSink.text}.
 */
export class BufferSink extends FdObject {
  readonly filetype = Filetype.CHARACTER_DEVICE;
  override readonly tty = true;
  private readonly chunks: Uint8Array[] = [];
  private total = 0;
  constructor(
    /** Most bytes kept; writes beyond it fail with ENOSPC. */
    readonly limit = 64 * 1024 * 1024,
  ) {
    super();
  }
  override write(data: Uint8Array): number | Err {
    if (this.total + data.length > this.limit) return err(Errno.ENOSPC);
    this.chunks.push(data.slice());
    this.total += data.length;
    return data.length;
  }
  override read(): Err {
    return err(Errno.EBADF);
  }
  override readiness(kind: 'read' | 'write') {
    return { ready: kind === 'write', nbytes: 0, hangup: false };
  }
  /** Everything written so far. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.total);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
  /** Everything written so far, decoded as UTF-8. */
  text(): string {
    return new TextDecoder().decode(this.bytes());
  }
}

/** A new {@link BufferSink}. */
export function bufferSink(limit?: number): BufferSink {
  return new BufferSink(limit);
}
