import { describe, expect, it } from 'vitest';
import { Errno, Eventtype, Filetype } from '../src/index.js';
import type { ScriptGuest } from '../src/testing.js';
import { run, write } from './helpers.js';

function sub(
  g: ScriptGuest,
  at: number,
  userdata: bigint,
  flags: number,
  type: number,
  ident: number | bigint,
): void {
  g.memory.u8.fill(0, at, at + 56);
  g.setU64(at, userdata);
  g.memory.dv.setUint16(at + 8, flags, true);
  g.memory.u8[at + 10] = type;
  if (type === Eventtype.CLOCK) g.setU64(at + 16, ident);
  else g.setU32(at + 16, Number(ident));
}

describe('legacy poll_fd on a POLL fd', () => {
  it('adds, waits, deletes, oneshot clocks and error events', async () => {
    const results: unknown[] = [];
    const status = await run(function* (g) {
      const q = (yield g.legacy('fd_create1', Filetype.POLL)).value;
      const p = yield g.legacy('fd_create2', Filetype.SOCKET_STREAM);
      const [a, b] = [Number(p.rax), Number(p.rdx)];
      const ins = g.alloc(56 * 4);
      const outs = g.alloc(32 * 4);
      const zero = g.alloc(56);
      sub(g, zero, 0n, 0, Eventtype.CLOCK, 0);
      g.setU32(zero + 24, 1);
      sub(g, ins, 7n, 0x1, Eventtype.FD_READ, a);
      const r1 = yield g.legacy('poll_fd', q, ins, 1, outs, 4, zero);
      results.push(['nothing yet', r1.errno, r1.value]);
      yield* write(g, b, 'abc');
      const r2 = yield g.legacy('poll_fd', q, 0, 0, outs, 4, zero);
      results.push(['ready', r2.value, g.u64(outs), g.u64(outs + 16), g.u32(outs + 24)]);
      // A clock entry with ONESHOT fires once.
      sub(g, ins, 9n, 0x1 | 0x20, Eventtype.CLOCK, 55);
      g.setU32(ins + 24, 1);
      g.setU64(ins + 32, 1000n);
      sub(g, ins + 56, 8n, 0x4, Eventtype.FD_WRITE, a);
      const r3 = yield g.legacy('poll_fd', q, ins, 2, outs, 4, 0);
      results.push(['delete missing', r3.value, g.u64(outs), g.memory.dv.getUint16(outs + 8, true)]);
      // Remove the readable socket so only the clock can fire (blocking wait, no timeout).
      sub(g, ins, 7n, 0x4, Eventtype.FD_READ, a);
      yield g.legacy('poll_fd', q, ins, 1, outs, 0, 0);
      const r4 = yield g.legacy('poll_fd', q, 0, 0, outs, 4, 0);
      results.push(['clock', r4.value, g.u64(outs), g.memory.u8[outs + 10], g.u64(outs + 16)]);
      const r5 = yield g.legacy('poll_fd', q, 0, 0, outs, 4, zero);
      results.push(['oneshot gone', r5.value]);
      const r6 = yield g.legacy('poll_fd', a, 0, 0, outs, 4, zero);
      results.push(['not a poll fd (no POLL_WAIT right)', r6.errno]);
      yield g.legacy('proc_exit', 0);
    });
    expect(status).toEqual({ exitCode: 0 });
    expect(results).toEqual([
      ['nothing yet', 0, 0],
      ['ready', 1, 7n, 3n, 1],
      ['delete missing', 1, 8n, Errno.ENOENT],
      ['clock', 1, 9n, Eventtype.CLOCK, 55n],
      ['oneshot gone', 0],
      ['not a poll fd (no POLL_WAIT right)', Errno.ENOTCAPABLE],
    ]);
  });
});
