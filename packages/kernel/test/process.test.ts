import { describe, expect, it } from 'vitest';
import {
  bufferSink,
  createKernel,
  Errno,
  Eventtype,
  Filetype,
  memoryFd,
  PROCESS_CHILD,
  Rights,
  Signal,
} from '../src/index.js';
import { ScriptProgram, scriptArgdata } from '../src/testing.js';
import { read, run, write } from './helpers.js';

describe('proc_fork, proc_exec, PROC_TERMINATE', () => {
  it('fork: the child gets PROCESS_CHILD and a copy of memory; the parent waits with PROC_TERMINATE', async () => {
    const out = bufferSink();
    const status = await run(
      function* (g) {
        const cell = g.alloc(4);
        g.setU32(cell, 5);
        const p = yield g.sys('fd_create2', Filetype.SOCKET_STREAM);
        const [a, b] = [Number(p.rax), Number(p.rdx)];
        const f = yield g.fork(function* (c) {
          if (Number(c.rdi) !== PROCESS_CHILD || c.rsi === 0n) yield c.sys('proc_exit', 50);
          c.setU32(cell, 9);
          yield* write(c, b, `child ${c.u32(cell)}`);
          yield c.sys('proc_exit', 7);
        });
        if (f.cf) yield g.sys('proc_exit', 1);
        const pfd = f.value;
        // Parent memory is unaffected by the child's write.
        if (g.u32(cell) !== 5) yield g.sys('proc_exit', 2);
        const [r, data] = yield* read(g, a, 64);
        if (r.cf) yield g.sys('proc_exit', 3);
        yield* write(g, 0, new TextDecoder().decode(data));
        const sub = g.alloc(56);
        const ev = g.alloc(32);
        g.setU64(sub, 77n);
        g.memory.u8[sub + 10] = Eventtype.PROC_TERMINATE;
        g.setU32(sub + 16, pfd);
        const pr = yield g.sys('poll', sub, ev, 1);
        if (pr.cf || pr.value !== 1) yield g.sys('proc_exit', 4);
        const ok =
          g.u64(ev) === 77n &&
          g.memory.dv.getUint16(ev + 8, true) === 0 &&
          g.memory.u8[ev + 10] === Eventtype.PROC_TERMINATE &&
          g.memory.u8[ev + 20] === 0 &&
          g.u32(ev + 24) === 7;
        yield g.sys('proc_exit', ok ? 0 : 5);
      },
      { fds: [out] },
    );
    expect(status).toEqual({ exitCode: 0 });
    expect(out.text()).toBe('child 9');
  });

  it('closing the process fd kills the child', async () => {
    const exits: unknown[] = [];
    const status = await run(
      function* (g) {
        const f = yield g.fork(function* (c) {
          for (;;) yield c.spin(1000);
        });
        const dup = yield g.sys('fd_dup', f.value);
        yield g.sys('fd_close', f.value);
        const sub = g.alloc(56);
        g.memory.u8[sub + 10] = Eventtype.PROC_TERMINATE;
        g.setU32(sub + 16, dup.value);
        // Still running: a zero clock makes poll return at once with only the clock event.
        const sub2 = g.alloc(112);
        g.memory.u8.set(g.memory.u8.slice(sub, sub + 56), sub2);
        g.memory.u8[sub2 + 56 + 10] = Eventtype.CLOCK;
        g.setU32(sub2 + 56 + 24, 1);
        const ev2 = g.alloc(64);
        const r0 = yield g.sys('poll', sub2, ev2, 2);
        if (r0.value !== 1 || g.memory.u8[ev2 + 10] !== Eventtype.CLOCK) yield g.sys('proc_exit', 1);
        yield g.sys('fd_close', dup.value);
        yield g.spin(100);
        yield g.sys('proc_exit', 0);
      },
      {
        trace: (e) => {
          if (e.type === 'exit') exits.push(e);
        },
      },
    );
    expect(status).toEqual({ exitCode: 0 });
    expect(exits).toEqual([
      { type: 'exit', pid: 2, status: { signal: 'SIGKILL' } },
      { type: 'exit', pid: 1, status: { exitCode: 0 } },
    ]);
  });

  it('a child killed by a signal reports it through PROC_TERMINATE', async () => {
    const status = await run(function* (g) {
      const f = yield g.fork(function* (c) {
        yield c.sys('proc_raise', Signal.SIGUSR1);
      });
      const sub = g.alloc(56);
      const ev = g.alloc(32);
      g.memory.u8[sub + 10] = Eventtype.PROC_TERMINATE;
      g.setU32(sub + 16, f.value);
      yield g.sys('poll', sub, ev, 1);
      yield g.sys('proc_exit', g.memory.u8[ev + 20] === Signal.SIGUSR1 ? 0 : 1);
    });
    expect(status).toEqual({ exitCode: 0 });
  });

  it('exec: replaces the image, passes argdata and remaps the listed fds', async () => {
    const program = new ScriptProgram();
    const out = bufferSink();
    const seen: string[] = [];
    const child = program.image('child', function* (g) {
      const args = new TextDecoder().decode(scriptArgdata(g.memory));
      seen.push(args);
      // fd 0 is the sink (old fd 0), fd 1 the socket end (old fd 2); nothing else is open.
      const st = g.alloc(24);
      const s1 = yield g.sys('fd_stat_get', 1, st);
      const s2 = yield g.sys('fd_stat_get', 2, st);
      yield* write(g, 0, `exec'd with ${args}; fd1 ${s1.errno}; fd2 ${s2.errno}`);
      yield g.sys('proc_exit', 3);
    });
    const main = program.image('main', function* (g) {
      const p = yield g.sys('fd_create2', Filetype.SOCKET_STREAM);
      const data = g.alloc(8);
      g.memory.u8.set(new TextEncoder().encode('argv'), data);
      const fds = g.alloc(8);
      g.setU32(fds, 0);
      g.setU32(fds + 4, Number(p.rax));
      // Without PROC_EXEC the call fails.
      const bad = yield g.sys('proc_exec', 2, data, 4, fds, 2);
      if (bad.errno !== Errno.ENOTCAPABLE) yield g.sys('proc_exit', 10);
      const tooMany = yield g.sys('proc_exec', 1, data, 4, fds, 99);
      if (tooMany.errno !== Errno.E2BIG) yield g.sys('proc_exit', 11);
      g.setU32(fds + 4, 77);
      const badFd = yield g.sys('proc_exec', 1, data, 4, fds, 2);
      if (badFd.errno !== Errno.EBADF) yield g.sys('proc_exit', 12);
      g.setU32(fds + 4, Number(p.rax));
      yield g.sys('proc_exec', 1, data, 4, fds, 2);
      yield g.sys('proc_exit', 13);
    });
    const kernel = createKernel({ deterministic: true, cpu: program.cpus(), loader: program.loader() });
    const exe = memoryFd(child);
    const proc = await kernel.spawn(main, {
      fds: [
        out,
        { object: exe, rights: { base: Rights.FD_READ | Rights.FD_SEEK | Rights.PROC_EXEC } },
        { object: memoryFd('x'), rights: { base: Rights.FD_READ } },
      ],
    });
    expect(await proc.wait()).toEqual({ exitCode: 3 });
    expect(seen).toEqual(['argv']);
    expect(out.text()).toBe(`exec'd with argv; fd1 0; fd2 ${Errno.EBADF}`);
  });

  it('exec of something that is not an executable is ENOEXEC and the process continues', async () => {
    const status = await run(
      function* (g) {
        const r = yield g.sys('proc_exec', 0, 0, 0, 0, 0);
        yield g.sys('proc_exit', r.errno === Errno.ENOEXEC ? 0 : 1);
      },
      {
        fds: [
          {
            object: memoryFd('garbage'),
            rights: { base: Rights.FD_READ | Rights.FD_SEEK | Rights.PROC_EXEC },
          },
        ],
      },
    );
    expect(status).toEqual({ exitCode: 0 });
  });
});

