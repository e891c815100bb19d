/**
 * Path operations over a directory capability: what the path-based file syscalls do after their
 * rights checks. Every path goes through the resolver ({@link walk}); the backend sees single
 * names only. The same functions drive the backend conformance suite.
 */
import { Errno, Filetype } from '../abi.js';
import { type Err, err, isErr, type MaybePromise } from '../errors.js';
import type { FdObject, FileStat } from '../fd-object.js';
import { andThen } from '../syscalls/common.js';
import type { HostBackend, SocketBinding, SocketListener, TimeUpdate } from './backend.js';
import { DirectoryFd, FileFd } from './objects.js';
import { FOLLOW, PATH_MAX, walk } from './resolve.js';

/** What {@link openAt} should do (file_open's oflags and the access mode derived from rights). */
export interface OpenRequest {
  /** LOOKUP_SYMLINK_FOLLOW. */
  follow: boolean;
  create: boolean;
  directory: boolean;
  exclusive: boolean;
  truncate: boolean;
  read: boolean;
  write: boolean;
  /** FDFLAG_NONBLOCK: a FIFO open does not wait for the other side. */
  nonblock?: boolean;
  /** Receives a function abandoning a FIFO open that waits (called when the thread is killed). */
  onWait?: (cancel: () => void) => void;
}

type Dir = DirectoryFd<unknown>;
type B = HostBackend<unknown>;

function isDirStat(st: FileStat): boolean {
  return st.filetype === Filetype.DIRECTORY;
}
function isLinkStat(st: FileStat): boolean {
  return st.filetype === Filetype.SYMBOLIC_LINK;
}

/** Opens a directory or regular file beneath `dir` (file_open without the rights part). */
export function openAt(dir: Dir, path: Uint8Array | string, req: OpenRequest): MaybePromise<FdObject | Err> {
  const backend: B = dir.backend;
  // O_CREAT|O_DIRECTORY cannot name what to create.
  if (req.directory && req.create) return err(Errno.EINVAL);
  return walk<unknown, FdObject>(backend, dir.handle, path, (d, name, mustBeDir) => {
    if (name === null) {
      if (req.create && req.exclusive) return err(Errno.EEXIST);
      if (req.write || req.truncate || req.create) return err(Errno.EISDIR);
      return andThen(backend.dupDir(d), (h) => (isErr(h) ? h : new DirectoryFd(backend, h)));
    }
    const openDir = (): MaybePromise<FdObject | Err | typeof FOLLOW> =>
      andThen(backend.openDir(d, name), (h) => {
        if (!isErr(h)) return new DirectoryFd(backend, h);
        if (h.errno === Errno.ELOOP && (req.follow || mustBeDir)) return FOLLOW;
        return h;
      });
    if (req.directory || mustBeDir) {
      if (req.create && !req.exclusive) {
        // O_CREAT on a name ending in '/': only an existing directory can satisfy it.
        return andThen(backend.lstat(d, name), (st) => {
          if (isErr(st)) return st.errno === Errno.ENOENT ? err(Errno.EISDIR) : st;
          if (isLinkStat(st)) return req.follow || mustBeDir ? FOLLOW : err(Errno.ELOOP);
          return isDirStat(st) ? err(Errno.EISDIR) : err(Errno.ENOTDIR);
        });
      }
      if (req.create)
        return andThen(backend.lstat(d, name), (st) => (isErr(st) ? err(Errno.EISDIR) : err(Errno.EEXIST)));
      if (req.write || req.truncate) {
        return andThen(openDir(), (r) => {
          if (r instanceof DirectoryFd) {
            dispose(r);
            return err(Errno.EISDIR);
          }
          return r;
        });
      }
      return openDir();
    }
    return andThen(backend.fifo(d, name), (fifo) => {
      if (fifo) {
        // A FIFO this kernel created (legacy file_create): O_TRUNC means nothing for it; without
        // a writing right it is opened for reading, as a host opens O_RDONLY.
        if (req.create && req.exclusive) return err(Errno.EEXIST);
        return fifo.open({
          read: req.read || !req.write,
          write: req.write,
          nonblock: req.nonblock === true,
          ...(req.onWait ? { onWait: req.onWait } : {}),
        });
      }
      return openHostFile();
    });
    function openHostFile(): MaybePromise<FdObject | Err | typeof FOLLOW> {
      return andThen(
        backend.openFile(d, name as string, {
          read: req.read,
          write: req.write,
          create: req.create,
          exclusive: req.exclusive,
          truncate: req.truncate,
        }),
        (f) => {
          if (!isErr(f)) return new FileFd(f, { read: req.read, write: req.write });
          if (f.errno === Errno.ELOOP) return req.follow ? FOLLOW : f;
          if (f.errno === Errno.EISDIR && !req.write && !req.truncate && !req.create) return openDir();
          return f;
        },
      );
    }
  });
}

