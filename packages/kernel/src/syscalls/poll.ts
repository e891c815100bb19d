/**
 * poll family: poll (spec: syscall `poll`; digest §3.10), and the futex waits it carries.
 *
 * Subscriptions are 56-byte records, events 32-byte records (spec: structs `subscription`,
 * `event`; type at offset 10, the union at 16). Two shapes exist:
 *
 * - Futex waits: a CONDVAR, LOCK_RDLOCK or LOCK_WRLOCK subscription must be the first and may
 *   only be followed by one CLOCK subscription (spec). Exactly one event comes back: the
 *   lock/condvar event (with its error, 0 on success), or on timeout the CLOCK event.
 * - Everything else: CLOCK timeouts, FD_READ/FD_WRITE readiness (needs POLL_FD_READWRITE; nbytes
 *   and HANGUP reported), PROC_TERMINATE (needs POLL_PROC_TERMINATE). Events are written for all
 *   subscriptions that are ready, failed (error in `event.error`) or timed out; when none is,
 *   the thread sleeps until one is. A lock or condvar subscription in this shape is EINVAL.
 *
 * Timeouts follow FreeBSD: an absolute timeout is converted to a relative one with the
 * subscription's clock, then measured on the monotonic clock.
 *
 * Through the legacy numbering, events carry what the 2016 spec's `event` union defines (digest
 * §2.8): the clock identifier, condvar or lock address at offset 16, the fd of FD_READ/FD_WRITE
 * at offset 24 and the process fd of PROC_TERMINATE at offset 16. HEAD leaves those unused.
 */
import { Errno, EVENT_FD_READWRITE_HANGUP, Eventtype, Rights, SUBSCRIPTION_CLOCK_ABSTIME } from '../abi.js';
import { isErr } from '../errors.js';
import type { FdObject } from '../fd-object.js';
import { FUTEX_SLEEPING, type FutexWake, type StartTimer } from '../futex.js';
import { canRead, canWrite } from '../guest.js';
import type { Kernel } from '../kernel.js';
import { ProcessFd } from '../objects/process-fd.js';
import type { Thread } from '../process.js';
import { readClock } from './clock.js';
import { type Handler, PARKED } from './common.js';
import { legacyCall } from './fd.js';
import { futexKey, userWords } from './lock.js';

const SUB = 56;
const EV = 32;
const NO_TIMEOUT = 0xffff_ffff_ffff_ffffn;

interface EventOut {
  userdata: bigint;
  error: number;
  type: number;
  nbytes?: number;
  flags?: number;
  signal?: number;
  exitcode?: number;
  /**
   * What the legacy event names the subscription by: the fd (FD_READ, FD_WRITE,
   * PROC_TERMINATE), the clock identifier, or the condvar/lock address.
   */
  ident: bigint;
}

function writeEvents(t: Thread, out: number, events: EventOut[]): number {
  const legacy = legacyCall(t);
  const mem = t.process.memory;
  if (!canWrite(mem, out, events.length * EV)) return Errno.EFAULT;
  const buf = new Uint8Array(events.length * EV);
  const dv = new DataView(buf.buffer);
  events.forEach((e, i) => {
    const o = i * EV;
    dv.setBigUint64(o, e.userdata, true);
    dv.setUint16(o + 8, e.error, true);
    dv.setUint8(o + 10, e.type);
    if (e.type === Eventtype.FD_READ || e.type === Eventtype.FD_WRITE) {
      dv.setBigUint64(o + 16, BigInt(e.nbytes ?? 0), true);
      if (legacy) dv.setUint32(o + 24, Number(e.ident), true);
      dv.setUint16(o + 28, e.flags ?? 0, true);
    } else if (e.type === Eventtype.PROC_TERMINATE) {
      if (legacy) dv.setUint32(o + 16, Number(e.ident), true);
      dv.setUint8(o + 20, e.signal ?? 0);
      dv.setUint32(o + 24, e.exitcode ?? 0, true);
    } else if (legacy && e.type >= Eventtype.CLOCK && e.type <= Eventtype.LOCK_WRLOCK) {
      dv.setBigUint64(o + 16, e.ident, true);
    }
  });
  // writeBytes: a process that is not current mirrors the store into its shared objects.
  if (buf.length > 0) mem.writeBytes(out, buf);
  t.ret0 = events.length;
  return Errno.SUCCESS;
}

/** The one event of a futex wait is built here (the kernel is single-threaded). */
const futexEvent = new Uint8Array(EV);
const futexEventView = new DataView(futexEvent.buffer);

/**
 * Writes the one event of a futex wait (a CLOCK, CONDVAR or lock event: no payload beyond the
 * legacy identifier) without building an event list.
 */
