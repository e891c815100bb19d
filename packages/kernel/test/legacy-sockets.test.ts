/**
 * Socket details the legacy (2015–2017) binaries see, matched to FreeBSD's AF_UNIX sockets:
 * sock_shutdown after the peer closed (ENOTCONN), sock_bind on a connected socket pair end
 * (allowed: unp_bind only refuses a socket that has a name), and the ro_peername of the legacy
 * recv_out (AF_UNIX for a Unix datagram, nothing for streams).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SaFamily } from '@cabi/abi-types';
import { afterEach, describe, expect, it } from 'vitest';
import { Errno, Filetype } from '../src/abi.js';
import { nodeHost } from '../src/host-node/index.js';
import { memoryDirectory } from '../src/memory.js';
import { typeRights } from '../src/rights.js';
import { fd_close, fd_create1, fd_create2, fd_read, fd_write } from '../src/syscalls/fd.js';
import {
  sock_bind,
  sock_connect,
  sock_listen,
  sock_recv,
  sock_send,
  sock_shutdown,
} from '../src/syscalls/sock.js';
import { DirectoryFd } from '../src/vfs/objects.js';
import { Harness } from './part2/harness.js';

const DIR = typeRights(Filetype.DIRECTORY);
const VDSO = 0x7000_0000;
const SHUT_RD = 1;
const SHUT_WR = 2;
const SHUT_RDWR = 3;

/** A handler harness whose calls look like raw legacy `syscall`s (or vDSO calls with `head`). */
function harness(head = false): Harness {
  const h = new Harness();
  const t = h.thread as unknown as { cpu: { rip: number }; process: { vdsoBase: number; vdsoEnd: number } };
  t.cpu = { rip: head ? VDSO + 0x12 : 0x401002 };
  t.process.vdsoBase = VDSO;
  t.process.vdsoEnd = VDSO + 0x1000;
  return h;
}

async function pair(h: Harness, type: number): Promise<[number, number]> {
  expect(await h.call(fd_create2, type)).toBe(0);
  return [Number(h.thread.ret0), Number(h.thread.ret1)];
}

