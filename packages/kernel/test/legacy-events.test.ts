/**
 * The legacy (2016) event layout through poll and poll_fd (legacy spec: struct `event`; digest
 * §2.8): the fd of FD_READ/FD_WRITE events at offset 24, the process fd of PROC_TERMINATE at 16,
 * the clock identifier and the condvar/lock address at 16. The same calls through the vDSO (HEAD)
 * leave those bytes zero, as the final ABI calls them unused.
 */
import { describe, expect, it } from 'vitest';
import { Clockid, Eventtype, Filetype, LOCK_WRLOCKED, Scope } from '../src/index.js';
import type { ScriptGuest, ScriptReply, ScriptStep } from '../src/testing.js';
import { run, write } from './helpers.js';

const SUB = 56;
const EV = 32;
/** Legacy subscription flag ADD (poll_fd). */
const ADD = 0x1;

type Call = (g: ScriptGuest, name: string, ...args: (number | bigint)[]) => ScriptStep;
const legacy: Call = (g, name, ...args) => g.legacy(name, ...args);
const head: Call = (g, name, ...args) => g.sys(name, ...args);

/** One event as bytes 16..31 show it, plus its header. */
interface Seen {
  userdata: bigint;
  error: number;
  type: number;
  at16: bigint;
  at24: number;
  at28: number;
}

function events(g: ScriptGuest, ev: number, n: number): Seen[] {
  const dv = g.memory.dv;
  const out: Seen[] = [];
  for (let i = 0; i < n; i++) {
    const o = ev + i * EV;
    out.push({
      userdata: dv.getBigUint64(o, true),
      error: dv.getUint16(o + 8, true),
      type: dv.getUint8(o + 10),
      at16: dv.getBigUint64(o + 16, true),
      at24: dv.getUint32(o + 24, true),
      at28: dv.getUint16(o + 28, true),
    });
  }
  return out;
}

/** A subscription array with garbage in the event buffer, so untouched bytes would show. */
function buffers(g: ScriptGuest, n: number): { sub: number; ev: number } {
  const sub = g.alloc(n * SUB);
  const ev = g.alloc(n * EV);
  g.memory.u8.fill(0xa5, ev, ev + n * EV);
  return { sub, ev };
}

function fdSub(g: ScriptGuest, at: number, userdata: bigint, type: number, fd: number): void {
  g.setU64(at, userdata);
  g.memory.u8[at + 10] = type;
  g.setU32(at + 16, fd);
}

function* socketPair(g: ScriptGuest, call: Call): Generator<ScriptStep, [number, number], ScriptReply> {
  const r = yield call(g, 'fd_create2', Filetype.SOCKET_STREAM);
  return [Number(r.rax), Number(r.rdx)];
}

async function pollFds(call: Call): Promise<Seen[]> {
  let seen: Seen[] = [];
  await run(function* (g) {
    const [a, b] = yield* socketPair(g, call);
    yield* write(g, b, 'hello');
    const { sub, ev } = buffers(g, 3);
    fdSub(g, sub, 1n, Eventtype.FD_READ, a);
    fdSub(g, sub + SUB, 2n, Eventtype.FD_WRITE, b);
    fdSub(g, sub + 2 * SUB, 3n, Eventtype.FD_READ, 999);
    const r = yield call(g, 'poll', sub, ev, 3);
    seen = events(g, ev, r.value);
    // The reader's peer closes: HANGUP, still naming the fd.
    yield call(g, 'fd_close', b);
    const rd = buffers(g, 1);
    fdSub(g, rd.sub, 4n, Eventtype.FD_READ, a);
    const r2 = yield call(g, 'poll', rd.sub, rd.ev, 1);
    seen.push(...events(g, rd.ev, r2.value));
    yield g.sys('proc_exit', 0);
  });
  return seen;
}

