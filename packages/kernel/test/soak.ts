/**
 * The thread soak shared by soak-deterministic.test.ts and soak-random.test.ts: the real-binary
 * thread, futex and 16-thread contention fixtures, each run many times in a row. The executables
 * are read once; each run gets a fresh kernel (its own clock, seed and scheduler).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encode, Fd } from '@cabi/argdata';
import { expect } from 'vitest';
import { bufferSink, createKernel, type KernelOptions } from '../src/index.js';

const BIN = fileURLToPath(new URL('../../../fixtures/bin/', import.meta.url));

/** Facts (line prefixes) each run of a fixture must print. */
export const SOAK_EXPECT: Record<'thread' | 'futex' | 'contend', readonly string[]> = {
  // mutex, TLS and join
  thread: [
    'thread 1: returned 10, tls started at 100 and ended at 2100, stack aligned 1',
    'thread 4: returned 40, tls started at 100 and ended at 2100, stack aligned 1',
    'thread ids distinct: 1',
    'shared total 20000 (expected 20000)',
    'main tls untouched: 100 main',
  ],
  // mutex and condition variables (producer/consumer, broadcast, timed wait), read locks
  futex: [
    'consumed 200 items, sum 20100 (expected 20100)',
    'timed wait: ETIMEDOUT after >= 3 ms: 1, lock re-acquired: 1, condvar word reset: 1',
    'mutex free again: 1',
    'readers waiting: kernel-managed bit set: 1',
    'read count after both readers: 2',
    'write-locking a lock we hold: ESUCCESS / event error EDEADLK',
  ],
  // 16 threads on one mutex after a condvar start gate; join of all
  contend: [
    '16 threads joined with their results: 16',
    'counter 2400 (expected 2400), per-thread counts right: 1, mutual exclusion held: 1',
    'lock changed hands: 1',
    'mutex free again: 1',
  ],
};

const images = new Map<string, Uint8Array>();
const argdata = encode({ stdout: new Fd(0) }).bytes;

/**
 * Runs fixture `name` `runs` times in a row with the options `optionsFor(i)` gives run i, and
 * checks every run's exit status and expected lines. Returns the milliseconds taken.
 */
export async function soak(
  name: keyof typeof SOAK_EXPECT,
  runs: number,
  optionsFor: (i: number) => KernelOptions,
): Promise<number> {
  let image = images.get(name);
  if (!image) {
    image = readFileSync(BIN + name);
    images.set(name, image);
  }
  const t0 = performance.now();
  for (let i = 1; i <= runs; i++) {
    const options = optionsFor(i);
    const kernel = createKernel(options);
    const sink = bufferSink();
    const proc = await kernel.spawn(image, { argdata, fds: [sink] });
    const status = await proc.wait();
    const out = sink.text().split('\n');
    const context = `${name} run ${i} with ${JSON.stringify(options)}`;
    expect(status, context).toEqual({ exitCode: 0 });
    for (const prefix of SOAK_EXPECT[name]) {
      expect(
        out.some((l) => l.startsWith(prefix)),
        `${context}: "${prefix}"`,
      ).toBe(true);
    }
  }
  return performance.now() - t0;
}
