/**
 * The legacy (2015–2017) part-2 calls through their syscall handlers: file_create(FIFO),
 * fd_create1 with socket types, sock_bind/connect/listen/accept/stat_get with their legacy
 * rights, on the memory backend (connections within the kernel) and the Node backend (real host
 * Unix sockets a host process can reach).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Errno, Fdflags, Filetype, RIGHTS_ALL, Rights } from '../../src/abi.js';
import { FdObject } from '../../src/fd-object.js';
import { nodeHost } from '../../src/host-node/index.js';
import { memoryDirectory } from '../../src/memory.js';
import type { Thread } from '../../src/process.js';
import { typeRights } from '../../src/rights.js';
import { UnixDatagramFd, UnixSocketFd } from '../../src/sock/unix.js';
import { fd_create1, fd_create2, fd_read, fd_stat_get, fd_write } from '../../src/syscalls/fd.js';
import { file_create, file_open, file_stat_get } from '../../src/syscalls/file-path.js';
import {
  sock_accept,
  sock_bind,
  sock_connect,
  sock_listen,
  sock_recv,
  sock_send,
  sock_shutdown,
  sock_stat_get,
} from '../../src/syscalls/sock.js';
import { DirectoryFd } from '../../src/vfs/objects.js';
import { openAt, statAt } from '../../src/vfs/ops.js';
import { fdstat, Harness } from './harness.js';

const DIR = typeRights(Filetype.DIRECTORY);
const SOCK = typeRights(Filetype.SOCKET_STREAM);
const VDSO = 0x7000_0000;

/** A harness whose calls look like raw legacy `syscall`s (or vDSO calls with `head`). */
function harness(head = false): Harness {
  const h = new Harness();
  const t = h.thread as unknown as { cpu: { rip: number }; process: { vdsoBase: number; vdsoEnd: number } };
  t.cpu = { rip: head ? VDSO + 0x12 : 0x401002 };
  t.process.vdsoBase = VDSO;
  t.process.vdsoEnd = VDSO + 0x1000;
  return h;
}

function iov(h: Harness, buf: number, len: number): number {
  const v = h.alloc(16);
  h.memory.dv.setBigUint64(v, BigInt(buf), true);
  h.memory.dv.setBigUint64(v + 8, BigInt(len), true);
  return v;
}

async function write(h: Harness, fd: number, text: string): Promise<number> {
  const [buf, len] = h.bytes(text);
  const e = await h.call(fd_write, fd, iov(h, buf, len), 1);
  return e === 0 ? Number(h.thread.ret0) : -e;
}

async function read(h: Harness, fd: number, len = 64): Promise<string | number> {
  const buf = h.alloc(len);
  const e = await h.call(fd_read, fd, iov(h, buf, len), 1);
  return e === 0 ? new TextDecoder().decode(h.u8(buf, Number(h.thread.ret0))) : -e;
}

async function socket(h: Harness, rights?: bigint): Promise<number> {
  expect(await h.call(fd_create1, Filetype.SOCKET_STREAM)).toBe(0);
  const fd = Number(h.thread.ret0);
  if (rights !== undefined) {
    const e = h.fds.peek(fd);
    if (e) e.base = rights;
  }
  return fd;
}

async function callPath(
  h: Harness,
  handler: typeof sock_bind,
  sock: number,
  dir: number,
  p: string,
): Promise<number> {
  return h.call(handler, sock, dir, ...h.bytes(p));
}

