/**
 * Initial state of a thread created by `thread_create(attr)` (digest §3.7, after FreeBSD's
 * `cloudabi64_thread_setregs`): the TCB slot sits at the top of the caller-supplied stack, the slot
 * below it holds the TCB address and becomes the fs base, and the entry point is entered as if
 * called, with rdi = tid and rsi = the argument.
 */

/** The fields of `cloudabi_threadattr_t` (32 bytes: entry_point, stack, stack_len, argument). */
export interface ThreadAttr {
  entryPoint: number;
  stack: number;
  stackLen: number;
  argument: number;
  /** Thread id the kernel assigned to the new thread. */
  tid: number;
}

/** A memory write the kernel must perform (checked, e.g. EFAULT) before starting the thread. */
export interface StartWrite {
  address: number;
  /** Little-endian bytes to store. */
  bytes: Uint8Array;
}

/** Registers and memory writes that start a new thread. */
export interface ThreadStartState {
  rip: number;
  rsp: number;
  rbp: number;
  rdi: number;
  rsi: number;
  fsBase: number;
  /** Address of the new thread's TCB (top of its stack). */
  tcb: number;
  /** The TCB-pointer slot (at fsBase) and the zero fake return address (at rsp). */
  writes: StartWrite[];
}

/** Smallest stack thread_create accepts: room for the TCB, its slot and the fake return address. */
export const MIN_THREAD_STACK = 32;

const u64le = (v: number): Uint8Array => {
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, v >>> 0, true);
  dv.setUint32(4, Math.floor(v / 2 ** 32), true);
  return b;
};

/**
 * Computes the start state for `attr`, or null when the stack cannot hold the startup words (the
 * kernel answers EINVAL) — stack_len below {@link MIN_THREAD_STACK} or a range beyond 2^53.
 */
export function threadStartState(attr: ThreadAttr): ThreadStartState | null {
  const { stack, stackLen } = attr;
  if (
    !Number.isSafeInteger(stack) ||
    !Number.isSafeInteger(stackLen) ||
    stack < 0 ||
    stackLen < MIN_THREAD_STACK
  ) {
    return null;
  }
  const top = stack + stackLen;
  if (!Number.isSafeInteger(top)) return null;
  const tcb = Math.floor((top - 8) / 8) * 8;
  const tcbSlot = tcb - 8;
  const rsp = Math.floor(tcbSlot / 16) * 16 - 8;
  if (rsp < stack) return null;
  return {
    rip: attr.entryPoint,
    rsp,
    rbp: 0,
    rdi: attr.tid >>> 0,
    rsi: attr.argument,
    fsBase: tcbSlot,
    tcb,
    writes: [
      { address: tcbSlot, bytes: u64le(tcb) },
      { address: rsp, bytes: new Uint8Array(8) },
    ],
  };
}
