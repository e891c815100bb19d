/**
 * Exit statuses for guests ended by a signal: 128 + the signal's conventional number on Linux and
 * most Unix systems, which is what shells and CI systems expect (e.g. 139 for SIGSEGV).
 */

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
  SIGSYS: 31,
};

/** The exit status a shell would report for a process ended by `signal`. */
export function exitStatusForSignal(signal: string): number {
  return 128 + (CONVENTIONAL_SIGNAL_NUMBERS[signal] ?? 0);
}
