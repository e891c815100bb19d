/**
 * createKernel({ host }): a kernel's host backend and kernel.directory(), on the memory and the
 * Node file systems, exercised by the real `ls` fixture walking the capability it was given.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode, Fd } from '@cabi/argdata';
import { describe, expect, it } from 'vitest';
import { bufferSink, createKernel, HostError, isErr, type Kernel } from '../src/index.js';
import { memoryHost, memoryKernelHost } from '../src/memory.js';
import { nodeKernelHost } from '../src/node.js';

const BIN = fileURLToPath(new URL('../../../fixtures/bin/', import.meta.url));

async function ls(kernel: Kernel, path: string): Promise<string> {
  const out = bufferSink();
  const dir = await kernel.directory(path);
  const { bytes } = encode({ stdout: new Fd(0), dir: new Fd(1) });
  const proc = await kernel.spawn(readFileSync(`${BIN}ls`), { argdata: bytes, fds: [out, dir] });
  expect(await proc.wait()).toEqual({ exitCode: 0 });
  return out.text();
}

describe('createKernel({ host })', () => {
  it('memory host: directories by path from the root, walked by a guest', async () => {
    const backend = memoryHost();
    expect(backend.mkdir(backend.root, 'data')).toBe(0);
    const data = backend.openDir(backend.root, 'data');
    if (isErr(data)) throw new Error('no data directory');
    const file = backend.openFile(data, 'notes.txt', {
      read: true,
      write: true,
      create: true,
      exclusive: true,
      truncate: false,
    });
    if (isErr(file) || file instanceof Promise) throw new Error('cannot create a file');
    file.pwrite(new TextEncoder().encode('hello'), 0);
    file.close();
    const kernel = createKernel({ deterministic: 1, host: memoryKernelHost(backend) });
    expect(kernel.host?.backend).toBe(backend);
    const root = await ls(kernel, '.');
    expect(root).toContain('data');
    expect(root).toContain('notes.txt');
    const sub = await ls(kernel, '/data/');
    expect(sub).toContain('notes.txt');
    expect(sub).not.toMatch(/^data/m);
  });

  it('memory host: bad paths are a HostError naming path and errno', async () => {
    const kernel = createKernel({ host: memoryKernelHost() });
    await expect(kernel.directory('missing')).rejects.toThrow(new HostError('missing: ENOENT'));
    await expect(kernel.directory('..')).rejects.toThrow(new HostError('..: ENOTCAPABLE'));
    await expect(createKernel().directory()).rejects.toThrow(HostError);
  });

  it('node host: a host directory as a capability; files outside it stay out of reach', async () => {
    const base = mkdtempSync(join(tmpdir(), 'cabi-host-'));
    try {
      mkdirSync(join(base, 'granted', 'inner'), { recursive: true });
      writeFileSync(join(base, 'granted', 'inner', 'file.bin'), new Uint8Array(1234));
      writeFileSync(join(base, 'secret.txt'), 'outside');
      const kernel = createKernel({ deterministic: 1, host: nodeKernelHost() });
      const text = await ls(kernel, join(base, 'granted'));
      expect(text).toContain('inner');
      expect(text).toContain('file.bin');
      expect(text).not.toContain('secret.txt');
      await expect(kernel.directory(join(base, 'nope'))).rejects.toThrow(`${join(base, 'nope')}: ENOENT`);
      await expect(kernel.directory(join(base, 'secret.txt'))).rejects.toThrow(': ENOTDIR');
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