describe('legacy file_create(FIFO) through the handlers', () => {
  it('creates a FIFO; file_open gives FIFO ends with pipe semantics; a killed waiting open is released', async () => {
    const h = harness();
    const dir = h.add(memoryDirectory(), DIR.base, DIR.inheriting);
    expect(await h.call(file_create, dir, ...h.bytes('p'), Filetype.FIFO)).toBe(0);
    expect(await h.call(file_create, dir, ...h.bytes('p'), Filetype.FIFO)).toBe(Errno.EEXIST);
    expect(await h.call(file_create, dir, ...h.bytes('x'), Filetype.REGULAR_FILE)).toBe(Errno.EINVAL);
    const st = h.alloc(56);
    expect(await h.call(file_stat_get, dir, ...h.bytes('p'), st)).toBe(0);
    expect(h.memory.u8[st + 16]).toBe(Filetype.FIFO);
    const nb = Fdflags.NONBLOCK;
    expect(await h.call(file_open, dir, ...h.bytes('p'), 0, fdstat(h, nb, Rights.FD_WRITE, 0n))).toBe(
      Errno.ENXIO,
    );
    expect(await h.call(file_open, dir, ...h.bytes('p'), 0, fdstat(h, nb, Rights.FD_READ, 0n))).toBe(0);
    const r = Number(h.thread.ret0);
    expect(await h.call(file_open, dir, ...h.bytes('p'), 0, fdstat(h, 0, Rights.FD_WRITE, 0n))).toBe(0);
    const w = Number(h.thread.ret0);
    const fst = h.alloc(24);
    expect(await h.call(fd_stat_get, w, fst)).toBe(0);
    expect(h.memory.u8[fst]).toBe(Filetype.FIFO);
    expect(h.memory.dv.getBigUint64(fst + 8, true)).toBe(Rights.FD_WRITE);
    expect(await write(h, w, 'hello')).toBe(5);
    expect(await read(h, r)).toBe('hello');
    expect(await read(h, w)).toBe(-Errno.ENOTCAPABLE);
    h.fds.close(w);
    expect(await read(h, r)).toBe('');
    h.fds.close(r);
    // A blocking open for writing waits for a reader; killing the thread abandons it.
    const pending = h.call(file_open, dir, ...h.bytes('p'), 0, fdstat(h, 0, Rights.FD_WRITE, 0n));
    const cancel = (h.thread as Thread).cancelWait;
    expect(cancel).toBeTypeOf('function');
    cancel?.();
    expect(await pending).toBe(Errno.EINTR);
    // No writer was left behind: a non-blocking reader sees end of file at once.
    expect(await h.call(file_open, dir, ...h.bytes('p'), 0, fdstat(h, nb, Rights.FD_READ, 0n))).toBe(0);
    expect(await read(h, Number(h.thread.ret0))).toBe('');
    // Without FILE_CREATE_FIFO: ENOTCAPABLE; on a file: ENOTDIR.
    const narrowed = h.add(memoryDirectory(), DIR.base & ~Rights.FILE_CREATE_FIFO, 0n);
    expect(await h.call(file_create, narrowed, ...h.bytes('q'), Filetype.FIFO)).toBe(Errno.ENOTCAPABLE);
  });
});

describe('legacy fd_create1 sockets and fd_stat_get', () => {
  it('creates unbound sockets only through the legacy numbering; HEAD callers see HEAD rights', async () => {
    const legacy = harness();
    expect(await legacy.call(fd_create1, Filetype.SOCKET_STREAM)).toBe(0);
    const s = Number(legacy.thread.ret0);
    expect(legacy.fds.peek(s)?.object).toBeInstanceOf(UnixSocketFd);
    expect(await legacy.call(fd_create1, Filetype.SOCKET_SEQPACKET)).toBe(0);
    expect(await legacy.call(fd_create1, Filetype.SOCKET_DGRAM)).toBe(0);
    expect(legacy.fds.peek(Number(legacy.thread.ret0))?.object).toBeInstanceOf(UnixDatagramFd);
    expect(await legacy.call(fd_create1, Filetype.REGULAR_FILE)).toBe(Errno.EINVAL);
    const st = legacy.alloc(24);
    expect(await legacy.call(fd_stat_get, s, st)).toBe(0);
    expect(legacy.memory.dv.getBigUint64(st + 8, true)).toBe(SOCK.base);
    expect(SOCK.base & Rights.SOCK_BIND_SOCKET).toBe(Rights.SOCK_BIND_SOCKET);
    const head = harness(true);
    expect(await head.call(fd_create1, Filetype.SOCKET_STREAM)).toBe(Errno.EINVAL);
    // POLL objects went with poll_fd (2017-10-11): only the legacy numbering makes them.
    expect(await head.call(fd_create1, Filetype.POLL)).toBe(Errno.EINVAL);
    expect(await legacy.call(fd_create1, Filetype.POLL)).toBe(0);
    // Likewise one-way FIFO pipes and SEQPACKET pairs from fd_create2.
    for (const type of [Filetype.FIFO, Filetype.SOCKET_SEQPACKET]) {
      expect(await head.call(fd_create2, type)).toBe(Errno.EINVAL);
      expect(await legacy.call(fd_create2, type)).toBe(0);
    }
    const dir = head.add(memoryDirectory(), DIR.base, DIR.inheriting);
    const hst = head.alloc(24);
    expect(await head.call(fd_stat_get, dir, hst)).toBe(0);
    expect(head.memory.dv.getBigUint64(hst + 8, true)).toBe(DIR.base & RIGHTS_ALL);
    expect(head.memory.dv.getBigUint64(hst + 16, true)).toBe(DIR.inheriting & RIGHTS_ALL);
  });
});

