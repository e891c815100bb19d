/**
 * Mismatches this suite found that are open with the owners of the instruction forms. The CI suite
 * does not generate the cases an entry describes (so the committed suite stays green without
 * masking any defined result); `pnpm fuzz:cpu` ignores this list and keeps reporting them. Remove an
 * entry once its forms match the host CPU.
 */
import type { DiffCase } from './compare.js';

/** One open mismatch class. */
export interface KnownOpen {
  /** Short identifier. */
  id: string;
  /** Owner of the failing forms: core, sse or x87 engineer. */
  owner: 'core' | 'sse' | 'x87';
  /** What differs, in hardware terms. */
  summary: string;
  /** Row keys (see rowKey) the entry covers. */
  rows: RegExp;
  /** Only cases with a tag matching this (all cases of the rows when absent). */
  tag?: RegExp;
}

/** The open list (see the verification report for minimised examples). */
export const KNOWN_OPEN: readonly KnownOpen[] = [
  {
    id: 'rmw-straddle-fault-order',
    owner: 'core',
    summary:
      'A read-modify-write memory operand that starts in a read-only page and ends in an unmapped one: hardware reports the write-protection fault at the first byte, x86-core the not-present fault at the second page.',
    rows: /./,
    tag: /^target:unmapped-straddle$/,
  },
  {
    id: 'shift-count-zero',
    owner: 'core',
    summary:
      'Shifts/rotates (and shld/shrd) whose masked count is 0 (or, for rcl/rcr 8/16-bit, whose count modulo 9/17 is 0): with a 32-bit register destination hardware still zero-extends into bits 63:32; with a memory destination hardware still performs the write access (faults on read-only memory).',
    rows: /^(rol|ror|rcl|rcr|shl|shr|sal|sar|shld|shrd) /,
    tag: /^count:(0|effective0)$/,
  },
  {
    id: 'bt-memory-access-width',
    owner: 'core',
    summary:
      'bt/bts/btr/btc with a memory operand: hardware accesses the operand-size unit that holds the bit (faults where that unit is inaccessible, at its address; #GP for a non-canonical address), x86-core only the byte holding the bit.',
    rows: /^bt[src]? Ev,(Gv|Ib) /,
    tag: /^target:|^addr32$/,
  },
  {
    id: 'bt-register-offset-address',
    owner: 'core',
    summary:
      'bt/bts/btr/btc Ev,Gv with a memory operand and a bit offset that moves the access outside the test pages: fault address and #GP/#PF classification differ (see bt-memory-access-width).',
    rows: /^bt[src]? Ev,Gv /,
    tag: /^bt:outside$/,
  },
  {
    id: 'vex-vvvv-must-be-1111',
    owner: 'core',
    summary:
      'BMI forms that do not use VEX.vvvv (rorx, …) must raise #UD unless vvvv = 1111b; x86-core executes them.',
    rows: /\[vex /,
    tag: /^vex:vvvv-not-1111$/,
  },
  {
    id: 'enter-leave-16',
    owner: 'core',
    summary:
      'enter/leave with a 66 prefix (16-bit operand size) pop/push 16-bit BP and keep the upper RSP/RBP bits like hardware; x86-core does not.',
    rows: /^(enter|leave) /,
    tag: /^opsize:16$/,
  },
  {
    id: 'branch-target-fault-rip',
    owner: 'core',
    summary:
      'A near jump/call/jcc to an unmapped or non-executable target: hardware completes the branch (call pushes its return address) and faults on the fetch at the target (rip = target); x86-core reports the fault at the branch instruction.',
    rows: /^(j[a-z]+|call|loop[a-z]*|jrcxz) /,
    tag: /^far-branch$/,
  },
  {
    id: 'mov-cr-dr-invalid-register',
    owner: 'core',
    summary:
      'mov to/from a control or debug register that does not exist (CR1, CR5–CR7, CR9–CR15, DR8–DR15) is #UD on hardware (checked before privilege), #GP in x86-core.',
    rows: /^mov (Rq,Cd|Rq,Dd|Cd,Rq|Dd,Rq) /,
  },
  {
    id: 'maskmovdqu-fault-address',
    owner: 'sse',
    summary:
      'maskmovdqu to inaccessible memory: hardware faults at the first byte it actually stores (mask bit set), x86-core at another address.',
    rows: /^maskmovdqu /,
    tag: /^target:/,
  },
  {
    id: 'x87-c1-kept',
    owner: 'x87',
    summary:
      'fcmovcc and fcomi/fucomi/fcomip/fucomip leave FSW.C1 as it was on the host CPU (no stack fault); x86-core clears it.',
    rows: /^(fcmov[a-z]+|fu?comip?) ST0,STi /,
  },
  {
    id: 'x87-fprem-quotient-bits',
    owner: 'x87',
    summary:
      'fprem/fprem1: the quotient bits in C0/C3/C1 (and C2 for partial remainders) differ from the host.',
    rows: /^fprem1? /,
  },
  {
    id: 'x87-transcendental-last-bit',
    owner: 'x87',
    summary:
      'f2xm1, fyl2x, fyl2xp1, fptan, fpatan, fsin, fcos, fsincos: results differ from the host CPU in the last significand bit for some operands, and C1 (round-up) with them.',
    rows: /^(f2xm1|fyl2xp?1?|fptan|fpatan|fsin|fcos|fsincos) /,
  },
  {
    id: 'x87-fstp1-alias-empty',
    owner: 'x87',
    summary:
      'The D9 D8+i alias of fstp st(i) with an empty ST(0): the host pops without signalling stack underflow (no IE/SF, no tag written); x86-core signals the underflow and stores the indefinite.',
    rows: /^fstp STi \[d9 \/3/,
    tag: /^x87:st0-empty$/,
  },
  {
    id: 'x87-store-fault-address',
    owner: 'x87',
    summary:
      'x87 and fxsave/fxrstor memory accesses that fault (read-only, unmapped or straddling targets): the host reports another faulting address (e.g. fst m64 at 0x300000 faults at 0x300000 on the host, 0x300004 in x86-core: the high dword is stored first).',
    rows: /^(f[a-z0-9]*) (m|M)/,
    tag: /^target:/,
  },
];

/** The open entry that covers a case, if any. */
export function knownOpenFor(tc: DiffCase): KnownOpen | undefined {
  const name = tc.name ?? '';
  return KNOWN_OPEN.find(
    (k) => k.rows.test(name) && (k.tag === undefined || (tc.tags ?? []).some((t) => k.tag!.test(t))),
  );
}