describe('signals and faults', () => {
  it('proc_raise: ignored signals return, terminating ones end the process', async () => {
    const status = await run(function* (g) {
      for (const sig of [0, Signal.SIGCHLD, Signal.SIGURG, Signal.SIGPIPE, Signal.SIGCONT]) {
        const r = yield g.sys('proc_raise', sig);
        if (r.cf) yield g.sys('proc_exit', 1);
      }
      const bad = yield g.sys('proc_raise', 200);
      if (bad.errno !== Errno.EINVAL) yield g.sys('proc_exit', 2);
      yield g.sys('proc_raise', Signal.SIGABRT);
      yield g.sys('proc_exit', 3);
    });
    expect(status).toMatchObject({ signal: 'SIGABRT' });
  });

  it('a CPU fault becomes a signal with a diagnostic', async () => {
    const status = await run(function* (g) {
      yield g.fault('page-not-present', 0xdead000);
    });
    expect(status).toMatchObject({
      signal: 'SIGSEGV',
      fault: { kind: 'page-not-present', address: 0xdead000, instruction: 'script' },
    });
    expect(
      await run(function* (g) {
        yield g.fault('invalid-opcode');
      }),
    ).toMatchObject({ signal: 'SIGILL' });
    expect(
      await run(function* (g) {
        yield g.fault('divide-error');
      }),
    ).toMatchObject({ signal: 'SIGFPE' });
    expect(
      await run(function* (g) {
        yield g.fault('breakpoint');
      }),
    ).toMatchObject({ signal: 'SIGTRAP' });
  });

  it('writing to a socket whose peer is closed is EPIPE, not a signal', async () => {
    const status = await run(function* (g) {
      const p = yield g.sys('fd_create2', Filetype.SOCKET_STREAM);
      yield g.sys('fd_close', Number(p.rdx));
      const r = yield* write(g, Number(p.rax), 'x');
      yield g.sys('proc_exit', r.errno === Errno.EPIPE ? 0 : 1);
    });
    expect(status).toEqual({ exitCode: 0 });
  });
});

