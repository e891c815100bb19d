/**
 * file family, the path-based part: file_open, file_create, file_link, file_readdir,
 * file_readlink, file_rename, file_stat_get, file_stat_put, file_symlink, file_unlink, plus
 * file_advise and file_allocate (spec: the `file_*` syscalls; rights per digest §1.6, file_open's
 * rights rules per digest §6.2 item 13). Paths are resolved only by the kernel's resolver
 * (../vfs/resolve.ts) beneath the directory fd's capability.
 */
import { Advice, Errno, Fdflags, Rights } from '../abi.js';
import { type Err, err, isErr } from '../errors.js';
import type { FileStat } from '../fd-object.js';
import type { FdEntry } from '../fd-table.js';
import { canWrite, copyIn, copyOut } from '../guest.js';
import type { Process } from '../process.js';
import { DirectoryFd, FileFd } from '../vfs/objects.js';
import {
  dispose,
  linkAt,
  mkdirAt,
  mkfifoAt,
  openAt,
  packDirents,
  readlinkAt,
  renameAt,
  statAt,
  symlinkAt,
  unlinkAt,
  utimesAt,
} from '../vfs/ops.js';
import { PATH_MAX } from '../vfs/resolve.js';
import { andThen, type Handler, offsetArg } from './common.js';

/** oflags (spec: type `oflags`). */
const O_CREAT = 0x1;
const O_DIRECTORY = 0x2;
const O_EXCL = 0x4;
const O_TRUNC = 0x8;
/** LOOKUP_SYMLINK_FOLLOW (spec: type `lookupflags`). */
const LOOKUP_SYMLINK_FOLLOW = 0x1;
/** UNLINK_REMOVEDIR (spec: type `ulflags`). */
const UNLINK_REMOVEDIR = 0x1;
/** fsflags (spec: type `fsflags`). */
const FS_ATIM = 0x1;
const FS_ATIM_NOW = 0x2;
const FS_MTIM = 0x4;
const FS_MTIM_NOW = 0x8;
const FS_SIZE = 0x10;
/** filetype values file_create accepts: DIRECTORY, and the legacy FIFO (digest §2.4). */
const FILETYPE_DIRECTORY = 0x20;
const FILETYPE_FIFO = 0x30;

const ALL_FDFLAGS = Fdflags.APPEND | Fdflags.DSYNC | Fdflags.NONBLOCK | Fdflags.RSYNC | Fdflags.SYNC;

/**
 * Rights that make the host open a file for reading / for writing (digest §6.2 item 13). This
 * kernel also reads a file to execute it (PROC_EXEC) or to map it (MEM_MAP), so those need the
 * host's read access too; the guest's own reads are still governed by FD_READ.
 */
const READ_RIGHTS =
  Rights.FD_READ | Rights.FILE_READDIR | Rights.MEM_MAP_EXEC | Rights.MEM_MAP | Rights.PROC_EXEC;
const WRITE_RIGHTS = Rights.FD_DATASYNC | Rights.FD_WRITE | Rights.FILE_ALLOCATE | Rights.FILE_STAT_FPUT_SIZE;

/** A decoded `lookup` argument (fd in the low 32 bits, lookupflags in the high 32). */
function lookupArg(value: number | bigint): { fd: number; follow: boolean } | null {
  const v = Number(value);
  if (!Number.isSafeInteger(v) || v < 0) return null;
  const fd = v % 0x100000000;
  const flags = Math.floor(v / 0x100000000);
  return { fd, follow: (flags & LOOKUP_SYMLINK_FOLLOW) !== 0 };
}

/** Copies a path argument from guest memory (ENAMETOOLONG before reading a huge range). */
function pathArg(proc: Process, ptr: number | bigint, len: number | bigint): Uint8Array | number {
  const n = Number(len);
  if (n >= PATH_MAX) return Errno.ENAMETOOLONG;
  return copyIn(proc.memory, Number(ptr), n) ?? Errno.EFAULT;
}

/** The directory behind an fd entry (ENOTDIR for anything else). */
function directory(entry: FdEntry | Err): DirectoryFd | number {
  if (isErr(entry)) return entry.errno;
  return entry.object instanceof DirectoryFd ? entry.object : Errno.ENOTDIR;
}

/** Encodes a filestat (spec: struct `filestat`, 56 bytes, digest §2.7). */
export function encodeFilestat(st: FileStat): Uint8Array {
  const out = new Uint8Array(56);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, st.dev, true);
  dv.setBigUint64(8, st.ino, true);
  dv.setUint8(16, st.filetype);
  dv.setUint32(20, st.nlink, true);
  dv.setBigUint64(24, st.size, true);
  dv.setBigUint64(32, st.atim, true);
  dv.setBigUint64(40, st.mtim, true);
  dv.setBigUint64(48, st.ctim, true);
  return out;
}

