/**
 * The synthesized vDSO: an ELF shared object holding the 49 `cloudabi_sys_*` functions of the final
 * CloudABI spec as real x86-64 code.
 *
 * cloudlibc finds these functions through AT_SYSINFO_EHDR → PT_DYNAMIC → DT_HASH (nchain = number
 * of symbols) / DT_SYMTAB / DT_STRTAB, every address relative to the ELF header (digest §1.5). Each
 * function follows the register convention of the reference vDSO (digest §1.1): move the 4th C
 * argument from rcx to r10, keep the out-pointers on the stack across `syscall` (which clobbers rcx
 * and r11), load the number into eax, `syscall`; if the carry flag is set, eax holds the errno and is
 * returned as is; otherwise store rax (and rdx) through the out-pointers — 32-bit stores for fd and
 * tid results — and return 0. mem_map's out-pointer is its 7th argument, at [rsp+8] on entry.
 *
 * A `syscall` executed inside this image uses the final numbering; any other `syscall` uses the
 * legacy numbering. {@link isVdsoAddress} tells them apart.
 */
import {
  DT_HASH,
  DT_NULL,
  DT_STRSZ,
  DT_STRTAB,
  DT_SYMENT,
  DT_SYMTAB,
  ELFOSABI_CLOUDABI,
  EM_X86_64,
  ET_DYN,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHT_DYNAMIC,
  SHT_DYNSYM,
  SHT_HASH,
  SHT_PROGBITS,
  SHT_STRTAB,
  STB_GLOBAL,
  STT_FUNC,
  SYM_SIZE,
} from './elf-constants.js';
import { buildStringTable, writeElfObject } from './elf-writer.js';
import { VDSO_SYSCALLS, type VdsoSyscall } from './syscall-table.js';

/** Prefix of every vDSO function name. */
export const VDSO_SYMBOL_PREFIX = 'cloudabi_sys_';

/** One `syscall` instruction in the vDSO. */
export interface VdsoSyscallSite {
  /** Syscall name without prefix. */
  name: string;
  /** The (final) number loaded into eax before this `syscall`. */
  number: number;
  /** Offset of the `0F 05` bytes from the start of the image. */
  offset: number;
  /** Offset just after the instruction (where rip points when the CPU reports the syscall). */
  returnOffset: number;
}

/** The synthesized vDSO image. */
export interface Vdso {
  /** The ELF file; map it read+exec at a page-aligned address. */
  image: Uint8Array;
  /** Full symbol name (`cloudabi_sys_fd_write`) → offset of the function from the image start. */
  symbols: Map<string, number>;
  /** Every `syscall` instruction, in image order. */
  syscallSites: VdsoSyscallSite[];
}

// Register numbers in encoding order (Intel SDM Vol. 2A, §2.2.1, table 2-4).
const RCX = 1;
const RDX = 2;
const RSI = 6;
const RDI = 7;
const R8 = 8;
const R9 = 9;
const R11 = 11;
/** Registers of the SysV AMD64 integer arguments 1–6. */
const ARG_REGS = [RDI, RSI, RDX, RCX, R8, R9] as const;

const push = (reg: number): number[] => (reg >= 8 ? [0x41, 0x50 + reg - 8] : [0x50 + reg]);
const pop = (reg: number): number[] => (reg >= 8 ? [0x41, 0x58 + reg - 8] : [0x58 + reg]);

/** `mov [dst], src` with a 32- or 64-bit source; dst is rcx or r11 (plain ModRM r/m, no SIB). */
function storeThrough(dst: number, src: number, width: 32 | 64): number[] {
  const rex = 0x40 | (width === 64 ? 8 : 0) | (src >= 8 ? 4 : 0) | (dst >= 8 ? 1 : 0);
  const modrm = ((src & 7) << 3) | (dst & 7); // mod = 00
  return rex === 0x40 ? [0x89, modrm] : [rex, 0x89, modrm];
}