describe('legacy sock_bind / sock_listen / sock_connect / sock_accept (memory backend)', () => {
  it('connects within the kernel; fds pass, PEEK, shutdown and HANGUP work on the connection', async () => {
    const h = harness();
    const dir = h.add(memoryDirectory(), DIR.base, DIR.inheriting);
    const server = await socket(h);
    const client = await socket(h);
    // FreeBSD order: path length, then the socket, then the directory.
    expect(await h.call(sock_bind, server, dir, 0x10, 104)).toBe(Errno.ENAMETOOLONG);
    // Rights are checked before the type (FreeBSD fget_cap): a directory lacks SOCK_BIND_SOCKET.
    expect(await callPath(h, sock_bind, dir, dir, 's')).toBe(Errno.ENOTCAPABLE);
    expect(await callPath(h, sock_bind, server, server, 's')).toBe(Errno.ENOTCAPABLE);
    expect(await callPath(h, sock_listen, server, 5, '')).toBe(Errno.EINVAL);
    expect(await callPath(h, sock_bind, server, dir, 's')).toBe(0);
    expect(await callPath(h, sock_bind, server, dir, 't')).toBe(Errno.EINVAL);
    expect(await callPath(h, sock_connect, client, dir, 's')).toBe(Errno.ECONNREFUSED);
    expect(await h.call(sock_listen, server, 1)).toBe(0);
    const ss = h.alloc(48);
    expect(await h.call(sock_stat_get, server, ss, 0)).toBe(0);
    expect(h.memory.dv.getUint32(ss + 44, true)).toBe(1);
    expect(h.memory.u8[ss]).toBe(3);
    expect(await callPath(h, sock_connect, client, dir, 's')).toBe(0);
    expect(await callPath(h, sock_connect, client, dir, 's')).toBe(Errno.EISCONN);
    expect(await callPath(h, sock_connect, server, dir, 's')).toBe(Errno.ENOTSUP);
    // The backlog: FreeBSD admits up to 3/2 of it (plus one) pending connections.
    const extra = [await socket(h), await socket(h), await socket(h)];
    expect(await callPath(h, sock_connect, extra[0] as number, dir, 's')).toBe(0);
    expect(await callPath(h, sock_connect, extra[1] as number, dir, 's')).toBe(Errno.ECONNREFUSED);
    const acc = h.alloc(48);
    expect(await h.call(sock_accept, server, acc)).toBe(0);
    const conn = Number(h.thread.ret0);
    expect(h.memory.u8[acc + 20]).toBe(3);
    expect(await h.call(sock_accept, server, 0)).toBe(0);
    // Data and fd passing through the connection; the passed fd keeps the sender's rights.
    const [buf, len] = h.bytes('ping');
    const fdArr = h.alloc(4);
    h.memory.dv.setUint32(fdArr, dir, true);
    const si = h.alloc(40);
    h.memory.dv.setBigUint64(si, BigInt(iov(h, buf, len)), true);
    h.memory.dv.setBigUint64(si + 8, 1n, true);
    h.memory.dv.setBigUint64(si + 16, BigInt(fdArr), true);
    h.memory.dv.setBigUint64(si + 24, 1n, true);
    expect(await h.call(sock_send, client, si, h.alloc(8))).toBe(0);
    const rbuf = h.alloc(16);
    const rfds = h.alloc(8);
    const ri = h.alloc(40);
    h.memory.dv.setBigUint64(ri, BigInt(iov(h, rbuf, 16)), true);
    h.memory.dv.setBigUint64(ri + 8, 1n, true);
    h.memory.dv.setBigUint64(ri + 16, BigInt(rfds), true);
    h.memory.dv.setBigUint64(ri + 24, 2n, true);
    h.memory.dv.setUint16(ri + 32, 0x4, true); // PEEK
    const ro = h.alloc(64);
    expect(await h.call(sock_recv, conn, ri, ro)).toBe(0);
    expect(h.memory.dv.getBigUint64(ro, true)).toBe(4n);
    h.memory.dv.setUint16(ri + 32, 0, true);
    expect(await h.call(sock_recv, conn, ri, ro)).toBe(0);
    expect(new TextDecoder().decode(h.u8(rbuf, 4))).toBe('ping');
    expect(h.memory.dv.getBigUint64(ro + 8, true)).toBe(1n);
    const passed = h.fds.peek(h.memory.dv.getUint32(rfds, true));
    expect(passed?.object).toBeInstanceOf(DirectoryFd);
    expect(passed?.base).toBe(DIR.base);
    // Shutdown of the writing side: the peer reads end of file and sees HANGUP.
    expect(await h.call(sock_shutdown, client, 2)).toBe(0);
    expect(await read(h, conn)).toBe('');
    expect(h.fds.peek(conn)?.object.readiness('read').hangup).toBe(true);
    expect(await write(h, conn, 'back')).toBe(4);
    expect(await read(h, client)).toBe('back');
    h.fds.close(conn);
    expect(h.fds.peek(client)?.object.readiness('read')).toEqual({ ready: true, nbytes: 0, hangup: true });
    // An unconnected socket: ENOTCONN.
    const lone = await socket(h);
    expect(await read(h, lone)).toBe(-Errno.ENOTCONN);
    expect(await h.call(sock_shutdown, lone, 1)).toBe(Errno.ENOTCONN);
    // Seqpacket sockets only connect to seqpacket sockets.
    expect(await h.call(fd_create1, Filetype.SOCKET_SEQPACKET)).toBe(0);
    expect(await callPath(h, sock_connect, Number(h.thread.ret0), dir, 's')).toBe(Errno.EPROTOTYPE);
  });

  it('each legacy right is required', async () => {
    const rights: [typeof sock_bind, bigint, bigint][] = [
      [sock_bind, Rights.SOCK_BIND_SOCKET, Rights.SOCK_BIND_DIRECTORY],
      [sock_connect, Rights.SOCK_CONNECT_SOCKET, Rights.SOCK_CONNECT_DIRECTORY],
    ];
    for (const [handler, onSocket, onDir] of rights) {
      const h = harness();
      const dir = h.add(memoryDirectory(), DIR.base & ~onDir, 0n);
      const full = h.add(memoryDirectory(), DIR.base, 0n);
      expect(await callPath(h, handler, await socket(h, SOCK.base & ~onSocket), full, 's')).toBe(
        Errno.ENOTCAPABLE,
      );
      expect(await callPath(h, handler, await socket(h), dir, 's')).toBe(Errno.ENOTCAPABLE);
    }
    const h = harness();
    expect(await h.call(sock_listen, await socket(h, SOCK.base & ~Rights.SOCK_LISTEN), 1)).toBe(
      Errno.ENOTCAPABLE,
    );
    expect(await h.call(sock_accept, await socket(h, SOCK.base & ~Rights.SOCK_ACCEPT), 0)).toBe(
      Errno.ENOTCAPABLE,
    );
    expect(
      await h.call(sock_stat_get, await socket(h, SOCK.base & ~Rights.SOCK_STAT_GET), h.alloc(48), 0),
    ).toBe(Errno.ENOTCAPABLE);
    expect(await h.call(sock_accept, await socket(h), 0)).toBe(Errno.EINVAL);
  });
});

