/**
 * The futex engine: kernel side of CloudABI's userspace locks and condition variables.
 *
 * A lock word is `0` (unlocked), a reader count, or `tid | LOCK_WRLOCKED`; bit 31
 * (`LOCK_KERNEL_MANAGED`) tells userspace that waiters exist and the kernel must be involved in
 * the next unlock (digest §3.9; spec: type `lock`). The kernel keeps, per lock address, an owner
 * and FIFO queues of waiting readers and writers; per condition variable, a queue of waiters and
 * the lock the condvar is used with. The behaviour follows FreeBSD's `cloudabi_futex.c`:
 *
 * - unlocking hands the lock to the next writer directly (its tid is written into the word, with
 *   the KERNEL_MANAGED bit while more waiters remain), otherwise to all waiting readers;
 * - condvar_signal on a condvar whose lock is kernel-managed requeues waiters onto the lock's
 *   writer queue; otherwise it wakes the first waiter and donates the others to it, and that
 *   waiter re-acquires the lock and requeues them;
 * - a timeout is ignored once a condvar waiter has been requeued onto the lock;
 * - recursive write locking is EDEADLK, unlocking a lock owned by another thread EPERM, a word
 *   with the KERNEL_MANAGED bit the kernel knows nothing about EINVAL, and signalling an unknown
 *   condvar succeeds (a race with the last waiter leaving).
 *
 * Every access to guest memory goes through a {@link UserWords} of the acting thread, so a bad
 * address is EFAULT. The engine itself never blocks: sleeping returns a Promise.
 */
import { Errno, LOCK_KERNEL_MANAGED, LOCK_WRLOCKED } from './abi.js';

/** Access to 32-bit words of the acting thread's address space. */
export interface UserWords {
  /** The word at `addr`, or -1 when it cannot be read (EFAULT). */
  load(addr: number): number;
  /** Stores `value`; false when the word cannot be written (EFAULT). */
  store(addr: number, value: number): boolean;
}

/** Starts a timeout; returns a function cancelling it, or an errno when the clock is invalid. */
export type StartTimer = (onTimeout: () => void) => (() => void) | number;

const UNMANAGED = -1;
/** An empty donation list (only ever taken from, so it stays empty). */
const NO_WAITERS: Waiter[] = [];
const OWNER_UNKNOWN = -2;
const TID_MASK = ~(LOCK_WRLOCKED | LOCK_KERNEL_MANAGED) >>> 0;

/**
 * Returned by the continuation-passing operations ({@link FutexEngine.wrlockResumable} and friends)
 * when the thread sleeps: the outcome arrives later through the operation's {@link FutexWake}.
 */
export const FUTEX_SLEEPING = -2;

/**
 * How a sleeping futex operation reports its wake-up. The engine calls it once, at the moment
 * the thread is woken (by an unlock, a signal or its timeout), with `resume`: the rest of the
 * operation, to be run in the woken thread's own context when it next runs (a condvar waiter
 * woken without the lock takes the lock there, as FreeBSD's futex_condvar_wait does after its
 * sleep). `resume` returns the operation's errno, or {@link FUTEX_SLEEPING} when the thread
 * must sleep again (the lock it re-takes is held), in which case `wake` is called once more.
 */
export type FutexWake = (resume: () => number) => void;

/** A thread sleeping in a futex queue. */
class Waiter {
  queue: Waiter[] | null = null;
  /** Set when the lock was handed to this waiter. */
  locked = false;
  /** Waiters donated by condvar_signal, to be requeued once this one holds the lock. */
  readonly donated: Waiter[] = [];
  /** The condvar a condvar waiter waits on (also after being requeued onto its lock). */
  condvar: FutexCondvar | null = null;
  /** The lock whose reference count the sleep holds. */
  lock: FutexLock | null = null;
  /** Cancels the sleep's timeout. */
  cancel: (() => void) | null = null;
  /** Receives the outcome of the sleep (SUCCESS when woken, ETIMEDOUT); null once it came. */
  done: ((errno: number) => void) | null = null;
  constructor(readonly tid: number) {}
}

