/**
 * `@cabi/kernel/web` on Node's Web APIs: the fixture programs under a cloudabi-run config over the
 * memory file system, standard streams as Web streams and callbacks, file trees, the trace and
 * config errors. (Workers and the OPFS are exercised in Chromium by the playground's tests.)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { memoryHost } from '../../src/memory.js';
import {
  buildWebConfig,
  readTree,
  runProgram,
  traceFilter,
  WebConfigError,
  type WebTraceEvent,
  writeTree,
} from '../../src/web.js';

const BIN = fileURLToPath(new URL('../../../../fixtures/bin/', import.meta.url));
const program = (name: string) => new Uint8Array(readFileSync(`${BIN}${name}`));
const TAG = '%TAG ! tag:nuxi.nl,2015:cloudabi/\n---\n';
const text = (chunks: Uint8Array[]) => new TextDecoder().decode(Buffer.concat(chunks));

describe('runProgram', () => {
  it('runs hello with its stdout as a callback', async () => {
    const out: Uint8Array[] = [];
    const result = await runProgram({
      executable: program('hello'),
      config: `${TAG}stdout: !fd stdout\nname: web\n`,
      stdout: (d) => void out.push(d),
    });
    expect(text(out)).toBe('Hello, web!\n');
    expect(result.status).toEqual({ exitCode: 0 });
    expect(result.code).toBe(0);
  });

  it('lists a memory directory with ls into a WritableStream', async () => {
    const fs = memoryHost();
    writeTree(fs, { docs: { 'a.txt': 'alpha', sub: { 'b.bin': new Uint8Array(1000) } } });
    const out: Uint8Array[] = [];
    let closed = false;
    const stream = new WritableStream<Uint8Array>({
      write: (d) => void out.push(d),
      close: () => {
        closed = true;
      },
    });
    const result = await runProgram({
      executable: program('ls'),
      config: `${TAG}stdout: !fd stdout\ndir: !file\n  path: docs\n`,
      fs,
      stdout: stream,
    });
    expect(result.code).toBe(0);
    const listing = text(out);
    expect(listing).toContain('a.txt');
    expect(listing).toContain('b.bin');
    expect(listing).toContain('1000');
    expect(closed).toBe(true);
  });

  it('copies stdin to a file the config creates, and the tree shows it', async () => {
    const fs = memoryHost();
    writeTree(fs, { out: {} });
    const result = await runProgram({
      executable: program('cp'),
      config: `${TAG}input: !fd 0\noutput: !file\n  path: out/copy.txt\n  mode: w\nstderr: !fd stderr\n`,
      fs,
      stdin: new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode('line one\n'));
          c.enqueue(new TextEncoder().encode('line two\n'));
          c.close();
        },
      }),
    });
    expect(result.code).toBe(0);
    const tree = readTree(fs.root);
    expect(new TextDecoder().decode((tree.out as Record<string, Uint8Array>)['copy.txt'])).toBe(
      'line one\nline two\n',
    );
  });

  it('traces syscalls, and paths escaping the directory fail with ENOTCAPABLE', async () => {
    const fs = memoryHost();
    writeTree(fs, { scratch: {} });
    const events: WebTraceEvent[] = [];
    const out: Uint8Array[] = [];
    const result = await runProgram({
      executable: program('file'),
      config: `${TAG}stdout: !fd stdout\ndir: !file\n  path: scratch\n`,
      fs,
      stdout: (d) => void out.push(d),
      trace: (e) => events.push(e),
    });
    expect(result.code).toBe(0);
    expect(text(out)).toContain('open_file(PATH("../outside"), 0, &f): ENOTCAPABLE');
    const escaping = events.find((e) => e.name === 'file_open' && e.line.includes('"../outside"'));
    expect(escaping?.errnoName).toBe('ENOTCAPABLE');
    expect(escaping?.line).toMatch(/^file_open\(.*"\.\.\/outside", 10, .*\) = ENOTCAPABLE \(/);
    expect(events.filter(traceFilter('ENOTCAPABLE')).length).toBeGreaterThanOrEqual(4);
    expect(events.filter(traceFilter('fd_write')).every((e) => e.name === 'fd_write')).toBe(true);
    expect(events.filter(traceFilter('!fd_write')).some((e) => e.name === 'fd_write')).toBe(false);
  });

  it('stops a program when the signal aborts', async () => {
    const controller = new AbortController();
    const out: Uint8Array[] = [];
    // cp from an stdin that never ends waits forever until the abort.
    const pending = runProgram({
      executable: program('cp'),
      config: `${TAG}input: !fd 0\noutput: !fd stdout\n`,
      stdin: () => new Promise<null>(() => {}),
      stdout: (d) => void out.push(d),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    const result = await pending;
    expect(result.status).toMatchObject({ signal: 'SIGKILL' });
    expect(result.code).toBe(137);
  });
});

describe('buildWebConfig', () => {
  const context = () => ({
    fs: memoryHost(),
    stdio: [null, null, null] as never,
    executable: new Uint8Array(0),
  });
  it('names the missing path, the bad fd and sockets', async () => {
    await expect(buildWebConfig(`${TAG}d: !file\n  path: nope\n`, context())).rejects.toThrow(
      /!file nope: no such file/,
    );
    await expect(buildWebConfig(`${TAG}d: !fd 7\n`, context())).rejects.toThrow(WebConfigError);
    await expect(buildWebConfig(`${TAG}s: !socket\n  bind: 127.0.0.1:1\n`, context())).rejects.toThrow(
      /sockets/,
    );
    await expect(buildWebConfig('a: [', context(), 'x.yaml')).rejects.toThrow(/x\.yaml/);
  });
  it('gives empty argdata for an empty config', async () => {
    const built = await buildWebConfig('', context());
    expect(built.value).toBeNull();
    expect(built.fds).toEqual([]);
  });
});

describe('file trees', () => {
  it('round-trip files, directories and symlinks', () => {
    const fs = memoryHost();
    const tree = { a: 'x', d: { e: new Uint8Array([1, 2, 3]), l: { symlink: '../a' } } };
    writeTree(fs, tree);
    expect(readTree(fs.root)).toEqual({
      a: new TextEncoder().encode('x'),
      d: { e: new Uint8Array([1, 2, 3]), l: { symlink: '../a' } },
    });
    expect(() => writeTree(fs, { 'a/b': 'no' })).toThrow(/cannot create file/);
  });
});
