import { describe, expect, it } from 'vitest';
import { Errno, Filetype, MAP_ANON_FD, Mflags, Mprot } from '../src/index.js';
import { run, spawnThread } from './helpers.js';

describe('limits', () => {
  it('fds per process: EMFILE', async () => {
    const status = await run(
      function* (g) {
        let last = 0;
        for (let i = 0; i < 20; i++) {
          const r = yield g.sys('fd_create1', Filetype.SHARED_MEMORY);
          last = r.errno;
          if (r.cf) break;
        }
        const pair = yield g.sys('fd_create2', Filetype.SOCKET_STREAM);
        const dup = yield g.sys('fd_dup', 0);
        yield g.sys('fd_close', 3);
        // One slot free: a pair still does not fit, and leaves no fd behind.
        const pair2 = yield g.sys('fd_create2', Filetype.SOCKET_STREAM);
        const one = yield g.sys('fd_create1', Filetype.SHARED_MEMORY);
        const ok =
          last === Errno.EMFILE &&
          pair.errno === Errno.EMFILE &&
          dup.errno === Errno.EMFILE &&
          pair2.errno === Errno.EMFILE &&
          one.errno === 0;
        yield g.sys('proc_exit', ok ? 0 : 1);
      },
      { limits: { maxFds: 8 } },
    );
    expect(status).toEqual({ exitCode: 0 });
  });

  it('threads per process: EAGAIN', async () => {
    const status = await run(
      function* (g) {
        const errs: number[] = [];
        for (let i = 0; i < 5; i++) {
          const [tid] = yield* spawnThread(g, function* (tg) {
            for (;;) yield tg.spin(1000);
          });
          errs.push(tid < 0 ? -tid : 0);
        }
        yield g.sys('proc_exit', errs.join(',') === '0,0,0,6,6' ? 0 : 1);
      },
      { limits: { maxThreads: 4 } },
    );
    expect(status).toEqual({ exitCode: 0 });
  });

  it('guest memory: ENOMEM, and the host does not allocate it', async () => {
    const status = await run(
      function* (g) {
        const RW = Mprot.READ | Mprot.WRITE;
        const big = yield g.sys(
          'mem_map',
          0,
          64 * 1024 * 1024,
          RW,
          Mflags.ANON | Mflags.PRIVATE,
          MAP_ANON_FD,
          0n,
        );
        const small = yield g.sys(
          'mem_map',
          0,
          1024 * 1024,
          RW,
          Mflags.ANON | Mflags.PRIVATE,
          MAP_ANON_FD,
          0n,
        );
        yield g.sys('proc_exit', big.errno === Errno.ENOMEM && small.errno === 0 ? 0 : 1);
      },
      { limits: { maxMemory: 8 * 1024 * 1024 } },
    );
    expect(status).toEqual({ exitCode: 0 });
  });

  it('processes: fork gets EAGAIN beyond the limit', async () => {
    const status = await run(
      function* (g) {
        const results: number[] = [];
        for (let i = 0; i < 3; i++) {
          const f = yield g.fork(function* (c) {
            for (;;) yield c.spin(1000);
          });
          results.push(f.errno);
        }
        yield g.sys('proc_exit', results.join(',') === '0,0,6' ? 0 : 1);
      },
      { limits: { maxProcesses: 3 } },
    );
    expect(status).toEqual({ exitCode: 0 });
  });

  it('instruction budget: SIGXCPU with a reason', async () => {
    const status = await run(
      function* (g) {
        for (;;) yield g.spin(1000);
      },
      { limits: { instructionBudget: 50_000 } },
    );
    expect(status).toEqual({ signal: 'SIGXCPU', reason: 'instruction budget of 50000 exhausted' });
  });

  it('wall-clock deadline and AbortSignal end a looping process', async () => {
    const deadline = await run(
      function* (g) {
        for (;;) yield g.spin(1000);
      },
      { deterministic: false, limits: { deadlineMs: 50 } },
    );
    expect(deadline).toEqual({ signal: 'SIGKILL', reason: 'wall-clock deadline of 50 ms exceeded' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const aborted = await run(
      function* (g) {
        for (;;) yield g.spin(1000);
      },
      { signal: controller.signal },
    );
    expect(aborted).toEqual({ signal: 'SIGKILL', reason: 'aborted by the embedder' });
  });

  it('a sleeping process is ended by the deadline too (host clock)', async () => {
    const status = await run(
      function* (g) {
        const sub = g.alloc(56);
        const ev = g.alloc(32);
        g.memory.u8[sub + 10] = 1;
        g.setU32(sub + 24, 1);
        g.setU64(sub + 32, 60_000_000_000n);
        yield g.sys('poll', sub, ev, 1);
        yield g.sys('proc_exit', 0);
      },
      { deterministic: false, limits: { deadlineMs: 50 } },
    );
    expect(status).toMatchObject({ signal: 'SIGKILL' });
  });
});

describe('clean termination', () => {
  it('killing a sleeping process cancels its host timer', async () => {
    const activeTimers = () =>
      (process as unknown as { getActiveResourcesInfo(): string[] })
        .getActiveResourcesInfo()
        .filter((x) => x === 'Timeout').length;
    const before = activeTimers();
    const t0 = performance.now();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const status = await run(
      function* (g) {
        const sub = g.alloc(56);
        const ev = g.alloc(32);
        g.memory.u8[sub + 10] = 1;
        g.setU32(sub + 24, 1);
        g.setU64(sub + 32, 5_000_000_000n);
        yield g.sys('poll', sub, ev, 1);
      },
      { deterministic: false, signal: controller.signal },
    );
    expect(status).toMatchObject({ signal: 'SIGKILL' });
    // The event loop must not be held by the 5 s timer: a macrotask turn comes right away and no
    // timer is left (checked through Node's active resources).
    await new Promise((r) => setImmediate(r));
    expect(activeTimers()).toBeLessThanOrEqual(before);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('shared memory objects draw from a bounded budget', () => {
  it('truncate allocates nothing; writes beyond the budget are ENOSPC', async () => {
    const { Filetype: FT } = await import('../src/index.js');
    const seen: number[] = [];
    const { write } = await import('./helpers.js');
    const status = await run(
      function* (g) {
        const results: number[] = [];
        const st = g.alloc(56);
        g.setU64(st + 24, 512n * 1024n * 1024n);
        for (let i = 0; i < 4; i++) {
          const shm = yield g.sys('fd_create1', FT.SHARED_MEMORY);
          results.push((yield g.sys('file_stat_fput', shm.value, st, 0x10)).errno);
        }
        const small = yield g.sys('fd_create1', FT.SHARED_MEMORY);
        results.push((yield* write(g, small.value, 'x'.repeat(1000))).errno);
        // One call writing 8 × 512 KiB (the same buffer eight times) exceeds the 4 MiB budget.
        const buf = g.alloc(512 * 1024);
        const iov = g.alloc(8 * 16);
        for (let i = 0; i < 8; i++) {
          g.setU64(iov + i * 16, buf);
          g.setU64(iov + i * 16 + 8, 512 * 1024);
        }
        results.push((yield g.sys('fd_write', small.value, iov, 8)).errno);
        results.push((yield g.sys('fd_write', small.value, iov, 2)).errno);
        seen.push(...results);
        yield g.sys('proc_exit', 0);
      },
      { limits: { maxMemory: 4 * 1024 * 1024 } },
    );
    expect(status).toEqual({ exitCode: 0 });
    expect(seen).toEqual([0, 0, 0, 0, 0, Errno.ENOSPC, 0]);
  });
});
