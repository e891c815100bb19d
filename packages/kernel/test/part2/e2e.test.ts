/**
 * End-to-end: the C fixture programs (fixtures/programs, fixtures/examples) on the x86-core CPU
 * with granted directories from both backends, socket pairs with fd passing, and the echo
 * server on a granted loopback socket.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode, Fd } from '@cabi/argdata';
import { describe, expect, it } from 'vitest';
import { bufferSink, createKernel, type ExitStatus, type FdObject } from '../../src/index.js';
import { memoryDirectory } from '../../src/memory.js';
import { hostSocket, type NetListenFd, openHostPath } from '../../src/node.js';

const BIN = fileURLToPath(new URL('../../../../fixtures/bin/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../../../fixtures/', import.meta.url));

async function run(
  name: string,
  grants: Record<string, FdObject> = {},
  extra: Record<string, unknown> = {},
): Promise<{ status: ExitStatus; out: string }> {
  const kernel = createKernel({ deterministic: 1 });
  const sink = bufferSink();
  const fds: FdObject[] = [sink];
  const args: Record<string, unknown> = { stdout: new Fd(0), ...extra };
  for (const [key, object] of Object.entries(grants)) {
    args[key] = new Fd(fds.length);
    fds.push(object);
  }
  const { bytes } = encode(args as never);
  const proc = await kernel.spawn(fs.readFileSync(BIN + name), { argdata: bytes, fds });
  return { status: await proc.wait(), out: sink.text() };
}

function scratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cabi-e2e-'));
}

describe('fixture programs over the file system backends', () => {
  it('file: every file_* call gives the same transcript on the memory and the Node backend', async () => {
    const memory = await run('file', { dir: memoryDirectory() });
    const dir = scratch();
    try {
      const node = await run('file', { dir: await openHostPath(dir) });
      expect(memory.status).toEqual({ exitCode: 0 });
      expect(node.status).toEqual({ exitCode: 0 });
      // Host-specific values: wall-clock times and the size the host reports for a directory.
      const normal = (out: string) =>
        out
          .replace(/mtime \d+ atime \d+/g, 'mtime T atime T')
          .replace(/(directory nlink \d+) size \d+/g, '$1');
      expect(normal(node.out)).toBe(normal(memory.out));
      expect(memory.out).toMatch(/ENOTCAPABLE/);
      expect(memory.out).not.toMatch(/ENOSYS/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ls walks a granted host directory', async () => {
    const { status, out } = await run(
      'ls',
      { dir: await openHostPath(path.join(FIXTURES, 'programs')) },
      { depth: 1 },
    );
    expect(status).toEqual({ exitCode: 0 });
    for (const name of ['file.c', 'sock.c', 'common.h']) expect(out).toContain(name);
  });

  it('cp copies a granted file to a granted fd', async () => {
    const sink = bufferSink();
    const kernel = createKernel({ deterministic: 1 });
    const input = await openHostPath(path.join(FIXTURES, 'README.md'));
    const { bytes } = encode({ input: new Fd(0), output: new Fd(1) } as never);
    const proc = await kernel.spawn(fs.readFileSync(`${BIN}cp`), { argdata: bytes, fds: [input, sink] });
    expect(await proc.wait()).toEqual({ exitCode: 0 });
    expect(sink.text()).toBe(fs.readFileSync(path.join(FIXTURES, 'README.md'), 'utf8'));
  });
});

describe('sockets end to end', () => {
  it('sock: data and fd passing, PEEK, WAITALL, truncation, datagrams, shutdown', async () => {
    const { status, out } = await run('sock');
    expect(status).toEqual({ exitCode: 0 });
    expect(out).not.toMatch(/ENOSYS/);
    expect(out.split('\n')).toEqual(
      expect.arrayContaining([
        'sent 5',
        'peek 3: hel flags 0',
        'recv 5: hello flags 0',
        'received 1 byte(s) and 1 fd(s), flags 0',
        'peer read 19: through a passed fd',
        'fds truncated: 1 fd(s), FDS_TRUNCATED 1',
        'waitall 6: abcdef',
        'dgram 1: one',
        'dgram 2: 3 sec DATA_TRUNCATED 1',
        'after SHUT_WR the peer reads 0 (end of stream)',
      ]),
    );
  });

  it('echo serves 1,000 concurrent loopback connections without loss', async () => {
    const listener = (await hostSocket({
      type: 'stream',
      bind: { kind: 'inet', host: '127.0.0.1', port: 0 },
    })) as NetListenFd;
    const port = listener.port as number;
    const count = 1000;
    const server = run('echo', { socket: listener }, { count: BigInt(count) });
    const clients: Promise<boolean>[] = [];
    for (let i = 0; i < count; i++) {
      clients.push(
        new Promise((resolve, reject) => {
          const message = `message ${i} ${'x'.repeat(i % 200)}\n`;
          const socket = net.connect({ host: '127.0.0.1', port }, () => socket.end(message));
          let got = '';
          socket.setEncoding('utf8');
          socket.on('data', (d: string) => {
            got += d;
          });
          socket.on('end', () => resolve(got === message));
          socket.on('error', reject);
        }),
      );
    }
    const results = await Promise.all(clients);
    expect(results.filter((ok) => ok).length).toBe(count);
    expect((await server).status).toEqual({ exitCode: 0 });
  }, 120_000);
});