/** Legacy file_create(FIFO): creates a FIFO (digest §2.4, legacy filetype 0x30). */
export function mkfifoAt(dir: Dir, path: Uint8Array | string): MaybePromise<number> {
  const backend: B = dir.backend;
  return errno(
    walk<unknown, number>(backend, dir.handle, path, (d, name, mustBeDir) => {
      if (name === null) return Errno.EEXIST;
      // A trailing slash names a directory: only an existing entry can be meant.
      if (mustBeDir) return andThen(backend.lstat(d, name), (t) => (isErr(t) ? Errno.ENOENT : Errno.EEXIST));
      return backend.mkfifo(d, name);
    }),
  );
}

/** file_create(DIRECTORY): creates a directory. */
export function mkdirAt(dir: Dir, path: Uint8Array | string): MaybePromise<number> {
  const backend: B = dir.backend;
  return errno(
    walk<unknown, number>(backend, dir.handle, path, (d, name) =>
      name === null ? Errno.EEXIST : backend.mkdir(d, name),
    ),
  );
}

/**
 * Legacy sock_bind: creates the socket name `path` for `listener`. An existing name (a dangling
 * symlink included: bind never follows one) is EADDRINUSE.
 */
export function bindAt(
  dir: Dir,
  path: Uint8Array | string,
  listener: SocketListener,
): MaybePromise<SocketBinding | Err> {
  const backend: B = dir.backend;
  return walk<unknown, SocketBinding>(backend, dir.handle, path, (d, name, mustBeDir) => {
    if (name === null) return err(Errno.EADDRINUSE);
    if (mustBeDir)
      return andThen(backend.lstat(d, name), (t) => (isErr(t) ? err(Errno.ENOENT) : err(Errno.EADDRINUSE)));
    return backend.bindSocket(d, name, listener);
  });
}

/**
 * Legacy sock_connect: connects to the socket bound at `path` (symlinks are followed, as
 * FreeBSD's connect does, within the sandbox). A directory is ENOTSOCK.
 */
export function connectAt(
  dir: Dir,
  path: Uint8Array | string,
  filetype: number,
): MaybePromise<FdObject | Err> {
  const backend: B = dir.backend;
  return walk<unknown, FdObject>(backend, dir.handle, path, (d, name, mustBeDir) => {
    if (name === null) return err(Errno.ENOTSOCK);
    if (mustBeDir) {
      return andThen(backend.lstat(d, name), (st) => {
        if (isErr(st)) return st;
        if (isLinkStat(st)) return FOLLOW;
        return isDirStat(st) ? err(Errno.ENOTSOCK) : err(Errno.ENOTDIR);
      });
    }
    return andThen(backend.connectSocket(d, name, filetype), (r) => {
      if (isErr(r) && r.errno === Errno.ELOOP) return FOLLOW;
      return r;
    });
  });
}

