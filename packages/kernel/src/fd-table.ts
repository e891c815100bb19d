/**
 * A process's fd table: number → (object, base rights, inheriting rights).
 *
 * No fd number is special in CloudABI (spec introduction: no stdin/stdout/stderr); new numbers are
 * the lowest free ones, which keeps runs reproducible. Rights are checked in {@link FdTable.get}
 * and nowhere else.
 */
import { Errno } from './abi.js';
import { type Err, err } from './errors.js';
import type { FdObject } from './fd-object.js';
import { checkRights, type RightsPair, typeRights } from './rights.js';

/** One fd table slot. */
export interface FdEntry {
  object: FdObject;
  base: bigint;
  inheriting: bigint;
}

/** The highest fd number the guest can name (fds are u32; 0xFFFFFFFF is reserved as "no fd"). */
const MAX_FD = 0xfffffffe;

/** An fd table with a limit on the number of open fds. */
export class FdTable {
  private readonly slots: (FdEntry | undefined)[] = [];
  private count = 0;

  constructor(
    /** The most fds that may be open at once (EMFILE beyond). */
    readonly limit: number,
  ) {}

  /** Number of open fds. */
  get size(): number {
    return this.count;
  }

  /**
   * Looks up `fd` and checks that its base rights contain `need` (and inheriting rights contain
   * `needInheriting`): EBADF for an unknown fd, ENOTCAPABLE for a missing right (spec: rights).
   * This is the kernel's only rights check on fds.
   */
  get(fd: number, need = 0n, needInheriting = 0n): FdEntry | Err {
    const entry = fd >= 0 && fd < this.slots.length ? this.slots[fd] : undefined;
    if (!entry) return err(Errno.EBADF);
    if (checkRights(entry.base, need) !== Errno.SUCCESS) return err(Errno.ENOTCAPABLE);
    if (needInheriting !== 0n && checkRights(entry.inheriting, needInheriting) !== Errno.SUCCESS) {
      return err(Errno.ENOTCAPABLE);
    }
    return entry;
  }

  /** The entry at `fd` without any rights check (or undefined). */
  peek(fd: number): FdEntry | undefined {
    return fd >= 0 && fd < this.slots.length ? this.slots[fd] : undefined;
  }

  /**
   * Inserts `object` with the requested rights narrowed to what its type allows; returns the new
   * fd number or EMFILE. The table takes one reference on the object.
   */
  insert(object: FdObject, rights?: RightsPair): number | Err {
    if (this.count >= this.limit) return err(Errno.EMFILE);
    let fd = this.slots.indexOf(undefined);
    if (fd < 0) fd = this.slots.length;
    if (fd > MAX_FD) return err(Errno.EMFILE);
    const allowed = typeRights(object.filetype, object.tty);
    const base = (rights?.base ?? allowed.base) & allowed.base;
    const inheriting = (rights?.inheriting ?? allowed.inheriting) & allowed.inheriting;
    object.retain();
    this.slots[fd] = { object, base, inheriting };
    this.count++;
    return fd;
  }

  /** Places an entry at a specific number (proc_exec remapping and embedder set-up). */
  place(fd: number, entry: FdEntry): void {
    const old = this.slots[fd];
    entry.object.retain();
    while (this.slots.length < fd) this.slots.push(undefined);
    this.slots[fd] = { ...entry };
    if (old) old.object.release();
    else this.count++;
  }

  /** fd_dup: the same object and rights under the lowest free number. */
  dup(fd: number): number | Err {
    const entry = this.get(fd);
    if (!(entry as FdEntry).object) return entry as Err;
    const e = entry as FdEntry;
    if (this.count >= this.limit) return err(Errno.EMFILE);
    return this.insert(e.object, { base: e.base, inheriting: e.inheriting });
  }

  /** fd_replace: `to` (which must be open) becomes a copy of `from`. */
  replace(from: number, to: number): number {
    const src = this.peek(from);
    const dst = this.peek(to);
    if (!src || !dst) return Errno.EBADF;
    if (from === to) return Errno.SUCCESS;
    src.object.retain();
    this.slots[to] = { object: src.object, base: src.base, inheriting: src.inheriting };
    dst.object.release();
    return Errno.SUCCESS;
  }

  /** fd_close. */
  close(fd: number): number {
    const entry = this.peek(fd);
    if (!entry) return Errno.EBADF;
    this.slots[fd] = undefined;
    while (this.slots.length > 0 && this.slots[this.slots.length - 1] === undefined) this.slots.pop();
    this.count--;
    entry.object.release();
    return Errno.SUCCESS;
  }

  /** Closes every fd (process exit). */
  closeAll(): void {
    const slots = this.slots.splice(0);
    this.count = 0;
    for (const entry of slots) entry?.object.release();
  }

  /** A copy sharing the same objects (proc_fork). */
  clone(): FdTable {
    const copy = new FdTable(this.limit);
    this.slots.forEach((entry, fd) => {
      if (entry) copy.place(fd, entry);
    });
    return copy;
  }

  /** All open fd numbers in ascending order. */
  numbers(): number[] {
    const out: number[] = [];
    this.slots.forEach((entry, fd) => {
      if (entry) out.push(fd);
    });
    return out;
  }

  /** The highest open fd number, or -1. */
  get highest(): number {
    return this.slots.length - 1;
  }
}
