/**
 * Shared mappings of regular files (mem_map with MAP_SHARED on a file fd; issue 6).
 *
 * A mapped file gets one page cache per kernel: a {@link SharedMemoryObject} holding the file's
 * bytes, found again by the file's identity (device and inode from its stat) however the file
 * was opened. Mappings of the file are shared-memory regions over that cache, so the machinery
 * of shared-pages.ts applies unchanged: several mappings in one process stay coherent, processes
 * see each other's stores, and pages wholly past the end of the file raise SIGBUS.
 *
 * The cache and the file are kept in step at the points where a difference could be observed:
 *
 * - the cache is written to the file (when a writable mapping exists) before anything reads the
 *   file through an fd (fd_read, fd_pread, proc_exec, a private mapping), before anything changes
 *   it through an fd (fd_write, fd_pwrite, file_stat_fput, file_allocate) or a file_open with
 *   O_TRUNC, on mem_sync, when a mapping goes away (mem_unmap, MAP_FIXED over it, proc_exec,
 *   process exit) and when the last mapping goes;
 * - after such a change, the cache is read again from the file, so the mapped pages show what
 *   fd_write/pwrite wrote and a truncation or extension moves the end of the mapping.
 *
 * Changes made to the file behind the kernel's back (another host process, or the embedder
 * writing the backend directly) show in the mapping at the next of these points, not at once.
 *
 * Write-back writes the whole cached file with pwrite through the fd object the first writable
 * mapping was made from (the cache keeps it open, as a mapping keeps its file referenced after
 * the fd is closed).
 */
import { Errno, Filetype } from './abi.js';
import { type Err, err, isErr, type MaybePromise } from './errors.js';
import type { FdObject } from './fd-object.js';
import type { Kernel } from './kernel.js';
import { MAX_MEMORY_OBJECT, SharedMemoryObject } from './objects/memory-file.js';
import type { Process } from './process.js';
import { syncIn, syncOut } from './shared-pages.js';
import { andThen } from './syscalls/common.js';

/** The page cache of one mapped file. */
export class MappedFile {
  /** An fd object of the file used to read it and, once a writable mapping exists, to write it back. */
  private source: FdObject;
  /** Whether some mapping may have written the cache (write-back is needed). */
  writable = false;

  constructor(
    /** `dev:ino` of the file. */
    readonly key: string,
    /** The cache: the file's bytes and size. */
    readonly cache: SharedMemoryObject,
    source: FdObject,
  ) {
    this.source = source;
    source.retain();
  }

  /** Records a new mapping made through `object` (`write`: a writable one). */
  mapped(object: FdObject, write: boolean): void {
    if (write && !this.writable) {
      // Write back through an fd that may write: the one this writable mapping came from.
      object.retain();
      this.source.release();
      this.source = object;
      this.writable = true;
    }
  }

  /** Writes the cached bytes to the file; an errno. */
  writeBack(): MaybePromise<number> {
    if (!this.writable) return Errno.SUCCESS;
    const { data, size } = this.cache.backing;
    const bytes = data.slice(0, size);
    const step = (at: number): MaybePromise<number> => {
      if (at >= bytes.length) return Errno.SUCCESS;
      return andThen(this.source.pwrite(bytes.subarray(at), at), (n) => {
        if (isErr(n)) return n.errno;
        return n > 0 ? step(at + n) : Errno.EIO;
      });
    };
    return step(0);
  }

  /** Reads the whole file into the cache again; an errno. */
  reload(): MaybePromise<number> {
    return andThen(readWhole(this.source), (bytes) => {
      if (typeof bytes === 'number') return bytes;
      return this.cache.replaceContents(bytes) ? Errno.SUCCESS : Errno.ENOMEM;
    });
  }

  /** Drops the cache (no mapping is left). */
  close(): void {
    this.source.release();
    this.cache.release();
  }
}

/** Reads a whole file through an fd object's pread; an errno on failure. */
function readWhole(object: FdObject): MaybePromise<Uint8Array | number> {
  return andThen(object.stat(), (st) => {
    if (isErr(st)) return st.errno;
    const size = Number(st.size);
    if (size > MAX_MEMORY_OBJECT) return Errno.ENOMEM;
    const out = new Uint8Array(size);
    const step = (at: number): MaybePromise<Uint8Array | number> => {
      if (at >= size) return out;
      return andThen(object.pread(size - at, at), (chunk) => {
        if (isErr(chunk)) return chunk.errno;
        if (chunk.length === 0) return out.subarray(0, at);
        out.set(chunk, at);
        return step(at + chunk.length);
      });
    };
    return step(0);
  });
}

/** Syscalls that read a file through the fd in their first argument. */
const READS = new Set(['fd_read', 'fd_pread', 'proc_exec']);
/** Syscalls that change a file through the fd in their first argument. */
const WRITES = new Set(['fd_write', 'fd_pwrite', 'file_stat_fput', 'file_allocate']);

/** The kernel's page caches of mapped files. */
export class FileMaps {
  private readonly byKey = new Map<string, MappedFile>();
  private readonly byCache = new Map<SharedMemoryObject, MappedFile>();
  private readonly keys = new WeakMap<FdObject, string>();

