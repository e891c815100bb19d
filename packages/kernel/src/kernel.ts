/**
 * The kernel: processes, the green-thread scheduler and syscall dispatch.
 *
 * All threads of all processes run on the one JavaScript thread, in slices of a fixed number of
 * instructions (optionally of seeded random length). A `syscall` stops the CPU; the dispatcher
 * decodes the arguments from registers with the syscall table, runs the handler and writes the
 * result back (CF clear and rax/rdx = results, or CF set and rax = errno: digest §1.1). A handler
 * that returns a Promise parks its thread; other threads run meanwhile, and the thread becomes
 * runnable again when the Promise settles. Between slices the loop lets pending Promise
 * continuations run, and every few slices it yields to the host event loop (setImmediate), so
 * host I/O and timers make progress.
 */
import { Oflags } from '@cabi/abi-types';
import { INITIAL_RFLAGS, loadProcess } from '@cabi/elf-loader';
import {
  Cpu,
  type CpuFault,
  GuestMemory,
  JitCpu,
  PAGE_SIZE,
  Reg,
  type RunResult,
  type X86Cpu,
} from '@cabi/x86-core';
import { Errno, errnoName, RIGHTS_ALL_LEGACY, Signal, type SignalName, signalName } from './abi.js';
import { type Clock, hostClock, TimerQueue, VirtualClock } from './clock.js';
import { type Err, isErr, isPromise, type MaybePromise } from './errors.js';
import { FdObject } from './fd-object.js';
import { FdTable } from './fd-table.js';
import { FileMaps } from './file-maps.js';
import { FutexEngine } from './futex.js';
import type { MemoryBudget } from './objects/memory-file.js';
import { type ExitStatus, faultDiagnostic, Process, signalNameOf, syncOut, Thread } from './process.js';
import { cryptoRandom, type RandomSource, SeededRandom, seededRandom } from './random.js';
import type { RightsPair } from './rights.js';
import {
  attach,
  classifyFault,
  closeAliasPages,
  detach,
  enterGuest,
  enterKernel,
  openAliasPage,
  sharedChanged,
} from './shared-pages.js';
import { SYSCALL_TABLE, type SyscallInfo, syscallByLegacyNumber, syscallByNumber } from './syscall-table.js';
import { processCpuTime } from './syscalls/clock.js';
import { HANDLERS, type Handler, NO_RETURN, PARKED } from './syscalls/index.js';
import type { HostBackend } from './vfs/backend.js';
import { DirectoryFd } from './vfs/objects.js';

/** Initial registers and layout facts produced by an image loader. */
export interface LoadedImage {
  /** Entry point (rip). */
  entry: number;
  /** Initial stack pointer. */
  rsp: number;
  /** Initial rdi (pointer to the auxiliary vector). */
  rdi: number;
  /** Initial FS base (address of the slot holding the TCB pointer). */
  fsBase: number | bigint;
  /** Start of the vDSO image: `syscall` instructions inside [vdsoBase, vdsoEnd) use the final numbering. */
  vdsoBase: number;
  /** End of the vDSO image. */
  vdsoEnd: number;
}

/** What an image loader gets besides memory and executable. */
export interface ImageLoadOptions {
  /** Encoded argdata for the program. */
  argdata: Uint8Array;
  /** Fills a buffer with random bytes (canary, pid). */
  random: (buf: Uint8Array) => void;
  /** The main thread's tid. */
  tid: number;
  /** Number of CPUs to report. */
  ncpus: number;
  /** Main thread stack size in bytes. */
  stackSize: number;
}

/** Loads an executable into a fresh address space; throws for an invalid executable. */
export type ImageLoader = (
  memory: GuestMemory,
  executable: Uint8Array,
  options: ImageLoadOptions,
) => LoadedImage;

/** Creates the CPU of a new thread over a process's memory. */
export type CpuFactory = (memory: GuestMemory) => X86Cpu;

/** Resource limits; each has a default. */
export interface Limits {
  /** Open fds per process (EMFILE beyond). Default 1024. */
  maxFds: number;
  /** Threads per process (EAGAIN from thread_create beyond). Default 256. */
  maxThreads: number;
  /** Processes alive at once in the kernel (EAGAIN from proc_fork beyond). Default 64. */
  maxProcesses: number;
  /**
   * Mapped guest memory per process in bytes (ENOMEM beyond), and separately the bytes all
   * guest-created shared memory objects may hold together (ENOSPC/ENOMEM beyond). Default 1 GiB.
   */
  maxMemory: number;
  /** Instructions a process may execute before it is killed with SIGXCPU. Default: unlimited. */
  instructionBudget: number;
  /** Wall-clock milliseconds a spawned process may run before it is killed. Default: unlimited. */
  deadlineMs: number;
  /** Main thread stack size. Default 8 MiB. */
  stackSize: number;
}

/** Default {@link Limits}. */
export const DEFAULT_LIMITS: Readonly<Limits> = {
  maxFds: 1024,
  maxThreads: 256,
  maxProcesses: 64,
  maxMemory: 1024 * 1024 * 1024,
  instructionBudget: Number.POSITIVE_INFINITY,
  deadlineMs: Number.POSITIVE_INFINITY,
  stackSize: 8 * 1024 * 1024,
};