function writeFutexEvent(
  t: Thread,
  out: number,
  userdata: bigint,
  error: number,
  type: number,
  ident: bigint,
): number {
  const mem = t.process.memory;
  if (!canWrite(mem, out, EV)) return Errno.EFAULT;
  const dv = futexEventView;
  futexEvent.fill(0);
  dv.setBigUint64(0, userdata, true);
  dv.setUint16(8, error, true);
  dv.setUint8(10, type);
  if (legacyCall(t)) dv.setBigUint64(16, ident, true);
  mem.writeBytes(out, futexEvent);
  t.ret0 = 1;
  return Errno.SUCCESS;
}

/** The relative timeout (ns) of a clock subscription, or an errno for an unknown clock. */
function relativeTimeout(
  kernel: Kernel,
  t: Thread,
  clockId: number,
  timeout: bigint,
  flags: number,
): bigint | number {
  if (flags & SUBSCRIPTION_CLOCK_ABSTIME) {
    const now = readClock(kernel, t, clockId);
    if (now < 0n) return Errno.EINVAL;
    return timeout > now ? timeout - now : 0n;
  }
  if (readClock(kernel, t, clockId) < 0n) return Errno.EINVAL;
  return timeout;
}

/** poll(in, out, nsubscriptions) → nevents. */
export const poll: Handler = (kernel, t, a) => {
  const mem = t.process.memory;
  const inPtr = a[0] as number;
  const outPtr = a[1] as number;
  const n = a[2] as number;
  if (n === 0) {
    t.ret0 = 0;
    return Errno.SUCCESS;
  }
  if (!Number.isSafeInteger(n) || n > 0x1000000 || !canRead(mem, inPtr, n * SUB)) return Errno.EFAULT;
  if (!canWrite(mem, outPtr, n * EV)) return Errno.EFAULT;
  const dv = mem.dv;
  const type0 = dv.getUint8(inPtr + 10);
  const futexType =
    type0 === Eventtype.CONDVAR || type0 === Eventtype.LOCK_RDLOCK || type0 === Eventtype.LOCK_WRLOCK;
  if (futexType && (n === 1 || (n === 2 && dv.getUint8(inPtr + SUB + 10) === Eventtype.CLOCK))) {
    return futexPoll(kernel, t, inPtr, outPtr, n);
  }
  return generalPoll(kernel, t, inPtr, outPtr, n);
};

function futexPoll(
  kernel: Kernel,
  t: Thread,
  inPtr: number,
  outPtr: number,
  n: number,
): number | Promise<number> {
  const proc = t.process;
  const dv = proc.memory.dv;
  const userdata = dv.getBigUint64(inPtr, true);
  const type = dv.getUint8(inPtr + 10);
  // The condvar or lock address, which the legacy event repeats.
  const ident = dv.getBigUint64(inPtr + 16, true);
  let timer: StartTimer | null = null;
  let clockUserdata = 0n;
  let clockIdent = 0n;
  if (n === 2) {
    const c = inPtr + SUB;
    clockUserdata = dv.getBigUint64(c, true);
    clockIdent = dv.getBigUint64(c + 16, true);
    const clockId = dv.getUint32(c + 24, true);
    const timeout = dv.getBigUint64(c + 32, true);
    const flags = dv.getUint16(c + 48, true);
    const rel = relativeTimeout(kernel, t, clockId, timeout, flags);
    timer = (onTimeout) => {
      if (typeof rel === 'number') return rel;
      if (!(flags & SUBSCRIPTION_CLOCK_ABSTIME) && timeout === NO_TIMEOUT) return () => {};
      const cancel = kernel.timers.after(rel, onTimeout);
      t.cancelWait = cancel;
      return cancel;
    };
  }
  const words = userWords(proc);
  const finish = (error: number): number => {
    if (error === Errno.ETIMEDOUT && n === 2) {
      return writeFutexEvent(t, outPtr, clockUserdata, 0, Eventtype.CLOCK, clockIdent);
    }
    return writeFutexEvent(t, outPtr, userdata, error, type, ident);
  };
  // Woken threads finish the wait (a condvar waiter takes its lock) when they run again.
  const wake: FutexWake = (resume) =>
    kernel.unpark(t, () => {
      const r = resume();
      return r === FUTEX_SLEEPING ? PARKED : finish(r);
    });
  let r: number;
  if (type === Eventtype.CONDVAR) {
    const cv = Number(dv.getBigUint64(inPtr + 16, true));
    const lock = Number(dv.getBigUint64(inPtr + 24, true));
    const cvKey = futexKey(proc, cv, dv.getUint8(inPtr + 32));
    const lockKey = futexKey(proc, lock, dv.getUint8(inPtr + 33));
    if (typeof cvKey === 'number') return finish(cvKey);
    if (typeof lockKey === 'number') return finish(lockKey);
    r = kernel.futex.condvarWaitResumable(words, cvKey, cv, lockKey, lock, t.tid, timer, wake);
  } else {
    const lock = Number(dv.getBigUint64(inPtr + 16, true));
    const key = futexKey(proc, lock, dv.getUint8(inPtr + 24));
    if (typeof key === 'number') return finish(key);
    r =
      type === Eventtype.LOCK_RDLOCK
        ? kernel.futex.rdlockResumable(words, key, lock, t.tid, timer, wake)
        : kernel.futex.wrlockResumable(words, key, lock, t.tid, timer, wake);
  }
  return r === FUTEX_SLEEPING ? PARKED : finish(r);
}

