/**
 * The resolver and the fd objects with a backend that answers every call with a Promise (as a
 * browser backend over an asynchronous store would): the conformance suite must give the same
 * transcripts as the synchronous memory backend.
 */
import { describe, expect, it } from 'vitest';
import {
  buildTree,
  type FsFixture,
  HOSTILE_PATHS,
  memoryFixture,
  runSandboxCase,
  SANDBOX_OPERATIONS,
  semanticCases,
  Transcript,
} from '../../src/testing-fs.js';
import type { HostBackend, HostFile } from '../../src/vfs/backend.js';
import { DirectoryFd } from '../../src/vfs/objects.js';

/** Answers on a later microtask (a macrotask per call would make the suite slow). */
function later<T>(value: T): Promise<T> {
  return Promise.resolve().then(() => value);
}

/** Wraps every method of a backend (and of its files) so that it answers asynchronously. */
function asynchronous<D>(inner: HostBackend<D>): HostBackend<D> {
  const wrapFile = (f: HostFile): HostFile => ({
    pread: (len, off) => later(f.pread(len, off)).then((x) => x),
    pwrite: (d, off) => later(f.pwrite(d, off)).then((x) => x),
    stat: () => later(f.stat()).then((x) => x),
    truncate: (n) => later(f.truncate(n)).then((x) => x),
    allocate: (o, l) => later(f.allocate(o, l)).then((x) => x),
    utimes: (a, m) => later(f.utimes(a, m)).then((x) => x),
    sync: () => later(f.sync()).then((x) => x),
    datasync: () => later(f.datasync()).then((x) => x),
    close: () => f.close(),
  });
  return {
    name: `async ${inner.name}`,
    lstat: (d, n) => later(inner.lstat(d, n)).then((x) => x),
    openDir: (d, n) => later(inner.openDir(d, n)).then((x) => x),
    dupDir: (d) => later(inner.dupDir(d)).then((x) => x),
    closeDir: (d) => inner.closeDir(d),
    openFile: (d, n, fl) =>
      later(inner.openFile(d, n, fl)).then((x) =>
        x && 'pread' in (x as object) ? wrapFile(x as HostFile) : x,
      ),
    readlink: (d, n) => later(inner.readlink(d, n)).then((x) => x),
    mkdir: (d, n) => later(inner.mkdir(d, n)).then((x) => x),
    unlink: (d, n, r) => later(inner.unlink(d, n, r)).then((x) => x),
    rename: (a, b, c, e) => later(inner.rename(a, b, c, e)).then((x) => x),
    link: (a, b, c, e) => later(inner.link(a, b, c, e)).then((x) => x),
    symlink: (t, d, n) => later(inner.symlink(t, d, n)).then((x) => x),
    readdir: (d) => later(inner.readdir(d)).then((x) => x),
    utimes: (d, n, a, m) => later(inner.utimes(d, n, a, m)).then((x) => x),
    syncDir: (d) => later(inner.syncDir(d)).then((x) => x),
    mkfifo: (d, n) => later(inner.mkfifo(d, n)).then((x) => x),
    fifo: (d, n) => later(inner.fifo(d, n)).then((x) => x),
    bindSocket: (d, n, l) => later(inner.bindSocket(d, n, l)).then((x) => x),
    connectSocket: (d, n, t) => later(inner.connectSocket(d, n, t)).then((x) => x),
  };
}

function asyncFixture(): FsFixture {
  const fx = memoryFixture();
  const root = fx.root as DirectoryFd<unknown>;
  return { ...fx, root: new DirectoryFd(asynchronous(root.backend), root.handle) };
}

async function transcript(
  factory: () => FsFixture,
  run: (t: Transcript) => Promise<void>,
): Promise<string[]> {
  const fx = factory();
  await buildTree(new Transcript(fx));
  const t = new Transcript(fx);
  await run(t);
  expect(fx.violations).toEqual([]);
  return t.lines;
}

describe('an asynchronous backend', () => {
  for (const c of semanticCases()) {
    it(`conformance: ${c.name}`, async () => {
      expect(await transcript(asyncFixture, c.run)).toEqual(await transcript(memoryFixture, c.run));
    });
  }
  it('sandbox: every hostile path through every operation, same answers, no escapes', async () => {
    for (const operation of SANDBOX_OPERATIONS) {
      for (const path of HOSTILE_PATHS) {
        const sync = await runSandboxCase(memoryFixture, operation, path);
        const async = await runSandboxCase(asyncFixture, operation, path);
        expect(async.escapes).toEqual([]);
        expect(async.answer).toBe(sync.answer);
        expect(async.seen).toBe(sync.seen);
      }
    }
  }, 60_000);
});