describe('legacy poll: FD_READ / FD_WRITE events name their fd at offset 24', () => {
  it('ready, failed and hung-up events carry the subscription fd; HEAD leaves it zero', async () => {
    const old = await pollFds(legacy);
    // fds 0..2 are free in a process spawned without fds: the pair is 0 and 1.
    expect(old).toEqual([
      { userdata: 1n, error: 0, type: Eventtype.FD_READ, at16: 5n, at24: 0, at28: 0 },
      { userdata: 2n, error: 0, type: Eventtype.FD_WRITE, at16: old[1]?.at16, at24: 1, at28: 0 },
      { userdata: 3n, error: 8 /* EBADF */, type: Eventtype.FD_READ, at16: 0n, at24: 999, at28: 0 },
      { userdata: 4n, error: 0, type: Eventtype.FD_READ, at16: 5n, at24: 0, at28: 1 },
    ]);
    expect(old[1]?.at16).toBeGreaterThan(0n);
    const now = await pollFds(head);
    expect(now.map((e) => e.at24)).toEqual([0, 0, 0, 0]);
    expect(now.map((e) => [e.userdata, e.error, e.at16, e.at28])).toEqual(
      old.map((e) => [e.userdata, e.error, e.at16, e.at28]),
    );
  });

  it('an fd other than 0 is written whole (u32 at 24, flags untouched at 28)', async () => {
    let seen: Seen[] = [];
    await run(function* (g) {
      // Push the pair to high fd numbers by creating pairs first.
      for (let i = 0; i < 3; i++) yield* socketPair(g, legacy);
      const [a, b] = yield* socketPair(g, legacy);
      yield legacy(g, 'fd_close', b);
      const { sub, ev } = buffers(g, 1);
      fdSub(g, sub, 7n, Eventtype.FD_WRITE, a);
      const r = yield legacy(g, 'poll', sub, ev, 1);
      seen = events(g, ev, r.value);
      yield g.sys('proc_exit', 0);
    });
    expect(seen).toEqual([{ userdata: 7n, error: 0, type: Eventtype.FD_WRITE, at16: 0n, at24: 6, at28: 1 }]);
  });
});

describe('legacy poll: PROC_TERMINATE, CLOCK, lock and condvar events', () => {
  async function procClockLock(call: Call): Promise<Seen[]> {
    const seen: Seen[] = [];
    await run(function* (g) {
      const f = yield g.fork(function* (c) {
        yield c.sys('proc_exit', 42);
      });
      const pfd = f.value;
      const { sub, ev } = buffers(g, 1);
      fdSub(g, sub, 0x77n, Eventtype.PROC_TERMINATE, pfd);
      const r = yield call(g, 'poll', sub, ev, 1);
      seen.push(...events(g, ev, r.value));
      // A relative monotonic clock of 1 µs with identifier 0xfeed.
      const c = buffers(g, 1);
      g.setU64(c.sub, 0x55n);
      g.memory.u8[c.sub + 10] = Eventtype.CLOCK;
      g.setU64(c.sub + 16, 0xfeedn);
      g.setU32(c.sub + 24, Clockid.MONOTONIC);
      g.setU64(c.sub + 32, 1000n);
      const rc = yield call(g, 'poll', c.sub, c.ev, 1);
      seen.push(...events(g, c.ev, rc.value));
      // A free lock taken for writing: the event repeats the lock's address.
      const lock = g.alloc(8);
      const l = buffers(g, 1);
      g.setU64(l.sub, 0x66n);
      g.memory.u8[l.sub + 10] = Eventtype.LOCK_WRLOCK;
      g.setU64(l.sub + 16, lock);
      g.memory.u8[l.sub + 24] = Scope.PRIVATE;
      const rl = yield call(g, 'poll', l.sub, l.ev, 1);
      seen.push(...events(g, l.ev, rl.value));
      seen.push({ userdata: 0n, error: 0, type: 0, at16: BigInt(lock), at24: 0, at28: 0 });
      // A read lock on a lock another thread holds, with a 1 µs timeout: the CLOCK event
      // comes back with the clock subscription's identifier.
      const held = g.alloc(8);
      g.setU32(held, (77 | LOCK_WRLOCKED) >>> 0);
      const t = buffers(g, 2);
      g.setU64(t.sub, 0x88n);
      g.memory.u8[t.sub + 10] = Eventtype.LOCK_RDLOCK;
      g.setU64(t.sub + 16, held);
      g.memory.u8[t.sub + 24] = Scope.PRIVATE;
      g.setU64(t.sub + SUB, 0x99n);
      g.memory.u8[t.sub + SUB + 10] = Eventtype.CLOCK;
      g.setU64(t.sub + SUB + 16, 0xbeefn);
      g.setU32(t.sub + SUB + 24, Clockid.MONOTONIC);
      g.setU64(t.sub + SUB + 32, 1000n);
      const rt = yield call(g, 'poll', t.sub, t.ev, 2);
      seen.push(...events(g, t.ev, rt.value));
      yield g.sys('proc_exit', 0);
    });
    return seen;
  }

  it('fills the process fd, the clock identifier and the lock address through the legacy numbering', async () => {
    const old = await procClockLock(legacy);
    const lock = old[3]?.at16 ?? -1n;
    // PROC_TERMINATE: fd u32 @16, signal u8 @20 (0), exitcode u32 @24.
    expect(old).toEqual([
      { userdata: 0x77n, error: 0, type: Eventtype.PROC_TERMINATE, at16: 0n, at24: 42, at28: 0 },
      { userdata: 0x55n, error: 0, type: Eventtype.CLOCK, at16: 0xfeedn, at24: 0, at28: 0 },
      { userdata: 0x66n, error: 0, type: Eventtype.LOCK_WRLOCK, at16: lock, at24: 0, at28: 0 },
      { userdata: 0n, error: 0, type: 0, at16: lock, at24: 0, at28: 0 },
      { userdata: 0x99n, error: 0, type: Eventtype.CLOCK, at16: 0xbeefn, at24: 0, at28: 0 },
    ]);
  });

  it('the process fd is the one subscribed (a high fd shows in the low word at 16)', async () => {
    let seen: Seen[] = [];
    await run(function* (g) {
      for (let i = 0; i < 5; i++) yield* socketPair(g, legacy);
      const f = yield g.fork(function* (c) {
        yield c.sys('proc_exit', 3);
      });
      const { sub, ev } = buffers(g, 1);
      fdSub(g, sub, 1n, Eventtype.PROC_TERMINATE, f.value);
      const r = yield legacy(g, 'poll', sub, ev, 1);
      seen = events(g, ev, r.value);
      seen.push({ userdata: 0n, error: 0, type: 0, at16: BigInt(f.value), at24: 0, at28: 0 });
      yield g.sys('proc_exit', 0);
    });
    expect(seen[1]?.at16).toBe(10n);
    expect(seen[0]?.at16).toBe(10n);
    expect(seen[0]?.at24).toBe(3);
  });

  it('HEAD leaves offset 16 of PROC_TERMINATE, CLOCK and lock events zero', async () => {
    const now = await procClockLock(head);
    expect(now.map((e) => [e.userdata, e.type, e.at24])).toEqual([
      [0x77n, Eventtype.PROC_TERMINATE, 42],
      [0x55n, Eventtype.CLOCK, 0],
      [0x66n, Eventtype.LOCK_WRLOCK, 0],
      [0n, 0, 0],
      [0x99n, Eventtype.CLOCK, 0],
    ]);
    expect([now[0]?.at16, now[1]?.at16, now[2]?.at16, now[4]?.at16]).toEqual([0n, 0n, 0n, 0n]);
  });
});

