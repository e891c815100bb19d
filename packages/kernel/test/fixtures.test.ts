/**
 * End-to-end runs of the C fixture programs (fixtures/programs, built with clang-14 for
 * x86_64-unknown-cloudabi) on the real x86-core CPU, the elf-loader and our vDSO. Each program
 * prints one line per check; the expected lines follow the CloudABI spec and FreeBSD.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encode, Fd } from '@cabi/argdata';
import { type GuestMemory, JitCpu } from '@cabi/x86-core';
import { describe, expect, it } from 'vitest';
import { bufferSink, createKernel, type ExitStatus, type KernelOptions } from '../src/index.js';

const BIN = fileURLToPath(new URL('../../../fixtures/bin/', import.meta.url));

async function runFixture(
  name: string,
  options: Partial<KernelOptions> = {},
  args: Record<string, unknown> = {},
): Promise<{ status: ExitStatus; out: string }> {
  const kernel = createKernel({ deterministic: 1, ...options });
  const sink = bufferSink();
  const { bytes } = encode({ stdout: new Fd(0), ...args } as never);
  const proc = await kernel.spawn(readFileSync(BIN + name), { argdata: bytes, fds: [sink] });
  return { status: await proc.wait(), out: sink.text() };
}

function lines(out: string): string[] {
  return out.split('\n');
}

describe('fixture programs on the x86-core CPU', () => {
  it('hello, as a static PIE and as a fixed-address ET_EXEC', async () => {
    expect(await runFixture('hello')).toEqual({ status: { exitCode: 0 }, out: 'Hello, world!\n' });
    expect(await runFixture('hello-exec')).toEqual({ status: { exitCode: 0 }, out: 'Hello, world!\n' });
  });

  it('fd', async () => {
    const { status, out } = await runFixture('fd');
    expect(status).toEqual({ exitCode: 0 });
    expect(lines(out)).toEqual(
      expect.arrayContaining([
        'cabi_sys_fd_stat_get(1000000, &st): EBADF',
        'written through a duplicate',
        'cabi_sys_fd_close(dup): EBADF',
        'socket pair end: type 0x82 flags 0 base 0x801008004a inheriting 0x815ffff7ff',
        'cabi_sys_fd_create2(CABI_FILETYPE_REGULAR_FILE, &c, &d): EINVAL',
        'read 8: ab|cdefgh',
        'empty write 0',
        'cabi_sys_fd_seek(a, 0, CABI_WHENCE_CUR, &off): ENOTCAPABLE',
        'cabi_sys_fd_seek(a, 0, 9, &off): EINVAL',
        'read 15: via replaced fd',
        'cabi_sys_fd_replace(a, 1000000): EBADF',
        'after dropping FD_WRITE: type 0x82 flags 0 base 0x801008000a inheriting 0x815ffff7ff',
        'cabi_sys_fd_write(a, wv, 1, &n): ENOTCAPABLE',
        'cabi_sys_fd_stat_put(a, &st, CABI_FDSTAT_RIGHTS): ENOTCAPABLE',
        'after NONBLOCK: type 0x82 flags 0x4 base 0x801008004a inheriting 0x815ffff7ff',
        'cabi_sys_fd_read(b, &iv, 1, &n): EAGAIN',
        'shared memory: type 0x70 flags 0 base 0xc180042 inheriting 0',
        'cabi_sys_fd_create1(CABI_FILETYPE_SOCKET_STREAM, &shm): EINVAL',
        'cabi_sys_fd_write(b, wv, 1, &n): EPIPE',
        'read after peer closed: 0',
      ]),
    );
  });

  it('clock', async () => {
    const { status, out } = await runFixture('clock');
    expect(status).toEqual({ exitCode: 0 });
    for (const c of ['MONOTONIC', 'PROCESS_CPUTIME_ID', 'REALTIME', 'THREAD_CPUTIME_ID']) {
      expect(out).toContain(`${c}: res_get ESUCCESS (res>0: 1), time_get ESUCCESS ESUCCESS (monotonic: 1)`);
    }
    expect(lines(out)).toEqual(
      expect.arrayContaining([
        'cabi_sys_clock_res_get(0, &t): EINVAL',
        'cabi_sys_clock_time_get(99, 0, &t): EINVAL',
        'realtime after 2015: 1',
        'relative sleep: n=1 userdata=0x1234 type=1 error=ESUCCESS slept>=2ms: 1',
        'absolute past: n=1 type=1',
        'bad clock: n=1 error=EINVAL',
      ]),
    );
  });

  it('random', async () => {
    const { status, out } = await runFixture('random');
    expect(status).toEqual({ exitCode: 0 });
    expect(out).toContain('4096 bytes: not all zero: 1, nibble histogram plausible: 1');
  });

  it('mem', async () => {
    const { status, out } = await runFixture('mem');
    expect(status).toEqual({ exitCode: 0 });
    expect(out).not.toMatch(/: E(?!SUCCESS|INVAL|NOTSUP)/);
    expect(lines(out)).toEqual(
      expect.arrayContaining([
        'anon map: page-aligned 1, zeroed 1, checksum 8355840',
        'cabi_sys_mem_protect(p, len, CABI_PROT_READ | CABI_PROT_WRITE | CABI_PROT_EXEC): ENOTSUP',
        'cabi_sys_mem_advise(p, len, 99): EINVAL',
        'cabi_sys_mem_sync(p, len, CABI_MS_SYNC | CABI_MS_ASYNC): EINVAL',
        'fixed mapping at the hint: 1',
        'shm type 0x70 size 8192',
        'malloc: 500 blocks intact after realloc: 1',
      ]),
    );
  });

  // Shared memory mapped twice in one process, and mappings longer than their object.
  const shmExpect = [
    'two mappings: 1',
    'byte store a->b: 42',
    'byte store b->a: 43',
    'straddling store seen: 1',
    'sse store seen: 1',
    'rep stosb seen: 1',
    'rep movsb b<-a seen in a: 1',
    'lock xadd and cmpxchg across aliases: 1 99',
    'syscall store seen: 1',
    'fd_read sees stores: 102 42 43',
    'fd_write seen: zz zz',
    'store to a seen through read-only b: 77',
    'store through read-only b: signal 13', // SIGSEGV
    'writable again: 78',
    "child's stores seen by the parent: 5 5 10",
    'after unmap: 9 42',
    'partial last page: last byte 7, past the end reads 0 0',
    'read of a page past the end: signal 3', // SIGBUS
    'write of a page past the end: signal 3',
    'random_get into it: EFAULT',
    'after growing: reads 0, store and load 33',
    'after shrinking: signal 3, past the end of page 0 still readable: 1',
    'after fd_write at the end: grow, old byte past the shrink reads 0',
    'anonymous shared: 1',
    'read completed while the parent ran: 5 bytes, hello',
    'x87 store seen: 1',
  ];

  it('shm: aliased shared mappings stay coherent; pages past the end raise SIGBUS', async () => {
    const { status, out } = await runFixture('shm');
    expect(lines(out)).toEqual(expect.arrayContaining(shmExpect));
    expect(status).toEqual({ exitCode: 0 });
  });

  it('shm: the same with one-instruction-to-thousands random slices and on the JIT', async () => {
    for (const options of [
      { deterministic: 3, scheduler: { sliceInstructions: 3, randomSlices: true } },
      { deterministic: 4, scheduler: { sliceInstructions: 5000, randomSlices: true } },
      { deterministic: 5, cpu: (memory: GuestMemory) => new JitCpu(memory, { threshold: 1 }) },
    ]) {
      const { status, out } = await runFixture('shm', options);
      expect(lines(out)).toEqual(expect.arrayContaining(shmExpect));
      expect(status).toEqual({ exitCode: 0 });
    }
  });

  it('a page past the end of a shared object: SIGBUS with a diagnostic', async () => {
    // The first fault of the program, in the parent itself: no fork child to absorb it.
    const { status } = await runFixture('shm', {}, { bus: true });
    expect(status).toMatchObject({
      signal: 'SIGBUS',
      reason: expect.stringMatching(/^read beyond the end of a shared object at 0x[0-9a-f]+$/),
      fault: { kind: 'object-end', instruction: expect.stringContaining('byte ptr') },
    });
  });

  it('poll', async () => {
    const { status, out } = await runFixture('poll');
    expect(status).toEqual({ exitCode: 0 });
    expect(lines(out)).toEqual(
      expect.arrayContaining([
        '  event ud=2 type=1 error=ESUCCESS',
        '  event ud=1 type=3 error=ESUCCESS nbytes flags=0 (5)',
        '  n=1 type=4 error=ESUCCESS nbytes>0: 1',
        '  event ud=4 type=3 error=EBADF nbytes flags=0 (0)',
        '  event ud=5 type=3 error=ESUCCESS nbytes flags=0x1 (5)',
        'zero subscriptions: n=0',
        'free lock acquired: n=1 type=6 lock is ours: 1',
        'lock after unlock: 0',
      ]),
    );
  });

  it('proc', async () => {
    const { status, out } = await runFixture('proc');
    expect(status).toEqual({ exitCode: 0 });
    expect(lines(out)).toEqual(
      expect.arrayContaining([
        'cabi_sys_proc_raise(200): EINVAL',
        'pid is a UUIDv4: 1',
        'in the child: new tid differs: 1',
        'child terminated: n=1 type=7 error=ESUCCESS signal=0 exitcode=42',
        'process fd type 0x50',
        'aborted child: signal=1',
      ]),
    );
  });

  it('legacy (raw syscall numbering, thread_tcb_set, no vDSO)', async () => {
    const { status, out } = await runFixture('legacy');
    expect(status).toEqual({ exitCode: 0 });
    expect(lines(out)).toEqual(
      expect.arrayContaining([
        'legacy runtime: 1, vDSO symbols linked: 0',
        'total 300, main tls 5',
        'read ping',
      ]),
    );
  });

  it('workers (thread pool)', async () => {
    const { status, out } = await runFixture('workers');
    expect(status).toEqual({ exitCode: 0 });
    expect(out).toContain('12 jobs on 4 threads, 6175 primes in total');
  });

  // thread, futex and contend run 100 times each way in soak-deterministic/soak-random.test.ts.

  it('an instruction budget far too small ends the process with SIGXCPU and a reason', async () => {
    const { status } = await runFixture('workers', { limits: { instructionBudget: 10_000 } });
    expect(status).toMatchObject({ signal: 'SIGXCPU', reason: 'instruction budget of 10000 exhausted' });
  });

  it('deterministic mode reproduces the exact syscall sequence of a multi-threaded program', async () => {
    const record = async () => {
      const seq: string[] = [];
      const kernel = createKernel({
        deterministic: 5,
        scheduler: { sliceInstructions: 777, randomSlices: true },
      });
      const sink = bufferSink();
      const { bytes } = encode({ stdout: new Fd(0) });
      const proc = await kernel.spawn(readFileSync(`${BIN}futex`), {
        argdata: bytes,
        fds: [sink],
        trace: (e) => {
          if (e.type === 'syscall')
            seq.push(`${e.tid}:${e.name}:${e.errno}:${String(Object.values(e.results))}`);
        },
      });
      await proc.wait();
      return { seq, out: sink.text() };
    };
    const a = await record();
    const b = await record();
    expect(a.seq.length).toBeGreaterThan(100);
    expect(b.seq).toEqual(a.seq);
    expect(b.out).toBe(a.out);
  }, 60_000);

  it('runs with the host clock and crypto randomness too', async () => {
    const { status, out } = await runFixture('futex', { deterministic: false });
    expect(status).toEqual({ exitCode: 0 });
    expect(out).toContain('consumed 200 items, sum 20100 (expected 20100)');
  }, 60_000);
});
