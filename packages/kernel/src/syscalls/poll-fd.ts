/**
 * Legacy poll_fd (syscall 57 of the 2015–2016 numbering; spec-legacy: syscall `poll_fd`): a
 * kqueue-style wait on a POLL fd. First the `nin` changes are applied (ADD adds or replaces and
 * enables unless DISABLE is given; DELETE removes, ENOENT when absent; ENABLE/DISABLE toggle;
 * ONESHOT removes an entry once it triggered). A change that fails produces an event carrying the
 * error, as kevent does. Then up to `nout` ready events are returned, waiting until one is ready
 * or until the optional CLOCK `timeout` subscription expires (0 events). Clock entries in the
 * queue are periodic unless ONESHOT. Needs POLL_MODIFY to change and POLL_WAIT to wait.
 */
import { Errno, EVENT_FD_READWRITE_HANGUP, Eventtype, Rights, SUBSCRIPTION_CLOCK_ABSTIME } from '../abi.js';
import { isErr } from '../errors.js';
import { canRead, canWrite } from '../guest.js';
import type { Kernel } from '../kernel.js';
import { type PollEntry, PollQueue } from '../objects/poll-queue.js';
import { ProcessFd } from '../objects/process-fd.js';
import type { Thread } from '../process.js';
import { readClock } from './clock.js';
import type { Handler } from './common.js';

const ADD = 0x1;
const DELETE = 0x4;
const DISABLE = 0x8;
const ENABLE = 0x10;
const ONESHOT = 0x20;
const SUB = 56;
const EV = 32;

interface Out {
  userdata: bigint;
  error: number;
  type: number;
  ident: bigint;
  nbytes?: number;
  flags?: number;
  signal?: number;
  exitcode?: number;
}

function relative(
  kernel: Kernel,
  t: Thread,
  clockId: number,
  timeout: bigint,
  flags: number,
): bigint | number {
  const now = readClock(kernel, t, clockId);
  if (now < 0n) return Errno.EINVAL;
  if (flags & SUBSCRIPTION_CLOCK_ABSTIME) return timeout > now ? timeout - now : 0n;
  return timeout;
}

function applyChange(kernel: Kernel, t: Thread, q: PollQueue, s: number): Out | null {
  const dv = t.process.memory.dv;
  const userdata = dv.getBigUint64(s, true);
  const flags = dv.getUint16(s + 8, true);
  const type = dv.getUint8(s + 10);
  let ident: bigint;
  if (type === Eventtype.CLOCK) ident = dv.getBigUint64(s + 16, true);
  else if (type === Eventtype.FD_READ || type === Eventtype.FD_WRITE || type === Eventtype.PROC_TERMINATE)
    ident = BigInt(dv.getUint32(s + 16, true));
  else return { userdata, error: Errno.EINVAL, type, ident: 0n };
  const key = PollQueue.key(type, ident);
  const existing = q.entries.get(key);
  if (flags & DELETE) {
    if (!existing) return { userdata, error: Errno.ENOENT, type, ident };
    q.entries.delete(key);
    return null;
  }
  if (flags & ADD) {
    const entry: PollEntry = {
      type,
      ident,
      userdata,
      enabled: !(flags & DISABLE),
      oneshot: (flags & ONESHOT) !== 0,
    };
    if (type === Eventtype.CLOCK) {
      const rel = relative(
        kernel,
        t,
        dv.getUint32(s + 24, true),
        dv.getBigUint64(s + 32, true),
        dv.getUint16(s + 48, true),
      );
      if (typeof rel === 'number') return { userdata, error: rel, type, ident };
      entry.period = rel;
      entry.deadline = kernel.clock.monotonic() + rel;
    } else {
      const need = type === Eventtype.PROC_TERMINATE ? Rights.POLL_PROC_TERMINATE : Rights.POLL_FD_READWRITE;
      const e = t.process.fds.get(Number(ident), need);
      if (isErr(e)) return { userdata, error: e.errno, type, ident };
      if (type === Eventtype.PROC_TERMINATE && !(e.object instanceof ProcessFd)) {
        return { userdata, error: Errno.EINVAL, type, ident };
      }
      entry.object = e.object;
    }
    q.entries.set(key, entry);
    return null;
  }
  if (!existing) return { userdata, error: Errno.ENOENT, type, ident };
  if (flags & ENABLE) existing.enabled = true;
  if (flags & DISABLE) existing.enabled = false;
  return null;
}