describe('legacy Unix datagram sockets (memory backend)', () => {
  it('bound receives from connected senders; DATA_TRUNCATED and fds; ECONNRESET then ENOTCONN once the receiver closes', async () => {
    const h = harness();
    const dir = h.add(memoryDirectory(), DIR.base, DIR.inheriting);
    const dgram = async (): Promise<number> => {
      expect(await h.call(fd_create1, Filetype.SOCKET_DGRAM)).toBe(0);
      return Number(h.thread.ret0);
    };
    const receiver = await dgram();
    const sender = await dgram();
    const other = await dgram();
    expect(await callPath(h, sock_bind, receiver, dir, 'd')).toBe(0);
    expect(await h.call(sock_listen, receiver, 1)).toBe(Errno.ENOTSUP);
    expect(await write(h, sender, 'early')).toBe(-Errno.ENOTCONN);
    expect(await h.call(sock_shutdown, sender, 1)).toBe(Errno.ENOTCONN);
    expect(await callPath(h, sock_connect, sender, dir, 'd')).toBe(0);
    expect(await callPath(h, sock_connect, other, dir, 'd')).toBe(0);
    // A stream socket's name is of another type.
    const stream = await socket(h);
    expect(await callPath(h, sock_bind, stream, dir, 's')).toBe(0);
    expect(await callPath(h, sock_connect, other, dir, 's')).toBe(Errno.EPROTOTYPE);
    // One message with an fd, then two more from two senders; boundaries are kept.
    const [buf, len] = h.bytes('one');
    const fdArr = h.alloc(4);
    h.memory.dv.setUint32(fdArr, dir, true);
    const si = h.alloc(40);
    h.memory.dv.setBigUint64(si, BigInt(iov(h, buf, len)), true);
    h.memory.dv.setBigUint64(si + 8, 1n, true);
    h.memory.dv.setBigUint64(si + 16, BigInt(fdArr), true);
    h.memory.dv.setBigUint64(si + 24, 1n, true);
    expect(await h.call(sock_send, sender, si, h.alloc(8))).toBe(0);
    expect(await write(h, other, 'two')).toBe(3);
    expect(await write(h, sender, 'three')).toBe(5);
    const rbuf = h.alloc(8);
    const rfds = h.alloc(4);
    const ri = h.alloc(40);
    h.memory.dv.setBigUint64(ri, BigInt(iov(h, rbuf, 2)), true);
    h.memory.dv.setBigUint64(ri + 8, 1n, true);
    h.memory.dv.setBigUint64(ri + 16, BigInt(rfds), true);
    h.memory.dv.setBigUint64(ri + 24, 1n, true);
    const ro = h.alloc(64);
    expect(await h.call(sock_recv, receiver, ri, ro)).toBe(0);
    expect(new TextDecoder().decode(h.u8(rbuf, 2))).toBe('on');
    expect(h.memory.dv.getUint16(ro + 56, true)).toBe(0x8);
    expect(h.memory.dv.getBigUint64(ro + 8, true)).toBe(1n);
    expect(h.fds.peek(h.memory.dv.getUint32(rfds, true))?.object).toBeInstanceOf(DirectoryFd);
    expect(await read(h, receiver)).toBe('two');
    expect(h.fds.peek(receiver)?.object.readiness('read')).toEqual({ ready: true, nbytes: 5, hangup: false });
    expect(await read(h, receiver)).toBe('three');
    const st = h.alloc(48);
    expect(await h.call(sock_stat_get, sender, st, 0)).toBe(0);
    expect([h.memory.u8[st], h.memory.u8[st + 20], h.memory.dv.getUint32(st + 44, true)]).toEqual([3, 3, 0]);
    h.fds.close(receiver);
    expect(await write(h, sender, 'late')).toBe(-Errno.ECONNRESET);
    expect(await write(h, sender, 'later')).toBe(-Errno.ENOTCONN);
    expect(await callPath(h, sock_connect, sender, dir, 'd')).toBe(Errno.ECONNREFUSED);
  });

  it('the Node backend cannot make host Unix datagram sockets: ENOTSUP', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cabi-dgram-'));
    const backend = nodeHost();
    const h = harness();
    const dir = h.add(new DirectoryFd<number>(backend, backend.openRoot(base)), DIR.base, DIR.inheriting);
    expect(await h.call(fd_create1, Filetype.SOCKET_DGRAM)).toBe(0);
    const d = Number(h.thread.ret0);
    expect(await callPath(h, sock_bind, d, dir, 'd')).toBe(Errno.ENOTSUP);
    const stream = await socket(h);
    expect(await callPath(h, sock_bind, stream, dir, 's')).toBe(0);
    expect(await callPath(h, sock_connect, d, dir, 's')).toBe(Errno.ENOTSUP);
    h.fds.closeAll();
    fs.rmSync(base, { recursive: true, force: true });
  });
});

