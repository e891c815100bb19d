import { describe, expect, it } from 'vitest';
import { LOCK_KERNEL_MANAGED, LOCK_WRLOCKED } from '../src/abi.js';
import { createKernel, type SyscallTraceEvent } from '../src/kernel.js';
import { type ScriptGuest, ScriptProgram } from '../src/testing.js';
import {
  condSignal,
  condWait,
  type Gen,
  joinThread,
  lockWrite,
  run,
  spawnThread,
  unlockWrite,
} from './helpers.js';

/** 16 threads increment a shared counter under a mutex, yielding inside the critical section. */
function* contention(g: ScriptGuest, nthreads: number, iterations: number): Gen {
  const main = Number(g.rdi);
  const lock = g.alloc(4);
  const counter = g.alloc(8);
  const joins: number[] = [];
  for (let i = 0; i < nthreads; i++) {
    const [tid, join] = yield* spawnThread(g, function* (tg, self) {
      for (let k = 0; k < iterations; k++) {
        yield* lockWrite(tg, lock, self);
        const v = tg.u32(counter);
        yield tg.spin(7 + ((self * 13 + k) % 50));
        tg.setU32(counter, v + 1);
        yield* unlockWrite(tg, lock, self);
        yield tg.spin(3);
      }
    });
    if (tid < 0) yield g.sys('proc_exit', 80);
    joins.push(join);
  }
  for (const join of joins) {
    const e = yield* joinThread(g, join);
    if (e !== 0) yield g.sys('proc_exit', 81);
  }
  void main;
  yield g.sys('proc_exit', g.u32(counter) === nthreads * iterations ? 0 : 1);
}

/** A bounded queue of one slot with producer/consumer condition variables. */
function* producerConsumer(g: ScriptGuest, items: number, consumers: number): Gen {
  const lock = g.alloc(4);
  const notEmpty = g.alloc(4);
  const notFull = g.alloc(4);
  const slot = g.alloc(8); // [full flag, value]
  const sum = g.alloc(8);
  const taken = g.alloc(4);
  const joins: number[] = [];
  for (let c = 0; c < consumers; c++) {
    const [, join] = yield* spawnThread(g, function* (tg, self) {
      for (;;) {
        yield* lockWrite(tg, lock, self);
        while (tg.u32(slot) === 0 && tg.u32(taken) < items) {
          const e = yield* condWait(tg, notEmpty, lock);
          if (e !== 0) yield tg.sys('proc_exit', 70);
        }
        if (tg.u32(taken) >= items) {
          yield* unlockWrite(tg, lock, self);
          return;
        }
        tg.setU32(sum, tg.u32(sum) + tg.u32(slot + 4));
        tg.setU32(slot, 0);
        tg.setU32(taken, tg.u32(taken) + 1);
        if (tg.u32(taken) === items) yield* condSignal(tg, notEmpty, 0xffffffff);
        yield* condSignal(tg, notFull, 1);
        yield* unlockWrite(tg, lock, self);
        yield tg.spin(11);
      }
    });
    joins.push(join);
  }
  const me = Number(g.rdi);
  for (let i = 1; i <= items; i++) {
    yield* lockWrite(g, lock, me);
    while (g.u32(slot) !== 0) {
      const e = yield* condWait(g, notFull, lock);
      if (e !== 0) yield g.sys('proc_exit', 71);
    }
    g.setU32(slot, 1);
    g.setU32(slot + 4, i);
    yield* condSignal(g, notEmpty, 1);
    yield* unlockWrite(g, lock, me);
    yield g.spin(5);
  }
  for (const join of joins) yield* joinThread(g, join);
  yield g.sys('proc_exit', g.u32(sum) === (items * (items + 1)) / 2 ? 0 : 1);
}