/** A syscall as the tracer sees it. */
export interface SyscallTraceEvent {
  type: 'syscall';
  pid: number;
  tid: number;
  /** Syscall name (`fd_write`), or `unknown` for an unassigned number. */
  name: string;
  /** The number as issued. */
  number: number;
  /** Whether it came in through the legacy numbering (a raw `syscall` outside the vDSO). */
  legacy: boolean;
  /** Decoded arguments by parameter name. */
  args: Record<string, number | bigint>;
  /** CloudABI errno (0 on success). */
  errno: number;
  /** The errno's name. */
  errnoName: string;
  /** Results on success, by result name. */
  results: Record<string, number | bigint>;
  /** Host milliseconds from entry to completion (includes time parked). */
  durationMs: number;
  /**
   * The calling process's address space when the call completed, so a tracer can show the paths
   * and buffers the arguments point at. Read it during the callback only, and never write to it.
   */
  memory: GuestMemory;
}

/** A process lifecycle event for the tracer. */
export interface ProcessTraceEvent {
  type: 'exit';
  pid: number;
  status: ExitStatus;
}

/** Events delivered to a {@link Tracer}. */
export type TraceEvent = SyscallTraceEvent | ProcessTraceEvent;

/** Receives trace events; must not throw (exceptions are ignored). */
export type Tracer = (event: TraceEvent) => void;

/** Scheduler tuning. */
export interface SchedulerOptions {
  /**
   * Instructions per slice (default 20000): how long a thread runs before the next runnable thread
   * gets its turn. A thread that starts a slice with no other thread runnable may run 16 times
   * as long (timers and host events are still looked at between slices), cut back to this length
   * as soon as one of its system calls makes another thread runnable. Not with `randomSlices`.
   */
  sliceInstructions?: number;
  /** Randomize slice lengths in [1, 2·sliceInstructions] from the seed (default false). */
  randomSlices?: boolean;
}

/**
 * The host a kernel serves files from: a file-system backend (see the host-backends guide) and
 * the way to open one of its directories by the host's own name for it. The kernel never grants
 * anything from it by itself; {@link Kernel.directory} turns a directory into a capability the
 * embedder hands to {@link Kernel.spawn} (or places in argdata), so a guest reaches exactly the
 * directories it was given. `@cabi/kernel/memory` makes one with `memoryKernelHost()`,
 * `@cabi/kernel/node` with `nodeKernelHost()`.
 */
export interface KernelHost<D = unknown> {
  /** The backend serving every operation beneath the directories opened through this host. */
  readonly backend: HostBackend<D>;
  /**
   * Opens the directory `path` names, in the host's own terms (a host path for the Node file
   * system, a path from the root for an in-memory tree), as a fresh handle of `backend`;
   * an errno when it cannot.
   */
  openRoot(path: string): MaybePromise<D | Err>;
}

/** Thrown by {@link Kernel.directory} when the kernel's host cannot provide the directory. */
export class HostError extends Error {
  override readonly name = 'HostError';
}

/** Options of {@link createKernel}. */
export interface KernelOptions {
  /**
   * Where files come from: the host backend {@link Kernel.directory} opens directory
   * capabilities in. Without it, files reach guests only as fd objects the embedder makes itself.
   */
  host?: KernelHost;
  /**
   * CPU implementation for new threads (default: x86-core's JitCpu, or its interpreter with
   * `jit: false`; either's rdtsc reads the kernel's monotonic clock so that deterministic runs
   * stay reproducible).
   */
  cpu?: CpuFactory;
  /**
   * Whether guest threads run on x86-core's WebAssembly tier (`JitCpu`, the default): hot code is
   * translated, everything else is interpreted, with identical results. `true` (or leaving it
   * out) uses the tier's default hotness threshold; an object sets it (executions of a block
   * before it is translated; 0 translates on first arrival); `false` runs the plain interpreter
   * only. Ignored when {@link cpu} is given.
   */
  jit?: boolean | { threshold?: number };
  /** Loader for executables given to spawn and proc_exec (default: `@cabi/elf-loader`'s loadProcess). */
  loader?: ImageLoader;
  /** Limits (merged over {@link DEFAULT_LIMITS}). */
  limits?: Partial<Limits>;
  /**
   * Deterministic mode: virtual clock, seeded randomness and seeded scheduling, so that a run
   * with the same inputs is reproducible. A number is the seed.
   */
  deterministic?: boolean | number;
  /** Clock source (default: host clock, or the virtual clock in deterministic mode). */
  clock?: Clock;
  /** Randomness for random_get (default: crypto, or seeded in deterministic mode). */
  random?: RandomSource;
  /** Scheduler tuning. */
  scheduler?: SchedulerOptions;
  /** CPUs reported to guests (AT_NCPUS). Default 1. */
  ncpus?: number;
}

/** An fd given to a spawned process: an object, optionally with rights narrower than its type's. */
export type FdSpec = FdObject | { object: FdObject; rights?: Partial<RightsPair> };

/** Options of {@link Kernel.spawn}. */
export interface SpawnOptions {
  /** Encoded argdata (see `@cabi/argdata`); default: none. */
  argdata?: Uint8Array;
  /** fds of the new process: entry i becomes fd i. */
  fds?: readonly FdSpec[];
  /** Receives trace events of this process and its descendants. */
  trace?: Tracer;
  /** Ends the process (SIGKILL) when aborted. */
  signal?: AbortSignal;
}

/** A process as seen by the embedder. */
export interface GuestProcess {
  /** Kernel-assigned process number (not visible to the guest). */
  readonly pid: number;
  /** Settles with the exit status when the process has ended. */
  wait(): Promise<ExitStatus>;
  /** Ends the process as if by `signal` (default SIGKILL). */
  kill(signal?: SignalName): void;
  /**
   * Instructions retired so far by all of the process's threads, exited ones and images
   * replaced by proc_exec included (each iteration of a REP instruction counts as one). It
   * stays fixed once the process has ended.
   */
  readonly instructions: number;
  /**
   * CPU time the process has used so far, in nanoseconds, as the guest's
   * CLOCK_PROCESS_CPUTIME_ID reads it: with the host clock, the host time spent running its
   * threads' slices (syscalls served during a slice included, time parked in a syscall or
   * waiting for the scheduler excluded); with the virtual clock of deterministic mode, one
   * nanosecond per retired instruction. Never decreases.
   */
  readonly cpuTimeNs: bigint;
}

