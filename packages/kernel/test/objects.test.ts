import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  bufferSink,
  callbackFd,
  createDatagramSocketPair,
  createPipe,
  createStreamSocketPair,
  Err,
  Errno,
  FdTable,
  Filetype,
  fdFromReadableStream,
  fdFromWritableStream,
  memoryFd,
  RIGHTS_ALL,
  Rights,
  SharedMemoryObject,
  typeRights,
} from '../src/index.js';
import { fdFromReadable, fdFromWritable } from '../src/node.js';
import { read, run, write } from './helpers.js';

const text = (x: Uint8Array | Err | number) => (x instanceof Uint8Array ? new TextDecoder().decode(x) : x);

describe('fd table', () => {
  it('allocates the lowest free number, narrows rights by type, enforces the limit', () => {
    const t = new FdTable(3);
    const sink = bufferSink();
    expect(t.insert(sink, { base: RIGHTS_ALL, inheriting: RIGHTS_ALL })).toBe(0);
    expect(t.peek(0)!.base).toBe(typeRights(Filetype.CHARACTER_DEVICE, true).base);
    expect(t.insert(memoryFd('x'))).toBe(1);
    expect(t.dup(0)).toBe(2);
    expect((t.insert(memoryFd('y')) as Err).errno).toBe(Errno.EMFILE);
    expect(t.close(1)).toBe(0);
    expect(t.insert(memoryFd('z'))).toBe(1);
    expect((t.get(0, Rights.FD_READ | Rights.PROC_EXEC) as Err).errno).toBe(Errno.ENOTCAPABLE);
    expect((t.get(7) as Err).errno).toBe(Errno.EBADF);
    expect(t.replace(1, 5)).toBe(Errno.EBADF);
    expect(t.numbers()).toEqual([0, 1, 2]);
    const copy = t.clone();
    t.closeAll();
    expect(t.size).toBe(0);
    expect(copy.size).toBe(3);
  });

  it('checks 64-bit rights: PROC_EXEC (bit 32) is not bit 0', () => {
    const t = new FdTable(4);
    const fd = t.insert(memoryFd('x'), { base: Rights.PROC_EXEC, inheriting: 0n }) as number;
    expect(t.get(fd, Rights.PROC_EXEC)).not.toBeInstanceOf(Err);
    expect((t.get(fd, Rights.FD_DATASYNC) as Err).errno).toBe(Errno.ENOTCAPABLE);
  });
});

describe('pipes and socket pairs', () => {
  it('a FIFO reads what was written, EAGAIN when empty, EOF after the writer closes, EPIPE without reader', () => {
    const [r, w] = createPipe(8);
    r.retain();
    w.retain();
    expect((r.read(4) as Err).errno).toBe(Errno.EAGAIN);
    expect(w.write(new TextEncoder().encode('0123456789'))).toBe(8);
    expect((w.write(new Uint8Array(1)) as Err).errno).toBe(Errno.EAGAIN);
    expect(r.readiness('read')).toEqual({ ready: true, nbytes: 8, hangup: false });
    expect(text(r.read(5))).toBe('01234');
    w.release();
    expect(r.readiness('read').hangup).toBe(true);
    expect(text(r.read(10))).toBe('567');
    expect((r.read(10) as Uint8Array).length).toBe(0);
    const [r2, w2] = createPipe();
    r2.retain();
    w2.retain();
    r2.release();
    expect((w2.write(new Uint8Array(1)) as Err).errno).toBe(Errno.EPIPE);
    expect(w2.readiness('write')).toEqual({ ready: true, nbytes: 0, hangup: true });
  });

  it('stream pairs are bidirectional; datagram pairs keep message boundaries', () => {
    const [a, b] = createStreamSocketPair();
    a.retain();
    b.retain();
    a.write(new TextEncoder().encode('ab'));
    b.write(new TextEncoder().encode('cd'));
    expect(text(b.read(10))).toBe('ab');
    expect(text(a.read(10))).toBe('cd');
    const [x, y] = createDatagramSocketPair(Filetype.SOCKET_DGRAM, 10);
    expect((x.write(new Uint8Array(11)) as Err).errno).toBe(Errno.EMSGSIZE);
    x.write(new TextEncoder().encode('one'));
    x.write(new TextEncoder().encode('two'));
    expect(text(y.read(2))).toBe('on');
    expect(text(y.read(10))).toBe('two');
  });

  it('notifies subscribers on readiness changes', () => {
    const [r, w] = createPipe();
    r.retain();
    w.retain();
    let calls = 0;
    const off = r.subscribe(() => calls++);
    w.write(new Uint8Array(3));
    off();
    w.write(new Uint8Array(3));
    expect(calls).toBe(1);
  });
});

