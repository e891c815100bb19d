/**
 * The syscall fuzzer: random syscall numbers and arguments straight into the dispatcher, with
 * both numberings, pointers into mapped memory filled with random bytes, and special values.
 * Any exception reaching the host, or a handler throwing (which the kernel reports as a
 * "kernel error" exit), is a failure.
 */
import { Reg } from '@cabi/x86-core';
import {
  bufferSink,
  createKernel,
  type ExitStatus,
  FdTable,
  type Kernel,
  memoryFd,
  SeededRandom,
  Signal,
} from '../src/index.js';
import { type Process, Thread, type ThreadState } from '../src/process.js';
import { SYSCALL_TABLE } from '../src/syscall-table.js';
import { ScriptProgram } from '../src/testing.js';

/** Fuzzing statistics. */
export interface FuzzReport {
  calls: number;
  errnos: Map<number, number>;
  kernelErrors: string[];
  processes: number;
}

const SPECIAL = [0, 1, 2, 3, 4, 8, 16, 0x40, 0xff, 0x1000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];
const EXITING = new Set(['proc_exit', 'thread_exit', 'proc_raise', 'proc_exec']);

export function fuzz(calls: number, seed: number): Promise<FuzzReport> {
  const rng = new SeededRandom(seed);
  const program = new ScriptProgram();
  const image = program.image('fuzz', function* (g) {
    for (;;) yield g.spin(1000);
  });
  const report: FuzzReport = { calls: 0, errnos: new Map(), kernelErrors: [], processes: 0 };
  const kernel: Kernel = createKernel({
    deterministic: seed,
    cpu: program.cpus(),
    loader: program.loader(),
    limits: { maxMemory: 32 * 1024 * 1024, maxProcesses: 4, maxThreads: 1_000_000, maxFds: 64 },
  });
  const watch = (p: Process) => {
    void p.exited.then((s: ExitStatus) => {
      if ('reason' in s && s.reason?.startsWith('kernel error')) report.kernelErrors.push(s.reason);
    });
  };
  const fresh = (): Thread => {
    const fds = new FdTable(64);
    fds.insert(memoryFd('some file contents', { writable: true }));
    fds.insert(bufferSink(1 << 16));
    const p = kernel.createProcess(image, new Uint8Array(0), fds);
    if (typeof p === 'number') throw new Error(`cannot create fuzz process: ${p}`);
    report.processes++;
    watch(p);
    return [...p.threads.values()][0]!;
  };
  let thread = fresh();
  const heap = 0x10_0000;
  const value = (): bigint => {
    switch (rng.below(8)) {
      case 0:
        return BigInt(SPECIAL[rng.below(SPECIAL.length)]!);
      case 1:
      case 2:
        return BigInt(heap + rng.below(0x10_0000));
      case 3:
        return BigInt(rng.below(64));
      case 4:
        return (BigInt(rng.next()) << 32n) | BigInt(rng.next());
      case 5:
        return BigInt(rng.next());
      case 6:
        return BigInt(heap + rng.below(64) * 8);
      default:
        return BigInt(rng.below(0x10000));
    }
  };
  const safe = SYSCALL_TABLE.filter((s) => !EXITING.has(s.name));
  for (let i = 0; i < calls; i++) {
    if (thread.process.termination || thread.state === 'exited') thread = fresh();
    const cpu = thread.cpu;
    const mem = thread.process.memory;
    if (i % 512 === 0) {
      // Random bytes in the first part of the heap: random iovecs, subscriptions, attributes.
      const bytes = new Uint8Array(4096);
      rng.fill(bytes);
      if (mem.isMapped(heap, 4096)) mem.u8.set(bytes, heap);
    }
    let legacy = rng.below(4) === 0;
    let number: number;
    const pick = rng.below(100);
    if (pick < 3) {
      number = rng.next();
    } else {
      const s =
        i % 49999 === 49998
          ? SYSCALL_TABLE.filter((x) => EXITING.has(x.name))[rng.below(EXITING.size)]!
          : safe[rng.below(safe.length)]!;
      if (legacy && s.legacyNumber < 0) legacy = false;
      if (!legacy && s.number < 0) legacy = true;
      number = legacy ? s.legacyNumber : s.number;
    }
    cpu.setReg(Reg.RAX, BigInt(number));
    for (const r of [Reg.RDI, Reg.RSI, Reg.RDX, Reg.R10, Reg.R8, Reg.R9]) cpu.setReg(r, value());
    cpu.rip = legacy ? 0x24_0002 : 0x23_0012;
    thread.state = 'running';
    kernel.dispatch(thread);
    if (thread.state === 'running') thread.state = 'runnable';
    if ((thread.state as ThreadState) === 'blocked') {
      // A parked call (a wait that may never end): continue with a new thread of the process.
      const proc = thread.process;
      thread = new Thread(kernel.allocateTid(), proc, kernel.cpuFactory(proc.memory));
      proc.threads.set(thread.tid, thread);
    }
    const errno = cpu.getRflags() & 1 ? Number(cpu.getReg(Reg.RAX)) : 0;
    report.errnos.set(errno, (report.errnos.get(errno) ?? 0) + 1);
    report.calls++;
  }
  kernel.killProcess(thread.process, Signal.SIGKILL);
  return new Promise((resolve) => setImmediate(() => resolve(report)));
}
