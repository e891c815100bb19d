import { describe, expect, it } from 'vitest';
import { bufferSink, Errno, type TraceEvent } from '../src/index.js';
import { read, run, write } from './helpers.js';

describe('spawn, fd_write, proc_exit, tracing', () => {
  it('runs a program that writes to an fd and exits', async () => {
    const out = bufferSink();
    const events: TraceEvent[] = [];
    const status = await run(
      function* (g) {
        const r = yield* write(g, 0, 'hello, world\n');
        if (r.cf || r.value !== 13) yield g.sys('proc_exit', 1);
        yield g.sys('proc_exit', 42);
      },
      { fds: [out], trace: (e) => events.push(e) },
    );
    expect(status).toEqual({ exitCode: 42 });
    expect(out.text()).toBe('hello, world\n');
    const sys = events.filter((e) => e.type === 'syscall');
    expect(sys.map((e) => e.name)).toEqual(['fd_write', 'proc_exit']);
    expect(sys[0]).toMatchObject({
      errno: 0,
      errnoName: 'SUCCESS',
      results: { nwritten: 13 },
      args: { fd: 0, iovs_len: 1 },
    });
    expect(events.at(-1)).toMatchObject({ type: 'exit', status: { exitCode: 42 } });
  });

  it('answers unknown numbers with ENOSYS and uses the legacy numbering outside the vDSO', async () => {
    const out = bufferSink();
    const status = await run(
      function* (g) {
        const bad = yield g.raw(1000, []);
        if (!bad.cf || bad.errno !== Errno.ENOSYS) yield g.sys('proc_exit', 1);
        const huge = yield g.raw(2 ** 40, []);
        if (huge.errno !== Errno.ENOSYS) yield g.sys('proc_exit', 2);
        // Legacy 55 is thread_tcb_set; in the final numbering 55 does not exist.
        const tcb = yield g.legacy('thread_tcb_set', 0x1234);
        if (tcb.cf || tcb.value !== 0 || g.cpu.fsBase !== 0x1234n) yield g.sys('proc_exit', 3);
        const noTcb = yield g.raw(55, [0]);
        if (noTcb.errno !== Errno.ENOSYS) yield g.sys('proc_exit', 4);
        // Legacy fd_write (16) writes too.
        const buf = g.alloc(2);
        g.memory.u8.set([0x6f, 0x6b], buf);
        const iov = g.alloc(16);
        g.setU64(iov, buf);
        g.setU64(iov + 8, 2);
        const w = yield g.legacy('fd_write', 0, iov, 1);
        if (w.cf || w.value !== 2) yield g.sys('proc_exit', 5);
        // A no-result legacy syscall returns rax = 0 on success.
        g.cpu.setRegNumber(0, 99);
        const y = yield g.legacy('thread_yield');
        if (y.rax !== 0n || y.cf) yield g.sys('proc_exit', 6);
        yield g.legacy('proc_exit', 0);
      },
      { fds: [out] },
    );
    expect(status).toEqual({ exitCode: 0 });
    expect(out.text()).toBe('ok');
  });

  it('reads from a memory fd until end of file', async () => {
    const { memoryFd } = await import('../src/index.js');
    const out = bufferSink();
    const status = await run(
      function* (g) {
        let total = '';
        for (;;) {
          const [r, data] = yield* read(g, 0, 4);
          if (r.cf) yield g.sys('proc_exit', 1);
          if (data.length === 0) break;
          total += new TextDecoder().decode(data);
        }
        yield* write(g, 1, total.toUpperCase());
        yield g.sys('proc_exit', 0);
      },
      { fds: [memoryFd('abcdefghij'), out] },
    );
    expect(status).toEqual({ exitCode: 0 });
    expect(out.text()).toBe('ABCDEFGHIJ');
  });
});
