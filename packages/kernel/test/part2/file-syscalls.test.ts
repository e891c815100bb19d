import { describe, expect, it } from 'vitest';
import { Errno, Fdflags, Filetype, Rights } from '../../src/abi.js';
import { MemoryBackend } from '../../src/host-memory/index.js';
import { typeRights } from '../../src/rights.js';
import { file_stat_fget, file_stat_fput } from '../../src/syscalls/file.js';
import {
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
} from '../../src/syscalls/file-path.js';
import { DirectoryFd, FileFd } from '../../src/vfs/objects.js';
import { mkdirAt, openAt, symlinkAt } from '../../src/vfs/ops.js';
import { fdstat, Harness } from './harness.js';

const DIR = typeRights(Filetype.DIRECTORY);
const FILE = typeRights(Filetype.REGULAR_FILE);
const FOLLOW = 2 ** 32;

async function setup(): Promise<{ h: Harness; root: DirectoryFd; backend: MemoryBackend }> {
  const backend = new MemoryBackend();
  const root = new DirectoryFd(backend, backend.root);
  await mkdirAt(root, 'd');
  await mkdirAt(root, 'empty');
  const f = (await openAt(root, 'f', {
    follow: false,
    create: true,
    directory: false,
    exclusive: false,
    truncate: false,
    read: true,
    write: true,
  })) as FileFd;
  await f.write(new TextEncoder().encode('contents'));
  f.retain();
  f.release();
  await symlinkAt('f', root, 'link');
  return { h: new Harness(), root, backend };
}

/** One syscall invocation needing `rights` on a directory fd (base) and optionally inheriting. */
interface RightsCase {
  name: string;
  base: bigint[];
  inheriting?: bigint[];
  /** Runs the call with the directory fd `fd` (and a regular file fd `file`). */
  run(h: Harness, fd: number, file: number): Promise<number>;
}

function path(h: Harness, p: string): [number, number] {
  return h.bytes(p);
}

const CASES: RightsCase[] = [
  {
    name: 'file_open read',
    base: [Rights.FILE_OPEN],
    inheriting: [Rights.FD_READ],
    run: (h, fd) => h.call(file_open, fd, ...path(h, 'f'), 0, fdstat(h, 0, Rights.FD_READ, 0n)),
  },
  {
    name: 'file_open O_CREAT',
    base: [Rights.FILE_OPEN, Rights.FILE_CREATE_FILE],
    inheriting: [Rights.FD_READ],
    run: (h, fd) => h.call(file_open, fd, ...path(h, 'new'), 1, fdstat(h, 0, Rights.FD_READ, 0n)),
  },
  {
    name: 'file_open O_TRUNC',
    base: [Rights.FILE_OPEN],
    inheriting: [Rights.FD_WRITE, Rights.FILE_STAT_FPUT_SIZE],
    run: (h, fd) => h.call(file_open, fd, ...path(h, 'f'), 8, fdstat(h, 0, Rights.FD_WRITE, 0n)),
  },
  {
    name: 'file_open writable without APPEND needs FD_SEEK',
    base: [Rights.FILE_OPEN],
    inheriting: [Rights.FD_WRITE, Rights.FD_SEEK],
    run: (h, fd) => h.call(file_open, fd, ...path(h, 'f'), 0, fdstat(h, 0, Rights.FD_WRITE, 0n)),
  },
  {
    name: 'file_open DSYNC',
    base: [Rights.FILE_OPEN],
    inheriting: [Rights.FD_READ, Rights.FD_DATASYNC],
    run: (h, fd) => h.call(file_open, fd, ...path(h, 'f'), 0, fdstat(h, Fdflags.DSYNC, Rights.FD_READ, 0n)),
  },
  {
    name: 'file_open SYNC',
    base: [Rights.FILE_OPEN],
    inheriting: [Rights.FD_READ, Rights.FD_SYNC],
    run: (h, fd) => h.call(file_open, fd, ...path(h, 'f'), 0, fdstat(h, Fdflags.SYNC, Rights.FD_READ, 0n)),
  },
  {
    name: 'file_open RSYNC',
    base: [Rights.FILE_OPEN],
    inheriting: [Rights.FD_READ, Rights.FD_SYNC],
    run: (h, fd) => h.call(file_open, fd, ...path(h, 'f'), 0, fdstat(h, Fdflags.RSYNC, Rights.FD_READ, 0n)),
  },
  {
    name: 'file_open requested inheriting rights',
    base: [Rights.FILE_OPEN],
    inheriting: [Rights.FILE_READDIR, Rights.FILE_OPEN],
    run: (h, fd) =>
      h.call(file_open, fd, ...path(h, 'd'), 2, fdstat(h, 0, Rights.FILE_READDIR, Rights.FILE_OPEN)),
  },
  {
    name: 'file_create',
    base: [Rights.FILE_CREATE_DIRECTORY],
    run: (h, fd) => h.call(file_create, fd, ...path(h, 'newdir'), Filetype.DIRECTORY),
  },
  {
    name: 'file_create FIFO (legacy)',
    base: [Rights.FILE_CREATE_FIFO],
    run: (h, fd) => h.call(file_create, fd, ...path(h, 'newfifo'), Filetype.FIFO),
  },
  {
    name: 'file_link',
    base: [Rights.FILE_LINK_SOURCE, Rights.FILE_LINK_TARGET],
    run: (h, fd) => h.call(file_link, fd, ...path(h, 'f'), fd, ...path(h, 'f2')),
  },
  {
    name: 'file_readdir',
    base: [Rights.FILE_READDIR],
    run: (h, fd) => h.call(file_readdir, fd, h.alloc(256), 256, 0n),
  },
  {
    name: 'file_readlink',
    base: [Rights.FILE_READLINK],
    run: (h, fd) => h.call(file_readlink, fd, ...path(h, 'link'), h.alloc(16), 16),
  },
  {
    name: 'file_rename',
    base: [Rights.FILE_RENAME_SOURCE, Rights.FILE_RENAME_TARGET],
    run: (h, fd) => h.call(file_rename, fd, ...path(h, 'f'), fd, ...path(h, 'g')),
  },
  {
    name: 'file_stat_get',
    base: [Rights.FILE_STAT_GET],
    run: (h, fd) => h.call(file_stat_get, fd, ...path(h, 'f'), h.alloc(56)),
  },
  {
    name: 'file_stat_put',
    base: [Rights.FILE_STAT_PUT_TIMES],
    run: (h, fd) => h.call(file_stat_put, fd, ...path(h, 'f'), h.alloc(56), 0x2),
  },
  {
    name: 'file_symlink',
    base: [Rights.FILE_SYMLINK],
    run: (h, fd) => h.call(file_symlink, ...path(h, 'target'), fd, ...path(h, 'sl')),
  },
  {
    name: 'file_unlink',
    base: [Rights.FILE_UNLINK],
    run: (h, fd) => h.call(file_unlink, fd, ...path(h, 'f'), 0),
  },
  {
    name: 'file_unlink REMOVEDIR',
    base: [Rights.FILE_UNLINK],
    run: (h, fd) => h.call(file_unlink, fd, ...path(h, 'empty'), 1),
  },
];

