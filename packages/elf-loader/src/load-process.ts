/**
 * Process startup: maps an executable and the vDSO into a {@link GuestMemory} and builds the initial
 * stack exactly as FreeBSD does for CloudABI (digest §3.2–3.4): argdata + NUL at the top, a 64-byte
 * canary, a 16-byte UUIDv4 process id, the auxiliary vector, the TCB and the slot the fs base points
 * at. The loader never touches a CPU: it returns the initial register values
 * ({@link applyProcessImage} copies them into an `X86Cpu`).
 */
import type { GuestMemory } from '@cabi/x86-core';
import { AT, PF_R, PF_W, PF_X, PHDR_SIZE } from './elf-constants.js';
import { ElfError } from './elf-error.js';
import { ELF_PAGE_SIZE, type ElfImage, parseElf } from './parse-elf.js';
import { seededRandom } from './random.js';
import { buildVdso, VDSO_SYMBOL_PREFIX } from './vdso.js';

// Protection bits of @cabi/x86-core's GuestMemory (kept local so the loader needs no runtime values).
const PROT_READ = 1;
const PROT_WRITE = 2;
const PROT_EXEC = 4;

/** Lowest address a PIE image is placed at (16 MiB). */
export const IMAGE_WINDOW_START = 0x100_0000;
/** Size of the window the PIE base is randomized in (4 MiB, page granularity). */
export const IMAGE_WINDOW_SIZE = 0x40_0000;
/** Default main-thread stack size: programs recurse deeply (digest §8). */
export const DEFAULT_STACK_SIZE = 8 * 1024 * 1024;
/** Smallest accepted stack. */
export const MIN_STACK_SIZE = 64 * 1024;
/** Size of the stack canary (AT_CANARYLEN). */
export const CANARY_SIZE = 64;

/** Options of {@link loadProcess}. */
export interface LoadOptions {
  /** The program's argdata (AT_ARGDATA/AT_ARGDATALEN); a NUL is appended in memory. */
  argdata: Uint8Array;
  /** Fills a buffer with random bytes (canary and pid). */
  random: (buf: Uint8Array) => void;
  /** Seed for the placement of the image; without it the base is drawn from `random`. */
  seed?: number | undefined;
  /** Thread id of the main thread (AT_TID); below 2^30. */
  tid: number;
  /** Number of CPUs reported in AT_NCPUS. */
  ncpus: number;
  /** Main-thread stack size in bytes (default 8 MiB). */
  stackSize?: number | undefined;
  /** Map the vDSO and announce it in AT_SYSINFO_EHDR (default true). */
  vdso?: boolean | undefined;
}

/** One auxiliary vector entry. */
export interface AuxEntry {
  /** AT_* type. */
  type: number;
  /** Value or pointer. */
  value: number;
}

/** A mapped region of the process image. */
export interface MappedRegion {
  address: number;
  size: number;
  /** PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4 (GuestMemory bits). */
  prot: number;
}

/** The relocated PT_TLS of the program. */
export interface TlsInfo {
  /** Address of the initialisation image. */
  address: number;
  /** Bytes of initialised data. */
  filesz: number;
  /** Total size of the TLS block. */
  memsz: number;
  /** Required alignment. */
  align: number;
}