describe('shared-scope futexes across fork', () => {
  it('a lock in shared memory hands over between processes', async () => {
    const { LOCK_KERNEL_MANAGED, LOCK_WRLOCKED, MAP_ANON_FD, Mflags, Mprot, Scope } = await import(
      '../src/index.js'
    );
    const { pollLock } = await import('./helpers.js');
    const status = await run(function* (g) {
      const me = Number(g.rdi);
      const m = yield g.sys(
        'mem_map',
        0,
        4096,
        Mprot.READ | Mprot.WRITE,
        Mflags.ANON | Mflags.SHARED,
        MAP_ANON_FD,
        0n,
      );
      const lock = m.value;
      const flag = m.value + 8;
      g.setU32(lock, (me | LOCK_WRLOCKED) >>> 0);
      const f = yield g.fork(function* (c) {
        const e = yield* pollLock(c, lock, Eventtype.LOCK_WRLOCK, Scope.SHARED);
        // The child now owns the lock; the parent set the flag before unlocking.
        const ok =
          e === 0 && (c.u32(lock) & ~LOCK_KERNEL_MANAGED) >>> 0 === (Number(c.rsi) | LOCK_WRLOCKED) >>> 0;
        yield c.sys('proc_exit', ok && c.u32(flag) === 1 ? 0 : 1);
      });
      // Let the child block on the lock (it sets the managed bit).
      for (let i = 0; i < 20 && !(g.u32(lock) & LOCK_KERNEL_MANAGED); i++) yield g.sys('thread_yield');
      if (!(g.u32(lock) & LOCK_KERNEL_MANAGED)) yield g.sys('proc_exit', 3);
      g.setU32(flag, 1);
      const u = yield g.sys('lock_unlock', lock, Scope.SHARED);
      if (u.cf) yield g.sys('proc_exit', 4);
      const sub = g.alloc(56);
      const ev = g.alloc(32);
      g.memory.u8[sub + 10] = Eventtype.PROC_TERMINATE;
      g.setU32(sub + 16, f.value);
      yield g.sys('poll', sub, ev, 1);
      yield g.sys('proc_exit', g.u32(ev + 24));
    });
    expect(status).toEqual({ exitCode: 0 });
  });
});

describe('stop signals', () => {
  it('SIGSTOP stops every thread; the process stays alive until killed', async () => {
    const { createKernel: create } = await import('../src/index.js');
    const { ScriptProgram: Program } = await import('../src/testing.js');
    const program = new Program();
    const kernel = create({ deterministic: true, cpu: program.cpus(), loader: program.loader() });
    let after = false;
    const proc = await kernel.spawn(
      program.image('main', function* (g) {
        yield g.sys('proc_raise', Signal.SIGSTOP);
        after = true;
        yield g.sys('proc_exit', 0);
      }),
    );
    await new Promise((r) => setTimeout(r, 30));
    expect(after).toBe(false);
    proc.kill();
    expect(await proc.wait()).toEqual({ signal: 'SIGKILL' });
    expect(after).toBe(false);
  });
});
