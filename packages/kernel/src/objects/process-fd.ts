/**
 * The process descriptor proc_fork returns to the parent (FreeBSD pdfork). It becomes "readable"
 * for PROC_TERMINATE when the child ends; closing the last fd to it kills the child (spec:
 * proc_fork — "closing the process descriptor terminates the child").
 */
import { Filetype } from '../abi.js';
import { FdObject } from '../fd-object.js';

/** How a process ended. */
export interface Termination {
  /** Exit code (0 when killed by a signal). */
  exitCode: number;
  /** The terminating signal number, 0 for a normal exit. */
  signal: number;
}

/** The part of a process a process fd needs. */
export interface ProcessHandle {
  readonly termination: Termination | null;
  kill(signal: number): void;
  onTerminate(listener: () => void): void;
}

/** A process fd. */
export class ProcessFd extends FdObject {
  readonly filetype = Filetype.PROCESS;
  override readonly passable = true;
  constructor(readonly process: ProcessHandle) {
    super();
    process.onTerminate(() => this.notify());
  }
  /** How the process ended, or null while it runs. */
  get termination(): Termination | null {
    return this.process.termination;
  }
  protected override onClose(): void {
    if (!this.process.termination) this.process.kill(10 /* SIGKILL */);
  }
}