/** The initial state of a freshly loaded process. All addresses are numbers below 4 GiB. */
export interface ProcessImage {
  /** The parsed executable. */
  elf: ElfImage;
  /** Initial rip (relocated e_entry). */
  entry: number;
  /** Initial rsp, ≡ 8 (mod 16). */
  rsp: number;
  /** Initial rdi: the address of the auxv. */
  rdi: number;
  /** Initial fs base: address of the slot holding the TCB address. */
  fsBase: number;
  /** Address of the TCB (8 bytes, zero). */
  tcb: number;
  /**
   * Load bias (AT_BASE): 0 for ET_EXEC. Negative only for a PIE linked above the address it was
   * placed at (AT_BASE then holds the two's complement).
   */
  base: number;
  /** First and last (exclusive) address of the loaded image. */
  imageStart: number;
  imageEnd: number;
  /** Address of the vDSO's ELF header, or -1 without vDSO. */
  vdsoBase: number;
  /** End of the vDSO mapping (exclusive), or -1. */
  vdsoEnd: number;
  /** vDSO function name → absolute address (empty without vDSO). */
  vdsoSymbols: Map<string, number>;
  /** Highest stack address (exclusive). */
  stackTop: number;
  /** Lowest mapped stack address; the page below it is left unmapped as a guard. */
  stackBottom: number;
  /** PT_TLS, relocated. */
  tls: TlsInfo | null;
  /** PT_GNU_RELRO, relocated. */
  relro: { address: number; size: number } | null;
  /** PT_DYNAMIC address, relocated. */
  dynamic: number | null;
  /** True when PT_GNU_STACK asks for an executable stack (the stack is still mapped read+write). */
  executableStackRequested: boolean;
  /** Address of the auxv (== rdi). */
  auxvAddress: number;
  /** The auxv as written, AT_NULL last. */
  auxv: AuxEntry[];
  /** Where the argdata was copied. */
  argdata: { address: number; length: number };
  /** Where the canary was written. */
  canary: { address: number; length: number };
  /** The 16-byte UUIDv4 process id (AT_PID). */
  pid: Uint8Array;
  /** Address of the pid bytes. */
  pidAddress: number;
  /** Main thread id. */
  tid: number;
  /** Every region mapped for this process (image segments, stack, vDSO). */
  regions: MappedRegion[];
}

const alignDown = (n: number, a: number): number => Math.floor(n / a) * a;
const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

function protOf(flags: number): number {
  return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);
}

function mapOrThrow(memory: GuestMemory, address: number, size: number, prot: number, what: string): void {
  try {
    memory.map(address, size, prot);
  } catch (e) {
    throw new ElfError(
      'segment-outside-address-space',
      `cannot map ${what} at 0x${address.toString(16)}+0x${size.toString(16)}: ${(e as Error).message}`,
    );
  }
}

/** Chooses where the image goes: a page-granular random spot in the PIE window, else any free hole. */
function chooseBase(memory: GuestMemory, elf: ElfImage, options: LoadOptions): number {
  const span = elf.maxVaddr - elf.minVaddr;
  if (!elf.pie) {
    if (!memory.isFree(elf.minVaddr, span)) {
      throw new ElfError(
        'no-memory',
        `the fixed-address image 0x${elf.minVaddr.toString(16)}..0x${elf.maxVaddr.toString(16)} overlaps memory already in use or the address-space limit`,
      );
    }
    return 0;
  }
  let pick: number;
  if (options.seed !== undefined) {
    pick = seededRandom(options.seed)();
  } else {
    const b = new Uint8Array(4);
    options.random(b);
    pick = new DataView(b.buffer).getUint32(0, true) / 2 ** 32;
  }
  // The load bias is what is randomized, so a PIE linked at 0 lands in the window; one linked
  // higher keeps its layout shifted by the same bias.
  const slots = IMAGE_WINDOW_SIZE / ELF_PAGE_SIZE;
  let start = IMAGE_WINDOW_START + Math.floor(pick * slots) * ELF_PAGE_SIZE + elf.minVaddr;
  if (!memory.isFree(start, span)) start = memory.findFree(span, IMAGE_WINDOW_START);
  if (start < 0) throw new ElfError('no-memory', `no free range of ${span} bytes for the image`);
  // A negative bias (an image linked above where it ended up) is fine: the guest adds it modulo 2^64.
  return start - elf.minVaddr;
}

/**
 * Loads `bytes` into `memory` and builds the initial process image.
 *
 * @throws {@link ElfError} when the file is not a loadable CloudABI executable or does not fit.
 */
export function loadProcess(memory: GuestMemory, bytes: Uint8Array, options: LoadOptions): ProcessImage {
  const elf = parseElf(bytes);
  const regions: MappedRegion[] = [];
  try {
    return buildImage(memory, elf, bytes, options, regions);
  } catch (e) {
    // Leave the address space as it was: undo every mapping made so far.
    for (const r of regions) memory.unmap(r.address, r.size);
    throw e;
  }
}