async function create1(h: Harness, type: number): Promise<number> {
  expect(await h.call(fd_create1, type)).toBe(0);
  return Number(h.thread.ret0);
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

function pathCall(
  h: Harness,
  handler: typeof sock_bind,
  sock: number,
  dir: number,
  p: string,
): Promise<number> {
  return h.call(handler, sock, dir, ...h.bytes(p));
}

/** sock_recv into a 64-byte buffer; the raw 64-byte recv_out, prefilled with 0xee. */
async function recv(h: Harness, fd: number): Promise<{ errno: number; text: string; out: Uint8Array }> {
  const buf = h.alloc(64);
  const ri = h.alloc(40);
  h.memory.dv.setBigUint64(ri, BigInt(iov(h, buf, 64)), true);
  h.memory.dv.setBigUint64(ri + 8, 1n, true);
  const ro = h.alloc(64);
  h.memory.u8.fill(0xee, ro, ro + 64);
  const errno = await h.call(sock_recv, fd, ri, ro);
  const n = Number(h.memory.dv.getBigUint64(ro, true));
  return { errno, text: errno === 0 ? new TextDecoder().decode(h.u8(buf, n)) : '', out: h.u8(ro, 64) };
}

/** The recv_out expected for `n` bytes with the legacy ro_peername family `family`. */
function recvOut(n: number, family: number): Uint8Array {
  const out = new Uint8Array(64);
  out[0] = n;
  out[36] = family;
  return out;
}

describe('sock_shutdown after the peer closed (FreeBSD: the socket is disconnected, ENOTCONN)', () => {
  for (const [name, type, legacyOnly] of [
    ['stream', Filetype.SOCKET_STREAM, false],
    ['datagram', Filetype.SOCKET_DGRAM, false],
    ['seqpacket', Filetype.SOCKET_SEQPACKET, true],
  ] as const) {
    it(`${name} pair: shutdown works while the peer lives, then every how is ENOTCONN`, async () => {
      for (const head of legacyOnly ? [false] : [false, true]) {
        const h = harness(head);
        const [a, b] = await pair(h, type);
        // The peer's own shutdown leaves the connection in place.
        expect(await h.call(sock_shutdown, b, SHUT_WR)).toBe(0);
        expect(await h.call(sock_shutdown, a, SHUT_RD)).toBe(0);
        expect(await h.call(sock_shutdown, a, SHUT_RDWR)).toBe(0);
        expect(await h.call(fd_close, b)).toBe(0);
        for (const how of [SHUT_RD, SHUT_WR, SHUT_RDWR]) {
          expect(await h.call(sock_shutdown, a, how)).toBe(Errno.ENOTCONN);
        }
        // A bad `how` is still EINVAL first, as FreeBSD checks it before the state.
        expect(await h.call(sock_shutdown, a, 4)).toBe(Errno.EINVAL);
        expect(await h.call(sock_shutdown, a, 0)).toBe(Errno.EINVAL);
      }
    });
  }

  it('a stream pair whose peer closed with unread data: ENOTCONN and the data stays readable', async () => {
    const h = harness();
    const [a, b] = await pair(h, Filetype.SOCKET_STREAM);
    expect(await write(h, b, 'last words')).toBe(10);
    expect(await h.call(fd_close, b)).toBe(0);
    expect(await h.call(sock_shutdown, a, SHUT_RD)).toBe(Errno.ENOTCONN);
    expect(await read(h, a)).toBe('last words');
    expect(await read(h, a)).toBe('');
  });

  it('a legacy Unix stream connection whose accepted end closed: ENOTCONN', async () => {
    const h = harness();
    const dir = h.add(memoryDirectory(), DIR.base, DIR.inheriting);
    const server = await create1(h, Filetype.SOCKET_STREAM);
    const client = await create1(h, Filetype.SOCKET_STREAM);
    expect(await pathCall(h, sock_bind, server, dir, 's')).toBe(0);
    expect(await h.call(sock_listen, server, 4)).toBe(0);
    expect(await pathCall(h, sock_connect, client, dir, 's')).toBe(0);
    expect(await h.call(sock_shutdown, client, SHUT_WR)).toBe(0);
    // Closing the listener drops the pending (never accepted) connection: the client is
    // disconnected.
    expect(await h.call(fd_close, server)).toBe(0);
    expect(await h.call(sock_shutdown, client, SHUT_RDWR)).toBe(Errno.ENOTCONN);
  });

  it('a legacy Unix datagram socket whose receiver closed: ENOTCONN at once, before any send', async () => {
    const h = harness();
    const dir = h.add(memoryDirectory(), DIR.base, DIR.inheriting);
    const receiver = await create1(h, Filetype.SOCKET_DGRAM);
    const sender = await create1(h, Filetype.SOCKET_DGRAM);
    expect(await pathCall(h, sock_bind, receiver, dir, 'd')).toBe(0);
    expect(await pathCall(h, sock_connect, sender, dir, 'd')).toBe(0);
    expect(await h.call(sock_shutdown, sender, SHUT_RD)).toBe(0);
    expect(await h.call(fd_close, receiver)).toBe(0);
    expect(await h.call(sock_shutdown, sender, SHUT_WR)).toBe(Errno.ENOTCONN);
  });
});

describe('sock_bind on socket pair ends (FreeBSD unp_bind: a connected socket may be bound once)', () => {
  it('a stream pair end binds; a second bind is EINVAL, a taken name EADDRINUSE; connecting is ECONNREFUSED', async () => {
    const h = harness();
    const mem = memoryDirectory();
    const dir = h.add(mem, DIR.base, DIR.inheriting);
    const [a, b] = await pair(h, Filetype.SOCKET_STREAM);
    expect(await pathCall(h, sock_bind, a, dir, 'pair')).toBe(0);
    expect(await pathCall(h, sock_bind, a, dir, 'other')).toBe(Errno.EINVAL);
    expect(await pathCall(h, sock_bind, b, dir, 'pair')).toBe(Errno.EADDRINUSE);
    expect(await pathCall(h, sock_bind, b, dir, 'b')).toBe(0);
    // Nobody listens on the name: a stream connect is refused, and a pair end cannot listen.
    const client = await create1(h, Filetype.SOCKET_STREAM);
    expect(await pathCall(h, sock_connect, client, dir, 'pair')).toBe(Errno.ECONNREFUSED);
    expect(await h.call(sock_listen, a, 1)).toBe(Errno.EINVAL);
    // The pair still carries data both ways.
    expect(await write(h, a, 'still')).toBe(5);
    expect(await read(h, b)).toBe('still');
    // The name stays after the end closes, refusing connections.
    expect(await h.call(fd_close, a)).toBe(0);
    expect(await pathCall(h, sock_connect, client, dir, 'pair')).toBe(Errno.ECONNREFUSED);
    expect(await pathCall(h, sock_bind, b, dir, 'pair')).toBe(Errno.EINVAL);
  });

  it('a datagram pair end bound by name receives from legacy datagram sockets, with the sender address family', async () => {
    const h = harness();
    const dir = h.add(memoryDirectory(), DIR.base, DIR.inheriting);
    const [a, b] = await pair(h, Filetype.SOCKET_DGRAM);
    expect(await pathCall(h, sock_bind, a, dir, 'dg')).toBe(0);
    const sender = await create1(h, Filetype.SOCKET_DGRAM);
    expect(await pathCall(h, sock_connect, sender, dir, 'dg')).toBe(0);
    expect(await write(h, b, 'from the pair')).toBe(13);
    expect(await write(h, sender, 'by name')).toBe(7);
    const first = await recv(h, a);
    expect(first.text).toBe('from the pair');
    expect(first.out).toEqual(recvOut(13, SaFamily.UNIX));
    expect((await recv(h, a)).text).toBe('by name');
    // A stream socket cannot connect to a datagram name.
    const stream = await create1(h, Filetype.SOCKET_STREAM);
    expect(await pathCall(h, sock_connect, stream, dir, 'dg')).toBe(Errno.EPROTOTYPE);
    // Once the bound end closes, the sender's next send is ECONNRESET.
    expect(await h.call(fd_close, a)).toBe(0);
    expect(await write(h, sender, 'lost')).toBe(-Errno.ECONNRESET);
  });

  it('a seqpacket pair end binds; connecting to it is ECONNREFUSED', async () => {
    const h = harness();
    const dir = h.add(memoryDirectory(), DIR.base, DIR.inheriting);
    const [a] = await pair(h, Filetype.SOCKET_SEQPACKET);
    expect(await pathCall(h, sock_bind, a, dir, 'sp')).toBe(0);
    const client = await create1(h, Filetype.SOCKET_SEQPACKET);
    expect(await pathCall(h, sock_connect, client, dir, 'sp')).toBe(Errno.ECONNREFUSED);
  });

  it('a connected legacy stream socket binds too (once)', async () => {
    const h = harness();
    const dir = h.add(memoryDirectory(), DIR.base, DIR.inheriting);
    const server = await create1(h, Filetype.SOCKET_STREAM);
    const client = await create1(h, Filetype.SOCKET_STREAM);
    expect(await pathCall(h, sock_bind, server, dir, 's')).toBe(0);
    expect(await h.call(sock_listen, server, 4)).toBe(0);
    expect(await pathCall(h, sock_connect, client, dir, 's')).toBe(0);
    expect(await pathCall(h, sock_bind, client, dir, 'c')).toBe(0);
    expect(await pathCall(h, sock_bind, client, dir, 'c2')).toBe(Errno.EINVAL);
    // Connected and now bound: listening is still EINVAL (solisten_proto_check), the name refuses.
    expect(await h.call(sock_listen, client, 1)).toBe(Errno.EINVAL);
    const third = await create1(h, Filetype.SOCKET_STREAM);
    expect(await pathCall(h, sock_connect, third, dir, 'c')).toBe(Errno.ECONNREFUSED);
    expect(await write(h, client, 'ok')).toBe(2);
  });

  describe('on the Node backend', () => {
    const dirs: string[] = [];
    afterEach(() => {
      for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
    });

    it('a stream pair end binds to a real host name; a datagram pair end is ENOTSUP', async () => {
      const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cabi-legacy-bind-'));
      dirs.push(base);
      const h = harness();
      const backend = nodeHost();
      const dir = h.add(new DirectoryFd<number>(backend, backend.openRoot(base)), DIR.base, DIR.inheriting);
      const [a] = await pair(h, Filetype.SOCKET_STREAM);
      expect(await pathCall(h, sock_bind, a, dir, 'pair.sock')).toBe(0);
      expect(fs.lstatSync(path.join(base, 'pair.sock')).isSocket()).toBe(true);
      expect(await pathCall(h, sock_bind, a, dir, 'again.sock')).toBe(Errno.EINVAL);
      const [d] = await pair(h, Filetype.SOCKET_DGRAM);
      expect(await pathCall(h, sock_bind, d, dir, 'dg.sock')).toBe(Errno.ENOTSUP);
      // A failed bind leaves the end bindable.
      expect(await pathCall(h, sock_bind, d, dir, 'dg.sock')).toBe(Errno.ENOTSUP);
      expect(await h.call(fd_close, a)).toBe(0);
    });
  });
});

describe('legacy recv_out: ro_sockname stays zero, ro_peername is AF_UNIX for Unix datagrams only', () => {
  it('datagram pair: AF_UNIX at 36 through the legacy numbering; HEAD leaves ro_unused zero', async () => {
    for (const head of [false, true]) {
      const h = harness(head);
      const [a, b] = await pair(h, Filetype.SOCKET_DGRAM);
      expect(await write(h, b, 'hi')).toBe(2);
      const r = await recv(h, a);
      expect(r.errno).toBe(0);
      expect(r.out).toEqual(recvOut(2, head ? 0 : SaFamily.UNIX));
      // An empty datagram (sock_send with no data) is still a datagram from someone.
      const si = h.alloc(40);
      h.memory.dv.setBigUint64(si, BigInt(iov(h, h.alloc(16), 0)), true);
      h.memory.dv.setBigUint64(si + 8, 1n, true);
      expect(await h.call(sock_send, b, si, h.alloc(8))).toBe(0);
      expect((await recv(h, a)).out).toEqual(recvOut(0, head ? 0 : SaFamily.UNIX));
      // After the peer closed, the end-of-data receive has no sender.
      expect(await h.call(fd_close, b)).toBe(0);
      expect((await recv(h, a)).out).toEqual(recvOut(0, 0));
    }
  });

  it('stream and seqpacket pairs: no address at all', async () => {
    const h = harness();
    for (const type of [Filetype.SOCKET_STREAM, Filetype.SOCKET_SEQPACKET]) {
      const [a, b] = await pair(h, type);
      expect(await write(h, b, 'abc')).toBe(3);
      const r = await recv(h, a);
      expect(r.text).toBe('abc');
      expect(r.out).toEqual(recvOut(3, 0));
    }
  });

  it('legacy Unix datagram sockets: AF_UNIX; with fds, the counts and flags stay in place', async () => {
    const h = harness();
    const dir = h.add(memoryDirectory(), DIR.base, DIR.inheriting);
    const receiver = await create1(h, Filetype.SOCKET_DGRAM);
    const sender = await create1(h, Filetype.SOCKET_DGRAM);
    expect(await pathCall(h, sock_bind, receiver, dir, 'r')).toBe(0);
    expect(await pathCall(h, sock_connect, sender, dir, 'r')).toBe(0);
    const [buf, len] = h.bytes('with fd');
    const fdArr = h.alloc(4);
    h.memory.dv.setUint32(fdArr, dir, true);
    const si = h.alloc(40);
    h.memory.dv.setBigUint64(si, BigInt(iov(h, buf, len)), true);
    h.memory.dv.setBigUint64(si + 8, 1n, true);
    h.memory.dv.setBigUint64(si + 16, BigInt(fdArr), true);
    h.memory.dv.setBigUint64(si + 24, 1n, true);
    expect(await h.call(sock_send, sender, si, h.alloc(8))).toBe(0);
    // No room for the fd: FDS_TRUNCATED (0x1) at 56 next to the address at 36.
    const r = await recv(h, receiver);
    const expected = recvOut(7, SaFamily.UNIX);
    expected[56] = 1;
    expect(r.out).toEqual(expected);
  });
});
