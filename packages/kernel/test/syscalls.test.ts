import { describe, expect, it } from 'vitest';
import {
  bufferSink,
  Clockid,
  Errno,
  Eventtype,
  Fdflags,
  Filetype,
  MAP_ANON_FD,
  Mflags,
  Mprot,
  memoryFd,
  Rights,
  Whence,
} from '../src/index.js';
import type { ScriptGuest } from '../src/testing.js';
import { type Gen, read, run, write } from './helpers.js';

/** Runs `body`; each `expect` inside it records [label, actual, expected] for one assertion. */
async function scenario(
  body: (g: ScriptGuest, eq: (label: string, a: unknown, b: unknown) => void) => Gen,
  fds = [],
) {
  const results: [string, unknown, unknown][] = [];
  const status = await run(
    function* (g) {
      yield* body(g, (label, a, b) => results.push([label, a, b]));
      yield g.sys('proc_exit', 0);
    },
    { fds },
  );
  expect(status).toEqual({ exitCode: 0 });
  for (const [label, a, b] of results) expect([label, a]).toEqual([label, b]);
  return results.length;
}

describe('fd syscalls', () => {
  it('fd_dup, fd_replace, fd_close, fd_stat_get/put and rights', async () => {
    const n = await scenario(
      function* (g, eq) {
        const st = g.alloc(24);
        const dup = yield g.sys('fd_dup', 0);
        eq('dup', [dup.errno, dup.value], [0, 1]);
        eq('dup bad', (yield g.sys('fd_dup', 9)).errno, Errno.EBADF);
        eq('stat', (yield g.sys('fd_stat_get', 1, st)).errno, 0);
        eq('stat type', g.memory.u8[st], Filetype.REGULAR_FILE);
        const base = g.u64(st + 8);
        eq('has read', (base & Rights.FD_READ) !== 0n, true);
        eq('stat efault', (yield g.sys('fd_stat_get', 1, 0x10)).errno, Errno.EFAULT);
        // Rights only shrink.
        g.setU64(st + 8, Rights.FD_READ | Rights.FD_SEEK | Rights.PROC_EXEC);
        g.setU64(st + 16, 0n);
        eq('shrink', (yield g.sys('fd_stat_put', 1, st, 2)).errno, 0);
        yield g.sys('fd_stat_get', 1, st);
        eq('shrunk', g.u64(st + 8), Rights.FD_READ | Rights.FD_SEEK | Rights.PROC_EXEC);
        g.setU64(st + 8, Rights.FD_READ | Rights.FD_WRITE);
        eq('grow', (yield g.sys('fd_stat_put', 1, st, 2)).errno, Errno.ENOTCAPABLE);
        eq('bad selector', (yield g.sys('fd_stat_put', 1, st, 3)).errno, Errno.EINVAL);
        // PROC_EXEC is bit 32: dropping everything below it must still keep it.
        g.setU64(st + 8, Rights.PROC_EXEC);
        eq('only exec', (yield g.sys('fd_stat_put', 1, st, 2)).errno, 0);
        yield g.sys('fd_stat_get', 1, st);
        eq('exec kept', g.u64(st + 8), Rights.PROC_EXEC);
        eq('no write right', (yield* write(g, 1, 'x')).errno, Errno.ENOTCAPABLE);
        eq('no flags right', (yield g.sys('fd_stat_put', 1, st, 1)).errno, Errno.ENOTCAPABLE);
        // fd_replace only onto an open fd.
        eq('replace closed', (yield g.sys('fd_replace', 0, 5)).errno, Errno.EBADF);
        eq('replace', (yield g.sys('fd_replace', 0, 1)).errno, 0);
        yield g.sys('fd_stat_get', 1, st);
        eq('replaced rights', (g.u64(st + 8) & Rights.FD_SEEK) !== 0n, true);
        eq('close', (yield g.sys('fd_close', 1)).errno, 0);
        eq('close twice', (yield g.sys('fd_close', 1)).errno, Errno.EBADF);
        eq('close huge', (yield g.sys('fd_close', 0xffffffff)).errno, Errno.EBADF);
      },
      [memoryFd('0123456789', { writable: true })] as never,
    );
    expect(n).toBeGreaterThan(15);
  });

  it('fd_seek, fd_pread, fd_pwrite, fd_sync, iovec errors', async () => {
    await scenario(
      function* (g, eq) {
        const off = g.alloc(8);
        void off;
        const s = yield g.sys('fd_seek', 0, 4n, Whence.SET);
        eq('seek set', [s.errno, s.value], [0, 4]);
        const [r1, d1] = yield* read(g, 0, 3);
        eq('read after seek', [r1.value, new TextDecoder().decode(d1)], [3, '456']);
        const tell = yield g.sys('fd_seek', 0, 0n, Whence.CUR);
        eq('tell', tell.value, 7);
        eq('bad whence', (yield g.sys('fd_seek', 0, 0n, 9)).errno, Errno.EINVAL);
        eq('negative', (yield g.sys('fd_seek', 0, -100n, Whence.CUR)).errno, Errno.EINVAL);
        const end = yield g.sys('fd_seek', 0, -2n, Whence.END);
        eq('seek end', end.value, 8);
        // pread does not move the offset.
        const buf = g.alloc(16);
        const iov = g.alloc(32);
        g.setU64(iov, buf);
        g.setU64(iov + 8, 2);
        g.setU64(iov + 16, buf + 8);
        g.setU64(iov + 24, 2);
        const pr = yield g.sys('fd_pread', 0, iov, 2, 1n);
        eq(
          'pread',
          [pr.value, g.memory.u8[buf], g.memory.u8[buf + 1], g.memory.u8[buf + 8]],
          [4, 0x31, 0x32, 0x33],
        );
        eq('offset kept', (yield g.sys('fd_seek', 0, 0n, Whence.CUR)).value, 8);
        g.memory.u8.set([0x41, 0x42], buf);
        const pw = yield g.sys('fd_pwrite', 0, iov, 1, 20n);
        eq('pwrite', pw.value, 2);
        eq('size grew', (yield g.sys('fd_seek', 0, 0n, Whence.END)).value, 22);
        eq('sync', (yield g.sys('fd_sync', 0)).errno, 0);
        eq('datasync', (yield g.sys('fd_datasync', 0)).errno, 0);
        eq('iov efault', (yield g.sys('fd_read', 0, 0x10, 1)).errno, Errno.EFAULT);
        g.setU64(iov, 0x10);
        eq('buf efault', (yield g.sys('fd_read', 0, iov, 1)).errno, Errno.EFAULT);
        eq('too many iovs', (yield g.sys('fd_read', 0, iov, 5000)).errno, Errno.EINVAL);
        const p = yield g.sys('fd_create2', Filetype.SOCKET_STREAM);
        eq('pipe seek', (yield g.sys('fd_seek', Number(p.rax), 0n, Whence.SET)).errno, Errno.ENOTCAPABLE);
        eq('pipe sync', (yield g.sys('fd_sync', Number(p.rax))).errno, Errno.ENOTCAPABLE);
      },
      [memoryFd('0123456789', { writable: true })] as never,
    );
  });

  it('fd_create1/2: shared memory, socket pairs, legacy FIFOs, non-blocking reads', async () => {
    await scenario(function* (g, eq) {
      eq('create1 bad', (yield g.sys('fd_create1', Filetype.REGULAR_FILE)).errno, Errno.EINVAL);
      const shm = yield g.sys('fd_create1', Filetype.SHARED_MEMORY);
      eq('shm', shm.errno, 0);
      const st = g.alloc(56);
      g.setU64(st + 24, 8192n);
      eq('shm size', (yield g.sys('file_stat_fput', shm.value, st, 0x10)).errno, 0);
      eq('mix flags', (yield g.sys('file_stat_fput', shm.value, st, 0x11)).errno, Errno.EINVAL);
      eq('fget', (yield g.sys('file_stat_fget', shm.value, st)).errno, 0);
      eq('fget size', [g.u64(st + 24), g.memory.u8[st + 16]], [8192n, Filetype.SHARED_MEMORY]);
      eq('create2 bad', (yield g.sys('fd_create2', Filetype.SHARED_MEMORY)).errno, Errno.EINVAL);
      const fifo = yield g.legacy('fd_create2', Filetype.FIFO);
      const [rd, wr] = [Number(fifo.rax), Number(fifo.rdx)];
      eq('fifo write end cannot read', (yield* read(g, wr, 1))[0].errno, Errno.ENOTCAPABLE);
      eq('fifo read end cannot write', (yield* write(g, rd, 'x')).errno, Errno.ENOTCAPABLE);
      eq('fifo write', (yield* write(g, wr, 'abc')).value, 3);
      const [r, d] = yield* read(g, rd, 10);
      eq('fifo read', [r.value, new TextDecoder().decode(d)], [3, 'abc']);
      // Non-blocking read of an empty pipe: EAGAIN.
      const fst = g.alloc(24);
      g.memory.dv.setUint16(fst + 2, Fdflags.NONBLOCK, true);
      eq('set nonblock', (yield g.sys('fd_stat_put', rd, fst, 1)).errno, 0);
      eq('eagain', (yield* read(g, rd, 10))[0].errno, Errno.EAGAIN);
      yield g.sys('fd_close', wr);
      eq('eof', (yield* read(g, rd, 10))[0].value, 0);
      const dg = yield g.sys('fd_create2', Filetype.SOCKET_DGRAM);
      yield* write(g, Number(dg.rax), 'hello');
      yield* write(g, Number(dg.rax), 'world');
      const [m1, b1] = yield* read(g, Number(dg.rdx), 3);
      eq('dgram truncates', [m1.value, new TextDecoder().decode(b1)], [3, 'hel']);
      const [, b2] = yield* read(g, Number(dg.rdx), 10);
      eq('dgram next message', new TextDecoder().decode(b2), 'world');
    });
  });

  it('a blocked reader is woken by a writer thread', async () => {
    const out = bufferSink();
    const status = await run(
      function* (g) {
        const p = yield g.sys('fd_create2', Filetype.SOCKET_STREAM);
        const [a, b] = [Number(p.rax), Number(p.rdx)];
        const f = yield g.fork(function* (c) {
          yield c.spin(500);
          yield* write(c, b, 'late');
          yield c.sys('proc_exit', 0);
        });
        void f;
        const [r, d] = yield* read(g, a, 10);
        yield* write(g, 0, new TextDecoder().decode(d));
        yield g.sys('proc_exit', r.cf ? 1 : 0);
      },
      { fds: [out] },
    );
    expect(status).toEqual({ exitCode: 0 });
    expect(out.text()).toBe('late');
  });
});

