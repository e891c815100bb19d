/**
 * Guest processes and threads.
 *
 * A process owns one linear address space ({@link GuestMemory}), an fd table, its threads and its
 * bookkeeping of shared mappings; a thread owns a CPU over that memory. Processes end by
 * proc_exit, by the last thread_exit, by a signal whose default action terminates (proc_raise, a
 * CPU fault, closing its process fd), or when a limit or the embedder's AbortSignal stops them.
 */
import type { CpuFault, GuestMemory, X86Cpu } from '@cabi/x86-core';
import { type SignalName, signalName } from './abi.js';
import type { FdTable } from './fd-table.js';
import type { Tracer } from './kernel.js';
import type { ProcessHandle, Termination } from './objects/process-fd.js';
import type { SharedRegion, SharedState } from './shared-pages.js';
import type { SyscallInfo } from './syscall-table.js';

export { type SharedRegion, syncIn, syncOut } from './shared-pages.js';

/** What an embedder learns about a CPU fault that killed a process. */
export interface FaultDiagnostic {
  /** The hardware exception kind (`page-not-present`, `invalid-opcode`, …). */
  kind: string;
  /** Address of the faulting instruction. */
  rip: number;
  /** The instruction at rip, disassembled (empty when it could not be decoded). */
  instruction: string;
  /** The faulting data address for memory faults. */
  address?: number;
  /** Human-readable description. */
  message: string;
}

/** How a process ended, as {@link GuestProcess.wait} reports it. */
export type ExitStatus =
  | { exitCode: number }
  | {
      /** The signal that terminated the process. */
      signal: SignalName;
      /** Why, in words, when the kernel (not the guest) decided: a limit, an abort, a fault. */
      reason?: string;
      /** Diagnostic for CPU faults. */
      fault?: FaultDiagnostic;
    };

/** Thread states. */
export type ThreadState = 'runnable' | 'running' | 'blocked' | 'stopped' | 'exited';

/** What the kernel remembers of a syscall parked without a Promise, to complete and trace it. */
export interface ParkedCall {
  readonly info: SyscallInfo;
  /** The tracer and what it is told on completion (null when the process is not traced). */
  readonly trace: {
    readonly tracer: Tracer;
    readonly number: number;
    readonly legacy: boolean;
    readonly args: readonly (number | bigint)[];
    readonly t0: number;
  } | null;
}

/** A guest thread. */
export class Thread {
  state: ThreadState = 'runnable';
  /** Results of the syscall being served (rax, rdx). */
  ret0: number | bigint = 0;
  ret1: number | bigint = 0;
  /** Instructions this thread has executed. */
  instructions = 0;
  /** Host nanoseconds spent running this thread in finished slices (host clock mode). */
  hostCpuNs = 0;
  /** `performance.now()` when the slice running now began (host clock mode), else -1. */
  sliceStartedAt = -1;
  /** Releases what a parked syscall holds (timers, subscriptions) when the thread is killed. */
  cancelWait: (() => void) | null = null;
  /** Set by thread_yield: the slice ends after the current syscall. */
  yielded = false;
  /** Reusable decoded-argument array. */
  readonly args: (number | bigint)[] = [];
  /**
   * The syscall a thread parked without a Promise is in (a handler returned PARKED), until it
   * completes.
   */
  parked: ParkedCall | null = null;
  /**
   * The rest of the parked syscall, set when the thread was woken: the kernel runs it in the
   * thread's context before its next slice. It returns the errno, or PARKED to sleep again.
   */
  resume: (() => number) | null = null;

  constructor(
    readonly tid: number,
    readonly process: Process,
    public cpu: X86Cpu,
  ) {}
}

/** A guest process (kernel side). */
export class Process implements ProcessHandle {
  readonly threads = new Map<number, Thread>();
  termination: Termination | null = null;
  status: ExitStatus | null = null;
  /** Shared mappings (see shared-pages.ts); call `sharedChanged` after changing them. */
  sharedRegions: SharedRegion[] = [];
  /**
   * What the kernel derived from {@link sharedRegions} (alias groups, pages beyond the end).
   * @internal
   */
  shared: SharedState | null = null;
  /**
   * The derived state must be recomputed.
   * @internal
   */
  sharedDirty = false;
  /**
   * Write access is withheld from alias pages (the guest runs, not the kernel).
   * @internal
   */
  guestPhase = false;
  /**
   * The memory whose writers mirror kernel stores into shared objects while the process is not
   * current (see shared-pages.ts `detach`).
   * @internal
   */
  detachedMemory: GuestMemory | null = null;
  /** Stopped by a stop signal. */
  stopped = false;
  /** Instructions executed by threads that already exited. */
  exitedInstructions = 0;
  exitedHostCpuNs = 0;
  private readonly terminateListeners: (() => void)[] = [];
  /** Resolves {@link Process.exited}. */
  private resolveExit!: (status: ExitStatus) => void;
  /** Settles when the process has terminated. */
  readonly exited: Promise<ExitStatus>;
  /** Kills the process (installed by the kernel). */
  killer: (signal: number, reason?: string) => void = () => {};

  constructor(
    readonly pid: number,
    public memory: GuestMemory,
    public fds: FdTable,
    public vdsoBase: number,
    public vdsoEnd: number,
  ) {
    this.exited = new Promise((resolve) => {
      this.resolveExit = resolve;
    });
  }

  /** Instructions executed by all threads, alive or gone. */
  get instructions(): number {
    let n = this.exitedInstructions;
    for (const t of this.threads.values()) n += t.instructions;
    return n;
  }

  /** Host CPU time of all threads, the slice running now included. */
  get hostCpuNs(): number {
    let n = this.exitedHostCpuNs;
    for (const t of this.threads.values()) n += threadHostCpuNs(t);
    return n;
  }

  /** {@link ProcessHandle}: register for termination. */
  onTerminate(listener: () => void): void {
    if (this.termination) listener();
    else this.terminateListeners.push(listener);
  }

  /** {@link ProcessHandle}: send a signal with its default action. */
  kill(signal: number): void {
    this.killer(signal);
  }

  /** Records the end of the process (called once by the kernel). */
  finish(status: ExitStatus, termination: Termination): void {
    this.status = status;
    this.termination = termination;
    this.resolveExit(status);
    for (const l of this.terminateListeners.splice(0)) l();
  }
}

/** Host nanoseconds a thread has run, the slice running now included. */
export function threadHostCpuNs(t: Thread): number {
  return t.hostCpuNs + (t.sliceStartedAt >= 0 ? (performance.now() - t.sliceStartedAt) * 1e6 : 0);
}

/** Builds the diagnostic for a CPU fault. */
export function faultDiagnostic(fault: CpuFault, cpu: X86Cpu): FaultDiagnostic {
  let instruction = '';
  try {
    instruction = cpu.disassemble(fault.rip).text;
  } catch {
    instruction = '';
  }
  return {
    kind: fault.kind,
    rip: fault.rip,
    instruction,
    ...(fault.address !== undefined ? { address: fault.address } : {}),
    message: fault.message,
  };
}

/** The name of `sig` for an exit status (unknown numbers cannot occur: they are EINVAL earlier). */
export function signalNameOf(sig: number): SignalName {
  return signalName(sig) ?? 'SIGKILL';
}
