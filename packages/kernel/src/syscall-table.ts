/**
 * The syscall table as the dispatcher uses it, derived from `@cabi/abi-types`' `SYSCALLS`: name,
 * the final (vDSO) number, the 2015–2016 legacy number, and the raw register parameters in order
 * (rdi, rsi, rdx, r10, r8, r9) reduced to how each is decoded. One row per syscall drives
 * decoding, dispatch and tracing.
 */
import { type RegisterParam, SYSCALLS } from '@cabi/abi-types';

/** How a raw register argument is decoded. */
export type ParamType =
  /** u32 file descriptor */
  | 'fd'
  | 'u8'
  | 'u16'
  | 'u32'
  /** 64-bit value kept as bigint (rights, timestamps, file sizes) */
  | 'u64'
  /** signed 64-bit value (file deltas), bigint */
  | 'i64'
  /** size_t: a number (values above 2^53 become Infinity, which no check accepts) */
  | 'size'
  /** guest pointer: a number (above 2^53: Infinity) */
  | 'ptr'
  /** packed lookup: low 32 bits fd, high 32 bits flags (decoded as a number: fd + flags * 2^32) */
  | 'lookup';

/** One register parameter. */
export interface SyscallParam {
  name: string;
  type: ParamType;
}

/** One syscall. */
export interface SyscallInfo {
  name: string;
  /** Number used by our vDSO (final CloudABI numbering), or -1 for legacy-only syscalls. */
  number: number;
  /** Legacy raw `syscall` number (2015-08 … 2016-08), or -1 when it did not exist. */
  legacyNumber: number;
  params: readonly SyscallParam[];
  /** Names of the register results (rax, rdx). */
  results: readonly string[];
  /** True for proc_exit and thread_exit. */
  noreturn?: boolean;
}

/** Maps an abi-types register parameter to the decoding the kernel applies. */
function paramType(p: RegisterParam): ParamType {
  if (p.role === 'lookup') return 'lookup';
  if (p.part === 'length') return 'size';
  const t = p.type;
  if (t.kind === 'pointer' || p.part === 'pointer') return 'ptr';
  if (
    t.kind === 'int' ||
    t.kind === 'enum' ||
    t.kind === 'flags' ||
    t.kind === 'opaque' ||
    t.kind === 'alias'
  ) {
    if (t.name === 'fd') return 'fd';
    if (t.name === 'size') return 'size';
    switch (t.size) {
      case 1:
        return 'u8';
      case 2:
        return 'u16';
      case 4:
        return 'u32';
      default:
        return t.signed ? 'i64' : 'u64';
    }
  }
  return 'ptr';
}

/** Every syscall, HEAD and legacy, derived from the abi-types table. */
export const SYSCALL_TABLE: readonly SyscallInfo[] = SYSCALLS.map((s) => ({
  name: s.name,
  number: s.number ?? -1,
  legacyNumber: s.legacyNumber ?? -1,
  params: s.registerParams.map((p) => ({ name: p.name, type: paramType(p) })),
  results: s.results.map((r) => r.name),
  ...(s.noreturn ? { noreturn: true } : {}),
}));

const byNumber: (SyscallInfo | undefined)[] = [];
const byLegacy: (SyscallInfo | undefined)[] = [];
const byName = new Map<string, SyscallInfo>();
for (const s of SYSCALL_TABLE) {
  if (s.number >= 0) byNumber[s.number] = s;
  if (s.legacyNumber >= 0) byLegacy[s.legacyNumber] = s;
  byName.set(s.name, s);
}

/** The syscall with final number `n`. */
export function syscallByNumber(n: number): SyscallInfo | undefined {
  return byNumber[n];
}
/** The syscall with legacy number `n`. */
export function syscallByLegacyNumber(n: number): SyscallInfo | undefined {
  return byLegacy[n];
}
/** The syscall called `name`. */
export function syscallByName(name: string): SyscallInfo | undefined {
  return byName.get(name);
}
