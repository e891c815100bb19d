/**
 * Exit statuses as shells report them: the low 8 bits of an exit code, or 128 plus the signal's
 * conventional number (Linux x86-64 numbering, which shells and CI systems expect) when a signal
 * ended the process, e.g. 139 for SIGSEGV. The CLI and the web runner both use this.
 */
import type { ExitStatus } from './process.js';

/** Conventional (Linux x86-64) numbers of the CloudABI signals, by name. */
export const CONVENTIONAL_SIGNAL_NUMBERS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGSYS: 31,
};

/** The exit status a shell would report for a process ended by `signal`. */
export function exitStatusForSignal(signal: string): number {
  return 128 + (CONVENTIONAL_SIGNAL_NUMBERS[signal] ?? 0);
}

/** The shell-style exit status of a finished process. */
export function shellExitStatus(status: ExitStatus): number {
  return 'exitCode' in status ? status.exitCode & 0xff : exitStatusForSignal(status.signal);
}