  /** Number of mapped files. */
  get size(): number {
    return this.byKey.size;
  }

  /** The mapped file whose cache is `object`, if any. */
  ofCache(object: SharedMemoryObject): MappedFile | undefined {
    return this.byCache.get(object);
  }

  /** The identity of a regular file object (`dev:ino`), or null for anything else. */
  private keyOf(object: FdObject): MaybePromise<string | null> {
    if (object.filetype !== Filetype.REGULAR_FILE) return null;
    const known = this.keys.get(object);
    if (known !== undefined) return known;
    return andThen(object.stat(), (st) => {
      if (isErr(st)) return null;
      const key = `${st.dev}:${st.ino}`;
      this.keys.set(object, key);
      return key;
    });
  }

  /**
   * The page cache for a shared mapping of file `object` (`write`: a writable mapping), loading
   * the file on its first mapping. ENOMEM when it does not fit the kernel's object budget.
   */
  map(kernel: Kernel, object: FdObject, write: boolean): MaybePromise<MappedFile | Err> {
    return andThen(this.keyOf(object), (key) => {
      if (key === null) return err(Errno.ENODEV);
      const known = this.byKey.get(key);
      if (known) {
        known.mapped(object, write);
        return known;
      }
      return andThen(readWhole(object), (bytes) => {
        if (typeof bytes === 'number') return err(bytes);
        // Another mapping of the file may have been made while the file was being read.
        const raced = this.byKey.get(key);
        if (raced) {
          raced.mapped(object, write);
          return raced;
        }
        const cache = new SharedMemoryObject(kernel.objectMemory);
        if (!cache.replaceContents(bytes)) return err(Errno.ENOMEM);
        cache.retain();
        const file = new MappedFile(key, cache, object);
        file.mapped(object, write);
        this.byKey.set(key, file);
        this.byCache.set(cache, file);
        return file;
      });
    });
  }

  /**
   * Runs `call`, a syscall on the fd `fd` of `thread`'s process, in step with the mapped file it
   * refers to: the cache goes to the file first, and after a change the file comes back into the
   * cache and the calling process's mappings.
   */
  around(proc: Process, name: string, fd: number, call: () => MaybePromise<number>): MaybePromise<number> {
    const reads = READS.has(name);
    if (!reads && !WRITES.has(name)) return call();
    const object = proc.fds.peek(fd)?.object;
    if (!object) return call();
    return andThen(this.keyOf(object), (key) => {
      const file = key === null ? undefined : this.byKey.get(key);
      if (!file) return call();
      syncOut(proc);
      return andThen(file.writeBack(), () =>
        andThen(call(), (errno) => {
          if (reads) return errno;
          return andThen(file.reload(), () => {
            syncIn(proc);
            return errno;
          });
        }),
      );
    });
  }

  /**
   * Runs file_open with O_TRUNC: the open may empty a mapped file (whichever it is), so every
   * cache goes to its file first and is read again afterwards.
   */
  aroundTruncatingOpen(proc: Process, call: () => MaybePromise<number>): MaybePromise<number> {
    const files = [...this.byKey.values()];
    syncOut(proc);
    let before: MaybePromise<number> = Errno.SUCCESS;
    for (const file of files) before = andThen(before, () => file.writeBack());
    return andThen(before, () =>
      andThen(call(), (errno) => {
        if (errno !== Errno.SUCCESS) return errno;
        let after: MaybePromise<number> = Errno.SUCCESS;
        for (const file of files) after = andThen(after, () => file.reload());
        return andThen(after, () => {
          syncIn(proc);
          return errno;
        });
      }),
    );
  }

  /**
   * Writes back the files `proc` maps (`range`: only those mapped there), an errno. When
   * `current`, `proc` is the current process and its memory holds the latest stores: they go to
   * the caches first (a process that is not current already left them there).
   */
  writeBackFor(
    proc: Process,
    range: { addr: number; len: number } | null,
    current: boolean,
  ): MaybePromise<number> {
    const files = new Set<MappedFile>();
    for (const r of proc.sharedRegions) {
      if (range && (r.addr + r.len <= range.addr || r.addr >= range.addr + range.len)) continue;
      const file = this.byCache.get(r.object);
      if (file) files.add(file);
    }
    if (files.size === 0) return Errno.SUCCESS;
    if (current) syncOut(proc);
    let result: MaybePromise<number> = Errno.SUCCESS;
    for (const file of files) {
      result = andThen(result, (first) =>
        andThen(file.writeBack(), (e) => (first !== Errno.SUCCESS ? first : e)),
      );
    }
    return result;
  }

  /** Drops the caches no process maps any more (after writing them back). */
  collect(kernel: Kernel): void {
    if (this.byKey.size === 0) return;
    const used = new Set<SharedMemoryObject>();
    for (const proc of kernel.processes.values()) for (const r of proc.sharedRegions) used.add(r.object);
    for (const file of [...this.byKey.values()]) {
      if (used.has(file.cache)) continue;
      this.byKey.delete(file.key);
      this.byCache.delete(file.cache);
      void Promise.resolve(file.writeBack()).then(
        () => file.close(),
        () => file.close(),
      );
    }
  }
}