class FutexLock {
  owner = UNMANAGED;
  readonly readers: Waiter[] = [];
  readonly writers: Waiter[] = [];
  /** Sleeping threads plus condvars referring to this lock. */
  refs = 0;
  constructor(
    readonly key: string,
    /** The address of the word in the memory of whoever acts on it. */
    readonly addr: number,
  ) {}
}

class FutexCondvar {
  readonly waiters: Waiter[] = [];
  waitcount = 0;
  constructor(
    readonly key: string,
    readonly lock: FutexLock,
  ) {}
}

/** Statistics for tests and diagnostics. */
export interface FutexStats {
  locks: number;
  condvars: number;
}

/** The futex state of a kernel (all processes). */
export class FutexEngine {
  private readonly locks = new Map<string, FutexLock>();
  private readonly condvars = new Map<string, FutexCondvar>();
  /**
   * Condvar waiters woken whose thread has not yet run the rest of its wait: they still count
   * on their condvar and may hold waiters a signal donated to them, which a kill of the thread
   * must not strand.
   */
  private readonly woken = new Set<Waiter>();

  /** Numbers of tracked lock and condvar objects. */
  stats(): FutexStats {
    return { locks: this.locks.size, condvars: this.condvars.size };
  }

  /**
   * Forgets the waits of threads that no longer exist (their process ended): they leave every
   * queue, so a lock is never handed to a dead thread and no state leaks.
   */
  cancelWaiters(tids: ReadonlySet<number>): void {
    if (tids.size === 0) return;
    for (const donor of [...this.woken]) {
      // Donated waiters of dead threads are dropped; a dead donor passes its donation on, as
      // the waiters would otherwise never be requeued onto the lock.
      const gone = donor.donated.filter((w) => tids.has(w.tid));
      if (gone.length > 0) {
        donor.donated.splice(0, donor.donated.length, ...donor.donated.filter((w) => !tids.has(w.tid)));
        for (const w of gone) this.forget(w);
      }
      if (tids.has(donor.tid)) {
        this.woken.delete(donor);
        FutexEngine.wakeDonate(donor.donated, Number.POSITIVE_INFINITY);
        const cv = donor.condvar!;
        cv.waitcount--;
        this.condvarRelease(cv);
      }
    }
    for (const fc of [...this.condvars.values()]) {
      const gone = fc.waiters.filter((w) => tids.has(w.tid));
      if (gone.length === 0) continue;
      fc.waiters.splice(0, fc.waiters.length, ...fc.waiters.filter((w) => !tids.has(w.tid)));
      fc.lock.refs -= gone.length;
      fc.waitcount -= gone.length;
      this.condvarRelease(fc);
    }
    for (const fl of [...this.locks.values()]) {
      for (const queue of [fl.readers, fl.writers]) {
        const gone = queue.filter((w) => tids.has(w.tid));
        if (gone.length === 0) continue;
        queue.splice(0, queue.length, ...queue.filter((w) => !tids.has(w.tid)));
        fl.refs -= gone.length;
        // Condvar waiters requeued onto the lock still count on their condvar.
        for (const w of gone) {
          if (w.condvar) {
            w.condvar.waitcount--;
            this.condvarRelease(w.condvar);
          }
        }
      }
      if (fl.readers.length === 0 && fl.writers.length === 0) fl.owner = UNMANAGED;
      this.lockRelease(fl);
    }
  }

  /** Drops a sleeping waiter that is in no queue any more (its thread is gone). */
  private forget(w: Waiter): void {
    w.queue = null;
    w.done = null;
    w.cancel?.();
    w.cancel = null;
    const fl = w.lock!;
    fl.refs--;
    if (w.condvar) {
      w.condvar.waitcount--;
      this.condvarRelease(w.condvar);
    }
    this.lockRelease(fl);
  }

  // ---- lock objects ------------------------------------------------------------------------

  private lockLookup(key: string, addr: number): FutexLock {
    let fl = this.locks.get(key);
    if (!fl) {
      fl = new FutexLock(key, addr);
      this.locks.set(key, fl);
    }
    return fl;
  }