function readyEvents(kernel: Kernel, q: PollQueue, max: number): Out[] {
  const out: Out[] = [];
  const now = kernel.clock.monotonic();
  for (const [key, e] of q.entries) {
    if (out.length >= max) break;
    if (!e.enabled) continue;
    let ev: Out | null = null;
    if (e.type === Eventtype.CLOCK) {
      if (e.deadline! <= now) {
        ev = { userdata: e.userdata, error: 0, type: e.type, ident: e.ident };
        e.deadline = now + (e.period! > 0n ? e.period! : 1n);
      }
    } else if (e.type === Eventtype.PROC_TERMINATE) {
      const term = (e.object as ProcessFd).termination;
      if (term)
        ev = {
          userdata: e.userdata,
          error: 0,
          type: e.type,
          ident: e.ident,
          signal: term.signal,
          exitcode: term.exitCode,
        };
    } else {
      const r = e.object!.readiness(e.type === Eventtype.FD_READ ? 'read' : 'write');
      if (r.ready) {
        ev = {
          userdata: e.userdata,
          error: r.error ?? 0,
          type: e.type,
          ident: e.ident,
          nbytes: r.nbytes,
          flags: r.hangup ? EVENT_FD_READWRITE_HANGUP : 0,
        };
      }
    }
    if (ev) {
      out.push(ev);
      if (e.oneshot) q.entries.delete(key);
    }
  }
  return out;
}

function write(t: Thread, ptr: number, events: Out[]): number {
  const mem = t.process.memory;
  if (!canWrite(mem, ptr, events.length * EV)) return Errno.EFAULT;
  const buf = new Uint8Array(events.length * EV);
  const dv = new DataView(buf.buffer);
  events.forEach((e, i) => {
    const o = i * EV;
    dv.setBigUint64(o, e.userdata, true);
    dv.setUint16(o + 8, e.error, true);
    dv.setUint8(o + 10, e.type);
    // Legacy event layout (digest §2.8): the identifier travels with the event.
    if (e.type === Eventtype.CLOCK) dv.setBigUint64(o + 16, e.ident, true);
    else if (e.type === Eventtype.PROC_TERMINATE) {
      dv.setUint32(o + 16, Number(e.ident), true);
      dv.setUint8(o + 20, e.signal ?? 0);
      dv.setUint32(o + 24, e.exitcode ?? 0, true);
    } else {
      dv.setBigUint64(o + 16, BigInt(e.nbytes ?? 0), true);
      dv.setUint32(o + 24, Number(e.ident), true);
      dv.setUint16(o + 28, e.flags ?? 0, true);
    }
  });
  if (buf.length > 0) mem.writeBytes(ptr, buf);
  t.ret0 = events.length;
  return Errno.SUCCESS;
}

/** poll_fd(fd, in, nin, out, nout, timeout) → nevents. */
export const poll_fd: Handler = (kernel, t, a) => {
  const [fd, inPtr, nin, outPtr, nout, timeoutPtr] = a as number[];
  const need = (nin! > 0 ? Rights.POLL_MODIFY : 0n) | (nout! > 0 ? Rights.POLL_WAIT : 0n);
  const e = t.process.fds.get(fd!, need);
  if (isErr(e)) return e.errno;
  if (!(e.object instanceof PollQueue)) return Errno.EINVAL;
  const q = e.object;
  const mem = t.process.memory;
  if (!Number.isSafeInteger(nin) || !canRead(mem, inPtr!, nin! * SUB)) return Errno.EFAULT;
  if (!Number.isSafeInteger(nout) || !canWrite(mem, outPtr!, nout! * EV)) return Errno.EFAULT;
  let timeout: bigint | null = null;
  if (timeoutPtr !== 0) {
    if (!canRead(mem, timeoutPtr!, SUB)) return Errno.EFAULT;
    const dv = mem.dv;
    if (dv.getUint8(timeoutPtr! + 10) !== Eventtype.CLOCK) return Errno.EINVAL;
    const rel = relative(
      kernel,
      t,
      dv.getUint32(timeoutPtr! + 24, true),
      dv.getBigUint64(timeoutPtr! + 32, true),
      dv.getUint16(timeoutPtr! + 48, true),
    );
    if (typeof rel === 'number') return rel;
    timeout = rel;
  }
  const errors: Out[] = [];
  for (let i = 0; i < nin!; i++) {
    const ev = applyChange(kernel, t, q, inPtr! + i * SUB);
    if (ev) errors.push(ev);
  }
  if (errors.length > 0 || nout === 0) return write(t, outPtr!, errors.slice(0, nout));
  const now = readyEvents(kernel, q, nout!);
  if (now.length > 0 || timeout === 0n) return write(t, outPtr!, now);
  return new Promise<number>((resolve) => {
    const cleanups: (() => void)[] = [];
    let done = false;
    const finish = (events: Out[]) => {
      if (done) return;
      done = true;
      for (const c of cleanups) c();
      resolve(write(t, outPtr!, events));
    };
    const check = () => {
      const ready = readyEvents(kernel, q, nout!);
      if (ready.length > 0) finish(ready);
    };
    t.cancelWait = () => {
      done = true;
      for (const c of cleanups) c();
    };
    for (const entry of q.entries.values()) {
      if (!entry.enabled) continue;
      if (entry.object) cleanups.push(entry.object.subscribe(check));
      else if (entry.deadline !== undefined) {
        cleanups.push(kernel.timers.after(entry.deadline - kernel.clock.monotonic(), check));
      }
    }
    if (timeout !== null) cleanups.push(kernel.timers.after(timeout, () => finish([])));
    check();
  });
};