/** file_unlink: removes a non-directory, or (with `removeDir`) an empty directory. */
export function unlinkAt(dir: Dir, path: Uint8Array | string, removeDir: boolean): MaybePromise<number> {
  const backend: B = dir.backend;
  return errno(
    walk<unknown, number>(backend, dir.handle, path, (d, name, mustBeDir) => {
      if (name === null) return removeDir ? Errno.EINVAL : Errno.EPERM;
      if (!mustBeDir) return backend.unlink(d, name, removeDir);
      return andThen(backend.lstat(d, name), (st) => {
        if (isErr(st)) return st.errno;
        if (!isDirStat(st)) return Errno.ENOTDIR;
        return removeDir ? backend.unlink(d, name, true) : Errno.EPERM;
      });
    }),
  );
}

/** file_rename. Both directories must belong to the same backend (EXDEV otherwise). */
export function renameAt(
  fromDir: Dir,
  from: Uint8Array | string,
  toDir: Dir,
  to: Uint8Array | string,
): MaybePromise<number> {
  const backend: B = fromDir.backend;
  return errno(
    walk<unknown, number>(backend, fromDir.handle, from, (d1, n1, slash1) => {
      if (n1 === null) return Errno.EINVAL;
      return andThen(backend.lstat(d1, n1), (st) => {
        if (isErr(st)) return st.errno;
        const srcDir = isDirStat(st);
        if (slash1 && !srcDir) return Errno.ENOTDIR;
        if (toDir.backend !== backend) return Errno.EXDEV;
        return errno(
          walk<unknown, number>(backend, toDir.handle, to, (d2, n2, slash2) => {
            if (n2 === null) return Errno.EINVAL;
            if (slash2 && !srcDir) return Errno.ENOTDIR;
            return backend.rename(d1, n1, d2, n2);
          }),
        );
      });
    }),
  );
}

/** file_link: a new name `to` for the file at `from` (a directory is EPERM). */
export function linkAt(
  fromDir: Dir,
  from: Uint8Array | string,
  follow: boolean,
  toDir: Dir,
  to: Uint8Array | string,
): MaybePromise<number> {
  const backend: B = fromDir.backend;
  return errno(
    walk<unknown, number>(backend, fromDir.handle, from, (d1, n1, slash1) => {
      if (n1 === null) return Errno.EPERM;
      return andThen(backend.lstat(d1, n1), (st) => {
        if (isErr(st)) return st.errno;
        if (isLinkStat(st) && (follow || slash1)) return FOLLOW;
        if (isDirStat(st)) return Errno.EPERM;
        if (slash1) return Errno.ENOTDIR;
        if (toDir.backend !== backend) return Errno.EXDEV;
        return errno(
          walk<unknown, number>(backend, toDir.handle, to, (d2, n2, slash2) => {
            if (n2 === null) return Errno.EEXIST;
            if (slash2)
              return andThen(backend.lstat(d2, n2), (t) => (isErr(t) ? Errno.ENOENT : Errno.EEXIST));
            return backend.link(d1, n1, d2, n2);
          }),
        );
      });
    }),
  );
}

const pathDecoder = new TextDecoder('utf-8', { fatal: true });

/** file_symlink: creates `path` as a symlink whose target text is `target` (not resolved now). */
export function symlinkAt(
  target: Uint8Array | string,
  dir: Dir,
  path: Uint8Array | string,
): MaybePromise<number> {
  let text: string;
  if (typeof target === 'string') {
    text = target;
  } else {
    if (target.length >= PATH_MAX) return Errno.ENAMETOOLONG;
    if (target.includes(0)) return Errno.EINVAL;
    try {
      text = pathDecoder.decode(target);
    } catch {
      return Errno.EILSEQ;
    }
  }
  if (text.includes('\0')) return Errno.EINVAL;
  if (text.length === 0) return Errno.ENOENT;
  const backend: B = dir.backend;
  return errno(
    walk<unknown, number>(backend, dir.handle, path, (d, name, mustBeDir) => {
      if (name === null) return Errno.EEXIST;
      if (mustBeDir) return andThen(backend.lstat(d, name), (t) => (isErr(t) ? Errno.ENOENT : Errno.EEXIST));
      return backend.symlink(text, d, name);
    }),
  );
}