/** Thrown by spawn for an executable the loader rejects. */
export class SpawnError extends Error {
  override readonly name = 'SpawnError';
}

// Deterministic mode yields after a fixed number of slices (a time-based yield would let Promise
// chains settle at timing-dependent points); host mode also yields every few milliseconds.
const YIELD_EVERY_SLICES = 16;
const YIELD_EVERY_MS = 8;
/**
 * How many times longer a slice may be when no other thread waits for the CPU. Every slice end
 * costs the scheduler's bookkeeping and, on the JIT tier, usually a stretch of interpreted code
 * (the budget ends inside a translated block); with 16 times fewer ends the compute kernels of
 * the bench ran 10-40% faster. At the interpreter's speed a long slice is still a few ms.
 */
const LONE_SLICE_FACTOR = 16;
const CF = 1;

/**
 * Syscalls that never store into guest memory (results travel in registers): after them the
 * copies of pages mapped twice are still equal, and need no comparison (see shared-pages.ts).
 */
const QUIET_SYSCALLS: ReadonlySet<string> = new Set([
  'clock_res_get',
  'clock_time_get',
  'fd_close',
  'fd_datasync',
  'fd_dup',
  'fd_replace',
  'fd_seek',
  'fd_stat_put',
  'fd_sync',
  'fd_write',
  'fd_pwrite',
  'mem_advise',
  'proc_raise',
  'sock_send',
  'sock_shutdown',
  'thread_yield',
]);

/** The same set by table entry (one identity lookup per syscall instead of a string hash). */
const QUIET: ReadonlySet<SyscallInfo> = new Set(
  SYSCALL_TABLE.filter((info) => QUIET_SYSCALLS.has(info.name)),
);

/** Each syscall's handler by table entry; entries without one answer ENOSYS. */
const HANDLER_OF: ReadonlyMap<SyscallInfo, Handler> = new Map(
  SYSCALL_TABLE.flatMap((info) => {
    const handler = HANDLERS[info.name];
    return handler ? [[info, handler] as const] : [];
  }),
);

/** A CloudABI kernel: create processes with {@link Kernel.spawn}. */
export class Kernel {
  readonly limits: Limits;
  readonly clock: Clock;
  readonly timers: TimerQueue;
  readonly futex = new FutexEngine();
  readonly random: RandomSource;
  readonly ncpus: number;
  readonly deterministic: boolean;
  readonly processes = new Map<number, Process>();
  readonly cpuFactory: CpuFactory;
  readonly loader: ImageLoader;
  /** Host bytes guest-created memory objects (shared memory) may allocate together. */
  readonly objectMemory: MemoryBudget;
  /** Tracers per process. */
  readonly tracers = new Map<number, Tracer>();
  /**
   * Page caches of files mapped with MAP_SHARED.
   * @internal
   */
  readonly fileMaps = new FileMaps();
  /** The host files come from ({@link KernelOptions.host}), or null. */
  readonly host: KernelHost | null;

  private readonly runQueue: Thread[] = [];
  /** The clock when it is the virtual clock of deterministic mode (it advances with instructions). */
  private readonly virtualClock: VirtualClock | null;
  private readonly sliceLength: number;
  private readonly sliceRandom: SeededRandom | null;
  private nextPid = 1;
  private nextTid = 1;
  private looping = false;
  private idleWake: (() => void) | null = null;
  private current: Process | null = null;

  constructor(options: KernelOptions = {}) {
    this.host = options.host ?? null;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.objectMemory = { used: 0, limit: this.limits.maxMemory };
    const seed =
      typeof options.deterministic === 'number' ? options.deterministic : options.deterministic ? 1 : null;
    this.deterministic = seed !== null;
    this.clock = options.clock ?? (seed !== null ? new VirtualClock() : hostClock());
    this.virtualClock = this.clock instanceof VirtualClock ? this.clock : null;
    this.timers = new TimerQueue(this.clock);
    this.timers.onFire = () => this.wakeLoop();
    this.random = options.random ?? (seed !== null ? seededRandom(seed) : cryptoRandom());
    this.ncpus = options.ncpus ?? 1;
    const tsc = () => Number(this.clock.monotonic() & 0xf_ffff_ffff_ffffn);
    const jit = options.jit;
    const threshold = typeof jit === 'object' ? jit.threshold : undefined;
    this.cpuFactory =
      options.cpu ??
      (jit !== false
        ? (memory) => new JitCpu(memory, threshold !== undefined ? { tsc, threshold } : { tsc })
        : (memory) => new Cpu(memory, { tsc }));
    this.loader = options.loader ?? elfLoader;
    this.sliceLength = Math.max(1, Math.floor(options.scheduler?.sliceInstructions ?? 20000));
    this.sliceRandom = options.scheduler?.randomSlices
      ? new SeededRandom((seed ?? Date.now()) ^ 0x5eed)
      : null;
  }