describe('legacy Unix sockets on the Node backend (real host sockets)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('a host process connects to a guest-bound socket; the guest connects to a host server; long names work', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cabi-legacy-'));
    dirs.push(base);
    const long = 'n'.repeat(100);
    const deep = path.join(base, 'x'.repeat(120));
    fs.mkdirSync(deep);
    const backend = nodeHost();
    const h = harness();
    const dir = h.add(new DirectoryFd<number>(backend, backend.openRoot(deep)), DIR.base, DIR.inheriting);
    const server = await socket(h);
    expect(await callPath(h, sock_bind, server, dir, long)).toBe(0);
    expect(fs.lstatSync(path.join(deep, long)).isSocket()).toBe(true);
    expect(fs.readdirSync(deep)).toEqual([long]);
    expect(await h.call(sock_listen, server, 5)).toBe(0);
    // The host reaches the socket through a short symlink (its full path exceeds sun_path).
    const short = path.join(base, 'l');
    fs.symlinkSync(path.join(deep, long), short);
    const hostClient = net.connect({ path: short });
    hostClient.on('error', () => {});
    expect(await h.call(sock_accept, server, 0)).toBe(0);
    const conn = Number(h.thread.ret0);
    hostClient.write('from the host');
    expect(await read(h, conn)).toBe('from the host');
    const echoed = new Promise<string>((resolve) => hostClient.once('data', (d) => resolve(String(d))));
    expect(await write(h, conn, 'to the host')).toBe(11);
    expect(await echoed).toBe('to the host');
    hostClient.end();
    expect(await read(h, conn)).toBe('');
    // The guest connects to a host server through the directory.
    const hostServer = net.createServer((s) => s.end('hello guest'));
    // (Bound at a short path, then hard-linked into the long directory.)
    await new Promise<void>((resolve) => hostServer.listen(path.join(base, 'h'), resolve));
    fs.linkSync(path.join(base, 'h'), path.join(deep, 'host.sock'));
    const client = await socket(h);
    expect(await callPath(h, sock_connect, client, dir, 'host.sock')).toBe(0);
    expect(await read(h, client)).toBe('hello guest');
    h.fds.close(client);
    hostServer.close();
    // A file is ENOTSOCK; a closed socket's name remains and refuses (as on FreeBSD).
    fs.writeFileSync(path.join(deep, 'plain'), '');
    expect(await callPath(h, sock_connect, await socket(h), dir, 'plain')).toBe(Errno.ENOTSOCK);
    h.fds.close(server);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fs.lstatSync(path.join(deep, long)).isSocket()).toBe(true);
    expect(await callPath(h, sock_connect, await socket(h), dir, long)).toBe(Errno.ECONNREFUSED);
    expect(await callPath(h, sock_bind, await socket(h), dir, long)).toBe(Errno.EADDRINUSE);
    h.fds.closeAll();
  });

  it('a symlink to a socket outside the directory is never followed', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cabi-legacy-'));
    dirs.push(base);
    const jail = path.join(base, 'jail');
    fs.mkdirSync(jail);
    let reached = false;
    const outside = net.createServer((s) => {
      reached = true;
      s.destroy();
    });
    await new Promise<void>((resolve) => outside.listen(path.join(base, 'outside.sock'), resolve));
    fs.symlinkSync(path.join(base, 'outside.sock'), path.join(jail, 'abs'));
    fs.symlinkSync('../outside.sock', path.join(jail, 'rel'));
    const backend = nodeHost();
    const h = harness();
    const dir = h.add(new DirectoryFd<number>(backend, backend.openRoot(jail)), DIR.base, DIR.inheriting);
    expect(await callPath(h, sock_connect, await socket(h), dir, 'abs')).toBe(Errno.ENOTCAPABLE);
    expect(await callPath(h, sock_connect, await socket(h), dir, 'rel')).toBe(Errno.ENOTCAPABLE);
    expect(await callPath(h, sock_bind, await socket(h), dir, 'rel')).toBe(Errno.EADDRINUSE);
    await new Promise<void>((resolve) => outside.close(() => resolve()));
    expect(reached).toBe(false);
    h.fds.closeAll();
  });
});

