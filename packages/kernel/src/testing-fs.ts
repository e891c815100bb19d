/**
 * The host backend conformance suite (`@cabi/kernel/testing`): one set of scripted file-system
 * cases every backend must pass with the same answers, errno for errno, plus the path-sandbox
 * cases (hostile path shapes × every path operation) that must never reach outside the
 * granted directory.
 *
 * A backend is tested through a {@link FsFixture}: a granted directory (the guest's view) next
 * to an "outside" tree the guest must never read or change, and a guard that records any
 * backend call whose directory handle lies outside the granted directory.
 */
import { Errno, errnoName, Filetype } from './abi.js';
import { type Err, isErr, type MaybePromise } from './errors.js';
import type { FdObject, FileStat } from './fd-object.js';
import {
  MemoryBackend,
  MemoryDirectory,
  MemoryFifo,
  MemoryRegularFile,
  MemorySocket,
  MemorySymlink,
} from './host-memory/index.js';
import { UnixSocketFd } from './sock/unix.js';
import { andThen, whenReady } from './syscalls/common.js';
import type {
  HostBackend,
  HostDirEntry,
  HostFile,
  HostOpenFlags,
  SocketBinding,
  SocketListener,
  TimeUpdate,
} from './vfs/backend.js';
import type { FifoOpener } from './vfs/fifo.js';
import { DirectoryFd, FileFd } from './vfs/objects.js';
import {
  bindAt,
  connectAt,
  dispose,
  linkAt,
  mkdirAt,
  mkfifoAt,
  type OpenRequest,
  openAt,
  packDirents,
  readlinkAt,
  renameAt,
  statAt,
  symlinkAt,
  unlinkAt,
  utimesAt,
} from './vfs/ops.js';

/** The content of the file outside the granted directory; no result may ever contain it. */
export const OUTSIDE_SECRET = 'SECRET-OUTSIDE-THE-SANDBOX';

/** A backend prepared for the suite. */
export interface FsFixture {
  /** The granted directory. */
  readonly root: DirectoryFd;
  /** A description of everything outside the granted directory (compared before and after). */
  outside(): string;
  /** Backend calls that named a directory outside the granted one (must stay empty). */
  readonly violations: string[];
  /** Releases host resources. */
  dispose(): void;
}

/** Makes a fresh fixture for each case. */
export type FsFixtureFactory = () => FsFixture | Promise<FsFixture>;

/**
 * Wraps a backend so that every call naming a directory handle is checked with `inside`;
 * calls on handles outside are recorded in `violations` (and still performed, so the test can
 * also see the effect).
 */
export class GuardedBackend<D> implements HostBackend<D> {
  readonly name: string;
  readonly violations: string[] = [];
  constructor(
    readonly inner: HostBackend<D>,
    private readonly inside: (dir: D) => boolean,
  ) {
    this.name = `guarded ${inner.name}`;
  }
  private check(op: string, ...dirs: D[]): void {
    for (const d of dirs) if (!this.inside(d)) this.violations.push(`${op} on a directory outside the grant`);
  }
  lstat(dir: D, name: string | null): MaybePromise<FileStat | Err> {
    this.check('lstat', dir);
    return this.inner.lstat(dir, name);
  }
  openDir(dir: D, name: string): MaybePromise<D | Err> {
    this.check('openDir', dir);
    return this.inner.openDir(dir, name);
  }
  dupDir(dir: D): MaybePromise<D | Err> {
    this.check('dupDir', dir);
    return this.inner.dupDir(dir);
  }
  closeDir(dir: D): void {
    this.inner.closeDir(dir);
  }
  openFile(dir: D, name: string, flags: HostOpenFlags): MaybePromise<HostFile | Err> {
    this.check('openFile', dir);
    return this.inner.openFile(dir, name, flags);
  }
  readlink(dir: D, name: string): MaybePromise<string | Err> {
    this.check('readlink', dir);
    return this.inner.readlink(dir, name);
  }
  mkdir(dir: D, name: string): MaybePromise<number> {
    this.check('mkdir', dir);
    return this.inner.mkdir(dir, name);
  }
  unlink(dir: D, name: string, directory: boolean): MaybePromise<number> {
    this.check('unlink', dir);
    return this.inner.unlink(dir, name, directory);
  }
  rename(fromDir: D, from: string, toDir: D, to: string): MaybePromise<number> {
    this.check('rename', fromDir, toDir);
    return this.inner.rename(fromDir, from, toDir, to);
  }
  link(fromDir: D, from: string, toDir: D, to: string): MaybePromise<number> {
    this.check('link', fromDir, toDir);
    return this.inner.link(fromDir, from, toDir, to);
  }
  symlink(target: string, dir: D, name: string): MaybePromise<number> {
    this.check('symlink', dir);
    return this.inner.symlink(target, dir, name);
  }
  readdir(dir: D): MaybePromise<HostDirEntry[] | Err> {
    this.check('readdir', dir);
    return this.inner.readdir(dir);
  }
  utimes(dir: D, name: string | null, atim: TimeUpdate, mtim: TimeUpdate): MaybePromise<number> {
    this.check('utimes', dir);
    return this.inner.utimes(dir, name, atim, mtim);
  }
  syncDir(dir: D): MaybePromise<number> {
    this.check('syncDir', dir);
    return this.inner.syncDir(dir);
  }
  mkfifo(dir: D, name: string): MaybePromise<number> {
    this.check('mkfifo', dir);
    return this.inner.mkfifo(dir, name);
  }
  fifo(dir: D, name: string): MaybePromise<FifoOpener | null> {
    this.check('fifo', dir);
    return this.inner.fifo(dir, name);
  }
  bindSocket(dir: D, name: string, listener: SocketListener): MaybePromise<SocketBinding | Err> {
    this.check('bindSocket', dir);
    return this.inner.bindSocket(dir, name, listener);
  }
  connectSocket(dir: D, name: string, filetype: number): MaybePromise<FdObject | Err> {
    this.check('connectSocket', dir);
    return this.inner.connectSocket(dir, name, filetype);
  }
}

