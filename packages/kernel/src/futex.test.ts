import { describe, expect, it } from 'vitest';
import { Errno, LOCK_KERNEL_MANAGED as KM, LOCK_WRLOCKED as WR } from './abi.js';
import { FUTEX_SLEEPING, FutexEngine, type UserWords } from './futex.js';

function memory(): UserWords & { words: Map<number, number> } {
  const words = new Map<number, number>();
  return {
    words,
    load: (a) => (a >= 0x1000 ? (words.get(a) ?? 0) : -1),
    store: (a, v) => {
      if (a < 0x1000) return false;
      words.set(a, v >>> 0);
      return true;
    },
  };
}

const L = 0x2000;
const CV = 0x3000;

/** Thread 2 holds lock L and waits on CV (resumably). Returns the engine, the memory and 2's resumes. */
function waiting() {
  const f = new FutexEngine();
  const m = memory();
  m.words.set(L, (2 | WR) >>> 0);
  const resumes: (() => number)[] = [];
  const wake = (resume: () => number) => resumes.push(resume);
  expect(f.condvarWaitResumable(m, 'c', CV, 'l', L, 2, null, wake)).toBe(FUTEX_SLEEPING);
  return { f, m, resumes };
}

/**
 * After {@link waiting}, thread 3 takes L and signals CV, and 2 runs while 3 holds L: it sleeps
 * again on L.
 */
function signalledWhileLocked() {
  const w = waiting();
  w.m.words.set(L, (3 | WR) >>> 0);
  w.f.condvarSignal(w.m, 'c', CV, 1);
  expect(w.resumes.shift()!()).toBe(FUTEX_SLEEPING);
  return w;
}
const flush = () => new Promise((r) => setImmediate(r));