  private lockRelease(fl: FutexLock): void {
    if (fl.refs === 0 && fl.owner === UNMANAGED && this.locks.get(fl.key) === fl) this.locks.delete(fl.key);
  }

  private static setOwner(fl: FutexLock, word: number): void {
    if ((word & ~LOCK_WRLOCKED) >>> 0 === 0) {
      fl.owner = OWNER_UNKNOWN;
      return;
    }
    const tid = (word & TID_MASK) >>> 0;
    fl.owner = tid === 0 ? OWNER_UNKNOWN : tid;
  }

  private static unmanage(fl: FutexLock, mem: UserWords, addr: number): number {
    if (fl.readers.length === 0 && fl.writers.length === 0) {
      fl.owner = UNMANAGED;
      const old = mem.load(addr);
      if (old < 0) return Errno.EFAULT;
      if (!mem.store(addr, (old & ~LOCK_KERNEL_MANAGED) >>> 0)) return Errno.EFAULT;
    }
    return Errno.SUCCESS;
  }

  private static tryRdlock(fl: FutexLock, mem: UserWords, addr: number): number {
    if (fl.owner !== UNMANAGED) return Errno.EBUSY;
    const old = mem.load(addr);
    if (old < 0) return Errno.EFAULT;
    if (old & LOCK_KERNEL_MANAGED) return Errno.EINVAL;
    if (!(old & LOCK_WRLOCKED)) {
      return mem.store(addr, (old + 1) >>> 0) ? Errno.SUCCESS : Errno.EFAULT;
    }
    if (!mem.store(addr, (old | LOCK_KERNEL_MANAGED) >>> 0)) return Errno.EFAULT;
    FutexEngine.setOwner(fl, old);
    return Errno.EBUSY;
  }

  private static tryWrlock(fl: FutexLock, mem: UserWords, addr: number, tid: number, force: boolean): number {
    if (fl.owner === tid) return Errno.EDEADLK;
    if (fl.owner !== UNMANAGED) return Errno.EBUSY;
    const old = mem.load(addr);
    if (old < 0) return Errno.EFAULT;
    if (old & LOCK_KERNEL_MANAGED) return Errno.EINVAL;
    if (old === (tid | LOCK_WRLOCKED) >>> 0) return Errno.EDEADLK;
    if (old === 0) {
      const next = force ? (tid | LOCK_WRLOCKED | LOCK_KERNEL_MANAGED) >>> 0 : (tid | LOCK_WRLOCKED) >>> 0;
      if (!mem.store(addr, next)) return Errno.EFAULT;
      if (force) fl.owner = tid;
      return Errno.SUCCESS;
    }
    if (!mem.store(addr, (old | LOCK_KERNEL_MANAGED) >>> 0)) return Errno.EFAULT;
    FutexEngine.setOwner(fl, old);
    return Errno.EBUSY;
  }

  private static wakeUpNext(fl: FutexLock, mem: UserWords, addr: number): number {
    const first = fl.writers[0];
    if (first) {
      if (fl.writers.length > 1 || fl.readers.length > 0) {
        if (!mem.store(addr, (first.tid | LOCK_WRLOCKED | LOCK_KERNEL_MANAGED) >>> 0)) return Errno.EFAULT;
        FutexEngine.wakeBest(fl.writers);
        fl.owner = first.tid;
      } else {
        if (!mem.store(addr, (first.tid | LOCK_WRLOCKED) >>> 0)) return Errno.EFAULT;
        FutexEngine.wakeBest(fl.writers);
        fl.owner = UNMANAGED;
      }
    } else {
      if (!mem.store(addr, fl.readers.length)) return Errno.EFAULT;
      for (const w of fl.readers.splice(0)) FutexEngine.wake(w, true);
      fl.owner = UNMANAGED;
    }
    return Errno.SUCCESS;
  }

  private static unlockLocked(fl: FutexLock, mem: UserWords, addr: number, tid: number): number {
    if (fl.owner === OWNER_UNKNOWN) {
      const word = mem.load(addr);
      if (word < 0) return Errno.EFAULT;
      FutexEngine.setOwner(fl, word);
    }
    if (fl.owner !== UNMANAGED && fl.owner !== tid) return Errno.EPERM;
    return FutexEngine.wakeUpNext(fl, mem, addr);
  }

