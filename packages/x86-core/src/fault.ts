/**
 * CPU faults as typed values.
 *
 * The interpreter raises a {@link CpuFault} internally when an instruction cannot complete (the
 * exception is caught by the run loop before it leaves the package) and reports it to the embedder
 * as the `fault` of a run result. Each kind maps onto the POSIX signal a Unix kernel delivers for
 * the corresponding hardware exception (Intel SDM Vol. 3A, chapter 6, "Interrupt and Exception
 * Handling").
 */

/** What went wrong, in hardware terms. */
export type FaultKind =
  /** #UD: the bytes at rip do not form an instruction this CPU implements. */
  | 'invalid-opcode'
  /** #DE: division by zero or a quotient that does not fit the destination. */
  | 'divide-error'
  /** #PF on an address that no mapping covers. */
  | 'page-not-present'
  /** #PF on a mapped page whose protection forbids the access (read, write or execute). */
  | 'protection'
  /** #GP: a privileged instruction, a non-canonical address or a misaligned SSE operand. */
  | 'general-protection'
  /** #SS: a stack-segment reference (push/pop, or an RSP/RBP base) to a non-canonical address. */
  | 'stack-fault'
  /** #BP: the `int3` breakpoint instruction. */
  | 'breakpoint'
  /** #MF or #XM: an unmasked x87 or SSE floating-point exception. */
  | 'floating-point';

/** How a memory access was being made when it faulted. */
export type AccessKind = 'read' | 'write' | 'execute';

/** The POSIX signal name a fault of each kind turns into. */
export const FAULT_SIGNAL: Readonly<
  Record<FaultKind, 'SIGILL' | 'SIGFPE' | 'SIGSEGV' | 'SIGTRAP' | 'SIGBUS'>
> = {
  'invalid-opcode': 'SIGILL',
  'divide-error': 'SIGFPE',
  'page-not-present': 'SIGSEGV',
  protection: 'SIGSEGV',
  'general-protection': 'SIGSEGV',
  // Linux delivers #SS as SIGBUS.
  'stack-fault': 'SIGBUS',
  breakpoint: 'SIGTRAP',
  'floating-point': 'SIGFPE',
};

/**
 * A hardware exception raised by an instruction. `rip` is the address of the faulting instruction
 * (for `int3`, of the instruction after it, as on hardware); `address` is the faulting linear
 * address for memory faults and `undefined` otherwise.
 */
export class CpuFault extends Error {
  override readonly name = 'CpuFault';
  /** Address of the instruction that faulted (set by the run loop). */
  rip: number;

  constructor(
    /** The kind of exception. */
    readonly kind: FaultKind,
    /** The linear address of a memory fault. */
    readonly address?: number,
    /** For memory faults, the access that failed. */
    readonly access?: AccessKind,
    detail?: string,
  ) {
    super(detail ?? describeFault(kind, address, access));
    this.rip = -1;
  }

  /** The POSIX signal this fault is delivered as. */
  get signal(): 'SIGILL' | 'SIGFPE' | 'SIGSEGV' | 'SIGTRAP' | 'SIGBUS' {
    return FAULT_SIGNAL[this.kind];
  }
}

function describeFault(kind: FaultKind, address?: number, access?: AccessKind): string {
  const at = address === undefined ? '' : ` at 0x${address.toString(16)}`;
  switch (kind) {
    case 'page-not-present':
      return `${access ?? 'access'} of unmapped memory${at}`;
    case 'protection':
      return `${access ?? 'access'} forbidden by page protection${at}`;
    default:
      return `${kind}${at}`;
  }
}
