/**
 * A named FIFO shared by two guest processes (legacy numbering, script programs): the parent
 * polls the read end while a forked child opens the FIFO by name, writes and exits; poll reports
 * the bytes and then HANGUP once the last writer is gone.
 */
import { describe, expect, it } from 'vitest';
import { Eventtype, Fdflags, Rights } from '../../src/index.js';
import { memoryDirectory } from '../../src/memory.js';
import type { ScriptGuest } from '../../src/testing.js';
import { run } from '../helpers.js';

const FIFO = 0x30;

function bytes(g: ScriptGuest, text: string): [number, number] {
  const b = new TextEncoder().encode(text);
  const at = g.alloc(Math.max(1, b.length));
  g.memory.u8.set(b, at);
  return [at, b.length];
}

function fdstat(g: ScriptGuest, flags: number, base: bigint): number {
  const at = g.alloc(24);
  g.memory.dv.setUint16(at + 2, flags, true);
  g.setU64(at + 8, base);
  return at;
}

describe('a legacy named FIFO between two processes', () => {
  it('poll sees the child’s bytes, then HANGUP when the child exits', async () => {
    const log: string[] = [];
    const status = await run(
      function* (g) {
        const [p, n] = bytes(g, 'fifo');
        log.push(`create ${(yield g.legacy('file_create', 0, p, n, FIFO)).errno}`);
        const rs = fdstat(g, Fdflags.NONBLOCK, Rights.FD_READ | Rights.POLL_FD_READWRITE);
        const r = yield g.legacy('file_open', 0, p, n, 0, rs);
        log.push(`open read ${r.errno}`);
        const reader = r.value;
        const f = yield g.fork(function* (c) {
          const ws = fdstat(c, 0, Rights.FD_WRITE);
          const w = yield c.legacy('file_open', 0, p, n, 0, ws);
          if (w.cf) yield c.legacy('proc_exit', 10);
          const [buf, len] = bytes(c, 'from the child');
          const iov = c.alloc(16);
          c.setU64(iov, buf);
          c.setU64(iov + 8, len);
          const wr = yield c.legacy('fd_write', w.value, iov, 1);
          yield c.legacy('proc_exit', wr.cf ? 11 : 0);
        });
        log.push(`fork ${f.errno}`);
        const sub = g.alloc(56);
        const ev = g.alloc(32);
        g.setU64(sub, 9n);
        g.memory.u8[sub + 10] = Eventtype.FD_READ;
        g.setU32(sub + 16, reader);
        const buf = g.alloc(64);
        const iov = g.alloc(16);
        g.setU64(iov, buf);
        g.setU64(iov + 8, 64);
        let text = '';
        for (let i = 0; i < 20; i++) {
          const e = yield g.legacy('poll', sub, ev, 1);
          const nbytes = Number(g.u64(ev + 16));
          const hangup = g.memory.dv.getUint16(ev + 28, true) & 1;
          if (e.value !== 1 || g.memory.u8[ev + 10] !== Eventtype.FD_READ) log.push('bad event');
          if (nbytes > 0) {
            const rd = yield g.legacy('fd_read', reader, iov, 1);
            text += new TextDecoder().decode(g.memory.u8.slice(buf, buf + rd.value));
            continue;
          }
          if (hangup && text.length > 0) {
            log.push(`hangup after ${JSON.stringify(text)}`);
            break;
          }
          yield g.legacy('thread_yield');
        }
        yield g.legacy('proc_exit', 0);
      },
      { fds: [memoryDirectory()] },
    );
    expect(status).toEqual({ exitCode: 0 });
    expect(log).toEqual(['create 0', 'open read 0', 'fork 0', 'hangup after "from the child"']);
  });
});