/**
 * file_open(dirfd, path, oflags, fds) → fd. The directory fd needs FILE_OPEN (+FILE_CREATE_FILE
 * for O_CREAT); its inheriting rights must contain the requested base and inheriting rights,
 * plus FILE_STAT_FPUT_SIZE for O_TRUNC, FD_DATASYNC for DSYNC, FD_SYNC for RSYNC/SYNC and FD_SEEK
 * for a writable open that is neither APPEND nor TRUNC (digest §6.2 item 13). The new fd gets
 * the requested rights narrowed to its file type (never failing because of inapplicable ones).
 */
export const file_open: Handler = (_k, t, a) => {
  const proc = t.process;
  const lookup = lookupArg(a[0] as number);
  if (!lookup) return Errno.EINVAL;
  const oflags = a[3] as number;
  if (oflags & ~(O_CREAT | O_DIRECTORY | O_EXCL | O_TRUNC)) return Errno.EINVAL;
  const fdstat = copyIn(proc.memory, a[4] as number, 24);
  if (!fdstat) return Errno.EFAULT;
  const dv = new DataView(fdstat.buffer);
  const fdflags = dv.getUint16(2, true);
  const base = dv.getBigUint64(8, true);
  const inheriting = dv.getBigUint64(16, true);
  if (fdflags & ~ALL_FDFLAGS) return Errno.EINVAL;
  let needBase = Rights.FILE_OPEN;
  if (oflags & O_CREAT) needBase |= Rights.FILE_CREATE_FILE;
  let needInheriting = base | inheriting;
  if (oflags & O_TRUNC) needInheriting |= Rights.FILE_STAT_FPUT_SIZE;
  if (fdflags & Fdflags.DSYNC) needInheriting |= Rights.FD_DATASYNC;
  if (fdflags & (Fdflags.RSYNC | Fdflags.SYNC)) needInheriting |= Rights.FD_SYNC;
  const write = (base & WRITE_RIGHTS) !== 0n;
  if (write && !(fdflags & Fdflags.APPEND) && !(oflags & O_TRUNC)) needInheriting |= Rights.FD_SEEK;
  const dir = directory(proc.fds.get(lookup.fd, needBase, needInheriting));
  if (typeof dir === 'number') return dir;
  const path = pathArg(proc, a[1] as number, a[2] as number);
  if (typeof path === 'number') return path;
  const opened = openAt(dir, path, {
    follow: lookup.follow,
    create: (oflags & O_CREAT) !== 0,
    directory: (oflags & O_DIRECTORY) !== 0,
    exclusive: (oflags & O_EXCL) !== 0,
    truncate: (oflags & O_TRUNC) !== 0,
    read: (base & READ_RIGHTS) !== 0n,
    write: write || (oflags & O_TRUNC) !== 0,
    nonblock: (fdflags & Fdflags.NONBLOCK) !== 0,
    // A FIFO open waiting for its other side ends when the thread is killed.
    onWait: (cancel) => {
      t.cancelWait = cancel;
    },
  });
  return andThen(opened, (object) => {
    if (isErr(object)) return object.errno;
    object.fdflags = fdflags;
    const fd = proc.fds.insert(object, { base, inheriting });
    if (isErr(fd)) {
      dispose(object);
      return fd.errno;
    }
    t.ret0 = fd;
    return Errno.SUCCESS;
  });
};

/**
 * file_create(fd, path, type): DIRECTORY creates a directory (FILE_CREATE_DIRECTORY); the legacy
 * FIFO type creates a named FIFO (FILE_CREATE_FIFO, legacy spec `file_create`). Other types are
 * EINVAL.
 */
export const file_create: Handler = (_k, t, a) => {
  const proc = t.process;
  const type = a[3] as number;
  if (type !== FILETYPE_DIRECTORY && type !== FILETYPE_FIFO) return Errno.EINVAL;
  const right = type === FILETYPE_FIFO ? Rights.FILE_CREATE_FIFO : Rights.FILE_CREATE_DIRECTORY;
  const dir = directory(proc.fds.get(a[0] as number, right));
  if (typeof dir === 'number') return dir;
  const path = pathArg(proc, a[1] as number, a[2] as number);
  if (typeof path === 'number') return path;
  return type === FILETYPE_FIFO ? mkfifoAt(dir, path) : mkdirAt(dir, path);
};