/**
 * A fixture over the memory backend: `/outside/secret`, `/outside/dir/` and the granted
 * `/jail/`.
 */
export function memoryFixture(): FsFixture {
  const backend = new MemoryBackend({ now: fixedClock() });
  const root = backend.root;
  backend.mkdir(root, 'outside');
  backend.mkdir(root, 'jail');
  const outside = backend.openDir(root, 'outside') as MemoryDirectory;
  const jail = backend.openDir(root, 'jail') as MemoryDirectory;
  const secret = backend.openFile(outside, 'secret', {
    read: true,
    write: true,
    create: true,
    exclusive: true,
    truncate: false,
  }) as HostFile;
  secret.pwrite(new TextEncoder().encode(OUTSIDE_SECRET), 0);
  backend.mkdir(outside, 'dir');
  const inside = (d: MemoryDirectory): boolean => {
    for (let x = d; ; x = x.parent) {
      if (x === jail) return true;
      if (x.parent === x) return false;
    }
  };
  const guarded = new GuardedBackend(backend, inside);
  return {
    root: new DirectoryFd<MemoryDirectory>(guarded, jail),
    outside: () => describeMemory(outside),
    violations: guarded.violations,
    dispose: () => {},
  };
}

/** A deterministic clock for the memory backend in tests (advances 1 µs per reading). */
function fixedClock(): () => bigint {
  let t = 1_600_000_000_000_000_000n;
  return () => {
    t += 1000n;
    return t;
  };
}

function describeMemory(dir: MemoryDirectory, prefix = ''): string {
  const lines: string[] = [];
  for (const [name, e] of [...dir.entries].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const n = e.inode;
    if (n instanceof MemoryDirectory) {
      lines.push(`${prefix}${name}/ m=${n.mtim}`);
      lines.push(describeMemory(n, `${prefix}${name}/`));
    } else if (n instanceof MemoryRegularFile) {
      lines.push(
        `${prefix}${name} ${new TextDecoder().decode(n.data.subarray(0, n.length))} m=${n.mtim} a=${n.atim}`,
      );
    } else if (n instanceof MemorySymlink) {
      lines.push(`${prefix}${name} -> ${n.target}`);
    } else if (n instanceof MemoryFifo || n instanceof MemorySocket) {
      lines.push(`${prefix}${name} (${n instanceof MemoryFifo ? 'fifo' : 'socket'})`);
    }
  }
  return lines.filter((l) => l !== '').join('\n');
}

// ---- the scripted operations -----------------------------------------------------------------

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Records one line per operation: what was done and what came back. */
export class Transcript {
  readonly lines: string[] = [];
  constructor(readonly fixture: FsFixture) {}
  get root(): DirectoryFd {
    return this.fixture.root;
  }
  log(line: string): void {
    this.lines.push(line);
  }
}

function show(r: number | Err | object | string): string {
  if (typeof r === 'number') return r === Errno.SUCCESS ? 'ok' : errnoName(r);
  if (isErr(r)) return errnoName(r.errno);
  return 'ok';
}

/** Access of a test open. */
export type Access = 'r' | 'w' | 'rw';

function request(access: Access, flags: Partial<OpenRequest> = {}): OpenRequest {
  return {
    follow: true,
    create: false,
    directory: false,
    exclusive: false,
    truncate: false,
    read: access !== 'w',
    write: access !== 'r',
    ...flags,
  };
}

/** Opens, logs the answer and returns the object (or null). */
export async function open(
  t: Transcript,
  path: string | Uint8Array,
  access: Access,
  flags: Partial<OpenRequest> = {},
  dir: DirectoryFd = t.root,
): Promise<FdObject | null> {
  const r = await openAt(dir, path, request(access, flags));
  const kind = isErr(r) ? '' : r instanceof DirectoryFd ? ' dir' : ' file';
  t.log(`open ${label(path)} ${access} ${JSON.stringify(flags)} = ${show(r)}${kind}`);
  if (isErr(r)) return null;
  r.retain();
  return r;
}

/** Releases an object from {@link open}. */
export function close(o: FdObject | null): void {
  o?.release();
}