  // ---- queues -------------------------------------------------------------------------------

  private static wake(w: Waiter, locked: boolean): void {
    w.locked = locked;
    w.queue = null;
    const done = w.done;
    if (!done) return;
    w.done = null;
    const cancel = w.cancel;
    w.cancel = null;
    cancel?.();
    w.lock!.refs--;
    done(Errno.SUCCESS);
  }

  private static wakeBest(queue: Waiter[]): void {
    const w = queue.shift();
    if (w) FutexEngine.wake(w, true);
  }

  private static wakeDonate(queue: Waiter[], n: number): void {
    const w = queue.shift();
    if (!w) return;
    // The donation is in place before the woken waiter hears of its wake-up.
    FutexEngine.requeue(queue, w.donated, n);
    FutexEngine.wake(w, false);
  }

  private static requeue(from: Waiter[], to: Waiter[], n: number): void {
    while (n-- > 0 && from.length > 0) {
      const w = from.shift()!;
      w.queue = to;
      to.push(w);
    }
  }

  /**
   * Puts `w` to sleep in `queue` (holding a reference on `fl`) until it is woken (`done(SUCCESS)`)
   * or times out while still in that queue (`onTimeout`, then `done(ETIMEDOUT)`). Returns
   * {@link FUTEX_SLEEPING}, or the errno of a timer that could not be started (nothing sleeps).
   */
  private static sleep(
    queue: Waiter[],
    fl: FutexLock,
    w: Waiter,
    timer: StartTimer | null,
    done: (errno: number) => void,
    onTimeout: (() => void) | null,
  ): number {
    if (timer) {
      const started = timer(() => {
        // A condvar waiter requeued onto the lock did not really time out: it keeps waiting
        // for the lock (FreeBSD futex_queue_sleep).
        if (w.queue !== queue) return;
        queue.splice(queue.indexOf(w), 1);
        w.queue = null;
        w.done = null;
        w.cancel = null;
        fl.refs--;
        onTimeout?.();
        done(Errno.ETIMEDOUT);
      });
      if (typeof started === 'number') return started;
      w.cancel = started;
    }
    w.queue = queue;
    w.lock = fl;
    w.done = done;
    queue.push(w);
    fl.refs++;
    return FUTEX_SLEEPING;
  }

  // ---- operations -------------------------------------------------------------------------

  /**
   * LOCK_RDLOCK subscription: acquire a read lock, sleeping while it is write-locked.
   * Returns SUCCESS/errno now, or a Promise when the thread must wait.
   */
  rdlock(
    mem: UserWords,
    key: string,
    addr: number,
    tid: number,
    timer: StartTimer | null,
  ): number | Promise<number> {
    return promised((wake) => this.rdlockResumable(mem, key, addr, tid, timer, wake));
  }

  /**
   * {@link FutexEngine.rdlock} without Promises: an errno now, or {@link FUTEX_SLEEPING} and the
   * outcome later through `wake`.
   */
  rdlockResumable(
    mem: UserWords,
    key: string,
    addr: number,
    tid: number,
    timer: StartTimer | null,
    wake: FutexWake,
  ): number {
    const fl = this.lockLookup(key, addr);
    let error = FutexEngine.tryRdlock(fl, mem, addr);
    if (error === Errno.EBUSY) {
      error = FutexEngine.sleep(
        fl.readers,
        fl,
        new Waiter(tid),
        timer,
        // Bookkeeping waits for the woken thread: the waker may be in the middle of an operation.
        (e) =>
          wake(() => {
            this.lockRelease(fl);
            return e;
          }),
        () => FutexEngine.unmanage(fl, mem, addr),
      );
      if (error === FUTEX_SLEEPING) return error;
    }
    if (error !== Errno.SUCCESS) FutexEngine.unmanage(fl, mem, addr);
    this.lockRelease(fl);
    return error;
  }

