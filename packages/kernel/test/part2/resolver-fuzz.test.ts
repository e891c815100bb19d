/**
 * fast-check fuzzing of the path resolver: random paths made of hostile components, resolved
 * on the memory and the Node backend with the same tree. Read-only operations, so one tree per
 * backend serves every run. Property: the answers agree errno for errno, no backend call names
 * a directory outside the grant, and nothing outside is ever seen.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errnoName } from '../../src/abi.js';
import { isErr } from '../../src/errors.js';
import {
  buildTree,
  type FsFixture,
  memoryFixture,
  OUTSIDE_SECRET,
  Transcript,
} from '../../src/testing-fs.js';
import { DirectoryFd, FileFd } from '../../src/vfs/objects.js';
import { dispose, openAt, readlinkAt, statAt } from '../../src/vfs/ops.js';
import { parsePath } from '../../src/vfs/resolve.js';
import { nodeFixture } from './fixtures.js';

const COMPONENTS = [
  '.',
  '..',
  'd',
  'sub',
  'f',
  'g',
  'dlink',
  'flink',
  'up',
  'esc',
  'deep',
  'abs',
  'chain',
  'loop1',
  'self',
  'parent',
  'esc2',
  'missing',
  'outside',
  'secret',
  '',
];

const pathArb = fc
  .tuple(fc.boolean(), fc.array(fc.constantFrom(...COMPONENTS), { minLength: 1, maxLength: 9 }), fc.boolean())
  .map(([abs, parts, trailing]) => `${abs ? '/' : ''}${parts.join('/')}${trailing ? '/' : ''}`);

async function answer(fx: FsFixture, path: string, op: number): Promise<string> {
  const root = fx.root;
  switch (op) {
    case 0:
    case 1: {
      const st = await statAt(root, path, op === 0);
      return isErr(st)
        ? errnoName(st.errno)
        : `type ${st.filetype} size ${st.filetype === 0x20 ? '-' : st.size}`;
    }
    case 2: {
      const r = await readlinkAt(root, path);
      return isErr(r) ? errnoName(r.errno) : `link ${r}`;
    }
    default: {
      const o = await openAt(root, path, {
        follow: op === 3,
        create: false,
        directory: false,
        exclusive: false,
        truncate: false,
        read: true,
        write: false,
      });
      if (isErr(o)) return errnoName(o.errno);
      let seen = '';
      if (o instanceof FileFd) {
        const data = await o.pread(1000, 0);
        seen = isErr(data) ? errnoName(data.errno) : new TextDecoder().decode(data);
      } else if (o instanceof DirectoryFd) {
        const e = await o.entries(0n);
        seen = isErr(e)
          ? errnoName(e.errno)
          : e
              .map((x) => x.name)
              .sort()
              .join(',');
      }
      dispose(o);
      return `open ${seen}`;
    }
  }
}

describe('resolver fuzzing (fast-check)', () => {
  let memory: FsFixture;
  let node: FsFixture;
  beforeAll(async () => {
    memory = memoryFixture();
    node = nodeFixture();
    await buildTree(new Transcript(memory));
    await buildTree(new Transcript(node));
  });
  afterAll(() => node.dispose());

  it('parsePath never throws and classifies absolute paths, NUL and length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1100 }), (bytes) => {
        const r = parsePath(bytes);
        if (bytes.length >= 1024) expect(isErr(r) && errnoName(r.errno)).toBe('ENAMETOOLONG');
        else if (bytes.includes(0)) expect(isErr(r) && errnoName(r.errno)).toBe('EINVAL');
        else if (bytes.length === 0) expect(isErr(r) && errnoName(r.errno)).toBe('ENOENT');
      }),
      { numRuns: 2000 },
    );
  });

  it('random hostile paths: same answers on both backends, no escapes', async () => {
    const outsideMemory = memory.outside();
    const outsideNode = node.outside();
    await fc.assert(
      fc.asyncProperty(pathArb, fc.integer({ min: 0, max: 4 }), async (path, op) => {
        const a = await answer(memory, path, op);
        const b = await answer(node, path, op);
        expect(b).toBe(a);
        expect(a.includes(OUTSIDE_SECRET)).toBe(false);
        if (path.startsWith('/')) expect(a).toBe('ENOTCAPABLE');
      }),
      { numRuns: 1500 },
    );
    expect(memory.violations).toEqual([]);
    expect(node.violations).toEqual([]);
    expect(memory.outside()).toBe(outsideMemory);
    expect(node.outside()).toBe(outsideNode);
  }, 60_000);
});