/** file_link(fd1 lookup, path1, fd2, path2): fd1 needs FILE_LINK_SOURCE, fd2 FILE_LINK_TARGET. */
export const file_link: Handler = (_k, t, a) => {
  const proc = t.process;
  const lookup = lookupArg(a[0] as number);
  if (!lookup) return Errno.EINVAL;
  const from = directory(proc.fds.get(lookup.fd, Rights.FILE_LINK_SOURCE));
  if (typeof from === 'number') return from;
  const to = directory(proc.fds.get(a[3] as number, Rights.FILE_LINK_TARGET));
  if (typeof to === 'number') return to;
  const p1 = pathArg(proc, a[1] as number, a[2] as number);
  if (typeof p1 === 'number') return p1;
  const p2 = pathArg(proc, a[4] as number, a[5] as number);
  if (typeof p2 === 'number') return p2;
  return linkAt(from, p1, lookup.follow, to, p2);
};

/**
 * file_readdir(fd, buf, buf_len, cookie) → bufused: packed dirent records from `cookie`,
 * filling the buffer completely while entries remain (digest §6.2 item 15).
 */
export const file_readdir: Handler = (_k, t, a) => {
  const proc = t.process;
  const dir = directory(proc.fds.get(a[0] as number, Rights.FILE_READDIR));
  if (typeof dir === 'number') return dir;
  const buf = a[1] as number;
  const len = a[2] as number;
  if (!canWrite(proc.memory, buf, len)) return Errno.EFAULT;
  return andThen(dir.entries(a[3] as bigint), (entries) => {
    if (isErr(entries)) return entries.errno;
    const packed = packDirents(entries, len);
    if (!copyOut(proc.memory, buf, packed)) return Errno.EFAULT;
    t.ret0 = packed.length;
    return Errno.SUCCESS;
  });
};

/** file_readlink(fd, path, buf, buf_len) → bufused (silently truncated, no NUL). */
export const file_readlink: Handler = (_k, t, a) => {
  const proc = t.process;
  const dir = directory(proc.fds.get(a[0] as number, Rights.FILE_READLINK));
  if (typeof dir === 'number') return dir;
  const path = pathArg(proc, a[1] as number, a[2] as number);
  if (typeof path === 'number') return path;
  const buf = a[3] as number;
  const len = a[4] as number;
  if (!canWrite(proc.memory, buf, len)) return Errno.EFAULT;
  return andThen(readlinkAt(dir, path), (target) => {
    if (isErr(target)) return target.errno;
    const bytes = new TextEncoder().encode(target);
    const out = bytes.length > len ? bytes.subarray(0, len) : bytes;
    if (!copyOut(proc.memory, buf, out)) return Errno.EFAULT;
    t.ret0 = out.length;
    return Errno.SUCCESS;
  });
};

/** file_rename(fd1, path1, fd2, path2): FILE_RENAME_SOURCE on fd1, FILE_RENAME_TARGET on fd2. */
export const file_rename: Handler = (_k, t, a) => {
  const proc = t.process;
  const from = directory(proc.fds.get(a[0] as number, Rights.FILE_RENAME_SOURCE));
  if (typeof from === 'number') return from;
  const to = directory(proc.fds.get(a[3] as number, Rights.FILE_RENAME_TARGET));
  if (typeof to === 'number') return to;
  const p1 = pathArg(proc, a[1] as number, a[2] as number);
  if (typeof p1 === 'number') return p1;
  const p2 = pathArg(proc, a[4] as number, a[5] as number);
  if (typeof p2 === 'number') return p2;
  return renameAt(from, p1, to, p2);
};

/** file_stat_get(fd lookup, path, buf): FILE_STAT_GET. */
export const file_stat_get: Handler = (_k, t, a) => {
  const proc = t.process;
  const lookup = lookupArg(a[0] as number);
  if (!lookup) return Errno.EINVAL;
  const dir = directory(proc.fds.get(lookup.fd, Rights.FILE_STAT_GET));
  if (typeof dir === 'number') return dir;
  const path = pathArg(proc, a[1] as number, a[2] as number);
  if (typeof path === 'number') return path;
  const buf = a[3] as number;
  if (!canWrite(proc.memory, buf, 56)) return Errno.EFAULT;
  return andThen(statAt(dir, path, lookup.follow), (st) => {
    if (isErr(st)) return st.errno;
    return copyOut(proc.memory, buf, encodeFilestat(st)) ? Errno.SUCCESS : Errno.EFAULT;
  });
};

/** Decodes the time part of a file_stat_put / file_stat_fput request. */
export function timeUpdates(
  stat: Uint8Array,
  flags: number,
): { atim: null | 'now' | bigint; mtim: null | 'now' | bigint } {
  const dv = new DataView(stat.buffer, stat.byteOffset, stat.byteLength);
  const atim = flags & FS_ATIM_NOW ? 'now' : flags & FS_ATIM ? dv.getBigUint64(32, true) : null;
  const mtim = flags & FS_MTIM_NOW ? 'now' : flags & FS_MTIM ? dv.getBigUint64(40, true) : null;
  return { atim, mtim };
}

