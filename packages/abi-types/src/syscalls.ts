/**
 * Lookups into the generated syscall table by name, by final (vDSO) number and by legacy raw
 * `syscall` number. Indexes are plain arrays so dispatch costs one bounds check and one load.
 */
import { SYSCALLS } from './generated/syscalls.js';
import type { SyscallDescriptor } from './types.js';

const byName = new Map<string, SyscallDescriptor>(SYSCALLS.map((s) => [s.name, s]));
const byNumber: (SyscallDescriptor | undefined)[] = [];
const byLegacyNumber: (SyscallDescriptor | undefined)[] = [];
for (const s of SYSCALLS) {
  if (s.number !== undefined) byNumber[s.number] = s;
  if (s.legacyNumber !== undefined) byLegacyNumber[s.legacyNumber] = s;
}

/** Descriptor of the syscall with this name (`fd_read`), or undefined. */
export function syscallByName(name: string): SyscallDescriptor | undefined {
  return byName.get(name);
}

/** Descriptor for a number of the final ABI (alphabetical, as in the reference vDSO), or undefined. */
export function syscallByNumber(n: number): SyscallDescriptor | undefined {
  return Number.isInteger(n) && n >= 0 ? byNumber[n] : undefined;
}

/** Descriptor for a 2015–2016 raw `syscall` number (`eax`), or undefined. */
export function syscallByLegacyNumber(n: number): SyscallDescriptor | undefined {
  return Number.isInteger(n) && n >= 0 ? byLegacyNumber[n] : undefined;
}
