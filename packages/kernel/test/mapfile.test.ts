/**
 * MAP_SHARED mappings of regular files (issue 6) through the real `mapfile` fixture, on the
 * memory and the Node file systems (granted through createKernel({ host })), with identical
 * output; the file left behind proves the write-back at process exit.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode, Fd } from '@cabi/argdata';
import { describe, expect, it } from 'vitest';
import { bufferSink, createKernel, isErr, type KernelHost, type KernelOptions } from '../src/index.js';
import { memoryHost, memoryKernelHost } from '../src/memory.js';
import { nodeKernelHost } from '../src/node.js';

const BIN = fileURLToPath(new URL('../../../fixtures/bin/', import.meta.url));

const EXPECTED = [
  'mapping shows the file: abv, past the end reads 0',
  'store seen by pread through another fd: X',
  'and by fd_read: 3 Xbc',
  'fd_pwrite seen in the mapping: Y',
  'two mappings of one file agree: XW Y',
  'page past the end: read signal 3, write signal 3',
  'after growing: page 1 usable: P, pread P',
  'after truncating to 50: byte 60 reads 0, page 1 signal 3',
  "child's store: in the mapping C, in the file C",
  'after mem_sync: S',
  'after mem_unmap: U',
  'cabi_sys_mem_map(NULL, PAGE, CABI_PROT_READ | CABI_PROT_WRITE, CABI_MAP_SHARED, ro, 0, &p): ENOTCAPABLE',
  'cabi_sys_mem_map(NULL, PAGE, CABI_PROT_READ | CABI_PROT_WRITE, CABI_MAP_PRIVATE, ro, 0, &p): ESUCCESS',
  'after O_TRUNC: size 0, mapped page signal 3',
  'private copy sees Ep, shared mapping still g',
  'cabi_sys_mem_map(NULL, PAGE, CABI_PROT_READ, CABI_MAP_SHARED, wo, 0, &p): ENOTCAPABLE',
];

async function run(host: KernelHost, options: Partial<KernelOptions> = {}): Promise<string> {
  const kernel = createKernel({ deterministic: 1, ...options, host });
  const out = bufferSink();
  const dir = await kernel.directory('.');
  const { bytes } = encode({ stdout: new Fd(0), dir: new Fd(1) });
  const proc = await kernel.spawn(readFileSync(`${BIN}mapfile`), { argdata: bytes, fds: [out, dir] });
  expect(await proc.wait()).toEqual({ exitCode: 0 });
  const text = out.text();
  expect(text).not.toMatch(/: E(?!SUCCESS|NOTCAPABLE)/);
  expect(text.split('\n')).toEqual(expect.arrayContaining(EXPECTED));
  return text;
}

/** What the file must hold after the run: every store and fd write, in place. */
function checkFile(bytes: Uint8Array): void {
  expect(bytes.length).toBe(8192);
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 50));
  expect(text.slice(0, 6)).toBe('XYWCSE');
  expect(text.slice(6, 50)).toBe('ghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwx'.slice(0, 44));
  expect(bytes.subarray(50, 4096).every((b) => b === 0)).toBe(true);
  expect(bytes[4096 + 10]).toBe(0); // 'P' was cut off by the truncation to 50 bytes
  expect(String.fromCharCode(bytes[4096 + 20]!)).toBe('U');
}

describe('MAP_SHARED of regular files', () => {
  it('memory file system', async () => {
    const backend = memoryHost();
    const text = await run(memoryKernelHost(backend));
    const file = backend.openFile(backend.root, 'mapped', {
      read: true,
      write: false,
      create: false,
      exclusive: false,
      truncate: false,
    });
    if (isErr(file) || file instanceof Promise) throw new Error('no file');
    const bytes = file.pread(10000, 0);
    if (isErr(bytes) || bytes instanceof Promise) throw new Error('cannot read');
    checkFile(bytes);
    expect(text).toContain('after mem_unmap: U');
  });

  it('Node file system, the same output; also with tiny random slices', async () => {
    const base = mkdtempSync(join(tmpdir(), 'cabi-mapfile-'));
    try {
      const host = nodeKernelHost();
      const hostAt: KernelHost<number> = { backend: host.backend, openRoot: () => host.openRoot(base) };
      const a = await run(hostAt);
      checkFile(new Uint8Array(readFileSync(join(base, 'mapped'))));
      const b = await run(hostAt, { scheduler: { sliceInstructions: 7, randomSlices: true } });
      expect(b).toBe(a);
      checkFile(new Uint8Array(readFileSync(join(base, 'mapped'))));
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