/** Machine code of one vDSO function, and where its `syscall` is. */
function assemble(sc: VdsoSyscall): { code: number[]; syscallAt: number } {
  const code: number[] = [];
  // The 4th C argument arrives in rcx but the kernel reads it from r10 (`syscall` overwrites rcx).
  if (sc.inputs >= 4) code.push(0x49, 0x89, 0xca); // mov r10, rcx (REX.W+B, 89 /r)
  // Save the out-pointers: they sit in argument registers the kernel may clobber.
  const outs = sc.results.map((_, i) => sc.inputs + i);
  outs.forEach((index, pushed) => {
    if (index < 6) code.push(...push(ARG_REGS[index]!));
    // Stack arguments: the 7th is at [rsp+8] on entry; every push so far moved it 8 further.
    else code.push(0xff, 0x74, 0x24, 8 + 8 * (index - 6) + 8 * pushed); // push qword [rsp+disp8] (FF /6)
  });
  code.push(0xb8, sc.number & 0xff, (sc.number >> 8) & 0xff, 0, 0); // mov eax, imm32
  const syscallAt = code.length;
  code.push(0x0f, 0x05); // syscall
  if (sc.noreturn) {
    code.push(0x0f, 0x0b); // ud2: the kernel never returns here
    return { code, syscallAt };
  }
  // Restore the out-pointers into rcx (first) and r11 (second); pop leaves the flags alone.
  const dests = [RCX, R11];
  for (let i = outs.length - 1; i >= 0; i--) code.push(...pop(dests[i]!));
  // jc .done (skips the stores and the xor): the errno is already in eax.
  const stores: number[] = [];
  sc.results.forEach((width, i) => {
    stores.push(...storeThrough(dests[i]!, i === 0 ? 0 : RDX, width));
  });
  stores.push(0x31, 0xc0); // xor eax, eax
  code.push(0x72, stores.length, ...stores);
  code.push(0xc3); // ret
  return { code, syscallAt };
}

let cached: Vdso | null = null;

/**
 * Builds (once) and returns the vDSO: an ET_DYN, EI_OSABI 17 ELF with one read+exec PT_LOAD, a
 * PT_DYNAMIC with DT_HASH, DT_SYMTAB, DT_STRTAB, DT_STRSZ, DT_SYMENT, and one global function
 * symbol per system call. The returned object is shared; do not modify its bytes.
 */