  /**
   * A directory capability for `path` in the kernel's {@link KernelHost} (default: its root as
   * the host defines it), with directory rights and files beneath it reachable through the
   * kernel's path sandbox. Rejects with {@link HostError} when the kernel has no host or the
   * directory cannot be opened (the message names the path and the errno).
   */
  async directory(path = '.'): Promise<FdObject> {
    const host = this.host;
    if (!host) throw new HostError('this kernel has no host: pass createKernel({ host })');
    let handle: unknown;
    try {
      handle = await host.openRoot(path);
    } catch (error) {
      throw new HostError(`${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (isErr(handle)) throw new HostError(`${path}: ${errnoName(handle.errno)}`);
    return new DirectoryFd(host.backend, handle);
  }

  /** Allocates a thread id (below 2^30: lock words keep tids in 30 bits). */
  allocateTid(): number {
    const tid = this.nextTid++;
    if (this.nextTid >= 0x3fffffff) this.nextTid = 1;
    return tid;
  }

  /** Allocates a process id. */
  nextPidValue(): number {
    return this.nextPid++;
  }

  /** Registers a process created by fork; it inherits the parent's tracer. */
  adoptProcess(child: Process, parent: Process): void {
    child.killer = (sig, reason) => this.killProcess(child, sig, reason);
    this.processes.set(child.pid, child);
    const tracer = this.tracers.get(parent.pid);
    if (tracer) this.tracers.set(child.pid, tracer);
  }

  /**
   * proc_exec's second half: loads `image` into a fresh address space and makes `thread` the
   * only thread of its process, running the new image with `argdata` and fd table `fds`.
   * Returns an errno (and changes nothing) when the image cannot be loaded.
   */
  execProcess(thread: Thread, image: Uint8Array, argdata: Uint8Array, fds: FdTable): number {
    const proc = thread.process;
    if (proc.termination || thread.state === 'exited') return Errno.SUCCESS;
    const memory = new GuestMemory({ maxBytes: 0xffff0000 });
    let loaded: LoadedImage;
    try {
      loaded = this.loader(memory, image, {
        argdata,
        random: (buf) => this.random(buf),
        tid: thread.tid,
        ncpus: this.ncpus,
        stackSize: this.limits.stackSize,
      });
    } catch {
      return Errno.ENOEXEC;
    }
    if (memory.mappedBytes > this.limits.maxMemory) return Errno.ENOMEM;
    const others = [...proc.threads.values()].filter((other) => other !== thread);
    this.futex.cancelWaiters(new Set(others.map((other) => other.tid)));
    for (const other of others) {
      other.state = 'exited';
      other.cpu.requestStop();
      other.cancelWait?.();
      proc.exitedInstructions += other.instructions;
      proc.threads.delete(other.tid);
    }
    const old = proc.fds;
    proc.fds = fds;
    old.closeAll();
    const written = this.fileMaps.writeBackFor(proc, null, this.current === proc);
    if (written instanceof Promise) written.catch(() => {});
    proc.memory = memory;
    proc.sharedRegions = [];
    sharedChanged(proc);
    this.fileMaps.collect(this);
    proc.vdsoBase = loaded.vdsoBase;
    proc.vdsoEnd = loaded.vdsoEnd;
    const cpu = this.cpuFactory(memory);
    Kernel.initRegisters(cpu, loaded);
    proc.exitedInstructions += thread.instructions;
    thread.instructions = 0;
    thread.cpu = cpu;
    if (this.current === proc) this.current = null;
    return Errno.SUCCESS;
  }

  /** Random bytes from the kernel's source. */
  randomBytes(len: number): Uint8Array {
    const buf = new Uint8Array(len);
    this.random(buf);
    return buf;
  }

  /** Number of live (not terminated) processes. */
  get liveProcesses(): number {
    return this.processes.size;
  }

  /**
   * Starts a process from an executable image. Resolves once the process is set up (it starts
   * running on the scheduler); rejects with {@link SpawnError} when the executable is invalid.
   */
  async spawn(executable: Uint8Array, options: SpawnOptions = {}): Promise<GuestProcess> {
    if (this.processes.size >= this.limits.maxProcesses) throw new SpawnError('process limit reached');
    const fds = new FdTable(this.limits.maxFds);
    (options.fds ?? []).forEach((spec, i) => {
      const object = spec instanceof FdObject ? spec : spec.object;
      const rights = spec instanceof FdObject ? undefined : spec.rights;
      const fd = fds.insert(
        object,
        rights
          ? { base: rights.base ?? RIGHTS_ALL_LEGACY, inheriting: rights.inheriting ?? RIGHTS_ALL_LEGACY }
          : undefined,
      );
      if (fd !== i) throw new SpawnError(`cannot place fd ${i}: ${String(fd)}`);
    });
    const proc = this.createProcess(executable, options.argdata ?? new Uint8Array(0), fds);
    if (typeof proc === 'number') {
      fds.closeAll();
      throw new SpawnError(`cannot load executable: ${errnoName(proc)}`);
    }
    if (options.trace) this.tracers.set(proc.pid, options.trace);
    if (options.signal) {
      const signal = options.signal;
      const onAbort = () => this.killProcess(proc, Signal.SIGKILL, 'aborted by the embedder');
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        void proc.exited.then(() => signal.removeEventListener('abort', onAbort));
      }
    }
    if (Number.isFinite(this.limits.deadlineMs)) {
      const timer = setTimeout(
        () =>
          this.killProcess(
            proc,
            Signal.SIGKILL,
            `wall-clock deadline of ${this.limits.deadlineMs} ms exceeded`,
          ),
        this.limits.deadlineMs,
      );
      void proc.exited.then(() => clearTimeout(timer));
    }
    this.startLoop();
    const kernel = this;
    return {
      pid: proc.pid,
      wait: () => proc.exited,
      kill: (sig: SignalName = 'SIGKILL') => this.killProcess(proc, Signal[sig]),
      get instructions() {
        return proc.instructions;
      },
      get cpuTimeNs() {
        return processCpuTime(kernel, proc);
      },
    };
  }

  /** Loads an image into a new process with one runnable thread; errno on failure. */
  createProcess(
    executable: Uint8Array,
    argdata: Uint8Array,
    fds: FdTable,
    parentTracer?: Tracer,
  ): Process | number {
    const memory = new GuestMemory({ maxBytes: 0xffff0000 });
    const tid = this.allocateTid();
    let image: LoadedImage;
    try {
      image = this.loader(memory, executable, {
        argdata,
        random: (buf) => this.random(buf),
        tid,
        ncpus: this.ncpus,
        stackSize: this.limits.stackSize,
      });
    } catch {
      return Errno.ENOEXEC;
    }
    if (memory.mappedBytes > this.limits.maxMemory) return Errno.ENOMEM;
    const proc = new Process(this.nextPid++, memory, fds, image.vdsoBase, image.vdsoEnd);
    proc.killer = (sig, reason) => this.killProcess(proc, sig, reason);
    const cpu = this.cpuFactory(memory);
    Kernel.initRegisters(cpu, image);
    const thread = new Thread(tid, proc, cpu);
    proc.threads.set(tid, thread);
    this.processes.set(proc.pid, proc);
    if (parentTracer) this.tracers.set(proc.pid, parentTracer);
    this.makeRunnable(thread);
    return proc;
  }

  /** Sets a fresh CPU's registers for an image entry (digest §3.2). */
  static initRegisters(cpu: X86Cpu, image: LoadedImage): void {
    for (let r = 0; r < 16; r++) cpu.setRegNumber(r as Reg, 0);
    cpu.setRflags(INITIAL_RFLAGS);
    cpu.rip = image.entry;
    cpu.setRegNumber(Reg.RSP, image.rsp);
    cpu.setRegNumber(Reg.RDI, image.rdi);
    cpu.fsBase = BigInt(image.fsBase);
    cpu.gsBase = 0n;
  }

  // ---- scheduling ---------------------------------------------------------------------------

  /** Puts a thread on the run queue. */
  makeRunnable(thread: Thread): void {
    if (thread.state === 'exited' || thread.process.termination) return;
    if (thread.process.stopped) {
      thread.state = 'stopped';
      return;
    }
    thread.state = 'runnable';
    this.runQueue.push(thread);
    this.wakeLoop();
  }

  private wakeLoop(): void {
    const wake = this.idleWake;
    if (wake) {
      this.idleWake = null;
      wake();
    }
  }

  private startLoop(): void {
    if (this.looping) return;
    this.looping = true;
    void this.loop();
  }

  private async loop(): Promise<void> {
    let slices = 0;
    let lastYield = performance.now();
    try {
      for (;;) {
        const thread = this.runQueue.shift();
        if (!thread) {
          // Let settled Promises of parked threads requeue them before deciding we are idle.
          await macrotask();
          if (this.runQueue.length > 0) continue;
          if (this.processes.size === 0) break;
          if (this.timers.advanceToNext()) continue;
          await new Promise<void>((resolve) => {
            this.idleWake = resolve;
          });
          continue;
        }
        if (thread.state !== 'runnable') continue;
        this.runSlice(thread);
        this.timers.poll();
        slices++;
        if (
          slices % YIELD_EVERY_SLICES === 0 ||
          (!this.deterministic && performance.now() - lastYield > YIELD_EVERY_MS)
        ) {
          await macrotask();
          lastYield = performance.now();
        } else {
          await null;
        }
      }
    } catch (error) {
      // Unreachable by design (handlers and the CPU are guarded); should it happen, every
      // process ends with the reason instead of an unhandled rejection taking the host down.
      for (const proc of [...this.processes.values()]) {
        this.killProcess(proc, Signal.SIGSYS, `kernel error in the scheduler: ${String(error)}`);
      }
    } finally {
      this.looping = false;
    }
  }

  /** Makes `proc`'s view of shared memory current before one of its threads runs or is served. */
  activate(proc: Process): void {
    const prev = this.current;
    if (prev === proc) return;
    if (prev && !prev.termination) detach(prev, () => this.current);
    attach(proc);
    this.current = proc;
  }

  private runSlice(thread: Thread): void {
    const proc = thread.process;
    this.activate(proc);
    if (thread.resume !== null && !this.finishParked(thread)) return;
    thread.state = 'running';
    let budget = this.sliceRandom ? 1 + this.sliceRandom.below(2 * this.sliceLength) : this.sliceLength;
    // Alone on the CPU: a longer slice, until another thread becomes runnable (see below).
    let lone = this.sliceRandom === null && this.runQueue.length === 0;
    if (lone) budget *= LONE_SLICE_FACTOR;
    const timed = this.virtualClock === null;
    const limited = this.limits.instructionBudget !== Number.POSITIVE_INFINITY;
    if (timed) thread.sliceStartedAt = performance.now();
    enterGuest(proc);
    try {
      while (budget > 0 && thread.state === 'running') {
        // Summing the threads' counts is only needed under a finite instruction budget.
        const left = limited ? this.limits.instructionBudget - proc.instructions : budget;
        let run = this.execute(thread, Math.max(1, Math.min(budget, left)));
        if (!run) return;
        budget -= run.executed;
        // Faults on shared pages may be the kernel's business (aliases, the end of an object).
        while (run.reason === 'fault') {
          const next = this.resolveFault(thread, run.fault!);
          if (!next) break;
          run = next;
          budget -= run.executed;
        }
        if (limited && proc.instructions >= this.limits.instructionBudget && run.reason !== 'syscall') {
          this.killProcess(
            proc,
            Signal.SIGXCPU,
            `instruction budget of ${this.limits.instructionBudget} exhausted`,
          );
          return;
        }
        if (run.reason === 'syscall') {
          enterKernel(proc);
          const info = this.dispatch(thread);
          // Only calls that may store into guest memory can have left alias copies unequal.
          if (thread.state === 'running') enterGuest(proc, info === undefined || !QUIET.has(info));
          // A call that made another thread runnable ends the long slice at the usual length.
          if (lone && this.runQueue.length > 0) {
            lone = false;
            budget -= (LONE_SLICE_FACTOR - 1) * this.sliceLength;
          }
          if (thread.yielded) {
            thread.yielded = false;
            break;
          }
        } else if (run.reason === 'fault') {
          this.deliverFault(thread, run.fault!);
          return;
        } else if (run.reason === 'stopped') {
          break;
        }
      }
    } finally {
      if (!proc.termination) enterKernel(proc);
      if (timed) {
        const ns = (performance.now() - thread.sliceStartedAt) * 1e6;
        thread.sliceStartedAt = -1;
        thread.hostCpuNs += ns;
        // A thread that ended during the slice was already summed into its process.
        if (proc.threads.get(thread.tid) !== thread) proc.exitedHostCpuNs += ns;
      }
    }
    if (thread.state === 'running') {
      thread.state = 'runnable';
      this.runQueue.push(thread);
    }
  }

  /** Runs a thread's CPU for at most `budget` instructions and accounts them; null if it died. */
  private execute(thread: Thread, budget: number): RunResult | null {
    let run: RunResult;
    try {
      run = thread.cpu.run(budget);
    } catch (error) {
      // The CPU contract says run never throws for guest behaviour; if it does, that is an
      // emulator bug, reported as the end of this process rather than of the host.
      this.killProcess(thread.process, Signal.SIGILL, `CPU error: ${String(error)}`);
      return null;
    }
    thread.instructions += run.executed;
    this.virtualClock?.advance(run.executed);
    return run;
  }

  /**
   * Handles a protection fault that belongs to the kernel's shared-memory bookkeeping and
   * returns the run that follows, or null when the fault is the guest's (deliver it). A page
   * beyond the end of its object becomes SIGBUS here; a store to an alias page runs alone with
   * write access to the page (and to further alias pages it faults on: faults are precise, so
   * nothing of the instruction was committed), then the pages are copied to their object and
   * their other copies (see shared-pages.ts).
   */
  private resolveFault(thread: Thread, fault: CpuFault): RunResult | null {
    const proc = thread.process;
    if (fault.kind !== 'protection' || fault.address === undefined) return null;
    const kind = classifyFault(proc, fault.address, fault.access);
    if (kind === 'deliver') return null;
    if (kind === 'retry') return { reason: 'budget', executed: 0 };
    if (kind === 'bus') {
      const diagnostic = faultDiagnostic(fault, thread.cpu);
      const message = `${fault.access ?? 'access'} beyond the end of a shared object at 0x${fault.address.toString(16)}`;
      this.killProcess(proc, Signal.SIGBUS, message, { ...diagnostic, kind: 'object-end', message });
      return { reason: 'stopped', executed: 0 };
    }
    const opened: number[] = [];
    let page = Math.floor(fault.address / PAGE_SIZE);
    try {
      for (;;) {
        opened.push(page);
        openAliasPage(proc, page);
        const run = this.execute(thread, 1);
        if (!run) return { reason: 'stopped', executed: 0 };
        const f = run.fault;
        if (run.reason === 'fault' && f && f.kind === 'protection' && f.address !== undefined) {
          const next = Math.floor(f.address / PAGE_SIZE);
          if (!opened.includes(next) && classifyFault(proc, f.address, f.access) === 'alias-write') {
            page = next;
            continue;
          }
        }
        return run;
      }
    } finally {
      if (!proc.termination) closeAliasPages(proc, opened);
    }
  }

  private deliverFault(thread: Thread, fault: CpuFault): void {
    const sig = Signal[fault.signal];
    this.killProcess(thread.process, sig, fault.message, faultDiagnostic(fault, thread.cpu));
  }

  // ---- syscalls -----------------------------------------------------------------------------

  /**
   * Serves the syscall a thread just issued. The numbering depends on where the `syscall`
   * instruction was: inside our vDSO the final numbers, elsewhere the legacy ones (digest §1.2).
   */
  dispatch(thread: Thread): SyscallInfo | undefined {
    const cpu = thread.cpu;
    const proc = thread.process;
    const at = cpu.rip - 2;
    const legacy = !(at >= proc.vdsoBase && at < proc.vdsoEnd);
    const raw = cpu.getRegNumber(Reg.RAX);
    const number = raw <= 0xffffffff ? raw : -1;
    const info = number < 0 ? undefined : legacy ? syscallByLegacyNumber(number) : syscallByNumber(number);
    const tracer = this.tracers.get(proc.pid);
    const t0 = tracer ? performance.now() : 0;
    if (!info) {
      this.complete(thread, Errno.ENOSYS, undefined);
      if (tracer) this.emit(tracer, thread, undefined, number, legacy, [], Errno.ENOSYS, t0);
      return undefined;
    }
    const args = decodeArgs(cpu, info, thread.args);
    const handler = HANDLER_OF.get(info);
    let result: number | Promise<number>;
    if (!handler) {
      result = Errno.ENOSYS;
    } else {
      thread.ret0 = 0;
      thread.ret1 = 0;
      // A call that does not return is traced on entry, before the exit it causes.
      if (tracer && info.noreturn) this.emit(tracer, thread, info, number, legacy, args, Errno.SUCCESS, t0);
      try {
        // While a file is mapped shared, syscalls on its fds keep the mapping and the file in step.
        if (this.fileMaps.size === 0) result = handler(this, thread, args);
        else if (info.params[0]?.type === 'fd')
          result = this.fileMaps.around(proc, info.name, args[0] as number, () =>
            handler(this, thread, args),
          );
        else if (info.name === 'file_open' && ((args[3] as number) & Oflags.TRUNC) !== 0)
          result = this.fileMaps.aroundTruncatingOpen(proc, () => handler(this, thread, args));
        else result = handler(this, thread, args);
      } catch (error) {
        // Handlers answer guest input with errno values; an exception here is a kernel bug, so
        // the process ends with a clear reason instead of the host crashing.
        this.killProcess(proc, Signal.SIGSYS, `kernel error in ${info.name}: ${String(error)}`);
        return info;
      }
    }
    if (result === PARKED) {
      thread.state = 'blocked';
      thread.parked = {
        info,
        trace: tracer ? { tracer, number, legacy, args: [...args], t0 } : null,
      };
      return info;
    }
    if (isPromise(result)) {
      thread.state = 'blocked';
      const traced = tracer ? [...args] : [];
      result.then(
        (errno) => {
          thread.cancelWait = null;
          if (thread.state !== 'blocked') return;
          this.activate(proc);
          this.complete(thread, errno, info);
          if (tracer) this.emit(tracer, thread, info, number, legacy, traced, errno, t0);
          if (thread.state === 'blocked') this.makeRunnable(thread);
        },
        (error: unknown) => {
          if (thread.state !== 'blocked') return;
          this.killProcess(proc, Signal.SIGSYS, `kernel error in ${info.name}: ${String(error)}`);
        },
      );
      return info;
    }
    this.complete(thread, result, info);
    if (tracer && !info.noreturn) this.emit(tracer, thread, info, number, legacy, args, result, t0);
    return info;
  }

  /**
   * Wakes a thread parked by a handler that returned PARKED (see syscalls/common.ts): `resume`
   * finishes its syscall in the thread's context when the scheduler next picks it.
   */
  unpark(thread: Thread, resume: () => number): void {
    if (thread.state !== 'blocked' || thread.parked === null) return;
    thread.cancelWait = null;
    thread.resume = resume;
    this.makeRunnable(thread);
  }

  /**
   * Runs the rest of a woken thread's parked syscall and completes it; false when the thread
   * cannot run now (it parked again, or the call ended it or its process).
   */
  private finishParked(thread: Thread): boolean {
    const resume = thread.resume!;
    const parked = thread.parked!;
    thread.resume = null;
    let errno: number;
    try {
      errno = resume();
    } catch (error) {
      this.killProcess(
        thread.process,
        Signal.SIGSYS,
        `kernel error in ${parked.info.name}: ${String(error)}`,
      );
      return false;
    }
    if (errno === PARKED) {
      thread.state = 'blocked';
      return false;
    }
    thread.parked = null;
    this.complete(thread, errno, parked.info);
    const trace = parked.trace;
    if (trace) {
      this.emit(trace.tracer, thread, parked.info, trace.number, trace.legacy, trace.args, errno, trace.t0);
    }
    return thread.state === 'runnable';
  }

  private complete(thread: Thread, errno: number, info: SyscallInfo | undefined): void {
    if (errno === NO_RETURN || thread.state === 'exited') return;
    const cpu = thread.cpu;
    const flags = cpu.getRflags();
    if (errno !== Errno.SUCCESS) {
      cpu.setRegNumber(Reg.RAX, errno);
      cpu.setRflags(flags | CF);
      return;
    }
    cpu.setRflags(flags & ~CF);
    // Syscalls without results still return rax = 0: legacy wrappers return rax as the errno.
    setReg(cpu, Reg.RAX, info && info.results.length > 0 ? thread.ret0 : 0);
    if (info && info.results.length > 1) setReg(cpu, Reg.RDX, thread.ret1);
  }

  private emit(
    tracer: Tracer,
    thread: Thread,
    info: SyscallInfo | undefined,
    number: number,
    legacy: boolean,
    args: readonly (number | bigint)[],
    errno: number,
    t0: number,
  ): void {
    const named: Record<string, number | bigint> = {};
    const results: Record<string, number | bigint> = {};
    if (info) {
      info.params.forEach((p, i) => {
        named[p.name] = args[i] ?? 0;
      });
      if (errno === Errno.SUCCESS) {
        if (info.results[0]) results[info.results[0]] = thread.ret0;
        if (info.results[1]) results[info.results[1]] = thread.ret1;
      }
    }
    try {
      tracer({
        type: 'syscall',
        pid: thread.process.pid,
        tid: thread.tid,
        name: info?.name ?? 'unknown',
        number,
        legacy,
        args: named,
        errno: errno === NO_RETURN ? 0 : errno,
        errnoName: errnoName(errno === NO_RETURN ? 0 : errno),
        results,
        durationMs: performance.now() - t0,
        memory: thread.process.memory,
      });
    } catch {
      // Tracers must not disturb the guest.
    }
  }

  // ---- process lifecycle --------------------------------------------------------------------

  /** Ends a thread; the last thread ending ends its process with exit code 0. */
  exitThread(thread: Thread): void {
    const proc = thread.process;
    if (thread.state === 'exited') return;
    thread.state = 'exited';
    thread.cpu.requestStop();
    proc.exitedInstructions += thread.instructions;
    proc.exitedHostCpuNs += thread.hostCpuNs;
    proc.threads.delete(thread.tid);
    if (proc.threads.size === 0) this.exitProcess(proc, 0);
  }

  /**
   * proc_exit: ends every thread of the process with an exit code. The embedder sees the full
   * 32-bit value; a parent polling PROC_TERMINATE sees its low 8 bits, as FreeBSD reports it
   * (the wait status keeps only WEXITSTATUS).
   */
  exitProcess(proc: Process, code: number): void {
    this.terminate(proc, { exitCode: code >>> 0 }, { exitCode: code & 0xff, signal: 0 });
  }

  /**
   * Sends a signal with CloudABI's default action (no handlers exist): SIGCHLD, SIGURG and
   * SIGPIPE are ignored, SIGCONT continues a stopped process, SIGSTOP/SIGTSTP/SIGTTIN/SIGTTOU
   * stop it, every other signal terminates it (spec: type `signal`).
   */
  killProcess(proc: Process, sig: number, reason?: string, fault?: ReturnType<typeof faultDiagnostic>): void {
    if (proc.termination) return;
    switch (sig) {
      case Signal.SIGCHLD:
      case Signal.SIGURG:
      case Signal.SIGPIPE:
        return;
      case Signal.SIGCONT:
        if (proc.stopped) {
          proc.stopped = false;
          for (const t of proc.threads.values()) if (t.state === 'stopped') this.makeRunnable(t);
        }
        return;
      case Signal.SIGSTOP:
      case Signal.SIGTSTP:
      case Signal.SIGTTIN:
      case Signal.SIGTTOU:
        proc.stopped = true;
        for (const t of proc.threads.values()) {
          if (t.state === 'runnable' || t.state === 'running') {
            t.state = 'stopped';
            t.cpu.requestStop();
          }
        }
        return;
    }
    const name = signalName(sig) ?? signalNameOf(sig);
    this.terminate(
      proc,
      { signal: name, ...(reason !== undefined ? { reason } : {}), ...(fault ? { fault } : {}) },
      { exitCode: 0, signal: sig },
    );
  }

  private terminate(
    proc: Process,
    status: ExitStatus,
    termination: { exitCode: number; signal: number },
  ): void {
    if (proc.termination) return;
    for (const t of proc.threads.values()) {
      proc.exitedInstructions += t.instructions;
      proc.exitedHostCpuNs += t.hostCpuNs;
      t.state = 'exited';
      t.cpu.requestStop();
      t.cancelWait?.();
      t.cancelWait = null;
    }
    this.futex.cancelWaiters(new Set(proc.threads.keys()));
    proc.threads.clear();
    if (this.current === proc) {
      // Its last writes to shared mappings must reach the other processes.
      syncOut(proc);
      this.current = null;
    }
    this.processes.delete(proc.pid);
    proc.finish(status, termination);
    const tracer = this.tracers.get(proc.pid);
    this.tracers.delete(proc.pid);
    if (tracer) {
      try {
        tracer({ type: 'exit', pid: proc.pid, status });
      } catch {
        // ignored
      }
    }
    // Closing the fds may kill children through their process fds.
    proc.fds.closeAll();
    // Its shared mappings of files reach the files (its stores are in the caches by now).
    const written = this.fileMaps.writeBackFor(proc, null, false);
    if (written instanceof Promise) written.catch(() => {});
    proc.sharedRegions = [];
    sharedChanged(proc);
    this.fileMaps.collect(this);
    this.wakeLoop();
  }
}

/** The default {@link ImageLoader}: `@cabi/elf-loader`'s loadProcess with our vDSO. */
export const elfLoader: ImageLoader = (memory, executable, options) =>
  loadProcess(memory, executable, {
    argdata: options.argdata,
    random: options.random,
    tid: options.tid,
    ncpus: options.ncpus,
    stackSize: options.stackSize,
  });

/** Creates a kernel. */
export function createKernel(options: KernelOptions = {}): Kernel {
  return new Kernel(options);
}

function macrotask(): Promise<void> {
  // Browsers lack setImmediate: a MessageChannel message is a macrotask without setTimeout's 4 ms clamp.
  return new Promise((resolve) =>
    typeof setImmediate === 'function' ? setImmediate(resolve) : postTask(resolve),
  );
}

function postTask(resolve: () => void): void {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    resolve();
  };
  channel.port2.postMessage(null);
}

function setReg(cpu: X86Cpu, reg: Reg, value: number | bigint): void {
  if (typeof value === 'number') cpu.setRegNumber(reg, value);
  else cpu.setReg(reg, value);
}

const ARG_REGS = [Reg.RDI, Reg.RSI, Reg.RDX, Reg.R10, Reg.R8, Reg.R9] as const;

/**
 * Decodes the raw register arguments of a syscall (digest §1.1: rdi, rsi, rdx, r10, r8, r9;
 * narrow arguments use the low bits of their register).
 */
export function decodeArgs(cpu: X86Cpu, info: SyscallInfo, out: (number | bigint)[]): (number | bigint)[] {
  const params = info.params;
  out.length = params.length;
  for (let i = 0; i < params.length; i++) {
    const reg = ARG_REGS[i]!;
    switch (params[i]!.type) {
      case 'u8':
        out[i] = cpu.getReg32(reg) & 0xff;
        break;
      case 'u16':
        out[i] = cpu.getReg32(reg) & 0xffff;
        break;
      case 'u32':
      case 'fd':
        out[i] = cpu.getReg32(reg) >>> 0;
        break;
      case 'u64':
        out[i] = cpu.getReg(reg);
        break;
      case 'i64':
        out[i] = BigInt.asIntN(64, cpu.getReg(reg));
        break;
      case 'size':
      case 'ptr':
      case 'lookup': {
        const v = cpu.getRegNumber(reg);
        out[i] = v <= Number.MAX_SAFE_INTEGER ? v : Number.POSITIVE_INFINITY;
        break;
      }
    }
  }
  return out;
}
