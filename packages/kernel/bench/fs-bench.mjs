/**
 * File-system benchmarks (`pnpm bench` in packages/kernel):
 *
 * 1. read and write throughput through the sandbox (a guest's file_open + fd_write/fd_read on a
 *    granted host directory, dispatched by the kernel and served by the Node backend) against
 *    plain node:fs on the same host file system, as a ratio;
 * 2. the cost of one syscall round trip: ns per 1-byte fd_write, from a guest through dispatch
 *    to a file of the memory backend.
 *
 * Guests are script programs (`@cabi/kernel/testing`): the syscall path is the real one (register
 * decoding, dispatch, rights checks, handlers); the CPU is a generator, so the round-trip figure
 * is an upper bound that includes one generator step per call.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
// The built package (what users run; `bench` runs after `build`): a dev-time TypeScript
// transform adds per-closure overhead that would distort the figures.
import { createKernel, Rights } from '../dist/index.js';
import { memoryDirectory } from '../dist/memory.js';
import { openHostPath } from '../dist/node.js';
import { ScriptProgram } from '../dist/testing.js';

const CHUNK = 64 * 1024;
const TOTAL = 64 * 1024 * 1024;
const ROUND_TRIPS = 200_000;

async function runGuest(main, fds) {
  const program = new ScriptProgram();
  const kernel = createKernel({ cpu: program.cpus(), loader: program.loader() });
  const proc = await kernel.spawn(program.image('bench', main), { fds });
  const status = await proc.wait();
  if (!('exitCode' in status) || status.exitCode !== 0)
    throw new Error(`guest failed: ${JSON.stringify(status)}`);
}

function* openFile(g, dir, name, oflags, rights) {
  const bytes = new TextEncoder().encode(name);
  const p = g.alloc(bytes.length);
  g.memory.u8.set(bytes, p);
  const fdstat = g.alloc(24);
  g.memory.dv.setBigUint64(fdstat + 8, rights, true);
  const r = yield g.sys('file_open', dir, p, bytes.length, oflags, fdstat);
  if (r.cf) throw new Error(`file_open: ${r.errno}`);
  return r.value;
}

function mbps(bytes, ms) {
  return bytes / 1024 / 1024 / (ms / 1000);
}

async function throughput() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabi-bench-'));
  try {
    const chunk = new Uint8Array(CHUNK).fill(0x61);
    // Plain node:fs.
    let t0 = performance.now();
    const fd = fs.openSync(path.join(dir, 'plain'), 'w+');
    for (let done = 0; done < TOTAL; done += CHUNK) fs.writeSync(fd, chunk, 0, CHUNK, done);
    const plainWrite = performance.now() - t0;
    t0 = performance.now();
    const rbuf = new Uint8Array(CHUNK);
    for (let done = 0; done < TOTAL; done += CHUNK) fs.readSync(fd, rbuf, 0, CHUNK, done);
    const plainRead = performance.now() - t0;
    fs.closeSync(fd);

    // Through the sandbox: a guest writes then reads the same amount with fd_write / fd_read.
    let sandboxWrite = 0;
    let sandboxRead = 0;
    const granted = await openHostPath(dir);
    await runGuest(
      function* (g) {
        const buf = g.alloc(CHUNK);
        g.memory.u8.fill(0x62, buf, buf + CHUNK);
        const iov = g.alloc(16);
        g.setU64(iov, buf);
        g.setU64(iov + 8, CHUNK);
        const w = yield* openFile(
          g,
          0,
          'sandboxed',
          0x1 | 0x8,
          Rights.FD_WRITE | Rights.FD_SEEK | Rights.FILE_STAT_FPUT_SIZE,
        );
        let t = performance.now();
        for (let done = 0; done < TOTAL; done += CHUNK) {
          const r = yield g.sys('fd_write', w, iov, 1);
          if (r.cf || r.value !== CHUNK) throw new Error('short write');
        }
        sandboxWrite = performance.now() - t;
        const rd = yield* openFile(g, 0, 'sandboxed', 0, Rights.FD_READ);
        t = performance.now();
        for (let done = 0; done < TOTAL; done += CHUNK) {
          const r = yield g.sys('fd_read', rd, iov, 1);
          if (r.cf || r.value !== CHUNK) throw new Error('short read');
        }
        sandboxRead = performance.now() - t;
        yield g.sys('proc_exit', 0);
      },
      [granted],
    );

    const row = (what, plain, sandbox) =>
      `${what.padEnd(7)} plain node:fs ${mbps(TOTAL, plain).toFixed(0).padStart(6)} MB/s   sandbox ${mbps(
        TOTAL,
        sandbox,
      )
        .toFixed(0)
        .padStart(6)} MB/s   ratio ${(sandbox / plain).toFixed(2)}x time`;
    console.log(
      `file throughput, ${TOTAL / 1024 / 1024} MiB in ${CHUNK / 1024} KiB chunks (host file system, ${dir})`,
    );
    console.log(row('write', plainWrite, sandboxWrite));
    console.log(row('read', plainRead, sandboxRead));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function roundTrip() {
  let ns = 0;
  await runGuest(
    function* (g) {
      const f = yield* openFile(g, 0, 'f', 0x1, Rights.FD_WRITE | Rights.FD_SEEK);
      const buf = g.alloc(1);
      const iov = g.alloc(16);
      g.setU64(iov, buf);
      g.setU64(iov + 8, 1);
      for (let i = 0; i < 10_000; i++) yield g.sys('fd_write', f, iov, 1);
      const t = performance.now();
      for (let i = 0; i < ROUND_TRIPS; i++) yield g.sys('fd_write', f, iov, 1);
      ns = ((performance.now() - t) * 1e6) / ROUND_TRIPS;
      yield g.sys('proc_exit', 0);
    },
    [memoryDirectory()],
  );
  console.log(
    `syscall round trip: ${ns.toFixed(0)} ns per 1-byte fd_write (memory backend file, script CPU)`,
  );
}

await throughput();
await roundTrip();