export function buildVdso(): Vdso {
  if (cached) return cached;
  const names = VDSO_SYSCALLS.map((s) => VDSO_SYMBOL_PREFIX + s.name);
  const dynstr = buildStringTable(['', ...names]);

  // .text: one 16-byte-aligned function per syscall, gaps filled with int3.
  const text: number[] = [];
  const funcs: { offset: number; size: number; syscallAt: number }[] = [];
  for (const sc of VDSO_SYSCALLS) {
    while (text.length % 16) text.push(0xcc);
    const { code, syscallAt } = assemble(sc);
    funcs.push({ offset: text.length, size: code.length, syscallAt: text.length + syscallAt });
    text.push(...code);
  }
  const textBytes = Uint8Array.from(text);

  // SysV hash table (gABI "Hash Table"): nbucket, nchain, buckets, chains. cloudlibc reads only
  // nchain; real lookups work too.
  const nsyms = names.length + 1;
  const nbucket = 17;
  const buckets = new Uint32Array(nbucket);
  const chains = new Uint32Array(nsyms);
  for (let i = 1; i < nsyms; i++) {
    const b = elfHash(names[i - 1]!) % nbucket;
    chains[i] = buckets[b]!;
    buckets[b] = i;
  }
  const hash = new Uint8Array((2 + nbucket + nsyms) * 4);
  {
    const dv = new DataView(hash.buffer);
    dv.setUint32(0, nbucket, true);
    dv.setUint32(4, nsyms, true);
    buckets.forEach((v, i) => {
      dv.setUint32(8 + i * 4, v, true);
    });
    chains.forEach((v, i) => {
      dv.setUint32(8 + (nbucket + i) * 4, v, true);
    });
  }

  const written = writeElfObject({ osabi: ELFOSABI_CLOUDABI, type: ET_DYN, machine: EM_X86_64, entry: 0 }, [
    { name: '.hash', type: SHT_HASH, flags: SHF_ALLOC, align: 8, data: hash, link: '.dynsym', entsize: 4 },
    {
      name: '.dynsym',
      type: SHT_DYNSYM,
      flags: SHF_ALLOC,
      align: 8,
      size: nsyms * SYM_SIZE,
      link: '.dynstr',
      info: 1,
      entsize: SYM_SIZE,
      data: (addr) => {
        const out = new Uint8Array(nsyms * SYM_SIZE);
        const dv = new DataView(out.buffer);
        const textAt = addr.get('.text')!;
        funcs.forEach((f, i) => {
          const o = (i + 1) * SYM_SIZE;
          dv.setUint32(o, dynstr.offsets.get(names[i]!)!, true);
          dv.setUint8(o + 4, (STB_GLOBAL << 4) | STT_FUNC);
          dv.setUint8(o + 5, 0); // STV_DEFAULT
          dv.setUint16(o + 6, 4, true); // st_shndx: .text is section 4
          dv.setBigUint64(o + 8, BigInt(textAt + f.offset), true);
          dv.setBigUint64(o + 16, BigInt(f.size), true);
        });
        return out;
      },
    },
    { name: '.dynstr', type: SHT_STRTAB, flags: SHF_ALLOC, align: 1, data: dynstr.bytes },
    { name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, align: 16, data: textBytes },
    {
      name: '.dynamic',
      type: SHT_DYNAMIC,
      flags: SHF_ALLOC,
      align: 8,
      size: 6 * 16,
      link: '.dynstr',
      entsize: 16,
      data: (addr) => {
        const out = new Uint8Array(6 * 16);
        const dv = new DataView(out.buffer);
        const entries: [number, number][] = [
          [DT_HASH, addr.get('.hash')!],
          [DT_STRTAB, addr.get('.dynstr')!],
          [DT_SYMTAB, addr.get('.dynsym')!],
          [DT_STRSZ, dynstr.bytes.length],
          [DT_SYMENT, SYM_SIZE],
          [DT_NULL, 0],
        ];
        entries.forEach(([tag, val], i) => {
          dv.setBigUint64(i * 16, BigInt(tag), true);
          dv.setBigUint64(i * 16 + 8, BigInt(val), true);
        });
        return out;
      },
    },
  ]);
  if (written.indices.get('.text') !== 4) throw new Error('vDSO layout: .text must be section 4');

  const textAt = written.addresses.get('.text')!;
  const symbols = new Map<string, number>();
  const syscallSites: VdsoSyscallSite[] = [];
  VDSO_SYSCALLS.forEach((sc, i) => {
    const f = funcs[i]!;
    symbols.set(names[i]!, textAt + f.offset);
    syscallSites.push({
      name: sc.name,
      number: sc.number,
      offset: textAt + f.syscallAt,
      returnOffset: textAt + f.syscallAt + 2,
    });
  });
  cached = { image: written.bytes, symbols, syscallSites };
  return cached;
}

/** The System V ELF hash function (gABI "Hash Table"). */
export function elfHash(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) {
    h = ((h << 4) + name.charCodeAt(i)) >>> 0;
    const g = h & 0xf0000000;
    if (g) h ^= g >>> 24;
    h &= ~g >>> 0;
    h >>>= 0;
  }
  return h;
}

/** Where a vDSO was mapped: what {@link isVdsoAddress} needs. */
export interface VdsoPlacement {
  /** Address of the vDSO's ELF header, or -1 when no vDSO is mapped. */
  vdsoBase: number;
  /** End of the vDSO mapping (exclusive). */
  vdsoEnd: number;
}

/**
 * True when the `syscall` instruction that just ended at `rip` (the rip the CPU reports after a
 * `syscall`, i.e. the address following the two-byte instruction) lies inside the mapped vDSO: inside the vDSO the number in eax uses the final numbering, anywhere else the
 * 2015–2016 legacy numbering (digest §1.2).
 */
export function isVdsoAddress(placement: VdsoPlacement, rip: number): boolean {
  // rip points after the two-byte `syscall`; the instruction itself must lie in the image.
  const at = rip - 2;
  return placement.vdsoBase >= 0 && at >= placement.vdsoBase && at < placement.vdsoEnd;
}