/** file_readlink: the target text of a symlink. */
export function readlinkAt(dir: Dir, path: Uint8Array | string): MaybePromise<string | Err> {
  const backend: B = dir.backend;
  return walk<unknown, string>(backend, dir.handle, path, (d, name, mustBeDir) => {
    if (name === null) return err(Errno.EINVAL);
    if (!mustBeDir) return backend.readlink(d, name);
    return andThen(backend.lstat(d, name), (st) => {
      if (isErr(st)) return st;
      return isDirStat(st) || isLinkStat(st) ? err(Errno.EINVAL) : err(Errno.ENOTDIR);
    });
  });
}

/** file_stat_get: attributes of the file at `path`. */
export function statAt(dir: Dir, path: Uint8Array | string, follow: boolean): MaybePromise<FileStat | Err> {
  const backend: B = dir.backend;
  return walk<unknown, FileStat>(backend, dir.handle, path, (d, name, mustBeDir) =>
    andThen(backend.lstat(d, name), (st) => {
      if (isErr(st) || name === null) return st;
      if (isLinkStat(st) && (follow || mustBeDir)) return FOLLOW;
      if (mustBeDir && !isDirStat(st)) return err(Errno.ENOTDIR);
      return st;
    }),
  );
}

/** file_stat_put: sets timestamps of the file at `path`. */
export function utimesAt(
  dir: Dir,
  path: Uint8Array | string,
  follow: boolean,
  atim: TimeUpdate,
  mtim: TimeUpdate,
): MaybePromise<number> {
  const backend: B = dir.backend;
  return errno(
    walk<unknown, number>(backend, dir.handle, path, (d, name, mustBeDir) => {
      if (name === null) return backend.utimes(d, null, atim, mtim);
      return andThen(backend.lstat(d, name), (st) => {
        if (isErr(st)) return st.errno;
        if (isLinkStat(st) && (follow || mustBeDir)) return FOLLOW;
        if (mustBeDir && !isDirStat(st)) return Errno.ENOTDIR;
        return backend.utimes(d, name, atim, mtim);
      });
    }),
  );
}

/** Closes an object no fd refers to yet. */
export function dispose(object: FdObject): void {
  object.retain();
  object.release();
}

function errno(r: MaybePromise<number | Err>): MaybePromise<number> {
  return andThen(r, (v) => (isErr(v) ? v.errno : v));
}

/** Size of the fixed part of a dirent record (spec: struct `dirent`, digest §2.7). */
export const DIRENT_SIZE = 24;

const nameEncoder = new TextEncoder();

/**
 * Packs directory entries for file_readdir: `dirent` headers each followed by the name, filling
 * `bufLen` completely while entries remain, the last record cut short (digest §6.2 item 15).
 */
export function packDirents(
  entries: readonly { name: string; ino: bigint; filetype: number; next: bigint }[],
  bufLen: number,
): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (const e of entries) {
    if (total >= bufLen) break;
    const name = nameEncoder.encode(e.name);
    const rec = new Uint8Array(DIRENT_SIZE + name.length);
    const dv = new DataView(rec.buffer);
    dv.setBigUint64(0, e.next, true);
    dv.setBigUint64(8, e.ino, true);
    dv.setUint32(16, name.length, true);
    rec[20] = e.filetype;
    rec.set(name, DIRENT_SIZE);
    chunks.push(rec);
    total += rec.length;
  }
  const out = new Uint8Array(Math.min(total, bufLen));
  let at = 0;
  for (const c of chunks) {
    const n = Math.min(c.length, out.length - at);
    out.set(c.subarray(0, n), at);
    at += n;
  }
  return out;
}