  /** LOCK_WRLOCK subscription: acquire the write lock. */
  wrlock(
    mem: UserWords,
    key: string,
    addr: number,
    tid: number,
    timer: StartTimer | null,
  ): number | Promise<number> {
    return promised((wake) => this.wrlockResumable(mem, key, addr, tid, timer, wake));
  }

  /**
   * {@link FutexEngine.wrlock} without Promises: an errno now, or {@link FUTEX_SLEEPING} and the
   * outcome later through `wake`.
   */
  wrlockResumable(
    mem: UserWords,
    key: string,
    addr: number,
    tid: number,
    timer: StartTimer | null,
    wake: FutexWake,
  ): number {
    const fl = this.lockLookup(key, addr);
    const r = this.wrlockLocked(fl, mem, addr, tid, timer, NO_WAITERS, (e) =>
      wake(() => {
        this.lockRelease(fl);
        return e;
      }),
    );
    if (r !== FUTEX_SLEEPING) this.lockRelease(fl);
    return r;
  }

  /**
   * Takes the write lock for `tid` (requeueing `donated` behind it), or sleeps in its writer
   * queue: returns the errno, or {@link FUTEX_SLEEPING} and later calls `done` with the outcome
   * (by then the lock is ours, or the wait timed out and the word was unmanaged). `condvar` is
   * the condvar of a waiter re-taking its lock after the wait.
   */
  private wrlockLocked(
    fl: FutexLock,
    mem: UserWords,
    addr: number,
    tid: number,
    timer: StartTimer | null,
    donated: Waiter[],
    done: (errno: number) => void,
    condvar: FutexCondvar | null = null,
  ): number {
    const error = FutexEngine.tryWrlock(fl, mem, addr, tid, donated.length > 0);
    if (error === Errno.SUCCESS || error === Errno.EBUSY) FutexEngine.requeue(donated, fl.writers, Infinity);
    else FutexEngine.wakeDonate(donated, Infinity);
    if (error === Errno.EBUSY) {
      const w = new Waiter(tid);
      // A condvar waiter re-taking its lock still counts on the condvar (see cancelWaiters).
      w.condvar = condvar;
      const r = FutexEngine.sleep(fl.writers, fl, w, timer, done, () => FutexEngine.unmanage(fl, mem, addr));
      if (r === FUTEX_SLEEPING) return r;
      FutexEngine.unmanage(fl, mem, addr);
      return r;
    }
    if (error !== Errno.SUCCESS) FutexEngine.unmanage(fl, mem, addr);
    return error;
  }

  /** lock_unlock (and the unlock of thread_exit): release a lock held by `tid`, handing it over. */
  unlock(mem: UserWords, key: string, addr: number, tid: number): number {
    const fl = this.lockLookup(key, addr);
    const error = FutexEngine.unlockLocked(fl, mem, addr, tid);
    this.lockRelease(fl);
    return error;
  }

  /**
   * CONDVAR subscription: atomically release the lock and wait on the condvar; returns with the
   * lock write-locked again (also after a timeout, which then yields ETIMEDOUT).
   */
  condvarWait(
    mem: UserWords,
    cvKey: string,
    cvAddr: number,
    lockKey: string,
    lockAddr: number,
    tid: number,
    timer: StartTimer | null,
  ): number | Promise<number> {
    return promised((wake) =>
      this.condvarWaitResumable(mem, cvKey, cvAddr, lockKey, lockAddr, tid, timer, wake),
    );
  }