/** file_stat_put(fd lookup, path, buf, flags): sets timestamps only (SIZE is EINVAL; digest §6.2 item 19). */
export const file_stat_put: Handler = (_k, t, a) => {
  const proc = t.process;
  const flags = a[4] as number;
  if (flags & FS_SIZE || flags & ~(FS_ATIM | FS_ATIM_NOW | FS_MTIM | FS_MTIM_NOW)) return Errno.EINVAL;
  const lookup = lookupArg(a[0] as number);
  if (!lookup) return Errno.EINVAL;
  const dir = directory(proc.fds.get(lookup.fd, Rights.FILE_STAT_PUT_TIMES));
  if (typeof dir === 'number') return dir;
  const path = pathArg(proc, a[1] as number, a[2] as number);
  if (typeof path === 'number') return path;
  const stat = copyIn(proc.memory, a[3] as number, 56);
  if (!stat) return Errno.EFAULT;
  const { atim, mtim } = timeUpdates(stat, flags);
  return utimesAt(dir, path, lookup.follow, atim, mtim);
};

/** file_symlink(path1 = target text, fd, path2): FILE_SYMLINK on fd. */
export const file_symlink: Handler = (_k, t, a) => {
  const proc = t.process;
  const dir = directory(proc.fds.get(a[2] as number, Rights.FILE_SYMLINK));
  if (typeof dir === 'number') return dir;
  const target = pathArg(proc, a[0] as number, a[1] as number);
  if (typeof target === 'number') return target;
  const path = pathArg(proc, a[3] as number, a[4] as number);
  if (typeof path === 'number') return path;
  return symlinkAt(target, dir, path);
};

/** file_unlink(fd, path, flags): FILE_UNLINK; UNLINK_REMOVEDIR removes an empty directory. */
export const file_unlink: Handler = (_k, t, a) => {
  const proc = t.process;
  const flags = a[3] as number;
  if (flags & ~UNLINK_REMOVEDIR) return Errno.EINVAL;
  const dir = directory(proc.fds.get(a[0] as number, Rights.FILE_UNLINK));
  if (typeof dir === 'number') return dir;
  const path = pathArg(proc, a[1] as number, a[2] as number);
  if (typeof path === 'number') return path;
  return unlinkAt(dir, path, (flags & UNLINK_REMOVEDIR) !== 0);
};

const ADVICE = new Set<number>(Object.values(Advice) as number[]);

/** Checks an (offset, len) pair of u64 arguments. */
function rangeArgs(offset: bigint, len: bigint): { offset: number; len: number } | Err {
  const o = offsetArg(offset);
  const l = offsetArg(len);
  if (isErr(o)) return o;
  if (isErr(l)) return l;
  if (o + l > Number.MAX_SAFE_INTEGER) return err(Errno.EFBIG);
  return { offset: o, len: l };
}

/** file_advise(fd, offset, len, advice): FILE_ADVISE; advice is a hint, validated and accepted. */
export const file_advise: Handler = (_k, t, a) => {
  const e = t.process.fds.get(a[0] as number, Rights.FILE_ADVISE);
  if (isErr(e)) return e.errno;
  if (!ADVICE.has(a[3] as number)) return Errno.EINVAL;
  const range = rangeArgs(a[1] as bigint, a[2] as bigint);
  if (isErr(range)) return Errno.EINVAL;
  return Errno.SUCCESS;
};

/** file_allocate(fd, offset, len): FILE_ALLOCATE; the file grows to cover the range. */
export const file_allocate: Handler = (_k, t, a) => {
  const e = t.process.fds.get(a[0] as number, Rights.FILE_ALLOCATE);
  if (isErr(e)) return e.errno;
  const range = rangeArgs(a[1] as bigint, a[2] as bigint);
  if (isErr(range)) return range.errno;
  if (range.len === 0) return Errno.EINVAL;
  if (!(e.object instanceof FileFd)) return Errno.ENODEV;
  return e.object.allocate(range.offset, range.len);
};

/** The handlers of this file, for the kernel's handler table. */
export const FILE_PATH_HANDLERS: Readonly<Record<string, Handler>> = {
  file_advise,
  file_allocate,
  file_create,
  file_link,
  file_open,
  file_readdir,
  file_readlink,
  file_rename,
  file_stat_get,
  file_stat_put,
  file_symlink,
  file_unlink,
};