describe('host stream sockets through sock_recv (kernel-side buffering)', () => {
  it('PEEK leaves data queued, WAITALL waits for the whole buffer, SHUT_WR sends EOF, HANGUP on close', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cabi-peek-'));
    let peer: net.Socket | null = null;
    const server = net.createServer({ allowHalfOpen: true }, (s) => {
      peer = s;
    });
    await new Promise<void>((resolve) => server.listen(path.join(base, 's'), resolve));
    const backend = nodeHost();
    const h = harness();
    const dir = h.add(new DirectoryFd<number>(backend, backend.openRoot(base)), DIR.base, DIR.inheriting);
    const c = await socket(h);
    expect(await callPath(h, sock_connect, c, dir, 's')).toBe(0);
    for (let i = 0; i < 100 && !peer; i++) await new Promise((resolve) => setTimeout(resolve, 2));
    const p = peer as unknown as net.Socket;
    const recv = async (len: number, flags: number): Promise<string | number> => {
      const buf = h.alloc(len);
      const ri = h.alloc(40);
      h.memory.dv.setBigUint64(ri, BigInt(iov(h, buf, len)), true);
      h.memory.dv.setBigUint64(ri + 8, 1n, true);
      h.memory.dv.setUint16(ri + 32, flags, true);
      const ro = h.alloc(64);
      const e = await h.call(sock_recv, c, ri, ro);
      if (e) return -e;
      return new TextDecoder().decode(h.u8(buf, Number(h.memory.dv.getBigUint64(ro, true))));
    };
    p.write('abc');
    expect(await recv(2, 0x4)).toBe('ab');
    expect(await recv(8, 0x4)).toBe('abc');
    expect(await recv(8, 0)).toBe('abc');
    const whole = recv(5, 0x10);
    p.write('de');
    setTimeout(() => p.write('fgh'), 10);
    expect(await whole).toBe('defgh');
    expect(await h.call(sock_shutdown, c, 2)).toBe(0);
    await new Promise<void>((resolve) => p.once('end', () => resolve()));
    expect(await write(h, c, 'x')).toBe(-Errno.EPIPE);
    p.end();
    expect(await recv(8, 0)).toBe('');
    expect(h.fds.peek(c)?.object.readiness('read').hangup).toBe(true);
    h.fds.closeAll();
    server.close();
    fs.rmSync(base, { recursive: true, force: true });
  });
});