  /**
   * {@link FutexEngine.condvarWait} without Promises: an errno now, or {@link FUTEX_SLEEPING}
   * and the outcome later through `wake`. A waiter woken without the lock (by a signal that
   * found the lock unmanaged, or by its timeout) takes the lock in `resume`, that is when it
   * runs again, and may sleep once more on the lock there.
   */
  condvarWaitResumable(
    mem: UserWords,
    cvKey: string,
    cvAddr: number,
    lockKey: string,
    lockAddr: number,
    tid: number,
    timer: StartTimer | null,
    wake: FutexWake,
  ): number {
    let fc = this.condvars.get(cvKey);
    if (fc) {
      if (fc.lock.key !== lockKey) return Errno.EINVAL;
    } else {
      fc = new FutexCondvar(cvKey, this.lockLookup(lockKey, lockAddr));
      fc.lock.refs++;
      this.condvars.set(cvKey, fc);
    }
    const cv = fc;
    const fl = cv.lock;
    if (!mem.store(cvAddr, 0xffffffff)) {
      this.condvarRelease(cv);
      return Errno.EFAULT;
    }
    const error = FutexEngine.unlockLocked(fl, mem, lockAddr, tid);
    if (error !== Errno.SUCCESS) {
      FutexEngine.condvarUnmanage(cv, mem, cvAddr);
      this.condvarRelease(cv);
      return error;
    }
    cv.waitcount++;
    const w = new Waiter(tid);
    w.condvar = cv;
    // After the sleep: with the lock handed over we are done; else take the lock ourselves.
    const finish = (r: number): number => {
      if (w.locked) {
        cv.waitcount--;
        this.condvarRelease(cv);
        return r;
      }
      const r2 = this.wrlockLocked(
        fl,
        mem,
        lockAddr,
        tid,
        null,
        w.donated,
        (e) => {
          this.woken.add(w);
          wake(() => {
            this.woken.delete(w);
            cv.waitcount--;
            this.condvarRelease(cv);
            return e !== Errno.SUCCESS ? e : r;
          });
        },
        cv,
      );
      if (r2 === FUTEX_SLEEPING) return r2;
      cv.waitcount--;
      this.condvarRelease(cv);
      return r2 !== Errno.SUCCESS ? r2 : r;
    };
    const r = FutexEngine.sleep(
      cv.waiters,
      fl,
      w,
      timer,
      // Everything after the sleep happens in the woken thread's context: the waker may be in
      // the middle of an operation on this very condvar or lock.
      (e) => {
        this.woken.add(w);
        wake(() => {
          this.woken.delete(w);
          return finish(e);
        });
      },
      () => FutexEngine.condvarUnmanage(cv, mem, cvAddr),
    );
    if (r === FUTEX_SLEEPING) return r;
    // The timer could not be started: as if it fired at once (FreeBSD takes the lock again).
    FutexEngine.condvarUnmanage(cv, mem, cvAddr);
    return finish(r);
  }
  /** condvar_signal: wake up to `n` waiters of the condvar at `key`. */
  condvarSignal(mem: UserWords, key: string, addr: number, n: number): number {
    if (n === 0) return Errno.SUCCESS;
    const fc = this.condvars.get(key);
    if (!fc) return Errno.SUCCESS;
    const fl = fc.lock;
    if (fl.owner === UNMANAGED) FutexEngine.wakeDonate(fc.waiters, n - 1);
    else FutexEngine.requeue(fc.waiters, fl.writers, n);
    const error = FutexEngine.condvarUnmanage(fc, mem, addr);
    this.condvarRelease(fc);
    return error;
  }

  private static condvarUnmanage(fc: FutexCondvar, mem: UserWords, addr: number): number {
    if (fc.waiters.length !== 0) return Errno.SUCCESS;
    return mem.store(addr, 0) ? Errno.SUCCESS : Errno.EFAULT;
  }

  private condvarRelease(fc: FutexCondvar): void {
    if (fc.waitcount === 0 && this.condvars.get(fc.key) === fc) {
      this.condvars.delete(fc.key);
      fc.lock.refs--;
      this.lockRelease(fc.lock);
    }
  }
}

/**
 * Runs a continuation-passing operation for the Promise-returning API: an errno now, or a
 * Promise of the outcome, where the woken thread's part of the operation runs in a microtask.
 */
function promised(start: (wake: FutexWake) => number): number | Promise<number> {
  let settle: ((errno: number) => void) | null = null;
  const r = start((resume) => {
    queueMicrotask(() => {
      const out = resume();
      if (out !== FUTEX_SLEEPING) settle?.(out);
    });
  });
  if (r !== FUTEX_SLEEPING) return r;
  return new Promise<number>((resolve) => {
    settle = resolve;
  });
}