describe('memory objects', () => {
  it('memoryFd seeks, reads, writes only when writable; shared memory grows', () => {
    const f = memoryFd('hello');
    expect(text(f.read(2))).toBe('he');
    expect(f.seek(-1, 2)).toBe(4);
    expect(text(f.read(9))).toBe('o');
    expect((f.write(new Uint8Array(1)) as Err).errno).toBe(Errno.EBADF);
    const w = memoryFd('', { writable: true });
    w.write(new TextEncoder().encode('abc'));
    expect(text(w.pread(10, 1))).toBe('bc');
    expect(w.truncate(1)).toBe(0);
    expect(text(w.contents())).toBe('a');
    const shm = new SharedMemoryObject();
    expect(shm.truncate(4096)).toBe(0);
    expect(shm.backing.size).toBe(4096);
    expect(shm.truncate(-1)).toBe(Errno.EFBIG);
  });

  it('bufferSink keeps output and enforces its limit', () => {
    const s = bufferSink(4);
    expect(s.write(new TextEncoder().encode('abc'))).toBe(3);
    expect((s.write(new TextEncoder().encode('de')) as Err).errno).toBe(Errno.ENOSPC);
    expect(s.text()).toBe('abc');
  });
});

describe('host streams', () => {
  it('callbackFd input and output', async () => {
    const chunks = ['one', 'two', null];
    const input = callbackFd({ read: () => chunks.shift() ?? null });
    const got: string[] = [];
    const output = callbackFd({
      write: async (d) => {
        got.push(new TextDecoder().decode(d));
      },
    });
    const status = await run(
      function* (g) {
        let all = '';
        for (;;) {
          const [r, d] = yield* read(g, 0, 64);
          if (r.cf) yield g.sys('proc_exit', 1);
          if (d.length === 0) break;
          all += new TextDecoder().decode(d);
        }
        const w = yield* write(g, 1, all.toUpperCase());
        yield g.sys('proc_exit', w.cf ? 2 : 0);
      },
      { fds: [input, output] },
    );
    expect(status).toEqual({ exitCode: 0 });
    expect(got.join('')).toBe('ONETWO');
  });

  it('Web streams and Node streams', async () => {
    const source = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('web '));
        c.enqueue(new TextEncoder().encode('stream'));
        c.close();
      },
    });
    const collected: string[] = [];
    const dest = new WritableStream<Uint8Array>({
      write(chunk) {
        collected.push(new TextDecoder().decode(chunk));
      },
    });
    const nodeOut = new PassThrough();
    const nodeChunks: string[] = [];
    nodeOut.on('data', (c: Buffer) => nodeChunks.push(c.toString()));
    const status = await run(
      function* (g) {
        let all = '';
        for (const fd of [0, 2]) {
          for (;;) {
            const [r, d] = yield* read(g, fd, 3);
            if (r.cf) yield g.sys('proc_exit', 1);
            if (d.length === 0) break;
            all += new TextDecoder().decode(d);
          }
        }
        yield* write(g, 1, all);
        yield* write(g, 3, all.length.toString());
        yield g.sys('proc_exit', 0);
      },
      {
        fds: [
          fdFromReadableStream(source),
          fdFromWritableStream(dest),
          fdFromReadable(Readable.from([Buffer.from(' and node')])),
          fdFromWritable(nodeOut),
        ],
      },
    );
    expect(status).toEqual({ exitCode: 0 });
    expect(collected.join('')).toBe('web stream and node');
    expect(nodeChunks.join('')).toBe('19');
  });
});
