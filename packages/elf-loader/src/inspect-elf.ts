/**
 * `cabi inspect`: what a CloudABI executable looks like and which system-call ABI era it belongs to.
 *
 * The era is decided without disassembling: a binary of the vDSO era (cloudlibc from 2016-08)
 * resolves its system calls by name and so contains the string `cloudabi_sys_`; a binary of the
 * raw-`syscall` era (2015–2016) contains `syscall` instructions in its code, which we approximate
 * by `0F 05` byte pairs preceded within 16 bytes by `mov eax, imm32` with a small number (how the
 * legacy wrappers load the syscall number). Both counts are reported with the verdict.
 */
import {
  ET_DYN,
  MACHINE_NAMES,
  PF_R,
  PF_W,
  PF_X,
  PT_DYNAMIC,
  PT_GNU_EH_FRAME,
  PT_GNU_RELRO,
  PT_GNU_STACK,
  PT_INTERP,
  PT_LOAD,
  PT_NOTE,
  PT_NULL,
  PT_PHDR,
  PT_TLS,
} from './elf-constants.js';
import { parseElf } from './parse-elf.js';
import { VDSO_SYMBOL_PREFIX } from './vdso.js';

/** One program header in readable form. */
export interface InspectedSegment {
  /** `PT_LOAD`, `PT_TLS`, … or the hex type. */
  type: string;
  /** `R-X`-style flags. */
  flags: string;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  align: number;
}

/** How the program reaches the kernel. */
export type AbiEra = 'vdso' | 'raw-syscall' | 'mixed' | 'unknown';

/** The result of {@link inspectElf}. */
export interface ElfInspection {
  header: {
    /** `ET_DYN (static PIE)` or `ET_EXEC`. */
    type: string;
    machine: string;
    osabi: number;
    /** Unrelocated entry point. */
    entry: number;
    phnum: number;
    shnum: number;
  };
  segments: InspectedSegment[];
  tls: { vaddr: number; filesz: number; memsz: number; align: number } | null;
  relro: { vaddr: number; memsz: number } | null;
  dynamic: { vaddr: number; memsz: number } | null;
  stack: { present: boolean; executable: boolean };
  /** Span of the loaded image (unrelocated). */
  image: { start: number; end: number };
  abi: {
    era: AbiEra;
    /** Occurrences of the `cloudabi_sys_` prefix anywhere in the file. */
    vdsoNameReferences: number;
    /** `0F 05` pairs in executable segments that follow `mov eax, imm32` (imm < 64) within 16 bytes. */
    syscallSites: number;
    /** All `0F 05` byte pairs in executable segments (includes bytes inside other instructions). */
    syscallBytePairs: number;
    /** How the verdict was reached, in words. */
    reason: string;
  };
}

const TYPE_NAMES: Record<number, string> = {
  [PT_NULL]: 'PT_NULL',
  [PT_LOAD]: 'PT_LOAD',
  [PT_DYNAMIC]: 'PT_DYNAMIC',
  [PT_INTERP]: 'PT_INTERP',
  [PT_NOTE]: 'PT_NOTE',
  [PT_PHDR]: 'PT_PHDR',
  [PT_TLS]: 'PT_TLS',
  [PT_GNU_EH_FRAME]: 'PT_GNU_EH_FRAME',
  [PT_GNU_STACK]: 'PT_GNU_STACK',
  [PT_GNU_RELRO]: 'PT_GNU_RELRO',
};

const flagString = (f: number): string =>
  `${f & PF_R ? 'R' : '-'}${f & PF_W ? 'W' : '-'}${f & PF_X ? 'X' : '-'}`;

function countOccurrences(hay: Uint8Array, needle: Uint8Array): number {
  let n = 0;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    n++;
  }
  return n;
}

/**
 * Describes a CloudABI executable for `cabi inspect`.
 *
 * @throws {@link ElfError} when the file does not pass {@link parseElf}.
 */
export function inspectElf(bytes: Uint8Array): ElfInspection {
  const elf = parseElf(bytes);
  let pairs = 0;
  let sites = 0;
  for (const seg of elf.loads) {
    if (!(seg.flags & PF_X)) continue;
    const code = bytes.subarray(seg.offset, seg.offset + seg.filesz);
    for (let i = 0; i + 1 < code.length; i++) {
      if (code[i] !== 0x0f || code[i + 1] !== 0x05) continue;
      pairs++;
      for (let k = Math.max(0, i - 16); k + 5 <= i; k++) {
        if (
          code[k] === 0xb8 &&
          code[k + 1]! < 64 &&
          code[k + 2] === 0 &&
          code[k + 3] === 0 &&
          code[k + 4] === 0
        ) {
          sites++;
          break;
        }
      }
    }
  }
  const names = countOccurrences(bytes, new TextEncoder().encode(VDSO_SYMBOL_PREFIX));
  let era: AbiEra;
  let reason: string;
  if (names > 0 && sites === 0) {
    era = 'vdso';
    reason = `references "${VDSO_SYMBOL_PREFIX}" names (${names}) and has no syscall sites in its code`;
  } else if (names === 0 && sites > 0) {
    era = 'raw-syscall';
    reason = `${sites} syscall instruction(s) after "mov eax, <number>" in executable segments and no vDSO names`;
  } else if (names > 0) {
    era = 'mixed';
    reason = `both vDSO names (${names}) and ${sites} raw syscall site(s): a vDSO program with a raw-syscall fallback`;
  } else {
    era = 'unknown';
    reason = 'neither vDSO names nor recognisable syscall sites were found';
  }
  const pick = <T>(
    s: { vaddr: number; memsz: number } | null,
    f: (x: NonNullable<typeof s>) => T,
  ): T | null => (s ? f(s) : null);
  return {
    header: {
      type: elf.header.type === ET_DYN ? 'ET_DYN (static PIE)' : 'ET_EXEC',
      machine: MACHINE_NAMES[elf.header.machine] ?? String(elf.header.machine),
      osabi: elf.header.osabi,
      entry: elf.header.entry,
      phnum: elf.header.phnum,
      shnum: elf.header.shnum,
    },
    segments: elf.segments.map((s) => ({
      type: TYPE_NAMES[s.type] ?? `0x${s.type.toString(16)}`,
      flags: flagString(s.flags),
      offset: s.offset,
      vaddr: s.vaddr,
      filesz: s.filesz,
      memsz: s.memsz,
      align: s.align,
    })),
    tls: elf.tls
      ? { vaddr: elf.tls.vaddr, filesz: elf.tls.filesz, memsz: elf.tls.memsz, align: elf.tls.align }
      : null,
    relro: pick(elf.relro, (s) => ({ vaddr: s.vaddr, memsz: s.memsz })),
    dynamic: pick(elf.dynamic, (s) => ({ vaddr: s.vaddr, memsz: s.memsz })),
    stack: {
      present: elf.gnuStack !== null,
      executable: elf.gnuStack !== null && (elf.gnuStack.flags & PF_X) !== 0,
    },
    image: { start: elf.minVaddr, end: elf.maxVaddr },
    abi: { era, vdsoNameReferences: names, syscallSites: sites, syscallBytePairs: pairs, reason },
  };
}