describe('futex locks', () => {
  it('acquires an unlocked lock for writing and reading', () => {
    const f = new FutexEngine();
    const m = memory();
    expect(f.wrlock(m, 'l', L, 5, null)).toBe(Errno.SUCCESS);
    expect(m.words.get(L)).toBe((5 | WR) >>> 0);
    m.words.set(L, 0);
    expect(f.rdlock(m, 'l', L, 5, null)).toBe(Errno.SUCCESS);
    expect(f.rdlock(m, 'l', L, 6, null)).toBe(Errno.SUCCESS);
    expect(m.words.get(L)).toBe(2);
    expect(f.stats()).toEqual({ locks: 0, condvars: 0 });
  });

  it('reports EDEADLK, EINVAL, EFAULT and EPERM', () => {
    const f = new FutexEngine();
    const m = memory();
    m.words.set(L, (5 | WR) >>> 0);
    expect(f.wrlock(m, 'l', L, 5, null)).toBe(Errno.EDEADLK);
    m.words.set(L, KM >>> 0);
    expect(f.wrlock(m, 'l', L, 5, null)).toBe(Errno.EINVAL);
    // The failed attempt leaves the word unmanaged (the bit is cleared, as FreeBSD does).
    expect(m.words.get(L)).toBe(0);
    m.words.set(L, KM >>> 0);
    expect(f.rdlock(m, 'l', L, 5, null)).toBe(Errno.EINVAL);
    expect(f.wrlock(m, 'x', 0x10, 5, null)).toBe(Errno.EFAULT);
    expect(f.unlock(m, 'x', 0x10, 5)).toBe(Errno.EFAULT);
    // A managed lock owned by 5 cannot be unlocked by 6.
    m.words.set(L, (5 | WR) >>> 0);
    const p = f.wrlock(m, 'l', L, 7, null);
    expect(p).toBeInstanceOf(Promise);
    expect(m.words.get(L)).toBe((5 | WR | KM) >>> 0);
    expect(f.unlock(m, 'l', L, 6)).toBe(Errno.EPERM);
    expect(f.wrlock(m, 'l', L, 5, null)).toBe(Errno.EDEADLK);
  });

  it('hands the lock to the next writer, then to all readers', async () => {
    const f = new FutexEngine();
    const m = memory();
    m.words.set(L, (1 | WR) >>> 0);
    const order: string[] = [];
    const w2 = (f.wrlock(m, 'l', L, 2, null) as Promise<number>).then((r) => order.push(`w2:${r}`));
    const r3 = (f.rdlock(m, 'l', L, 3, null) as Promise<number>).then((r) => order.push(`r3:${r}`));
    const w4 = (f.wrlock(m, 'l', L, 4, null) as Promise<number>).then((r) => order.push(`w4:${r}`));
    const r5 = (f.rdlock(m, 'l', L, 5, null) as Promise<number>).then((r) => order.push(`r5:${r}`));
    expect(f.unlock(m, 'l', L, 1)).toBe(0);
    expect(m.words.get(L)).toBe((2 | WR | KM) >>> 0);
    await w2;
    expect(f.unlock(m, 'l', L, 2)).toBe(0);
    expect(m.words.get(L)).toBe((4 | WR | KM) >>> 0);
    await w4;
    expect(f.unlock(m, 'l', L, 4)).toBe(0);
    expect(m.words.get(L)).toBe(2);
    await Promise.all([r3, r5]);
    expect(order).toEqual(['w2:0', 'w4:0', 'r3:0', 'r5:0']);
    expect(f.stats()).toEqual({ locks: 0, condvars: 0 });
  });

  it('last writer leaves the lock unmanaged', async () => {
    const f = new FutexEngine();
    const m = memory();
    m.words.set(L, (1 | WR) >>> 0);
    const p = f.wrlock(m, 'l', L, 2, null) as Promise<number>;
    f.unlock(m, 'l', L, 1);
    expect(await p).toBe(0);
    expect(m.words.get(L)).toBe((2 | WR) >>> 0);
    expect(f.stats().locks).toBe(0);
  });

  it('times out, dequeues and clears the managed bit', async () => {
    const f = new FutexEngine();
    const m = memory();
    m.words.set(L, (1 | WR) >>> 0);
    let fire: () => void = () => {};
    const p = f.wrlock(m, 'l', L, 2, (cb) => {
      fire = cb;
      return () => {};
    }) as Promise<number>;
    expect(m.words.get(L)).toBe((1 | WR | KM) >>> 0);
    fire();
    expect(await p).toBe(Errno.ETIMEDOUT);
    expect(m.words.get(L)).toBe((1 | WR) >>> 0);
    expect(f.stats().locks).toBe(0);
  });

  it('passes a timer error through', () => {
    const f = new FutexEngine();
    const m = memory();
    m.words.set(L, (1 | WR) >>> 0);
    expect(f.wrlock(m, 'l', L, 2, () => Errno.EINVAL)).toBe(Errno.EINVAL);
    // Nothing sleeps: the word is unmanaged again and the lock object is gone.
    expect(m.words.get(L)).toBe((1 | WR) >>> 0);
    expect(f.stats().locks).toBe(0);
  });
});