describe('poll', () => {
  it('clock subscriptions sleep in virtual time; fd readiness reports nbytes and hangup', async () => {
    await scenario(function* (g, eq) {
      const now = g.alloc(8);
      void now;
      const t0 = (yield g.sys('clock_time_get', Clockid.MONOTONIC, 0n)).rax;
      const sub = g.alloc(56 * 3);
      const ev = g.alloc(32 * 3);
      g.setU64(sub, 5n);
      g.memory.u8[sub + 10] = Eventtype.CLOCK;
      g.setU32(sub + 24, Clockid.MONOTONIC);
      g.setU64(sub + 32, 1_000_000_000n);
      const r = yield g.sys('poll', sub, ev, 1);
      const t1 = (yield g.sys('clock_time_get', Clockid.MONOTONIC, 0n)).rax;
      eq(
        'slept',
        [r.value, g.u64(ev), g.memory.u8[ev + 10], t1 - t0 >= 1_000_000_000n],
        [1, 5n, Eventtype.CLOCK, true],
      );
      // Absolute realtime in the past: immediate.
      const real = (yield g.sys('clock_time_get', Clockid.REALTIME, 0n)).rax;
      g.setU32(sub + 24, Clockid.REALTIME);
      g.setU64(sub + 32, real - 1n);
      g.memory.dv.setUint16(sub + 48, 1, true);
      eq('abstime past', (yield g.sys('poll', sub, ev, 1)).value, 1);
      g.setU32(sub + 24, 99);
      const bad = yield g.sys('poll', sub, ev, 1);
      eq('bad clock', [bad.value, g.memory.dv.getUint16(ev + 8, true)], [1, Errno.EINVAL]);
      // fd readiness.
      const p = yield g.sys('fd_create2', Filetype.SOCKET_STREAM);
      const [a, b] = [Number(p.rax), Number(p.rdx)];
      yield* write(g, b, 'xyz');
      g.memory.u8.fill(0, sub, sub + 168);
      g.setU64(sub, 1n);
      g.memory.u8[sub + 10] = Eventtype.FD_READ;
      g.setU32(sub + 16, a);
      g.setU64(sub + 56, 2n);
      g.memory.u8[sub + 56 + 10] = Eventtype.FD_WRITE;
      g.setU32(sub + 56 + 16, 99);
      g.setU64(sub + 112, 3n);
      g.memory.u8[sub + 112 + 10] = Eventtype.LOCK_RDLOCK;
      const r2 = yield g.sys('poll', sub, ev, 3);
      eq('events', r2.value, 3);
      eq(
        'read ready',
        [g.u64(ev), g.memory.u8[ev + 10], g.u64(ev + 16), g.memory.dv.getUint16(ev + 28, true)],
        [1n, Eventtype.FD_READ, 3n, 0],
      );
      eq('bad fd error', [g.u64(ev + 32), g.memory.dv.getUint16(ev + 40, true)], [2n, Errno.EBADF]);
      eq('lock not first', [g.u64(ev + 64), g.memory.dv.getUint16(ev + 72, true)], [3n, Errno.EINVAL]);
      yield g.sys('fd_close', b);
      const r3 = yield g.sys('poll', sub, ev, 1);
      eq('hangup', [r3.value, g.memory.dv.getUint16(ev + 28, true)], [1, 1]);
      eq('in efault', (yield g.sys('poll', 0x10, ev, 1)).errno, Errno.EFAULT);
      eq('out efault', (yield g.sys('poll', sub, 0x10, 1)).errno, Errno.EFAULT);
      eq('zero subscriptions', (yield g.sys('poll', sub, ev, 0)).value, 0);
      // A lock poll with a timeout returns the clock event.
      const lock = g.alloc(4);
      g.setU32(lock, 0x40000000 | 12345);
      g.memory.u8.fill(0, sub, sub + 168);
      g.setU64(sub, 10n);
      g.memory.u8[sub + 10] = Eventtype.LOCK_WRLOCK;
      g.setU64(sub + 16, lock);
      g.memory.u8[sub + 24] = 4;
      g.setU64(sub + 56, 11n);
      g.memory.u8[sub + 56 + 10] = Eventtype.CLOCK;
      g.setU32(sub + 56 + 24, Clockid.MONOTONIC);
      g.setU64(sub + 56 + 32, 1000n);
      const r4 = yield g.sys('poll', sub, ev, 2);
      eq(
        'lock timeout',
        [r4.value, g.u64(ev), g.memory.u8[ev + 10], g.u32(lock)],
        [1, 11n, Eventtype.CLOCK, 0x40000000 | 12345],
      );
      g.memory.u8[sub + 24] = 3;
      const r5 = yield g.sys('poll', sub, ev, 2);
      eq('bad scope', [r5.value, g.u64(ev), g.memory.dv.getUint16(ev + 8, true)], [1, 10n, Errno.EINVAL]);
    });
  });

  it('clocks: resolution, CPU time, unknown clocks', async () => {
    await scenario(function* (g, eq) {
      for (const id of [1, 2, 3, 4]) {
        const r = yield g.sys('clock_res_get', id);
        eq(`res ${id}`, [r.errno, r.rax > 0n], [0, true]);
      }
      eq('res bad', (yield g.sys('clock_res_get', 0)).errno, Errno.EINVAL);
      eq('time bad', (yield g.sys('clock_time_get', 5, 0n)).errno, Errno.EINVAL);
      const c0 = (yield g.sys('clock_time_get', Clockid.THREAD_CPUTIME_ID, 0n)).rax;
      yield g.spin(10000);
      const c1 = (yield g.sys('clock_time_get', Clockid.THREAD_CPUTIME_ID, 0n)).rax;
      eq('cpu time advances', c1 - c0 >= 10000n, true);
      const rt = (yield g.sys('clock_time_get', Clockid.REALTIME, 0n)).rax;
      eq('virtual epoch', rt >= 1_577_836_800_000_000_000n && rt < 1_577_836_900_000_000_000n, true);
    });
  });

  it('random_get fills buffers and is reproducible in deterministic mode', async () => {
    const draw = async () => {
      const out = bufferSink();
      await run(
        function* (g) {
          const buf = g.alloc(32);
          const r = yield g.sys('random_get', buf, 32);
          const bad = yield g.sys('random_get', 0x10, 4);
          if (r.cf || bad.errno !== Errno.EFAULT) yield g.sys('proc_exit', 1);
          yield* write(g, 0, g.memory.u8.slice(buf, buf + 32));
          yield g.sys('proc_exit', 0);
        },
        { fds: [out] },
      );
      return Buffer.from(out.bytes()).toString('hex');
    };
    const a = await draw();
    expect(a).toHaveLength(64);
    expect(a).not.toBe('0'.repeat(64));
    expect(await draw()).toBe(a);
  });
});

