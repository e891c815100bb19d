import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Errno, Filetype, Rights } from '../../src/abi.js';
import { isErr } from '../../src/errors.js';
import type { FdObject } from '../../src/fd-object.js';
import {
  hostSocket,
  type NetDatagramFd,
  type NetListenFd,
  type NetStreamFd,
} from '../../src/host-node/index.js';
import { memoryDirectory } from '../../src/memory.js';
import { createDatagramSocketPair, createStreamSocketPair } from '../../src/objects/pipe.js';
import { typeRights } from '../../src/rights.js';
import { fd_write } from '../../src/syscalls/fd.js';
import {
  sock_accept,
  sock_listen,
  sock_recv,
  sock_send,
  sock_shutdown,
  sock_stat_get,
} from '../../src/syscalls/sock.js';
import { Harness } from './harness.js';

const SOCK = typeRights(Filetype.SOCKET_STREAM);

function sendIn(h: Harness, data: string, fds: number[]): number {
  const [buf, len] = h.bytes(data);
  const iov = h.alloc(16);
  h.memory.dv.setBigUint64(iov, BigInt(buf), true);
  h.memory.dv.setBigUint64(iov + 8, BigInt(len), true);
  const fdArr = h.alloc(Math.max(4, fds.length * 4));
  for (const [i, fd] of fds.entries()) h.memory.dv.setUint32(fdArr + i * 4, fd, true);
  const si = h.alloc(40);
  h.memory.dv.setBigUint64(si, BigInt(iov), true);
  h.memory.dv.setBigUint64(si + 8, 1n, true);
  h.memory.dv.setBigUint64(si + 16, BigInt(fdArr), true);
  h.memory.dv.setBigUint64(si + 24, BigInt(fds.length), true);
  return si;
}

function recvIn(h: Harness, len: number, nfds: number, flags = 0): { ri: number; buf: number; fds: number } {
  const buf = h.alloc(Math.max(1, len));
  const iov = h.alloc(16);
  h.memory.dv.setBigUint64(iov, BigInt(buf), true);
  h.memory.dv.setBigUint64(iov + 8, BigInt(len), true);
  const fds = h.alloc(Math.max(4, nfds * 4));
  const ri = h.alloc(40);
  h.memory.dv.setBigUint64(ri, BigInt(iov), true);
  h.memory.dv.setBigUint64(ri + 8, 1n, true);
  h.memory.dv.setBigUint64(ri + 16, BigInt(fds), true);
  h.memory.dv.setBigUint64(ri + 24, BigInt(nfds), true);
  h.memory.dv.setUint16(ri + 32, flags, true);
  return { ri, buf, fds };
}

function out(h: Harness, ro: number) {
  return {
    datalen: Number(h.memory.dv.getBigUint64(ro, true)),
    fdslen: Number(h.memory.dv.getBigUint64(ro + 8, true)),
    flags: h.memory.dv.getUint16(ro + 56, true),
  };
}