function label(path: string | Uint8Array): string {
  const s = typeof path === 'string' ? path : dec.decode(path);
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 20)}…(${s.length})` : s);
}

/** Writes a whole file through open(CREAT|TRUNC) + write. */
export async function writeFile(t: Transcript, path: string, text: string): Promise<void> {
  const f = await open(t, path, 'w', { create: true, truncate: true });
  if (!f) return;
  const n = await f.write(enc.encode(text));
  t.log(`write ${label(path)} = ${isErr(n) ? show(n) : n}`);
  close(f);
}

/** Reads a whole file (logging its text). */
export async function readFile(t: Transcript, path: string, follow = true): Promise<string | null> {
  const f = await open(t, path, 'r', { follow });
  if (!f) return null;
  const r = await f.pread(1 << 16, 0);
  const text = isErr(r) ? null : dec.decode(r);
  t.log(`read ${label(path)} = ${isErr(r) ? show(r) : JSON.stringify(text)}`);
  close(f);
  return text;
}

/** Logs a stat in a backend-independent form (type, size, link count of non-directories). */
export async function stat(t: Transcript, path: string | Uint8Array, follow = true): Promise<void> {
  const st = await statAt(t.root, path, follow);
  t.log(`stat ${label(path)} ${follow ? 'follow' : 'nofollow'} = ${describeStat(st)}`);
}

function describeStat(st: FileStat | Err): string {
  if (isErr(st)) return show(st);
  const type = filetypeName(st.filetype);
  if (st.filetype === Filetype.DIRECTORY) return type;
  return `${type} size=${st.size} nlink=${st.nlink}`;
}

function filetypeName(ft: number): string {
  for (const [k, v] of Object.entries(Filetype)) if (v === ft) return k;
  return String(ft);
}

/** Lists a directory through readdir (names with types, sorted; "." and ".." included). */
export async function list(t: Transcript, path: string): Promise<void> {
  const d = await open(t, path, 'r', { directory: true });
  if (!(d instanceof DirectoryFd)) return;
  const r = await d.entries(0n);
  t.log(
    `list ${label(path)} = ${
      isErr(r)
        ? show(r)
        : r
            .map((e) => `${e.name}:${filetypeName(e.filetype)}`)
            .sort()
            .join(' ')
    }`,
  );
  close(d);
}

async function op(
  t: Transcript,
  what: string,
  r: MaybePromise<number | Err | string | object>,
): Promise<void> {
  const v = await r;
  t.log(`${what} = ${typeof v === 'string' ? JSON.stringify(v) : show(v as number | Err | object)}`);
}

/** A scripted conformance case. */
export interface FsCase {
  name: string;
  run(t: Transcript): Promise<void>;
  /** Lines the transcript must equal exactly (otherwise only cross-backend equality is checked). */
  expect?: readonly string[];
}

/** The standard tree the cases start from (built through the kernel's own operations). */
export async function buildTree(t: Transcript): Promise<void> {
  const q: Transcript = new Transcript(t.fixture);
  await mkdirAt(t.root, 'd');
  await mkdirAt(t.root, 'd/sub');
  await mkdirAt(t.root, 'empty');
  await writeFile(q, 'f', 'file-f');
  await writeFile(q, 'd/g', 'file-g');
  await symlinkAt('d', t.root, 'dlink');
  await symlinkAt('f', t.root, 'flink');
  await symlinkAt('missing', t.root, 'dangling');
  await symlinkAt('..', t.root, 'up');
  await symlinkAt('../outside/secret', t.root, 'esc');
  await symlinkAt('d/../../outside', t.root, 'deep');
  await symlinkAt('/etc/passwd', t.root, 'abs');
  await symlinkAt('loop2', t.root, 'loop1');
  await symlinkAt('loop1', t.root, 'loop2');
  await symlinkAt('self', t.root, 'self');
  await symlinkAt('dlink/../up', t.root, 'chain');
  await symlinkAt('../../outside/secret', t.root, 'd/esc2');
  await symlinkAt('..', t.root, 'd/parent');
}

const A255 = 'a'.repeat(255);
const A256 = 'a'.repeat(256);

/** The semantic cases (answers checked across backends; many also against exact expectations). */
export function semanticCases(): FsCase[] {
  const cases: FsCase[] = [];
  const add = (name: string, run: (t: Transcript) => Promise<void>, expect?: string[]): void => {
    cases.push(expect ? { name, run, expect } : { name, run });
  };
  add(
    'create, write, read back',
    async (t) => {
      await writeFile(t, 'new', 'hello');
      await readFile(t, 'new');
      await stat(t, 'new');
    },
    [
      'open "new" w {"create":true,"truncate":true} = ok file',
      'write "new" = 5',
      'open "new" r {"follow":true} = ok file',
      'read "new" = "hello"',
      'stat "new" follow = REGULAR_FILE size=5 nlink=1',
    ],
  );
  add(
    'O_EXCL, O_TRUNC, O_DIRECTORY, directories opened for writing',
    async (t) => {
      close(await open(t, 'f', 'w', { create: true, exclusive: true }));
      close(await open(t, 'f', 'rw', { truncate: true }));
      await stat(t, 'f');
      close(await open(t, 'f', 'r', { directory: true }));
      close(await open(t, 'd', 'w'));
      close(await open(t, 'd', 'r'));
      close(await open(t, 'd', 'r', { create: true }));
      close(await open(t, 'd', 'r', { create: true, exclusive: true }));
      close(await open(t, 'nope', 'r'));
      close(await open(t, 'nope/x', 'r', { create: true }));
      close(await open(t, 'f/x', 'r'));
    },
    [
      'open "f" w {"create":true,"exclusive":true} = EEXIST',
      'open "f" rw {"truncate":true} = ok file',
      'stat "f" follow = REGULAR_FILE size=0 nlink=1',
      'open "f" r {"directory":true} = ENOTDIR',
      'open "d" w {} = EISDIR',
      'open "d" r {} = ok dir',
      'open "d" r {"create":true} = EISDIR',
      'open "d" r {"create":true,"exclusive":true} = EEXIST',
      'open "nope" r {} = ENOENT',
      'open "nope/x" r {"create":true} = ENOENT',
      'open "f/x" r {} = ENOTDIR',
    ],
  );
  add(
    'symlinks: follow, nofollow (ELOOP), dangling create, loops',
    async (t) => {
      await readFile(t, 'flink');
      await readFile(t, 'flink', false);
      await stat(t, 'flink', false);
      await stat(t, 'dlink/g');
      await op(t, 'readlink flink', readlinkAt(t.root, 'flink'));
      await op(t, 'readlink f', readlinkAt(t.root, 'f'));
      await writeFile(t, 'dangling', 'made');
      await readFile(t, 'missing');
      await stat(t, 'loop1');
      await stat(t, 'loop1', false);
      await stat(t, 'self/x');
      close(await open(t, 'dlink', 'r', { directory: true, follow: false }));
      close(await open(t, 'dlink/', 'r', { follow: false }));
    },
    [
      'open "flink" r {"follow":true} = ok file',
      'read "flink" = "file-f"',
      'open "flink" r {"follow":false} = ELOOP',
      'stat "flink" nofollow = SYMBOLIC_LINK size=1 nlink=1',
      'stat "dlink/g" follow = REGULAR_FILE size=6 nlink=1',
      'readlink flink = "f"',
      'readlink f = EINVAL',
      'open "dangling" w {"create":true,"truncate":true} = ok file',
      'write "dangling" = 4',
      'open "missing" r {"follow":true} = ok file',
      'read "missing" = "made"',
      'stat "loop1" follow = ELOOP',
      'stat "loop1" nofollow = SYMBOLIC_LINK size=5 nlink=1',
      'stat "self/x" follow = ELOOP',
      'open "dlink" r {"directory":true,"follow":false} = ELOOP',
      'open "dlink/" r {"follow":false} = ok dir',
    ],
  );
  add(
    'mkdir, unlink, rmdir',
    async (t) => {
      await op(t, 'mkdir d', mkdirAt(t.root, 'd'));
      await op(t, 'mkdir new/', mkdirAt(t.root, 'new/'));
      await op(t, 'mkdir .', mkdirAt(t.root, '.'));
      await op(t, 'mkdir x/y', mkdirAt(t.root, 'x/y'));
      await op(t, 'unlink d', unlinkAt(t.root, 'd', false));
      await op(t, 'rmdir d', unlinkAt(t.root, 'd', true));
      await op(t, 'rmdir f', unlinkAt(t.root, 'f', true));
      await op(t, 'rmdir dlink', unlinkAt(t.root, 'dlink', true));
      await op(t, 'rmdir dlink/', unlinkAt(t.root, 'dlink/', true));
      await op(t, 'unlink f/', unlinkAt(t.root, 'f/', false));
      await op(t, 'unlink dlink', unlinkAt(t.root, 'dlink', false));
      await op(t, 'unlink dlink', unlinkAt(t.root, 'dlink', false));
      await op(t, 'rmdir empty/', unlinkAt(t.root, 'empty/', true));
      await op(t, 'rmdir .', unlinkAt(t.root, '.', true));
      await op(t, 'unlink missing', unlinkAt(t.root, 'missing', false));
      await list(t, '.');
    },
    [
      'mkdir d = EEXIST',
      'mkdir new/ = ok',
      'mkdir . = EEXIST',
      'mkdir x/y = ENOENT',
      'unlink d = EPERM',
      'rmdir d = ENOTEMPTY',
      'rmdir f = ENOTDIR',
      'rmdir dlink = ENOTDIR',
      'rmdir dlink/ = ENOTDIR',
      'unlink f/ = ENOTDIR',
      'unlink dlink = ok',
      'unlink dlink = ENOENT',
      'rmdir empty/ = ok',
      'rmdir . = EINVAL',
      'unlink missing = ENOENT',
      'open "." r {"directory":true} = ok dir',
      'list "." = ..:DIRECTORY .:DIRECTORY abs:SYMBOLIC_LINK chain:SYMBOLIC_LINK d:DIRECTORY dangling:SYMBOLIC_LINK deep:SYMBOLIC_LINK esc:SYMBOLIC_LINK f:REGULAR_FILE flink:SYMBOLIC_LINK loop1:SYMBOLIC_LINK loop2:SYMBOLIC_LINK new:DIRECTORY self:SYMBOLIC_LINK up:SYMBOLIC_LINK',
    ],
  );
  add(
    'rename',
    async (t) => {
      await op(t, 'rename f -> f2', renameAt(t.root, 'f', t.root, 'f2'));
      await readFile(t, 'f2');
      await op(t, 'rename f2 -> d/g', renameAt(t.root, 'f2', t.root, 'd/g'));
      await readFile(t, 'd/g');
      await op(t, 'rename d/g -> empty', renameAt(t.root, 'd/g', t.root, 'empty'));
      await op(t, 'rename empty -> d/g', renameAt(t.root, 'empty', t.root, 'd/g'));
      await op(t, 'rename d -> d/sub/x', renameAt(t.root, 'd', t.root, 'd/sub/x'));
      await op(t, 'rename empty -> d', renameAt(t.root, 'empty', t.root, 'd'));
      await op(t, 'rename d/sub -> empty', renameAt(t.root, 'd/sub', t.root, 'empty'));
      await op(t, 'rename d/g -> x/', renameAt(t.root, 'd/g', t.root, 'x/'));
      await op(t, 'rename missing -> x', renameAt(t.root, 'missing', t.root, 'x'));
      await op(t, 'rename . -> x', renameAt(t.root, '.', t.root, 'x'));
      await op(t, 'rename dlink -> dl2', renameAt(t.root, 'dlink', t.root, 'dl2'));
      await stat(t, 'dl2/g');
      await op(t, 'rename d/g -> d/g', renameAt(t.root, 'd/g', t.root, 'd/g'));
    },
    [
      'rename f -> f2 = ok',
      'open "f2" r {"follow":true} = ok file',
      'read "f2" = "file-f"',
      'rename f2 -> d/g = ok',
      'open "d/g" r {"follow":true} = ok file',
      'read "d/g" = "file-f"',
      'rename d/g -> empty = EISDIR',
      'rename empty -> d/g = ENOTDIR',
      'rename d -> d/sub/x = EINVAL',
      'rename empty -> d = ENOTEMPTY',
      'rename d/sub -> empty = ok',
      'rename d/g -> x/ = ENOTDIR',
      'rename missing -> x = ENOENT',
      'rename . -> x = EINVAL',
      'rename dlink -> dl2 = ok',
      'stat "dl2/g" follow = REGULAR_FILE size=6 nlink=1',
      'rename d/g -> d/g = ok',
    ],
  );
  add(
    'link and symlink',
    async (t) => {
      await op(t, 'link f -> f2', linkAt(t.root, 'f', false, t.root, 'f2'));
      await stat(t, 'f');
      await op(t, 'link f -> d/g', linkAt(t.root, 'f', false, t.root, 'd/g'));
      await op(t, 'link d -> d2', linkAt(t.root, 'd', false, t.root, 'd2'));
      await op(t, 'link flink -> fl2 (nofollow)', linkAt(t.root, 'flink', false, t.root, 'fl2'));
      await stat(t, 'fl2', false);
      await op(t, 'link flink -> f3 (follow)', linkAt(t.root, 'flink', true, t.root, 'f3'));
      await stat(t, 'f3', false);
      await op(t, 'link f -> new/', linkAt(t.root, 'f', false, t.root, 'new/'));
      await op(t, 'symlink x -> f', symlinkAt('x', t.root, 'f'));
      await op(t, 'symlink "" -> s', symlinkAt('', t.root, 's'));
      await op(t, 'symlink /abs -> s', symlinkAt('/abs/target', t.root, 's'));
      await op(t, 'readlink s', readlinkAt(t.root, 's'));
      await stat(t, 's');
      await op(t, 'symlink x -> s2/', symlinkAt('x', t.root, 's2/'));
    },
    [
      'link f -> f2 = ok',
      'stat "f" follow = REGULAR_FILE size=6 nlink=2',
      'link f -> d/g = EEXIST',
      'link d -> d2 = EPERM',
      'link flink -> fl2 (nofollow) = ok',
      'stat "fl2" nofollow = SYMBOLIC_LINK size=1 nlink=2',
      'link flink -> f3 (follow) = ok',
      'stat "f3" nofollow = REGULAR_FILE size=6 nlink=3',
      'link f -> new/ = ENOENT',
      'symlink x -> f = EEXIST',
      'symlink "" -> s = ENOENT',
      'symlink /abs -> s = ok',
      'readlink s = "/abs/target"',
      'stat "s" follow = ENOTCAPABLE',
      'symlink x -> s2/ = ENOENT',
    ],
  );
  add(
    'names and path lengths',
    async (t) => {
      await writeFile(t, A255, 'long');
      await writeFile(t, A256, 'too long');
      await stat(t, `d/../${A255}`);
      const deep = `${'./'.repeat(510)}f`;
      await stat(t, deep);
      await stat(t, `${'./'.repeat(511)}ff`);
      await stat(t, 'f\0');
      await stat(t, '');
      await stat(t, new Uint8Array([0xff, 0xfe]));
      await stat(t, 'd//g');
      await stat(t, 'd/./g/');
      await stat(t, 'd/g/.');
    },
    [
      `open "${A255.slice(0, 20)}…(255)" w {"create":true,"truncate":true} = ok file`,
      `write "${A255.slice(0, 20)}…(255)" = 4`,
      `open "${A256.slice(0, 20)}…(256)" w {"create":true,"truncate":true} = ENAMETOOLONG`,
      `stat "d/../${A255.slice(0, 15)}…(260)" follow = REGULAR_FILE size=4 nlink=1`,
      'stat "././././././././././…(1021)" follow = REGULAR_FILE size=6 nlink=1',
      'stat "././././././././././…(1024)" follow = ENAMETOOLONG',
      'stat "f\\u0000" follow = EINVAL',
      'stat "" follow = ENOENT',
      'stat "\ufffd\ufffd" follow = EILSEQ',
      'stat "d//g" follow = REGULAR_FILE size=6 nlink=1',
      'stat "d/./g/" follow = ENOTDIR',
      'stat "d/g/." follow = ENOTDIR',
    ],
  );
  add(
    'file data: append, truncate, extend, allocate, seek',
    async (t) => {
      const f = await open(t, 'f', 'rw');
      if (!(f instanceof FileFd)) return;
      f.fdflags = 1; // APPEND
      t.log(`append = ${String(await f.write(enc.encode('+more')))}`);
      f.fdflags = 0;
      t.log(`seek end = ${String(await f.seek(0, 2))}`);
      t.log(`truncate 3 = ${show(await f.truncate(3))}`);
      t.log(`pread = ${JSON.stringify(dec.decode((await f.pread(100, 0)) as Uint8Array))}`);
      t.log(`truncate 8 = ${show(await f.truncate(8))}`);
      t.log(`pread = ${JSON.stringify([...((await f.pread(100, 0)) as Uint8Array)])}`);
      t.log(`allocate = ${show(await f.allocate(0, 20))}`);
      t.log(`pwrite at 30 = ${String(await f.pwrite(enc.encode('z'), 30))}`);
      const st = (await f.stat()) as FileStat;
      t.log(`size = ${st.size}`);
      t.log(`pread past end = ${((await f.pread(10, 100)) as Uint8Array).length}`);
      t.log(`seek -1 = ${show((await f.seek(-100, 1)) as Err)}`);
      close(f);
    },
    [
      'open "f" rw {} = ok file',
      'append = 5',
      'seek end = 11',
      'truncate 3 = ok',
      'pread = "fil"',
      'truncate 8 = ok',
      'pread = [102,105,108,0,0,0,0,0]',
      'allocate = ok',
      'pwrite at 30 = 1',
      'size = 31',
      'pread past end = 0',
      'seek -1 = EINVAL',
    ],
  );
  add(
    'timestamps',
    async (t) => {
      const a = 1_500_000_000_500_000_000n;
      const m = 1_400_000_000_250_000_000n;
      await op(t, 'utimes f', utimesAt(t.root, 'f', true, a, m));
      const st = (await statAt(t.root, 'f', true)) as FileStat;
      t.log(`times ${st.atim === a} ${st.mtim === m}`);
      await op(t, 'utimes flink nofollow mtime only', utimesAt(t.root, 'flink', false, null, m));
      const ln = (await statAt(t.root, 'flink', false)) as FileStat;
      const after = (await statAt(t.root, 'f', true)) as FileStat;
      t.log(`link mtime ${ln.mtim === m}; file atime kept ${after.atim === a}`);
      await op(t, 'utimes missing', utimesAt(t.root, 'missing', true, a, m));
      await op(t, 'utimes .', utimesAt(t.root, '.', true, a, m));
      const now = BigInt(Date.now()) * 1_000_000n;
      await op(t, 'utimes d now', utimesAt(t.root, 'd', true, 'now', 'now'));
      const d = (await statAt(t.root, 'd', true)) as FileStat;
      t.log(
        `now applied ${d.mtim !== m && d.mtim > 0n && (d.mtim >= now - 10n ** 12n || d.mtim < 2_000_000_000_000_000_000n)}`,
      );
    },
    [
      'utimes f = ok',
      'times true true',
      'utimes flink nofollow mtime only = ok',
      'link mtime true; file atime kept true',
      'utimes missing = ENOENT',
      'utimes . = ok',
      'utimes d now = ok',
      'now applied true',
    ],
  );
  add(
    'readdir: cookies, ".", "..", exact buffer filling',
    async (t) => {
      const d = await open(t, 'd', 'r', { directory: true });
      if (!(d instanceof DirectoryFd)) return;
      const all = (await d.entries(0n)) as Awaited<ReturnType<DirectoryFd['entries']>>;
      if (isErr(all)) return;
      t.log(
        `names ${all
          .map((e) => e.name)
          .sort()
          .join(',')}`,
      );
      const packed = packDirents(all, 1 << 16);
      const total = packed.length;
      t.log(`total bytes ${total}`);
      // Every buffer size below the total is filled completely.
      let full = true;
      for (let n = 1; n < total; n++) if (packDirents(all, n).length !== n) full = false;
      t.log(`filled completely ${full}`);
      // Resuming from each cookie gives the rest of the listing.
      let resumed = true;
      for (let i = 0; i < all.length; i++) {
        const rest = (await d.entries((all[i] as { next: bigint }).next)) as { name: string }[];
        if (
          rest.map((e) => e.name).join() !==
          all
            .slice(i + 1)
            .map((e) => e.name)
            .join()
        )
          resumed = false;
      }
      t.log(`cookies resume ${resumed}`);
      t.log(`first two ${all[0]?.name} ${all[1]?.name}`);
      close(d);
    },
    [
      'open "d" r {"directory":true} = ok dir',
      'names .,..,esc2,g,parent,sub',
      'total bytes 161',
      'filled completely true',
      'cookies resume true',
      'first two . ..',
    ],
  );
  add(
    'directories removed while open',
    async (t) => {
      const e = await open(t, 'empty', 'r', { directory: true });
      if (!(e instanceof DirectoryFd)) return;
      await op(t, 'rmdir empty', unlinkAt(t.root, 'empty', true));
      await op(t, 'mkdir in removed', mkdirAt(e, 'x'));
      t.log(`create in removed = ${show(await openAt(e, 'x', request('w', { create: true })))}`);
      await op(t, 'stat ..', statAt(e, '..', true));
      close(e);
    },
    [
      'open "empty" r {"directory":true} = ok dir',
      'rmdir empty = ok',
      'mkdir in removed = ENOENT',
      'create in removed = ENOENT',
      'stat .. = ENOTCAPABLE',
    ],
  );
  add(
    'legacy FIFOs: creation errors, stat, readdir, rename and link carry the FIFO',
    async (t) => {
      await op(t, 'mkfifo p', mkfifoAt(t.root, 'p'));
      await op(t, 'mkfifo p again', mkfifoAt(t.root, 'p'));
      await op(t, 'mkfifo over a directory', mkfifoAt(t.root, 'd'));
      await op(t, 'mkfifo over a dangling symlink', mkfifoAt(t.root, 'dangling'));
      await op(t, 'mkfifo in a missing directory', mkfifoAt(t.root, 'nodir/p'));
      await op(t, 'mkfifo with a trailing slash', mkfifoAt(t.root, 'p2/'));
      await op(t, 'mkfifo .', mkfifoAt(t.root, '.'));
      await op(t, 'mkfifo through a symlinked directory', mkfifoAt(t.root, 'dlink/p'));
      await op(t, 'mkfifo outside', mkfifoAt(t.root, '../outside/p'));
      await op(t, 'mkfifo through an escaping symlink', mkfifoAt(t.root, 'deep/p'));
      await stat(t, 'p', false);
      await stat(t, 'd/p', false);
      await list(t, '.');
      await open(t, 'p', 'r', { directory: true });
      await open(t, 'p', 'r', { create: true, exclusive: true });
      await op(t, 'rename p q', renameAt(t.root, 'p', t.root, 'q'));
      await op(t, 'link q q2', linkAt(t.root, 'q', false, t.root, 'q2'));
      await stat(t, 'q2', false);
      const r = await open(t, 'q', 'r', { nonblock: true });
      const w = await open(t, 'q2', 'w', { nonblock: true });
      if (r && w) {
        const n = await w.write(enc.encode('through q2'));
        t.log(`write = ${isErr(n) ? show(n) : n}`);
        const got = await r.read(100);
        t.log(`read q = ${isErr(got) ? show(got) : JSON.stringify(dec.decode(got))}`);
      }
      close(r);
      close(w);
      await op(t, 'unlink q', unlinkAt(t.root, 'q', false));
      await stat(t, 'q', false);
      await stat(t, 'q2', false);
      await op(t, 'rmdir q2', unlinkAt(t.root, 'q2', true));
      await op(t, 'unlink q2', unlinkAt(t.root, 'q2', false));
    },
    [
      'mkfifo p = ok',
      'mkfifo p again = EEXIST',
      'mkfifo over a directory = EEXIST',
      'mkfifo over a dangling symlink = EEXIST',
      'mkfifo in a missing directory = ENOENT',
      'mkfifo with a trailing slash = ENOENT',
      'mkfifo . = EEXIST',
      'mkfifo through a symlinked directory = ok',
      'mkfifo outside = ENOTCAPABLE',
      'mkfifo through an escaping symlink = ENOTCAPABLE',
      'stat "p" nofollow = FIFO size=0 nlink=1',
      'stat "d/p" nofollow = FIFO size=0 nlink=1',
      'open "." r {"directory":true} = ok dir',
      'list "." = ..:DIRECTORY .:DIRECTORY abs:SYMBOLIC_LINK chain:SYMBOLIC_LINK d:DIRECTORY dangling:SYMBOLIC_LINK deep:SYMBOLIC_LINK dlink:SYMBOLIC_LINK empty:DIRECTORY esc:SYMBOLIC_LINK f:REGULAR_FILE flink:SYMBOLIC_LINK loop1:SYMBOLIC_LINK loop2:SYMBOLIC_LINK p:FIFO self:SYMBOLIC_LINK up:SYMBOLIC_LINK',
      'open "p" r {"directory":true} = ENOTDIR',
      'open "p" r {"create":true,"exclusive":true} = EEXIST',
      'rename p q = ok',
      'link q q2 = ok',
      'stat "q2" nofollow = FIFO size=0 nlink=2',
      'open "q" r {"nonblock":true} = ok file',
      'open "q2" w {"nonblock":true} = ok file',
      'write = 10',
      'read q = "through q2"',
      'unlink q = ok',
      'stat "q" nofollow = ENOENT',
      'stat "q2" nofollow = FIFO size=0 nlink=1',
      'rmdir q2 = ENOTDIR',
      'unlink q2 = ok',
    ],
  );
  add(
    'legacy FIFOs: waiting opens, ENXIO, EOF when writers close, EPIPE, contents discarded',
    async (t) => {
      await mkfifoAt(t.root, 'p');
      await open(t, 'p', 'w', { nonblock: true });
      // A blocking open for reading waits until a writer comes.
      let settled = false;
      const pending = openAt(t.root, 'p', request('r'));
      void Promise.resolve(pending).then(() => {
        settled = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 5));
      t.log(`reader waiting = ${!settled}`);
      const w = await open(t, 'p', 'w');
      const r = await pending;
      t.log(`reader opened = ${show(r)}`);
      if (isErr(r) || !w) return;
      r.retain();
      t.log(`empty read with a writer = ${show(await r.read(10))}`);
      t.log(`read readiness = ${JSON.stringify(r.readiness('read'))}`);
      await w.write(enc.encode('abc'));
      t.log(`read readiness = ${JSON.stringify(r.readiness('read'))}`);
      close(w);
      const got = await r.read(10);
      t.log(`read after the writer closed = ${isErr(got) ? show(got) : JSON.stringify(dec.decode(got))}`);
      const eof = await r.read(10);
      t.log(`then = ${isErr(eof) ? show(eof) : eof.length}`);
      t.log(`read readiness = ${JSON.stringify(r.readiness('read'))}`);
      const w2 = await open(t, 'p', 'w', { nonblock: true });
      await w2?.write(enc.encode('lost'));
      close(r);
      t.log(`write with no reader = ${show((await w2?.write(enc.encode('x'))) ?? 0)}`);
      t.log(`write readiness = ${JSON.stringify(w2?.readiness('write'))}`);
      close(w2);
      const rw = await open(t, 'p', 'rw');
      t.log(`contents after every end closed = ${show((await rw?.read(10)) ?? 0)}`);
      close(rw);
    },
    [
      'open "p" w {"nonblock":true} = ENXIO',
      'reader waiting = true',
      'open "p" w {} = ok file',
      'reader opened = ok',
      'empty read with a writer = EAGAIN',
      'read readiness = {"ready":false,"nbytes":0,"hangup":false}',
      'read readiness = {"ready":true,"nbytes":3,"hangup":false}',
      'read after the writer closed = "abc"',
      'then = 0',
      'read readiness = {"ready":true,"nbytes":0,"hangup":true}',
      'open "p" w {"nonblock":true} = ok file',
      'write with no reader = EPIPE',
      'write readiness = {"ready":true,"nbytes":0,"hangup":true}',
      'open "p" rw {} = ok file',
      'contents after every end closed = EAGAIN',
    ],
  );
  add(
    'legacy Unix sockets: bind, listen, connect, accept, errors',
    async (t) => {
      const s = new UnixSocketFd(Filetype.SOCKET_STREAM);
      s.retain();
      const bind = async (sock: UnixSocketFd, path: string): Promise<void> => {
        const e = sock.beginBind();
        t.log(
          `bind ${path} = ${show(e === Errno.SUCCESS ? sock.bound(await bindAt(t.root, path, sock)) : e)}`,
        );
      };
      const connect = async (path: string): Promise<UnixSocketFd> => {
        const c = new UnixSocketFd(Filetype.SOCKET_STREAM);
        c.retain();
        const e = c.beginConnect();
        t.log(
          `connect ${path} = ${show(e === Errno.SUCCESS ? c.connected(await connectAt(t.root, path, c.filetype)) : e)}`,
        );
        return c;
      };
      t.log(`listen unbound = ${show(await s.listen(5))}`);
      await bind(s, 'sock');
      await bind(s, 'sock2');
      const other = new UnixSocketFd(Filetype.SOCKET_STREAM);
      other.retain();
      await bind(other, 'sock');
      await bind(other, 'f');
      await bind(other, 'dangling');
      await bind(other, 'd/');
      await bind(other, 'nodir/s');
      await bind(other, '../outside/s');
      await stat(t, 'sock', false);
      await open(t, 'sock', 'r');
      t.log(`listen = ${show(await s.listen(5))}`);
      await op(t, 'symlink slink -> sock', symlinkAt('sock', t.root, 'slink'));
      const c = await connect('slink');
      const conn = s.accept();
      t.log(`accept = ${show(conn)}`);
      t.log(`accept again = ${show(s.accept())}`);
      if (!isErr(conn)) {
        conn.retain();
        await c.write(enc.encode('ping'));
        await whenReady(conn, 'read');
        const got = await conn.read(10);
        t.log(`server read = ${isErr(got) ? show(got) : JSON.stringify(dec.decode(got))}`);
        await conn.write(enc.encode('pong'));
        await whenReady(c, 'read');
        const back = await c.read(10);
        t.log(`client read = ${isErr(back) ? show(back) : JSON.stringify(dec.decode(back))}`);
        close(conn);
        await whenReady(c, 'read');
        t.log(`client after the server closed = ${JSON.stringify(c.readiness('read').hangup)}`);
      }
      t.log(`connect again = ${show(c.beginConnect())}`);
      t.log(`listen connected = ${show(await c.listen(1))}`);
      close(c);
      for (const p of ['f', 'd', 'missing', 'sock/', '../outside/secret', 'esc', 'loop1'])
        close(await connect(p));
      t.log(`connect listening = ${show(s.beginConnect())}`);
      close(s);
      close(other);
      await stat(t, 'sock', false);
      close(await connect('sock'));
      await op(t, 'unlink sock', unlinkAt(t.root, 'sock', false));
    },
    [
      'listen unbound = EINVAL',
      'bind sock = ok',
      'bind sock2 = EINVAL',
      'bind sock = EADDRINUSE',
      'bind f = EADDRINUSE',
      'bind dangling = EADDRINUSE',
      'bind d/ = EADDRINUSE',
      'bind nodir/s = ENOENT',
      'bind ../outside/s = ENOTCAPABLE',
      'stat "sock" nofollow = SOCKET_STREAM size=0 nlink=1',
      'open "sock" r {} = ENOTSUP',
      'listen = ok',
      'symlink slink -> sock = ok',
      'connect slink = ok',
      'accept = ok',
      'accept again = EAGAIN',
      'server read = "ping"',
      'client read = "pong"',
      'client after the server closed = true',
      'connect again = EISCONN',
      'listen connected = EINVAL',
      'connect f = ENOTSOCK',
      'connect d = ENOTSOCK',
      'connect missing = ENOENT',
      'connect sock/ = ENOTDIR',
      'connect ../outside/secret = ENOTCAPABLE',
      'connect esc = ENOTCAPABLE',
      'connect loop1 = ELOOP',
      'connect listening = ENOTSUP',
      'stat "sock" nofollow = SOCKET_STREAM size=0 nlink=1',
      'connect sock = ECONNREFUSED',
      'unlink sock = ok',
    ],
  );
  return cases;
}

// ---- the sandbox cases ---------------------------------------------------------------------

/** Path shapes that try to leave the granted directory or confuse the resolver. */
export const HOSTILE_PATHS: readonly string[] = [
  '..',
  '../',
  '../outside/secret',
  '../outside',
  '../outside/dir',
  'd/../..',
  'd/../../outside/secret',
  'd/sub/../../../outside',
  './../outside/secret',
  '..//outside/secret',
  'd/./../../outside/dir',
  '/etc/passwd',
  '/',
  '//',
  '/outside/secret',
  'up',
  'up/',
  'up/outside/secret',
  'up/outside/dir/x',
  'esc',
  'esc/',
  'deep',
  'deep/secret',
  'deep/dir/x',
  'abs',
  'abs/x',
  'chain',
  'chain/outside/secret',
  'd/esc2',
  'd/parent/up/outside',
  'dlink/../../outside/secret',
  'dlink/parent/../outside',
  'loop1',
  'loop1/x',
  'self',
  'f\0/../../outside',
  '\0',
  `${'x/'.repeat(600)}`,
  A256,
  `d/${A256}`,
  'f/',
  'f/..',
  'f/../../outside',
];

/** Path operations the sandbox cases apply to every hostile path. */
export const SANDBOX_OPERATIONS: readonly {
  name: string;
  run(root: DirectoryFd, path: string): MaybePromise<number | Err | FdObject | string | FileStat>;
}[] = [
  { name: 'open read follow', run: (r, p) => openAt(r, p, request('r')) },
  { name: 'open read nofollow', run: (r, p) => openAt(r, p, request('r', { follow: false })) },
  { name: 'open write', run: (r, p) => openAt(r, p, request('w')) },
  { name: 'open create', run: (r, p) => openAt(r, p, request('w', { create: true })) },
  { name: 'open create excl', run: (r, p) => openAt(r, p, request('w', { create: true, exclusive: true })) },
  { name: 'open trunc', run: (r, p) => openAt(r, p, request('w', { truncate: true })) },
  { name: 'open directory', run: (r, p) => openAt(r, p, request('r', { directory: true })) },
  { name: 'mkdir', run: (r, p) => mkdirAt(r, p) },
  { name: 'unlink', run: (r, p) => unlinkAt(r, p, false) },
  { name: 'rmdir', run: (r, p) => unlinkAt(r, p, true) },
  { name: 'rename from', run: (r, p) => renameAt(r, p, r, 'renamed') },
  { name: 'rename to', run: (r, p) => renameAt(r, 'f', r, p) },
  { name: 'link from follow', run: (r, p) => linkAt(r, p, true, r, 'linked') },
  { name: 'link to', run: (r, p) => linkAt(r, 'f', false, r, p) },
  { name: 'symlink at', run: (r, p) => symlinkAt('f', r, p) },
  { name: 'readlink', run: (r, p) => readlinkAt(r, p) },
  { name: 'stat follow', run: (r, p) => statAt(r, p, true) },
  { name: 'stat nofollow', run: (r, p) => statAt(r, p, false) },
  { name: 'utimes follow', run: (r, p) => utimesAt(r, p, true, 1n, 2n) },
  { name: 'mkfifo', run: (r, p) => mkfifoAt(r, p) },
  {
    name: 'bind',
    run: (r, p) =>
      andThen(bindAt(r, p, new UnixSocketFd(Filetype.SOCKET_STREAM)), (b) => {
        if (isErr(b)) return b;
        b.close();
        return Errno.SUCCESS;
      }),
  },
  {
    name: 'connect',
    run: (r, p) =>
      andThen(connectAt(r, p, Filetype.SOCKET_STREAM), (c) => {
        if (isErr(c)) return c;
        dispose(c);
        return Errno.SUCCESS;
      }),
  },
];

/** Outcome of one sandbox case. */
export interface SandboxOutcome {
  /** The answer: `ok` or an errno name. */
  answer: string;
  /** What the guest saw through an opened file or directory (must never be outside data). */
  seen: string;
  /** Problems: guard violations, a changed outside tree, outside data seen. Must be empty. */
  escapes: string[];
}

/** Runs one hostile path through one operation on a fresh fixture. */
export async function runSandboxCase(
  factory: FsFixtureFactory,
  operation: (typeof SANDBOX_OPERATIONS)[number],
  path: string,
): Promise<SandboxOutcome> {
  const fx = await factory();
  try {
    await buildTree(new Transcript(fx));
    const before = fx.outside();
    const r = await operation.run(fx.root, path);
    let seen = '';
    if (r instanceof FileFd) {
      const data = await r.pread(4096, 0);
      seen = isErr(data) ? show(data) : dec.decode(data);
      dispose(r);
    } else if (r instanceof DirectoryFd) {
      const entries = await r.entries(0n);
      seen = isErr(entries)
        ? show(entries)
        : entries
            .map((e) => e.name)
            .sort()
            .join(',');
      dispose(r);
    } else if (typeof r === 'string') {
      seen = r;
    }
    const answer = typeof r === 'number' ? show(r) : isErr(r) ? show(r) : 'ok';
    const escapes = [...fx.violations];
    if (fx.outside() !== before) escapes.push('the outside tree changed');
    if (seen.includes(OUTSIDE_SECRET)) escapes.push('outside data was read');
    if (seen === '.,..,dir,secret' || seen === '.,..') escapes.push('an outside directory was listed');
    return { answer, seen, escapes };
  } finally {
    fx.dispose();
  }
}