describe('legacy poll_fd events', () => {
  it('name the fd of FD_READ/FD_WRITE at 24 and the process fd at 16', async () => {
    let seen: Seen[] = [];
    await run(function* (g) {
      const q = (yield legacy(g, 'fd_create1', Filetype.POLL)).value;
      for (let i = 0; i < 2; i++) yield* socketPair(g, legacy);
      const [a, b] = yield* socketPair(g, legacy);
      yield* write(g, b, 'xyz');
      const f = yield g.fork(function* (c) {
        yield c.sys('proc_exit', 9);
      });
      const { sub, ev } = buffers(g, 3);
      fdSub(g, sub, 1n, Eventtype.FD_READ, a);
      g.memory.dv.setUint16(sub + 8, ADD, true);
      fdSub(g, sub + SUB, 2n, Eventtype.PROC_TERMINATE, f.value);
      g.memory.dv.setUint16(sub + SUB + 8, ADD, true);
      const changes = yield legacy(g, 'poll_fd', q, sub, 2, ev, 0, 0);
      if (changes.cf || changes.value !== 0) yield g.sys('proc_exit', 20);
      // Wait for both (the child may not have exited at the first look).
      const got = new Map<bigint, Seen>();
      for (let i = 0; i < 50 && got.size < 2; i++) {
        const r = yield legacy(g, 'poll_fd', q, 0, 0, ev, 3, 0);
        for (const e of events(g, ev, r.value)) got.set(e.userdata, e);
        yield g.sys('thread_yield');
      }
      seen = [...got.values()].sort((x, y) => Number(x.userdata - y.userdata));
      yield g.sys('proc_exit', 0);
    });
    expect(seen).toEqual([
      { userdata: 1n, error: 0, type: Eventtype.FD_READ, at16: 3n, at24: 5, at28: 0 },
      { userdata: 2n, error: 0, type: Eventtype.PROC_TERMINATE, at16: 7n, at24: 9, at28: 0 },
    ]);
  });
});