describe('sock_send / sock_recv on socket pairs', () => {
  it('passes fds with the sender rights; FDS_TRUNCATED closes what does not fit', async () => {
    const h = new Harness();
    const [a, b] = createStreamSocketPair();
    const fa = h.add(a, SOCK.base, SOCK.inheriting);
    const fb = h.add(b, SOCK.base, SOCK.inheriting);
    const dir = memoryDirectory();
    const narrowed = Rights.FILE_OPEN | Rights.FILE_READDIR;
    const fdir = h.add(dir, narrowed, Rights.FD_READ);
    const [c] = createStreamSocketPair();
    const fc = h.add(c, SOCK.base, SOCK.inheriting);
    const so = h.alloc(8);
    expect(await h.call(sock_send, fa, sendIn(h, 'xy', [fdir, fc]), so)).toBe(0);
    expect(h.memory.dv.getBigUint64(so, true)).toBe(2n);
    // The passed objects stay alive after the sender closes its fds.
    h.fds.close(fdir);
    h.fds.close(fc);
    const r = recvIn(h, 10, 1);
    const ro = h.alloc(64);
    expect(await h.call(sock_recv, fb, r.ri, ro)).toBe(0);
    expect(out(h, ro)).toEqual({ datalen: 2, fdslen: 1, flags: 1 });
    const got = h.memory.dv.getUint32(r.fds, true);
    const entry = h.fds.peek(got);
    expect(entry?.object).toBe(dir);
    expect(entry?.base).toBe(narrowed);
    expect(entry?.inheriting).toBe(Rights.FD_READ);
    // The fd that did not fit was closed: its socket's peer sees end of stream.
    expect(c.references).toBe(0);
  });

  it('delivers fds with the bytes sent after them, PEEK leaves data queued, WAITALL gathers', async () => {
    const h = new Harness();
    const [a, b] = createStreamSocketPair();
    const fa = h.add(a, SOCK.base, SOCK.inheriting);
    const fb = h.add(b, SOCK.base, SOCK.inheriting);
    const f = h.add(memoryDirectory());
    const so = h.alloc(8);
    await h.call(sock_send, fa, sendIn(h, 'one', []), so);
    await h.call(sock_send, fa, sendIn(h, 'two', [f]), so);
    const ro = h.alloc(64);
    const p = recvIn(h, 10, 1, 0x4);
    expect(await h.call(sock_recv, fb, p.ri, ro)).toBe(0);
    expect(out(h, ro)).toEqual({ datalen: 3, fdslen: 0, flags: 0 });
    const r1 = recvIn(h, 10, 1);
    expect(await h.call(sock_recv, fb, r1.ri, ro)).toBe(0);
    expect(new TextDecoder().decode(h.u8(r1.buf, out(h, ro).datalen))).toBe('one');
    expect(out(h, ro).fdslen).toBe(0);
    const r2 = recvIn(h, 10, 1);
    expect(await h.call(sock_recv, fb, r2.ri, ro)).toBe(0);
    expect(out(h, ro)).toEqual({ datalen: 3, fdslen: 1, flags: 0 });
    // WAITALL: the second half arrives later.
    const w = recvIn(h, 6, 0, 0x10);
    await h.call(sock_send, fa, sendIn(h, 'abc', []), so);
    const pending = h.call(sock_recv, fb, w.ri, ro);
    setTimeout(() => void h.call(sock_send, fa, sendIn(h, 'def', []), h.alloc(8)), 10);
    expect(await pending).toBe(0);
    expect(new TextDecoder().decode(h.u8(w.buf, 6))).toBe('abcdef');
  });

  it('fds still in flight are released when the receiving end closes', async () => {
    for (const make of [createStreamSocketPair, () => createDatagramSocketPair()]) {
      const h = new Harness();
      const [a, b] = make();
      const fa = h.add(a);
      const fb = h.add(b);
      const [c] = createStreamSocketPair();
      const fc = h.add(c);
      expect(await h.call(sock_send, fa, sendIn(h, 'z', [fc]), h.alloc(8))).toBe(0);
      h.fds.close(fc);
      expect(c.references).toBe(1);
      h.fds.close(fb);
      expect(c.references).toBe(0);
    }
  });

  it('datagrams: fds travel with the message, DATA_TRUNCATED; errors', async () => {
    const h = new Harness();
    const [a, b] = createDatagramSocketPair();
    const fa = h.add(a);
    const fb = h.add(b);
    const f = h.add(memoryDirectory());
    const so = h.alloc(8);
    expect(await h.call(sock_send, fa, sendIn(h, 'message', [f]), so)).toBe(0);
    const r = recvIn(h, 3, 4);
    const ro = h.alloc(64);
    expect(await h.call(sock_recv, fb, r.ri, ro)).toBe(0);
    expect(out(h, ro)).toEqual({ datalen: 3, fdslen: 1, flags: 8 });
    // WAITALL does not join datagrams.
    await h.call(sock_send, fa, sendIn(h, 'ab', []), so);
    await h.call(sock_send, fa, sendIn(h, 'cd', []), so);
    const w = recvIn(h, 4, 0, 0x10);
    expect(await h.call(sock_recv, fb, w.ri, ro)).toBe(0);
    expect(out(h, ro).datalen).toBe(2);
    expect(await h.call(sock_send, fa, sendIn(h, 'x', [999]), so)).toBe(Errno.EBADF);
    const dir = h.add(memoryDirectory());
    expect(await h.call(sock_send, dir, sendIn(h, 'x', []), so)).toBe(Errno.ENOTCAPABLE);
    expect(await h.call(sock_shutdown, fa, 0)).toBe(Errno.EINVAL);
    expect(await h.call(sock_shutdown, fa, 2)).toBe(0);
    const rights = h.add(b, SOCK.base & ~Rights.FD_READ, 0n);
    expect(await h.call(sock_recv, rights, r.ri, ro)).toBe(Errno.ENOTCAPABLE);
    expect(await h.call(sock_recv, fb, 0, ro)).toBe(Errno.EFAULT);
    // FreeBSD uipc_listen: a datagram socket cannot listen (EOPNOTSUPP).
    const fl = h.add(a, typeRights(Filetype.SOCKET_DGRAM).base);
    expect(await h.call(sock_listen, fl, 5)).toBe(Errno.ENOTSUP);
    expect(await h.call(sock_listen, fa, 5)).toBe(Errno.ENOTCAPABLE);
  });

  it('datagrams: a zero-length fd_write sends an empty datagram', async () => {
    const h = new Harness();
    const [a, b] = createDatagramSocketPair();
    const fa = h.add(a);
    const fb = h.add(b);
    const iov = h.alloc(16);
    h.memory.dv.setBigUint64(iov, BigInt(h.alloc(8)), true);
    h.memory.dv.setBigUint64(iov + 8, 0n, true);
    expect(await h.call(fd_write, fa, iov, 1)).toBe(0);
    expect(h.thread.ret0).toBe(0);
    expect(b.readiness('read')).toEqual({ ready: true, nbytes: 0, hangup: false });
    const so = h.alloc(8);
    await h.call(sock_send, fa, sendIn(h, 'ab', []), so);
    const ro = h.alloc(64);
    const r = recvIn(h, 4, 0);
    expect(await h.call(sock_recv, fb, r.ri, ro)).toBe(0);
    expect(out(h, ro).datalen).toBe(0);
    expect(await h.call(sock_recv, fb, r.ri, ro)).toBe(0);
    expect(out(h, ro).datalen).toBe(2);
    // Stream sockets: a zero-length write stays a no-op.
    const [s1, s2] = createStreamSocketPair();
    expect(await h.call(fd_write, h.add(s1), iov, 1)).toBe(0);
    expect(s2.readiness('read').ready).toBe(false);
  });
});

