/**
 * clock family: clock_res_get, clock_time_get (spec: syscalls `clock_res_get`, `clock_time_get`).
 */
import { Clockid, Errno } from '../abi.js';
import { VIRTUAL_NS_PER_INSTRUCTION, VirtualClock } from '../clock.js';
import type { Kernel } from '../kernel.js';
import { type Process, type Thread, threadHostCpuNs } from '../process.js';
import type { Handler } from './common.js';

/**
 * CPU time of a process in nanoseconds: with the virtual clock one nanosecond per retired
 * instruction (VIRTUAL_NS_PER_INSTRUCTION), so that deterministic runs read the same values;
 * otherwise the host time its threads spent running slices, the current slice included.
 */
export function processCpuTime(kernel: Kernel, proc: Process): bigint {
  if (kernel.clock instanceof VirtualClock) return BigInt(proc.instructions) * VIRTUAL_NS_PER_INSTRUCTION;
  return BigInt(Math.floor(proc.hostCpuNs));
}

/** CPU time of one thread in nanoseconds (as {@link processCpuTime}, for its thread alone). */
export function threadCpuTime(kernel: Kernel, thread: Thread): bigint {
  if (kernel.clock instanceof VirtualClock) return BigInt(thread.instructions) * VIRTUAL_NS_PER_INSTRUCTION;
  return BigInt(Math.floor(threadHostCpuNs(thread)));
}

/**
 * The current value of clock `id` for `thread`, or -1n for an unknown clock. The CPU-time
 * clocks measure the guest's own execution (see {@link processCpuTime}).
 */
export function readClock(kernel: Kernel, thread: Thread, id: number): bigint {
  switch (id) {
    case Clockid.MONOTONIC:
      return kernel.clock.monotonic();
    case Clockid.REALTIME:
      return kernel.clock.realtime();
    case Clockid.PROCESS_CPUTIME_ID:
      return processCpuTime(kernel, thread.process);
    case Clockid.THREAD_CPUTIME_ID:
      return threadCpuTime(kernel, thread);
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