describe('multi-threaded programs', () => {
  it('16 threads contending for a mutex: 100 runs under the deterministic scheduler', async () => {
    for (let run_ = 0; run_ < 100; run_++) {
      const status = await run((g) => contention(g, 16, 20), { scheduler: { sliceInstructions: 40 } });
      expect(status).toEqual({ exitCode: 0 });
    }
  }, 120_000);

  it('16 threads contending for a mutex: 100 runs with randomized slices', async () => {
    for (let seed = 1; seed <= 100; seed++) {
      const status = await run((g) => contention(g, 16, 20), {
        deterministic: seed,
        scheduler: { sliceInstructions: 30, randomSlices: true },
      });
      expect(status).toEqual({ exitCode: 0 });
    }
  }, 120_000);

  it('condition variables: producer and 4 consumers, 100 runs each way', async () => {
    for (let i = 1; i <= 100; i++) {
      const det = await run((g) => producerConsumer(g, 30, 4), { scheduler: { sliceInstructions: 25 } });
      expect(det).toEqual({ exitCode: 0 });
      const rnd = await run((g) => producerConsumer(g, 30, 4), {
        deterministic: i,
        scheduler: { sliceInstructions: 20, randomSlices: true },
      });
      expect(rnd).toEqual({ exitCode: 0 });
    }
  }, 120_000);

  it('a signalled condvar waiter takes its lock when it runs, after threads queued before it', async () => {
    const events: SyscallTraceEvent[] = [];
    const status = await run(
      function* (g) {
        const me = Number(g.rdi);
        const lock = g.alloc(4);
        const cv = g.alloc(4);
        const go = g.alloc(4);
        const seen = g.alloc(4);
        const [, waiter] = yield* spawnThread(g, function* (tg, self) {
          yield* lockWrite(tg, lock, self);
          while (tg.u32(go) === 0) {
            if ((yield* condWait(tg, cv, lock)) !== 0) yield tg.sys('proc_exit', 60);
          }
          // Back from the wait with the lock.
          if ((tg.u32(lock) & ~LOCK_KERNEL_MANAGED) >>> 0 !== (self | LOCK_WRLOCKED) >>> 0) {
            yield tg.sys('proc_exit', 61);
          }
          yield* unlockWrite(tg, lock, self);
        });
        // A thread that is runnable (yielding) while the waiter is woken: it finds the lock
        // free, because the woken waiter has not run yet (FreeBSD: the waiter re-takes the lock
        // in its own context).
        const [, grabber] = yield* spawnThread(g, function* (tg, self) {
          while (tg.u32(go) === 0) yield tg.sys('thread_yield');
          tg.setU32(seen, tg.u32(lock) === 0 ? 1 : 2);
          yield* lockWrite(tg, lock, self);
          yield* unlockWrite(tg, lock, self);
        });
        while (g.u32(cv) === 0) yield g.sys('thread_yield');
        yield* lockWrite(g, lock, me);
        g.setU32(go, 1);
        yield* condSignal(g, cv, 1);
        yield* unlockWrite(g, lock, me);
        yield g.sys('thread_yield');
        yield* joinThread(g, waiter);
        yield* joinThread(g, grabber);
        yield g.sys('proc_exit', g.u32(seen) === 1 ? 0 : 70 + g.u32(seen));
      },
      {
        scheduler: { sliceInstructions: 100_000 },
        trace: (e) => {
          if (e.type === 'syscall') events.push(e);
        },
      },
    );
    expect(status).toEqual({ exitCode: 0 });
    // The waiter's poll completed (traced on completion) with one event, the lock taken freely.
    const polls = events.filter((e) => e.name === 'poll');
    expect(polls.length).toBeGreaterThan(0);
    for (const p of polls) expect(p).toMatchObject({ errno: 0, results: { nevents: 1 } });
    expect(events.filter((e) => e.name === 'lock_unlock')).toEqual([]);
  });

  it('the last thread_exit ends the process with 0; join sees the unlock', async () => {
    const status = await run(function* (g) {
      const [, join] = yield* spawnThread(g, function* (tg) {
        yield tg.spin(100);
      });
      const e = yield* joinThread(g, join);
      yield g.sys('thread_exit', g.alloc(4), 4);
      void e;
    });
    expect(status).toEqual({ exitCode: 0 });
  });

  it('the deterministic scheduler reproduces the same interleaving', async () => {
    const trace = async () => {
      const order: number[] = [];
      await run(
        function* (g) {
          const joins: number[] = [];
          for (let i = 0; i < 4; i++) {
            const [, j] = yield* spawnThread(g, function* (tg, self): Gen {
              for (let k = 0; k < 5; k++) {
                order.push(self);
                yield tg.spin(17 * (self % 3) + 5);
              }
            });
            joins.push(j);
          }
          for (const j of joins) yield* joinThread(g, j);
          yield g.sys('proc_exit', 0);
        },
        { deterministic: 7, scheduler: { sliceInstructions: 13, randomSlices: true } },
      );
      return order.join(',');
    };
    expect(await trace()).toBe(await trace());
  });

  it('a thread alone on the CPU gets 16 slices at once, cut back when it makes another runnable', async () => {
    // The budget of each run() shows the slice lengths: 16·100 while the main thread is alone;
    // once its thread_create has made a second thread runnable, that slice ends after 100
    // instructions in all, and then both threads get slices of 100.
    const program = new ScriptProgram();
    // Which CPU (0: the main thread's, 1: the second thread's) was given which budget.
    const budgets: { cpu: number; budget: number }[] = [];
    const make = program.cpus();
    let cpus = 0;
    const kernel = createKernel({
      deterministic: true,
      scheduler: { sliceInstructions: 100 },
      loader: program.loader(),
      cpu: (memory) => {
        const cpu = make(memory);
        const run = cpu.run.bind(cpu);
        const id = cpus++;
        cpu.run = (budget) => {
          budgets.push({ cpu: id, budget });
          return run(budget);
        };
        return cpu;
      },
    });
    const image = program.image('main', function* (g) {
      yield g.spin(50);
      const [, join] = yield* spawnThread(g, function* (tg) {
        yield tg.spin(250);
      });
      yield g.spin(3000);
      yield* joinThread(g, join);
      yield g.sys('proc_exit', 0);
    });
    const proc = await kernel.spawn(image);
    expect(await proc.wait()).toEqual({ exitCode: 0 });
    expect(budgets[0]).toEqual({ cpu: 0, budget: 1600 });
    const first = budgets.findIndex((b) => b.cpu !== 0);
    expect(first).toBeGreaterThan(1);
    // The main thread's last run before the switch had what was left of 100, not of 1600.
    expect(budgets[first - 1]!.cpu).toBe(0);
    expect(budgets[first - 1]!.budget).toBeLessThan(50);
    expect(budgets[first]!.budget).toBe(100);
    expect(budgets[first + 1]).toEqual({ cpu: 0, budget: 100 });
  });
});