describe('host sockets (node:net)', () => {
  it('a listening Unix socket: poll readiness, legacy sock_accept, sock_stat_get, HANGUP', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabi-sock-'));
    const where = path.join(dir, 's');
    const listener = (await hostSocket({
      type: 'stream',
      bind: { kind: 'unix', path: where },
    })) as NetListenFd;
    const h = new Harness();
    const fl = h.add(listener, SOCK.base, SOCK.inheriting);
    expect(listener.readiness('read').ready).toBe(false);
    const st = h.alloc(48);
    expect(await h.call(sock_stat_get, fl, st, 0)).toBe(0);
    expect(h.memory.dv.getUint32(st + 44, true)).toBe(1);
    expect(h.memory.u8[st]).toBe(3);
    expect(await h.call(sock_listen, fl, 5)).toBe(0);
    // A listening socket has no connection: recv (PEEK too), send and shutdown are ENOTCONN.
    const peekIn = recvIn(h, 4, 0, 0x4);
    expect(await h.call(sock_recv, fl, peekIn.ri, h.alloc(64))).toBe(Errno.ENOTCONN);
    expect(await h.call(sock_send, fl, sendIn(h, 'x', []), h.alloc(8))).toBe(Errno.ENOTCONN);
    expect(await h.call(sock_shutdown, fl, 2)).toBe(Errno.ENOTCONN);
    const client = net.connect({ path: where });
    const pending = h.call(sock_accept, fl, 0);
    expect(await pending).toBe(0);
    const conn = h.fds.peek(Number(h.thread.ret0))?.object as NetStreamFd;
    expect(conn.filetype).toBe(Filetype.SOCKET_STREAM);
    client.write('ping');
    const r = recvIn(h, 10, 0);
    const ro = h.alloc(64);
    expect(await h.call(sock_recv, Number(h.thread.ret0), r.ri, ro)).toBe(0);
    expect(new TextDecoder().decode(h.u8(r.buf, 4))).toBe('ping');
    client.end();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(conn.readiness('read')).toMatchObject({ ready: true, hangup: true });
    client.destroy();
    h.fds.closeAll();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a connected TCP socket echoes through an in-kernel peer; errors are one line naming the address', async () => {
    const server = net.createServer((s) => s.pipe(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const sock = (await hostSocket({
      type: 'stream',
      connect: { kind: 'inet', host: '127.0.0.1', port },
    })) as FdObject;
    expect(await sock.write(new TextEncoder().encode('hello'))).toBe(5);
    let got: Uint8Array | null = null;
    for (let i = 0; i < 100 && !got; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const r = await sock.read(10);
      if (!isErr(r)) got = r;
    }
    expect(new TextDecoder().decode(got ?? new Uint8Array())).toBe('hello');
    sock.retain();
    sock.release();
    server.close();
    await expect(
      hostSocket({ type: 'stream', connect: { kind: 'inet', host: '127.0.0.1', port: 1 } }),
    ).rejects.toThrow(/^socket 127\.0\.0\.1:1: ECONNREFUSED$/);
    await expect(
      hostSocket({ type: 'seqpacket', bind: { kind: 'inet', host: '127.0.0.1', port: 0 } }),
    ).rejects.toThrow(/not supported/);
    await expect(hostSocket({ type: 'dgram', bind: { kind: 'unix', path: '/tmp/x' } })).rejects.toThrow(
      /not supported/,
    );
  });
});

describe('host UDP sockets', () => {
  it('bound: receives datagrams with boundaries and DATA_TRUNCATED; connected: exchanges with its peer', async () => {
    const bound = (await hostSocket({
      type: 'dgram',
      bind: { kind: 'inet', host: '127.0.0.1', port: 0 },
    })) as NetDatagramFd;
    const h = new Harness();
    const fd = h.add(bound);
    const client = dgram.createSocket('udp4');
    client.send('first', bound.port as number, '127.0.0.1');
    client.send('second datagram', bound.port as number, '127.0.0.1');
    const ro = h.alloc(64);
    const r1 = recvIn(h, 100, 0);
    expect(await h.call(sock_recv, fd, r1.ri, ro)).toBe(0);
    expect(new TextDecoder().decode(h.u8(r1.buf, out(h, ro).datalen))).toBe('first');
    const r2 = recvIn(h, 6, 0);
    expect(await h.call(sock_recv, fd, r2.ri, ro)).toBe(0);
    expect(out(h, ro)).toEqual({ datalen: 6, fdslen: 0, flags: 8 });
    // Sending needs a peer.
    expect(await h.call(sock_send, fd, sendIn(h, 'x', []), h.alloc(8))).toBe(Errno.EDESTADDRREQ);
    const peer = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', () => resolve()));
    peer.on('message', (m, from) => peer.send(Buffer.from(`echo ${m}`), from.port, from.address));
    const connected = await hostSocket({
      type: 'dgram',
      connect: { kind: 'inet', host: '127.0.0.1', port: peer.address().port },
    });
    const cfd = h.add(connected);
    expect(await h.call(sock_send, cfd, sendIn(h, 'ping', []), h.alloc(8))).toBe(0);
    const r3 = recvIn(h, 100, 0);
    expect(await h.call(sock_recv, cfd, r3.ri, ro)).toBe(0);
    expect(new TextDecoder().decode(h.u8(r3.buf, out(h, ro).datalen))).toBe('echo ping');
    h.fds.closeAll();
    client.close();
    peer.close();
  });
});