describe('memory', () => {
  it('mem_map, mem_protect, mem_unmap, mem_advise, mem_sync', async () => {
    await scenario(
      function* (g, eq) {
        const RW = Mprot.READ | Mprot.WRITE;
        const anon = Mflags.ANON | Mflags.PRIVATE;
        const m = yield g.sys('mem_map', 0, 10000, RW, anon, MAP_ANON_FD, 0n);
        eq('map', [m.errno, m.value % 4096], [0, 0]);
        g.memory.u8[m.value + 9999] = 7;
        eq(
          'wx',
          (yield g.sys('mem_map', 0, 4096, Mprot.WRITE | Mprot.EXEC, anon, MAP_ANON_FD, 0n)).errno,
          Errno.ENOTSUP,
        );
        eq('bad prot', (yield g.sys('mem_map', 0, 4096, 0x10, anon, MAP_ANON_FD, 0n)).errno, Errno.ENOTSUP);
        eq(
          'both',
          (yield g.sys('mem_map', 0, 4096, RW, anon | Mflags.SHARED, MAP_ANON_FD, 0n)).errno,
          Errno.EINVAL,
        );
        eq(
          'neither',
          (yield g.sys('mem_map', 0, 4096, RW, Mflags.ANON, MAP_ANON_FD, 0n)).errno,
          Errno.EINVAL,
        );
        eq('zero len', (yield g.sys('mem_map', 0, 0, RW, anon, MAP_ANON_FD, 0n)).errno, Errno.EINVAL);
        eq('anon fd', (yield g.sys('mem_map', 0, 4096, RW, anon, 3, 0n)).errno, Errno.EINVAL);
        eq('anon off', (yield g.sys('mem_map', 0, 4096, RW, anon, MAP_ANON_FD, 4096n)).errno, Errno.EINVAL);
        eq(
          'fixed unaligned',
          (yield g.sys('mem_map', 0x5000001, 4096, RW, anon | Mflags.FIXED, MAP_ANON_FD, 0n)).errno,
          Errno.EINVAL,
        );
        const fx = yield g.sys('mem_map', 0x5000000, 4096, RW, anon | Mflags.FIXED, MAP_ANON_FD, 0n);
        eq('fixed', fx.value, 0x5000000);
        eq(
          'fixed too high',
          (yield g.sys('mem_map', 0xfffff000, 0x20000, RW, anon | Mflags.FIXED, MAP_ANON_FD, 0n)).errno,
          Errno.ENOMEM,
        );
        const hint = yield g.sys('mem_map', 0x6000000, 4096, RW, anon, MAP_ANON_FD, 0n);
        eq('hint honoured', hint.value, 0x6000000);
        eq('huge', (yield g.sys('mem_map', 0, 2 ** 40, RW, anon, MAP_ANON_FD, 0n)).errno, Errno.ENOMEM);
        eq(
          'protect wx',
          (yield g.sys('mem_protect', m.value, 4096, Mprot.WRITE | Mprot.EXEC)).errno,
          Errno.ENOTSUP,
        );
        eq('protect unmapped', (yield g.sys('mem_protect', 0x7000000, 4096, Mprot.READ)).errno, Errno.ENOMEM);
        eq(
          'protect unaligned',
          (yield g.sys('mem_protect', m.value + 1, 4096, Mprot.READ)).errno,
          Errno.EINVAL,
        );
        eq('protect', (yield g.sys('mem_protect', m.value, 4096, Mprot.READ)).errno, 0);
        // The kernel honours protection: reading into a read-only page is EFAULT.
        const p = yield g.sys('fd_create2', Filetype.SOCKET_STREAM);
        yield* write(g, Number(p.rdx), 'zz');
        const iov = g.alloc(16);
        g.setU64(iov, m.value);
        g.setU64(iov + 8, 2);
        eq('read into r/o', (yield g.sys('fd_read', Number(p.rax), iov, 1)).errno, Errno.EFAULT);
        eq('advise', (yield g.sys('mem_advise', m.value, 4096, 3)).errno, 0);
        eq('advise bad', (yield g.sys('mem_advise', m.value, 4096, 9)).errno, Errno.EINVAL);
        eq('advise unmapped', (yield g.sys('mem_advise', 0x7000000, 4096, 3)).errno, Errno.ENOMEM);
        eq('sync', (yield g.sys('mem_sync', m.value, 4096, 1)).errno, 0);
        eq('sync both', (yield g.sys('mem_sync', m.value, 4096, 5)).errno, Errno.EINVAL);
        eq('unmap', (yield g.sys('mem_unmap', m.value, 12288)).errno, 0);
        eq('unmap again', (yield g.sys('mem_unmap', m.value, 12288)).errno, 0);
        eq('unmap unaligned', (yield g.sys('mem_unmap', m.value + 4, 12)).errno, Errno.EINVAL);
        eq(
          'protect after unmap',
          (yield g.sys('mem_protect', m.value, 4096, Mprot.READ)).errno,
          Errno.ENOMEM,
        );
        // File-backed private mapping copies the file.
        const f = yield g.sys('mem_map', 0, 4096, Mprot.READ, Mflags.PRIVATE, 0, 0n);
        eq('file map', [f.errno, g.memory.u8[f.value], g.memory.u8[f.value + 4]], [0, 0x66, 0]);
        eq(
          'file map exec right',
          (yield g.sys('mem_map', 0, 4096, Mprot.READ | Mprot.EXEC, Mflags.PRIVATE, 0, 0n)).errno,
          0,
        );
        eq(
          'file map offset',
          (yield g.sys('mem_map', 0, 4096, Mprot.READ, Mflags.PRIVATE, 0, 5n)).errno,
          Errno.EINVAL,
        );
      },
      [memoryFd('file')] as never,
    );
  });

  it('shared anonymous memory is shared with a forked child, private memory is not', async () => {
    const status = await run(function* (g) {
      const RW = Mprot.READ | Mprot.WRITE;
      const sh = yield g.sys('mem_map', 0, 4096, RW, Mflags.ANON | Mflags.SHARED, MAP_ANON_FD, 0n);
      const pv = yield g.sys('mem_map', 0, 4096, RW, Mflags.ANON | Mflags.PRIVATE, MAP_ANON_FD, 0n);
      const f = yield g.fork(function* (c) {
        c.setU32(sh.value, 0xabcd);
        c.setU32(pv.value, 0x1234);
        yield c.sys('proc_exit', 0);
      });
      const sub = g.alloc(56);
      const ev = g.alloc(32);
      g.memory.u8[sub + 10] = Eventtype.PROC_TERMINATE;
      g.setU32(sub + 16, f.value);
      yield g.sys('poll', sub, ev, 1);
      yield g.sys('proc_exit', g.u32(sh.value) === 0xabcd && g.u32(pv.value) === 0 ? 0 : 1);
    });
    expect(status).toEqual({ exitCode: 0 });
  });

  it('fd_read and fd_write on a shared memory object agree with its mapping', async () => {
    const seen: string[] = [];
    const status = await run(function* (g) {
      const shm = (yield g.sys('fd_create1', Filetype.SHARED_MEMORY)).value;
      const st = g.alloc(56);
      g.setU64(st + 24, 4096n);
      yield g.sys('file_stat_fput', shm, st, 0x10);
      const m = (yield g.sys('mem_map', 0, 4096, Mprot.READ | Mprot.WRITE, Mflags.SHARED, shm, 0n)).value;
      g.memory.u8.set(new TextEncoder().encode('hi'), m);
      const [, d] = yield* read(g, shm, 2);
      seen.push(new TextDecoder().decode(d));
      yield* write(g, shm, 'XY');
      seen.push(new TextDecoder().decode(g.memory.u8.slice(m, m + 4)));
      yield g.sys('proc_exit', 0);
    });
    expect(status).toEqual({ exitCode: 0 });
    expect(seen).toEqual(['hi', 'hiXY']);
  });
});
