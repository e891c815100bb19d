/**
 * Exit statuses for guests ended by a signal come from the kernel's one table (128 + the signal's
 * conventional number); re-exported here for the CLI's library users.
 */
export { CONVENTIONAL_SIGNAL_NUMBERS, exitStatusForSignal } from '@cabi/kernel';
