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
    id: 'x87-fxsave-fxrstor-high-address',
    owner: 'x87',
    summary:
      'fxsave/fxrstor (and the 64 forms) with an operand above 4 GiB: misaligned, the host raises #GP (alignment before paging), x86-core a page fault; aligned, the host reports a fault address inside the operand (fxsave: its last byte, fxrstor: its first), x86-core the start of the first page above 4 GiB it touches.',
    rows: /^fx(save|rstor)(64)? /,
    tag: /^target:high$/,
  },
  {
    id: 'x87-fprem-pseudo-denormal',
    owner: 'x87',
    summary:
      'fprem/fprem1 with a pseudo-denormal ST(0) (exponent 0, integer bit set) and an infinite ST(1): the host returns ST(0) normalised to biased exponent 1, x86-core returns it unchanged.',
    rows: /^fprem1? /,
  },
  {
    id: 'x87-transcendental-last-bit',
    owner: 'x87',
    summary:
      'f2xm1, fyl2x, fyl2xp1, fptan, fpatan, fsin, fcos, fsincos: results (and C1, the round-up indicator) differ from the host CPU in the last significand bit for some operands (e.g. fyl2x: C1 set on the host, clear in x86-core).',
    rows: /^(f2xm1|fyl2xp?1?|fptan|fpatan|fsin|fcos|fsincos) /,
  },
];

/** The open entry that covers a case, if any. */
export function knownOpenFor(tc: DiffCase): KnownOpen | undefined {
  const name = tc.name ?? '';
  return KNOWN_OPEN.find(
    (k) => k.rows.test(name) && (k.tag === undefined || (tc.tags ?? []).some((t) => k.tag!.test(t))),
  );
}