interface Pending {
  index: number;
  userdata: bigint;
  type: number;
  ident: bigint;
  object?: FdObject;
  deadline?: bigint;
}

function generalPoll(
  kernel: Kernel,
  t: Thread,
  inPtr: number,
  outPtr: number,
  n: number,
): number | Promise<number> {
  const proc = t.process;
  const dv = proc.memory.dv;
  const events: EventOut[] = [];
  const waiting: Pending[] = [];
  for (let i = 0; i < n; i++) {
    const s = inPtr + i * SUB;
    const userdata = dv.getBigUint64(s, true);
    const type = dv.getUint8(s + 10);
    switch (type) {
      case Eventtype.CLOCK: {
        const rel = relativeTimeout(
          kernel,
          t,
          dv.getUint32(s + 24, true),
          dv.getBigUint64(s + 32, true),
          dv.getUint16(s + 48, true),
        );
        const ident = dv.getBigUint64(s + 16, true);
        if (typeof rel === 'number') events.push({ userdata, error: rel, type, ident });
        else if (rel === 0n) events.push({ userdata, error: 0, type, ident });
        else waiting.push({ index: i, userdata, type, ident, deadline: rel });
        break;
      }
      case Eventtype.FD_READ:
      case Eventtype.FD_WRITE: {
        const fd = dv.getUint32(s + 16, true);
        const ident = BigInt(fd);
        const e = proc.fds.get(fd, Rights.POLL_FD_READWRITE);
        if (isErr(e)) {
          events.push({ userdata, error: e.errno, type, ident });
          break;
        }
        const ready = readyEvent(e.object, userdata, type, ident);
        if (ready) events.push(ready);
        else waiting.push({ index: i, userdata, type, ident, object: e.object });
        break;
      }
      case Eventtype.PROC_TERMINATE: {
        const fd = dv.getUint32(s + 16, true);
        const ident = BigInt(fd);
        const e = proc.fds.get(fd, Rights.POLL_PROC_TERMINATE);
        if (isErr(e)) {
          events.push({ userdata, error: e.errno, type, ident });
          break;
        }
        if (!(e.object instanceof ProcessFd)) {
          events.push({ userdata, error: Errno.EINVAL, type, ident });
          break;
        }
        const ready = readyEvent(e.object, userdata, type, ident);
        if (ready) events.push(ready);
        else waiting.push({ index: i, userdata, type, ident, object: e.object });
        break;
      }
      default:
        // Lock and condvar subscriptions in any other position (the legacy event still names
        // their address), and unknown types.
        events.push({ userdata, error: Errno.EINVAL, type, ident: dv.getBigUint64(s + 16, true) });
    }
  }
  if (events.length > 0 || waiting.length === 0) return writeEvents(t, outPtr, events);
  return new Promise<number>((resolve) => {
    const cleanups: (() => void)[] = [];
    let done = false;
    const finish = (ready: EventOut[]) => {
      if (done) return;
      done = true;
      for (const c of cleanups) c();
      resolve(writeEvents(t, outPtr, ready));
    };
    const check = () => {
      const ready: EventOut[] = [];
      for (const w of waiting) {
        if (w.object) {
          const ev = readyEvent(w.object, w.userdata, w.type, w.ident);
          if (ev) ready.push(ev);
        }
      }
      if (ready.length > 0) finish(ready);
    };
    t.cancelWait = () => {
      done = true;
      for (const c of cleanups) c();
    };
    for (const w of waiting) {
      if (w.object) cleanups.push(w.object.subscribe(check));
      else if (w.deadline !== undefined && w.deadline !== NO_TIMEOUT) {
        const clockEvent: EventOut = {
          userdata: w.userdata,
          error: 0,
          type: Eventtype.CLOCK,
          ident: w.ident,
        };
        cleanups.push(kernel.timers.after(w.deadline, () => finish([clockEvent])));
      }
    }
    check();
  });
}

/** The event for an object that is ready now, or null. */
function readyEvent(object: FdObject, userdata: bigint, type: number, ident: bigint): EventOut | null {
  if (type === Eventtype.PROC_TERMINATE) {
    const term = (object as ProcessFd).termination;
    return term ? { userdata, error: 0, type, ident, signal: term.signal, exitcode: term.exitCode } : null;
  }
  const r = object.readiness(type === Eventtype.FD_READ ? 'read' : 'write');
  if (!r.ready) return null;
  return {
    userdata,
    error: r.error ?? 0,
    type,
    ident,
    nbytes: r.nbytes,
    flags: r.hangup ? EVENT_FD_READWRITE_HANGUP : 0,
  };
}
