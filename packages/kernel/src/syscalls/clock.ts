/**
 * clock family: clock_res_get, clock_time_get (spec: syscalls `clock_res_get`, `clock_time_get`).
 */
import { Clockid, Errno } from '../abi.js';
import { VirtualClock } from '../clock.js';
import type { Kernel } from '../kernel.js';
import type { Thread } from '../process.js';
import type { Handler } from './common.js';

/**
 * The current value of clock `id` for `thread`, or -1n for an unknown clock. CPU-time clocks
 * count the time the process (or thread) has spent running: host time in host mode, executed
 * instructions in virtual mode.
 */
export function readClock(kernel: Kernel, thread: Thread, id: number): bigint {
  const virtual = kernel.clock instanceof VirtualClock;
  switch (id) {
    case Clockid.MONOTONIC:
      return kernel.clock.monotonic();
    case Clockid.REALTIME:
      return kernel.clock.realtime();
    case Clockid.PROCESS_CPUTIME_ID:
      return virtual ? BigInt(thread.process.instructions) : BigInt(Math.round(thread.process.hostCpuNs));
    case Clockid.THREAD_CPUTIME_ID:
      return virtual ? BigInt(thread.instructions) : BigInt(Math.round(thread.hostCpuNs));
    default:
      return -1n;
  }
}

/**
 * clock_res_get(clock_id) → resolution: the clock's resolution in nanoseconds; EINVAL for an
 * unknown clock. Virtual clocks tick per instruction (1 ns); the host's wall clock has
 * millisecond and its monotonic clock microsecond resolution.
 */
export const clock_res_get: Handler = (kernel, thread, a) => {
  const id = a[0] as number;
  if (readClock(kernel, thread, id) < 0n) return Errno.EINVAL;
  if (kernel.clock instanceof VirtualClock) thread.ret0 = 1n;
  else thread.ret0 = id === Clockid.REALTIME ? 1_000_000n : 1000n;
  return Errno.SUCCESS;
};

/**
 * clock_time_get(clock_id, precision) → time: the clock's current value in nanoseconds. The
 * precision is a hint and is ignored (spec). EINVAL for an unknown clock.
 */
export const clock_time_get: Handler = (kernel, thread, a) => {
  const time = readClock(kernel, thread, a[0] as number);
  if (time < 0n) return Errno.EINVAL;
  thread.ret0 = time;
  return Errno.SUCCESS;
};