const FILE_CASES: RightsCase[] = [
  { name: 'file_advise', base: [Rights.FILE_ADVISE], run: (h, _fd, f) => h.call(file_advise, f, 0n, 10n, 3) },
  {
    name: 'file_allocate',
    base: [Rights.FILE_ALLOCATE],
    run: (h, _fd, f) => h.call(file_allocate, f, 0n, 10n),
  },
];

describe('every file syscall × every right it requires removed → ENOTCAPABLE', () => {
  for (const c of [...CASES, ...FILE_CASES]) {
    const onFile = FILE_CASES.includes(c);
    it(`${c.name}: succeeds with the rights`, async () => {
      const { h, root } = await setup();
      const fd = h.add(root, DIR.base, DIR.inheriting);
      const file = h.add((await openAt(root, 'f', req())) as FileFd, FILE.base, 0n);
      expect(await c.run(h, fd, file)).toBe(Errno.SUCCESS);
    });
    for (const right of c.base) {
      it(`${c.name}: without base ${name(right)}`, async () => {
        const { h, root } = await setup();
        const fd = h.add(root, onFile ? DIR.base : DIR.base & ~right, DIR.inheriting);
        const file = h.add(
          (await openAt(root, 'f', req())) as FileFd,
          onFile ? FILE.base & ~right : FILE.base,
          0n,
        );
        expect(await c.run(h, fd, file)).toBe(Errno.ENOTCAPABLE);
      });
    }
    for (const right of c.inheriting ?? []) {
      it(`${c.name}: without inheriting ${name(right)}`, async () => {
        const { h, root } = await setup();
        const fd = h.add(root, DIR.base, DIR.inheriting & ~right);
        const file = h.add((await openAt(root, 'f', req())) as FileFd, FILE.base, 0n);
        expect(await c.run(h, fd, file)).toBe(Errno.ENOTCAPABLE);
      });
    }
  }
});

function req() {
  return {
    follow: false,
    create: false,
    directory: false,
    exclusive: false,
    truncate: false,
    read: true,
    write: true,
  };
}

function name(right: bigint): string {
  for (const [k, v] of Object.entries(Rights)) if (v === right) return k;
  return String(right);
}

