/**
 * Clocks and timers.
 *
 * CloudABI has four clocks (spec: type `clockid`): MONOTONIC, REALTIME, PROCESS_CPUTIME_ID and
 * THREAD_CPUTIME_ID. In host mode the first two come from the host and CPU time is the host time
 * spent running the guest. In virtual (deterministic) mode time starts at a fixed epoch and
 * advances by a fixed number of nanoseconds per executed instruction; when every thread sleeps,
 * time jumps to the next timer, so runs are reproducible and sleeps cost nothing.
 *
 * Timers are always relative durations on the monotonic clock (FreeBSD converts an absolute
 * timeout to a relative one with the subscription's clock, then arms a relative timer).
 */

/** Nanoseconds of virtual time per executed instruction. */
export const VIRTUAL_NS_PER_INSTRUCTION = 1n;
/** The virtual clock's REALTIME at boot: 2020-01-01T00:00:00Z. */
export const VIRTUAL_EPOCH_NS = 1_577_836_800_000_000_000n;

/** Wall and monotonic time sources (nanoseconds). */
export interface Clock {
  /** Nanoseconds since the Unix epoch. */
  realtime(): bigint;
  /** Nanoseconds since an arbitrary fixed point; never decreases. */
  monotonic(): bigint;
}

/** The host's clocks. */
export function hostClock(): Clock {
  const origin = BigInt(Date.now()) * 1_000_000n;
  const start = performance.now();
  return {
    realtime: () => BigInt(Date.now()) * 1_000_000n,
    monotonic: () => origin + BigInt(Math.round((performance.now() - start) * 1e6)),
  };
}

/** Virtual time driven by instruction counts (see module comment). */
export class VirtualClock implements Clock {
  /** Current virtual monotonic time in ns. */
  now: bigint;
  constructor(readonly epoch: bigint = VIRTUAL_EPOCH_NS) {
    this.now = epoch;
  }
  realtime(): bigint {
    return this.now;
  }
  monotonic(): bigint {
    return this.now;
  }
  /** Advances time by `instructions` executed instructions. */
  advance(instructions: number): void {
    this.now += BigInt(instructions) * VIRTUAL_NS_PER_INSTRUCTION;
  }
}

interface Timer {
  deadline: bigint;
  seq: number;
  fire: () => void;
  cancelled: boolean;
  handle: ReturnType<typeof setTimeout> | null;
}

/**
 * Relative timers on a clock. With a {@link VirtualClock} they fire from {@link TimerQueue.poll}
 * (called by the scheduler between slices) or when the scheduler is idle
 * ({@link TimerQueue.advanceToNext}); with the host clock they use host timeouts.
 */
export class TimerQueue {
  private readonly timers: Timer[] = [];
  private seq = 0;
  /** Called when a host timer fired (the scheduler wakes up). */
  onFire: (() => void) | null = null;

  constructor(readonly clock: Clock) {}

  private get virtual(): boolean {
    return this.clock instanceof VirtualClock;
  }

  /** Arms a timer `ns` nanoseconds from now; returns its cancel function. */
  after(ns: bigint, fire: () => void): () => void {
    const timer: Timer = {
      deadline: this.clock.monotonic() + (ns < 0n ? 0n : ns),
      seq: this.seq++,
      fire,
      cancelled: false,
      handle: null,
    };
    if (this.virtual) {
      this.timers.push(timer);
    } else {
      // Host timers take milliseconds and at most 2^31-1 of them; longer waits re-arm.
      const arm = () => {
        const left = timer.deadline - this.clock.monotonic();
        if (left <= 0n) {
          timer.handle = null;
          if (!timer.cancelled) {
            timer.cancelled = true;
            fire();
            this.onFire?.();
          }
          return;
        }
        const ms = Number(left / 1_000_000n) + 1;
        timer.handle = setTimeout(arm, Math.min(ms, 0x7fffffff));
      };
      arm();
    }
    return () => {
      timer.cancelled = true;
      if (timer.handle !== null) clearTimeout(timer.handle);
      const i = this.timers.indexOf(timer);
      if (i >= 0) this.timers.splice(i, 1);
    };
  }

  /** Fires every virtual timer whose deadline has passed; returns how many fired. */
  poll(): number {
    if (this.timers.length === 0) return 0;
    const now = this.clock.monotonic();
    const due = this.timers.filter((t) => t.deadline <= now);
    if (due.length === 0) return 0;
    due.sort((a, b) => (a.deadline < b.deadline ? -1 : a.deadline > b.deadline ? 1 : a.seq - b.seq));
    for (const t of due) {
      this.timers.splice(this.timers.indexOf(t), 1);
      t.cancelled = true;
      t.fire();
    }
    return due.length;
  }

  /** Virtual mode: moves time to the earliest timer and fires it. False when none is armed. */
  advanceToNext(): boolean {
    if (!(this.clock instanceof VirtualClock) || this.timers.length === 0) return false;
    let next = this.timers[0]!.deadline;
    for (const t of this.timers) if (t.deadline < next) next = t.deadline;
    if (next > this.clock.now) this.clock.now = next;
    this.poll();
    return true;
  }

  /** Number of armed virtual timers. */
  get pending(): number {
    return this.timers.length;
  }
}