describe('host FIFOs (made by a host process) on the Node backend', () => {
  it('open waits for the other side, reads and writes reach the host, EOF when the host closes', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cabi-hostfifo-'));
    const fifo = path.join(base, 'hf');
    execFileSync('mkfifo', [fifo]);
    const backend = nodeHost();
    const root = new DirectoryFd<number>(backend, backend.openRoot(base));
    root.retain();
    const req = { follow: false, create: false, directory: false, exclusive: false, truncate: false };
    const st = await statAt(root, 'hf', false);
    expect('filetype' in st && st.filetype).toBe(Filetype.SOCKET_STREAM);
    // A non-blocking open for writing without a reader: ENXIO.
    const nb = await openAt(root, 'hf', { ...req, read: false, write: true, nonblock: true });
    expect('errno' in nb && nb.errno).toBe(Errno.ENXIO);
    // A blocking open for reading waits until the host opens it for writing.
    let opened = false;
    const reader = Promise.resolve(openAt(root, 'hf', { ...req, read: true, write: false })).then((r) => {
      opened = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(opened).toBe(false);
    const hostWriter = fs.createWriteStream(fifo);
    hostWriter.write('hello from the host');
    const r = await reader;
    if (!(r instanceof FdObject)) throw new Error(`open failed: ${JSON.stringify(r)}`);
    r.retain();
    expect(r.filetype).toBe(Filetype.SOCKET_STREAM);
    let text = '';
    while (text.length < 19) {
      const chunk = await r.read(64);
      if (chunk instanceof Uint8Array && chunk.length > 0) text += new TextDecoder().decode(chunk);
      else await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(text).toBe('hello from the host');
    hostWriter.end();
    let eof = false;
    for (let i = 0; i < 200 && !eof; i++) {
      const chunk = await r.read(64);
      if (chunk instanceof Uint8Array && chunk.length === 0) eof = true;
      else await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(eof).toBe(true);
    r.release();
    // A blocking open for writing waits for a host reader.
    const writer = openAt(root, 'hf', { ...req, read: false, write: true });
    const hostReader = fs.createReadStream(fifo);
    const received = new Promise<string>((resolve) => hostReader.once('data', (d) => resolve(String(d))));
    const w = await writer;
    if (!(w instanceof FdObject)) throw new Error('open for writing failed');
    w.retain();
    expect(await w.write(new TextEncoder().encode('to the host'))).toBe(11);
    expect(await received).toBe('to the host');
    w.release();
    hostReader.destroy();
    root.release();
    fs.rmSync(base, { recursive: true, force: true });
  });
});
