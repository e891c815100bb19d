/**
 * Per-process statistics on GuestProcess: instructions retired and CPU time, and the guest's
 * CPU-time clocks agreeing with them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encode, Fd } from '@cabi/argdata';
import { describe, expect, it } from 'vitest';
import { VIRTUAL_EPOCH_NS, VirtualClock } from '../src/clock.js';
import { bufferSink, Clockid, createKernel, Errno } from '../src/index.js';
import { run } from './helpers.js';

const BIN = fileURLToPath(new URL('../../../fixtures/bin/', import.meta.url));
const argdata = encode({ stdout: new Fd(0) }).bytes;

describe('GuestProcess instructions and cpuTimeNs', () => {
  it('deterministic mode: every retired instruction is one virtual nanosecond of CPU time', async () => {
    const clock = new VirtualClock();
    const kernel = createKernel({ deterministic: 1, clock });
    const proc = await kernel.spawn(readFileSync(`${BIN}hello`), { argdata, fds: [bufferSink()] });
    await proc.wait();
    expect(proc.instructions).toBeGreaterThan(1000);
    expect(proc.cpuTimeNs).toBe(BigInt(proc.instructions));
    // One process that never slept: the virtual clock advanced by exactly its instructions.
    expect(clock.now - VIRTUAL_EPOCH_NS).toBe(BigInt(proc.instructions));
    const again = createKernel({ deterministic: 1 });
    const second = await again.spawn(readFileSync(`${BIN}hello`), { argdata, fds: [bufferSink()] });
    await second.wait();
    expect(second.instructions).toBe(proc.instructions);
  });

  it('counts all threads, exited ones included', async () => {
    const kernel = createKernel({ deterministic: 2 });
    const proc = await kernel.spawn(readFileSync(`${BIN}contend`), { argdata, fds: [bufferSink()] });
    await proc.wait();
    // 16 threads × 150 rounds of lock/unlock: far more than the main thread alone could retire.
    expect(proc.instructions).toBeGreaterThan(16 * 150 * 10);
    expect(proc.cpuTimeNs).toBe(BigInt(proc.instructions));
  });

  it('host clock: CPU time grows monotonically while the guest runs and stays below wall time', async () => {
    const kernel = createKernel();
    const t0 = performance.now();
    const proc = await kernel.spawn(readFileSync(`${BIN}workers`), { argdata, fds: [bufferSink()] });
    const samples: bigint[] = [];
    const counts: number[] = [];
    let done = false;
    const waiting = proc.wait().then(() => {
      done = true;
    });
    while (!done) {
      samples.push(proc.cpuTimeNs);
      counts.push(proc.instructions);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waiting;
    const wallNs = BigInt(Math.ceil((performance.now() - t0) * 1e6));
    samples.push(proc.cpuTimeNs);
    counts.push(proc.instructions);
    for (let i = 1; i < samples.length; i++) {
      expect(samples[i]! >= samples[i - 1]!).toBe(true);
      expect(counts[i]! >= counts[i - 1]!).toBe(true);
    }
    expect(samples.at(-1)! > 0n).toBe(true);
    expect(samples.at(-1)! <= wallNs).toBe(true);
    expect(samples.at(-1)).toBe(proc.cpuTimeNs);
  });

  it('the guest reads the same CPU time through CLOCK_PROCESS_CPUTIME_ID, monotone', async () => {
    const seen: bigint[] = [];
    const errors: number[] = [];
    const status = await run(function* (g) {
      for (let i = 0; i < 5; i++) {
        const r = yield g.sys('clock_time_get', Clockid.PROCESS_CPUTIME_ID, 0n);
        errors.push(r.errno);
        seen.push(r.rax);
        yield g.spin(100);
      }
      yield g.sys('proc_exit', 0);
    });
    expect(status).toEqual({ exitCode: 0 });
    expect(errors).toEqual([0, 0, 0, 0, 0].map(() => Errno.SUCCESS));
    expect(seen).toHaveLength(5);
    // 100 instructions spun between readings (plus the syscall): exactly that many virtual ns.
    for (let i = 1; i < seen.length; i++) expect(seen[i]! - seen[i - 1]!).toBe(101n);
  });
});