describe('futex condvars', () => {
  it('signal of an unknown condvar succeeds', () => {
    const f = new FutexEngine();
    expect(f.condvarSignal(memory(), 'c', CV, 1)).toBe(0);
    expect(f.condvarSignal(memory(), 'c', CV, 0)).toBe(0);
  });

  it('wait releases the lock, signal re-acquires it for the waiter', async () => {
    const f = new FutexEngine();
    const m = memory();
    m.words.set(L, (2 | WR) >>> 0);
    const p = f.condvarWait(m, 'c', CV, 'l', L, 2, null) as Promise<number>;
    expect(m.words.get(L)).toBe(0);
    expect(m.words.get(CV)).toBe(0xffffffff);
    // Another thread takes the lock, signals, unlocks.
    expect(f.wrlock(m, 'l', L, 3, null)).toBe(0);
    expect(f.condvarSignal(m, 'c', CV, 1)).toBe(0);
    expect(m.words.get(CV)).toBe(0);
    // The waiter was woken without the lock; it tries, finds it held by 3 and waits.
    await flush();
    expect(m.words.get(L)).toBe((3 | WR | KM) >>> 0);
    expect(f.unlock(m, 'l', L, 3)).toBe(0);
    expect(await p).toBe(0);
    expect(m.words.get(L)).toBe((2 | WR) >>> 0);
    expect(f.stats()).toEqual({ locks: 0, condvars: 0 });
  });

  it('broadcast requeues onto a managed lock and hands it on one by one', async () => {
    const f = new FutexEngine();
    const m = memory();
    const done: number[] = [];
    const waits: Promise<unknown>[] = [];
    for (const tid of [2, 3, 4]) {
      m.words.set(L, (tid | WR) >>> 0);
      waits.push(
        (f.condvarWait(m, 'c', CV, 'l', L, tid, null) as Promise<number>).then(() => done.push(tid)),
      );
    }
    // Thread 9 holds the lock; thread 8 waits for it, so the lock is kernel-managed.
    m.words.set(L, (9 | WR) >>> 0);
    const w8 = (f.wrlock(m, 'l', L, 8, null) as Promise<number>).then(() => done.push(8));
    expect(f.condvarSignal(m, 'c', CV, 0xffffffff)).toBe(0);
    expect(m.words.get(CV)).toBe(0);
    for (const next of [8, 2, 3, 4]) {
      const holder = (m.words.get(L)! & ~(WR | KM)) >>> 0;
      expect(f.unlock(m, 'l', L, holder)).toBe(0);
      await flush();
      expect(done.at(-1)).toBe(next);
    }
    await Promise.all([...waits, w8]);
    expect(f.unlock(m, 'l', L, 4)).toBe(0);
    expect(m.words.get(L)).toBe(0);
    expect(f.stats()).toEqual({ locks: 0, condvars: 0 });
  });

  it('a condvar used with two locks is EINVAL; unlocking a lock one does not own is EPERM', async () => {
    const f = new FutexEngine();
    const m = memory();
    m.words.set(L, (2 | WR) >>> 0);
    const p = f.condvarWait(m, 'c', CV, 'l', L, 2, null);
    m.words.set(L + 4, (3 | WR) >>> 0);
    expect(f.condvarWait(m, 'c', CV, 'l2', L + 4, 3, null)).toBe(Errno.EINVAL);
    m.words.set(L + 8, (7 | WR) >>> 0);
    // A waiter queued behind 7 makes the lock managed with a known owner.
    void f.wrlock(m, 'l3', L + 8, 8, null);
    expect(f.condvarWait(m, 'c3', CV + 4, 'l3', L + 8, 3, null)).toBe(Errno.EPERM);
    expect(m.words.get(CV + 4)).toBe(0);
    f.condvarSignal(m, 'c', CV, 1);
    expect(await p).toBe(0);
  });

  it('a timed-out condvar wait re-acquires the lock and reports ETIMEDOUT', async () => {
    const f = new FutexEngine();
    const m = memory();
    m.words.set(L, (2 | WR) >>> 0);
    let fire: () => void = () => {};
    const p = f.condvarWait(m, 'c', CV, 'l', L, 2, (cb) => {
      fire = cb;
      return () => {};
    }) as Promise<number>;
    fire();
    expect(await p).toBe(Errno.ETIMEDOUT);
    expect(m.words.get(L)).toBe((2 | WR) >>> 0);
    expect(m.words.get(CV)).toBe(0);
    expect(f.stats()).toEqual({ locks: 0, condvars: 0 });
  });

  it('a signalled waiter finishes its wait in its own context, not inside the waker', async () => {
    const { f, m, resumes } = waiting();
    // Thread 3 takes the free lock in userspace and signals: 2 is woken without the lock and
    // has not run yet, so nothing of its wait has happened.
    m.words.set(L, (3 | WR) >>> 0);
    expect(f.condvarSignal(m, 'c', CV, 1)).toBe(0);
    expect(resumes).toHaveLength(1);
    expect(m.words.get(L)).toBe((3 | WR) >>> 0);
    // 3 unlocks in userspace; when 2 runs it takes the lock without sleeping.
    m.words.set(L, 0);
    expect(resumes.shift()!()).toBe(Errno.SUCCESS);
    expect(m.words.get(L)).toBe((2 | WR) >>> 0);
    expect(f.stats()).toEqual({ locks: 0, condvars: 0 });
  });

  it('a woken waiter that must wait for the lock sleeps again and is woken once more', () => {
    const { f, m, resumes } = signalledWhileLocked();
    // 3 still holds the lock when 2 runs: 2 marks it kernel-managed and sleeps on it.
    expect(m.words.get(L)).toBe((3 | WR | KM) >>> 0);
    expect(f.unlock(m, 'l', L, 3)).toBe(0);
    expect(m.words.get(L)).toBe((2 | WR) >>> 0);
    expect(resumes.shift()!()).toBe(Errno.SUCCESS);
    expect(f.stats()).toEqual({ locks: 0, condvars: 0 });
  });

  it('a woken waiter killed before it ran passes the waiters donated to it on', () => {
    const f = new FutexEngine();
    const m = memory();
    const resumes = new Map<number, () => number>();
    for (const tid of [2, 3, 4]) {
      m.words.set(L, (tid | WR) >>> 0);
      const wake = (resume: () => number) => resumes.set(tid, resume);
      expect(f.condvarWaitResumable(m, 'c', CV, 'l', L, tid, null, wake)).toBe(FUTEX_SLEEPING);
    }
    // Broadcast on an unmanaged lock: 2 is woken and the others are donated to it.
    expect(f.condvarSignal(m, 'c', CV, 0xffffffff)).toBe(0);
    expect([...resumes.keys()]).toEqual([2]);
    resumes.clear();
    // 2 dies before taking the lock: 3 is woken with 4 donated to it, and takes the lock.
    f.cancelWaiters(new Set([2]));
    expect([...resumes.keys()]).toEqual([3]);
    expect(resumes.get(3)!()).toBe(Errno.SUCCESS);
    expect(m.words.get(L)).toBe((3 | WR | KM) >>> 0);
    resumes.clear();
    expect(f.unlock(m, 'l', L, 3)).toBe(0);
    expect(m.words.get(L)).toBe((4 | WR) >>> 0);
    expect(resumes.get(4)!()).toBe(Errno.SUCCESS);
    expect(f.unlock(m, 'l', L, 4)).toBe(0);
    expect(f.stats()).toEqual({ locks: 0, condvars: 0 });
  });

  it('a waiter killed while it sleeps to re-take its lock leaves nothing behind', () => {
    const { f, m, resumes } = signalledWhileLocked();
    f.cancelWaiters(new Set([2]));
    expect(f.stats()).toEqual({ locks: 0, condvars: 0 });
    // The word still says kernel-managed: 3's unlock goes through the kernel and frees it.
    expect(f.unlock(m, 'l', L, 3)).toBe(0);
    expect(m.words.get(L)).toBe(0);
    expect(resumes).toHaveLength(0);
    expect(f.stats()).toEqual({ locks: 0, condvars: 0 });
  });

  it('waits of killed threads are forgotten: the lock goes to the next live waiter', async () => {
    const f = new FutexEngine();
    const m = memory();
    m.words.set(L, (1 | WR) >>> 0);
    void f.wrlock(m, 'l', L, 2, null);
    const p3 = f.wrlock(m, 'l', L, 3, null) as Promise<number>;
    m.words.set(L + 4, (9 | WR) >>> 0);
    void f.condvarWait(m, 'c', CV, 'l2', L + 4, 9, null);
    m.words.set(L + 4, (8 | WR) >>> 0);
    f.cancelWaiters(new Set([2, 9]));
    expect(f.unlock(m, 'l', L, 1)).toBe(0);
    expect(m.words.get(L)).toBe((3 | WR) >>> 0);
    expect(await p3).toBe(0);
    expect(f.stats()).toEqual({ locks: 0, condvars: 0 });
  });
});