function buildImage(
  memory: GuestMemory,
  elf: ElfImage,
  bytes: Uint8Array,
  options: LoadOptions,
  regions: MappedRegion[],
): ProcessImage {
  const tid = options.tid >>> 0;
  if (tid === 0 || tid >= 0x4000_0000) throw new RangeError(`tid ${options.tid} must be in 1..2^30-1`);
  const stackSize = alignUp(Math.max(options.stackSize ?? DEFAULT_STACK_SIZE, MIN_STACK_SIZE), ELF_PAGE_SIZE);
  const argdata = options.argdata;
  if (argdata.length + 4096 > stackSize / 2) {
    throw new ElfError(
      'no-memory',
      `argdata of ${argdata.length} bytes does not fit in a ${stackSize}-byte stack`,
    );
  }

  // 1. The image: one contiguous reservation, each PT_LOAD mapped with its own protection, file
  //    bytes copied and the rest (bss) left zero (digest §3.1).
  const base = chooseBase(memory, elf, options);
  for (const seg of elf.loads) {
    if (seg.memsz === 0) continue;
    const address = base + seg.vaddr;
    const size = alignUp(seg.memsz, ELF_PAGE_SIZE);
    const prot = protOf(seg.flags);
    mapOrThrow(memory, address, size, prot, 'a PT_LOAD segment');
    regions.push({ address, size, prot });
    if (seg.filesz > 0) memory.poke(address, bytes.subarray(seg.offset, seg.offset + seg.filesz));
  }

  // 2. Guard page, stack and vDSO in one free range, vDSO on top as FreeBSD places its shared page
  //    right above the user stack (digest §1.5).
  const vdso = options.vdso === false ? null : buildVdso();
  const vdsoSize = vdso ? alignUp(vdso.image.length, ELF_PAGE_SIZE) : 0;
  const total = ELF_PAGE_SIZE + stackSize + vdsoSize;
  const imageEnd = base + elf.maxVaddr;
  const region = memory.findFree(total, alignUp(imageEnd, 0x10_0000) + 0x10_0000);
  if (region < 0) throw new ElfError('no-memory', `no free range of ${total} bytes for the stack and vDSO`);
  const stackBottom = region + ELF_PAGE_SIZE;
  const stackTop = stackBottom + stackSize;
  mapOrThrow(memory, stackBottom, stackSize, PROT_READ | PROT_WRITE, 'the stack');
  regions.push({ address: stackBottom, size: stackSize, prot: PROT_READ | PROT_WRITE });
  let vdsoBase = -1;
  let vdsoEnd = -1;
  const vdsoSymbols = new Map<string, number>();
  if (vdso) {
    vdsoBase = stackTop;
    vdsoEnd = stackTop + vdsoSize;
    mapOrThrow(memory, vdsoBase, vdsoSize, PROT_READ | PROT_EXEC, 'the vDSO');
    memory.poke(vdsoBase, vdso.image);
    regions.push({ address: vdsoBase, size: vdsoSize, prot: PROT_READ | PROT_EXEC });
    for (const [name, off] of vdso.symbols) vdsoSymbols.set(name, vdsoBase + off);
  }

  // 3. The initial stack, top down (digest §3.3).
  const argdataAddress = alignDown(stackTop - (argdata.length + 1), 8);
  if (argdata.length > 0) {
    const copy = new Uint8Array(argdata.length + 1);
    copy.set(argdata);
    memory.poke(argdataAddress, copy);
  }
  const canaryAddress = argdataAddress - CANARY_SIZE;
  const canary = new Uint8Array(CANARY_SIZE);
  options.random(canary);
  memory.poke(canaryAddress, canary);
  const pidAddress = canaryAddress - 16;
  const pid = new Uint8Array(16);
  options.random(pid);
  // UUID version 4, variant 10 (RFC 4122 §4.4).
  pid[6] = (pid[6]! & 0x0f) | 0x40;
  pid[8] = (pid[8]! & 0x3f) | 0x80;
  memory.poke(pidAddress, pid);

  // AT_PHDR must point at the program headers in memory; when no segment maps them, copy them
  // onto the stack.
  let below = pidAddress;
  let phdrAddress: number;
  if (elf.phdrVaddr !== null) {
    phdrAddress = base + elf.phdrVaddr;
  } else {
    const len = elf.header.phnum * PHDR_SIZE;
    below = alignDown(below - len, 8);
    phdrAddress = below;
    memory.poke(phdrAddress, bytes.subarray(elf.header.phoff, elf.header.phoff + len));
  }

  const auxv: AuxEntry[] = [
    { type: AT.ARGDATA, value: argdataAddress },
    { type: AT.ARGDATALEN, value: argdata.length },
    { type: AT.BASE, value: base },
    { type: AT.CANARY, value: canaryAddress },
    { type: AT.CANARYLEN, value: CANARY_SIZE },
    { type: AT.NCPUS, value: options.ncpus },
    { type: AT.PAGESZ, value: ELF_PAGE_SIZE },
    { type: AT.PHDR, value: phdrAddress },
    { type: AT.PHNUM, value: elf.header.phnum },
    { type: AT.PID, value: pidAddress },
  ];
  if (vdso) auxv.push({ type: AT.SYSINFO_EHDR, value: vdsoBase });
  auxv.push({ type: AT.TID, value: tid }, { type: AT.NULL, value: 0 });
  const auxvAddress = below - auxv.length * 16;
  const auxBytes = new Uint8Array(auxv.length * 16);
  const adv = new DataView(auxBytes.buffer);
  auxv.forEach((e, i) => {
    adv.setUint32(i * 16, e.type, true);
    adv.setBigUint64(i * 16 + 8, BigInt.asUintN(64, BigInt(e.value)), true);
  });
  memory.poke(auxvAddress, auxBytes);

  // TCB (8 bytes, zero on a fresh stack) and, below it, the slot fs points at: fs:0 → TCB
  // (FreeBSD: rdi = stack + 8 + roundup(sizeof(tcb), 8), fs base = stack; digest §3.2).
  const tcb = auxvAddress - 8;
  const fsBase = tcb - 8;
  const slot = new Uint8Array(16);
  const sdv = new DataView(slot.buffer);
  sdv.setUint32(0, tcb >>> 0, true);
  sdv.setUint32(4, Math.floor(tcb / 2 ** 32), true);
  memory.poke(fsBase, slot);
  const rsp = alignDown(fsBase - 8, 16) + 8;

  const rel = (s: { vaddr: number } | null): number | null => (s ? base + s.vaddr : null);
  return {
    elf,
    entry: base + elf.header.entry,
    rsp,
    rdi: auxvAddress,
    fsBase,
    tcb,
    base,
    imageStart: base + elf.minVaddr,
    imageEnd,
    vdsoBase,
    vdsoEnd,
    vdsoSymbols,
    stackTop,
    stackBottom,
    tls: elf.tls
      ? {
          address: base + elf.tls.vaddr,
          filesz: elf.tls.filesz,
          memsz: elf.tls.memsz,
          align: Math.max(elf.tls.align, 1),
        }
      : null,
    relro: elf.relro ? { address: base + elf.relro.vaddr, size: elf.relro.memsz } : null,
    dynamic: rel(elf.dynamic),
    executableStackRequested: elf.gnuStack !== null && (elf.gnuStack.flags & PF_X) !== 0,
    auxvAddress,
    auxv,
    argdata: { address: argdataAddress, length: argdata.length },
    canary: { address: canaryAddress, length: CANARY_SIZE },
    pid,
    pidAddress,
    tid,
    regions,
  };
}

/** Name of a vDSO function for a syscall name (`fd_write` → `cloudabi_sys_fd_write`). */
export function vdsoSymbolName(syscall: string): string {
  return VDSO_SYMBOL_PREFIX + syscall;
}