describe('file syscalls through guest memory', () => {
  it('file_open narrows rights to the file type and sets fdflags', async () => {
    const { h, root } = await setup();
    const fd = h.add(root, DIR.base, DIR.inheriting);
    const want = DIR.inheriting; // directory rights too: inapplicable ones are dropped, not refused
    const r = await h.call(file_open, fd, ...path(h, 'f'), 0, fdstat(h, Fdflags.APPEND, want, 0n));
    expect(r).toBe(Errno.SUCCESS);
    const e = h.fds.peek(Number(h.thread.ret0));
    expect(e?.object).toBeInstanceOf(FileFd);
    expect(e?.base).toBe(want & FILE.base);
    expect(e?.object.fdflags).toBe(Fdflags.APPEND);
    // A directory through a symlink needs LOOKUP_SYMLINK_FOLLOW; without it: ELOOP.
    expect(await h.call(file_open, fd, ...path(h, 'link'), 0, fdstat(h, 0, Rights.FD_READ, 0n))).toBe(
      Errno.ELOOP,
    );
    expect(
      await h.call(file_open, fd + FOLLOW, ...path(h, 'link'), 0, fdstat(h, 0, Rights.FD_READ, 0n)),
    ).toBe(Errno.SUCCESS);
    // An fd that is not a directory: ENOTDIR; a bad fdstat pointer: EFAULT; unknown oflags: EINVAL.
    const file = h.add((await openAt(root, 'f', req())) as FileFd);
    expect(await h.call(file_open, file, ...path(h, 'f'), 0, fdstat(h, 0, 0n, 0n))).toBe(Errno.ENOTCAPABLE);
    expect(await h.call(file_open, fd, ...path(h, 'f'), 0, 0x10)).toBe(Errno.EFAULT);
    expect(await h.call(file_open, fd, ...path(h, 'f'), 0x40, fdstat(h, 0, 0n, 0n))).toBe(Errno.EINVAL);
    expect(await h.call(file_open, 77, ...path(h, 'f'), 0, fdstat(h, 0, 0n, 0n))).toBe(Errno.EBADF);
    expect(await h.call(file_open, fd, 0x10, 5000, 0, fdstat(h, 0, 0n, 0n))).toBe(Errno.ENAMETOOLONG);
    expect(await h.call(file_open, fd, 0x10, 10, 0, fdstat(h, 0, 0n, 0n))).toBe(Errno.EFAULT);
  });

  it('file_readdir fills every buffer size completely and cookies resume (cloudlibc loop)', async () => {
    const { h, root } = await setup();
    for (let i = 0; i < 40; i++) await mkdirAt(root, `entry-${i}-${'x'.repeat(i)}`);
    const fd = h.add(root, DIR.base, DIR.inheriting);
    const all = h.alloc(65536);
    expect(await h.call(file_readdir, fd, all, 65536, 0n)).toBe(0);
    const total = Number(h.thread.ret0);
    expect(total).toBeLessThan(65536);
    for (const size of [1, 23, 24, 25, 100, 1000, total - 1]) {
      const buf = h.alloc(size);
      expect(await h.call(file_readdir, fd, buf, size, 0n)).toBe(0);
      expect(h.thread.ret0).toBe(size);
      expect(h.u8(buf, size)).toEqual(h.u8(all, size));
    }
    // cloudlibc's readdir: consume whole records; when one is cut, resume from the last cookie.
    const names: string[] = [];
    let cookie = 0n;
    for (;;) {
      const buf = h.alloc(200);
      expect(await h.call(file_readdir, fd, buf, 200, cookie)).toBe(0);
      const used = h.thread.ret0;
      let at = 0;
      let progressed = false;
      while (at + 24 <= used) {
        const namlen = h.dv().getUint32(buf + at + 16, true);
        if (at + 24 + namlen > used) break;
        names.push(new TextDecoder().decode(h.u8(buf + at + 24, namlen)));
        cookie = h.dv().getBigUint64(buf + at, true);
        at += 24 + namlen;
        progressed = true;
      }
      if (used < 200) break;
      expect(progressed).toBe(true);
    }
    expect(names.length).toBe(46);
    expect(new Set(names).size).toBe(46);
    expect(names.slice(0, 2)).toEqual(['.', '..']);
  });

  it('file_readlink truncates silently; file_stat_get encodes a filestat', async () => {
    const { h, root } = await setup();
    const fd = h.add(root, DIR.base, DIR.inheriting);
    await symlinkAt('a-long-target', root, 'long');
    const buf = h.alloc(16);
    expect(await h.call(file_readlink, fd, ...path(h, 'long'), buf, 6)).toBe(0);
    expect(h.thread.ret0).toBe(6);
    expect(new TextDecoder().decode(h.u8(buf, 6))).toBe('a-long');
    const st = h.alloc(56);
    expect(await h.call(file_stat_get, fd + FOLLOW, ...path(h, 'link'), st)).toBe(0);
    expect(h.memory.u8[st + 16]).toBe(Filetype.REGULAR_FILE);
    expect(h.dv().getBigUint64(st + 24, true)).toBe(8n);
    expect(h.dv().getUint32(st + 20, true)).toBe(1);
    expect(await h.call(file_stat_get, fd, ...path(h, 'link'), st)).toBe(0);
    expect(h.memory.u8[st + 16]).toBe(Filetype.SYMBOLIC_LINK);
    // file_stat_put: times only; SIZE is EINVAL.
    h.dv().setBigUint64(st + 40, 123_000_000_000n, true);
    expect(await h.call(file_stat_put, fd, ...path(h, 'f'), st, 0x4)).toBe(0);
    expect(await h.call(file_stat_get, fd, ...path(h, 'f'), st)).toBe(0);
    expect(h.dv().getBigUint64(st + 40, true)).toBe(123_000_000_000n);
    expect(await h.call(file_stat_put, fd, ...path(h, 'f'), st, 0x10)).toBe(Errno.EINVAL);
    // file_stat_fput with time flags on an open file (futimens) and on the directory itself.
    const file = (await openAt(root, 'f', {
      follow: false,
      create: false,
      directory: false,
      exclusive: false,
      truncate: false,
      read: true,
      write: false,
    })) as FileFd;
    const ffd = h.add(file, FILE.base, 0n);
    h.dv().setBigUint64(st + 32, 7_000_000_000n, true);
    h.dv().setBigUint64(st + 40, 9_000_000_000n, true);
    expect(await h.call(file_stat_fput, ffd, st, 0x1 | 0x4)).toBe(0);
    expect(await h.call(file_stat_fget, ffd, st)).toBe(0);
    expect([h.dv().getBigUint64(st + 32, true), h.dv().getBigUint64(st + 40, true)]).toEqual([
      7_000_000_000n,
      9_000_000_000n,
    ]);
    const before = BigInt(Date.now()) * 1_000_000n;
    expect(await h.call(file_stat_fput, fd, st, 0x8)).toBe(0);
    expect(await h.call(file_stat_fget, fd, st)).toBe(0);
    expect(h.dv().getBigUint64(st + 40, true)).toBeGreaterThanOrEqual(before - 1_000_000_000n);
    const noTimes = h.add(file, FILE.base & ~Rights.FILE_STAT_FPUT_TIMES, 0n);
    expect(await h.call(file_stat_fput, noTimes, st, 0x2)).toBe(Errno.ENOTCAPABLE);
  });

  it('file_create, file_unlink, file_rename, file_link, file_symlink, file_allocate answers', async () => {
    const { h, root } = await setup();
    const fd = h.add(root, DIR.base, DIR.inheriting);
    expect(await h.call(file_create, fd, ...path(h, 'x'), Filetype.DIRECTORY)).toBe(0);
    expect(await h.call(file_create, fd, ...path(h, 'x'), Filetype.DIRECTORY)).toBe(Errno.EEXIST);
    expect(await h.call(file_create, fd, ...path(h, 'y'), Filetype.REGULAR_FILE)).toBe(Errno.EINVAL);
    expect(await h.call(file_unlink, fd, ...path(h, 'x'), 0)).toBe(Errno.EPERM);
    expect(await h.call(file_unlink, fd, ...path(h, 'x'), 2)).toBe(Errno.EINVAL);
    expect(await h.call(file_unlink, fd, ...path(h, 'x'), 1)).toBe(0);
    expect(await h.call(file_rename, fd, ...path(h, '../f'), fd, ...path(h, 'g'))).toBe(Errno.ENOTCAPABLE);
    expect(await h.call(file_link, fd, ...path(h, 'f'), fd, ...path(h, '/abs'))).toBe(Errno.ENOTCAPABLE);
    expect(await h.call(file_symlink, ...path(h, 'f\0'), fd, ...path(h, 's'))).toBe(Errno.EINVAL);
    const file = h.add((await openAt(root, 'f', req())) as FileFd);
    expect(await h.call(file_allocate, file, 0n, 0n)).toBe(Errno.EINVAL);
    expect(await h.call(file_allocate, file, 100n, 28n)).toBe(0);
    expect(await h.call(file_allocate, fd, 0n, 1n)).toBe(Errno.ENOTCAPABLE);
    expect(await h.call(file_advise, file, 0n, 0n, 99)).toBe(Errno.EINVAL);
    const st = h.alloc(56);
    expect(await h.call(file_stat_get, fd, ...path(h, 'f'), st)).toBe(0);
    expect(h.dv().getBigUint64(st + 24, true)).toBe(128n);
  });
});
