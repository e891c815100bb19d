/**
 * ELF64 parsing and validation for CloudABI x86-64 executables.
 *
 * The parser reads only through bounds-checked little-endian accessors and validates everything the
 * loader later relies on, so a truncated or hostile file can only ever produce an {@link ElfError}.
 * What it accepts is what FreeBSD's `cloudabi64` image activator and the CloudABI userspace emulator
 * accept (digest §3.1): ELF64, little-endian, EI_OSABI 17, x86-64, ET_DYN (static PIE) or ET_EXEC,
 * no interpreter, page-aligned non-overlapping PT_LOAD segments.
 */
import {
  EHDR_SIZE,
  EI_ABIVERSION,
  EI_CLASS,
  EI_DATA,
  EI_OSABI,
  EI_VERSION,
  ELFCLASS32,
  ELFCLASS64,
  ELFDATA2LSB,
  ELFDATA2MSB,
  ELFMAG,
  ELFOSABI_CLOUDABI,
  EM_X86_64,
  ET_CORE,
  ET_DYN,
  ET_EXEC,
  ET_NONE,
  ET_REL,
  EV_CURRENT,
  MACHINE_NAMES,
  OSABI_NAMES,
  PF_X,
  PHDR_SIZE,
  PT_DYNAMIC,
  PT_GNU_RELRO,
  PT_GNU_STACK,
  PT_INTERP,
  PT_LOAD,
  PT_PHDR,
  PT_TLS,
} from './elf-constants.js';
import { ElfError } from './elf-error.js';

/** Guest page size the loader aligns to. */
export const ELF_PAGE_SIZE = 4096;
/** Size of the guest address space; every loaded byte must lie below it. */
export const ADDRESS_SPACE_LIMIT = 2 ** 32;
/**
 * Most program headers accepted. FreeBSD requires the table to fit in the first page of the file;
 * 4096 / 56 = 73 entries.
 */
export const MAX_PHNUM = Math.floor(ELF_PAGE_SIZE / PHDR_SIZE);

/** The fields of the ELF header the loader and inspector use. */
export interface ElfHeader {
  /** EI_OSABI (17 for CloudABI). */
  osabi: number;
  /** EI_ABIVERSION. */
  abiVersion: number;
  /** e_type: 2 = ET_EXEC, 3 = ET_DYN. */
  type: number;
  /** e_machine (62 = x86-64). */
  machine: number;
  /** e_entry (unrelocated). */
  entry: number;
  /** e_phoff. */
  phoff: number;
  /** e_shoff. */
  shoff: number;
  /** e_flags. */
  flags: number;
  /** e_phentsize. */
  phentsize: number;
  /** e_phnum. */
  phnum: number;
  /** e_shentsize. */
  shentsize: number;
  /** e_shnum. */
  shnum: number;
  /** e_shstrndx. */
  shstrndx: number;
}

/** One program header. 64-bit fields are numbers: exact below 2^53, which covers every accepted value. */
export interface ElfSegment {
  /** p_type. */
  type: number;
  /** p_flags (PF_R = 4, PF_W = 2, PF_X = 1). */
  flags: number;
  /** p_offset. */
  offset: number;
  /** p_vaddr (unrelocated). */
  vaddr: number;
  /** p_filesz. */
  filesz: number;
  /** p_memsz. */
  memsz: number;
  /** p_align. */
  align: number;
}

/** A parsed and validated CloudABI executable. Addresses are unrelocated (add the load base). */
export interface ElfImage {
  /** The file. */
  bytes: Uint8Array;
  /** The ELF header. */
  header: ElfHeader;
  /** Every program header, in file order. */
  segments: ElfSegment[];
  /** The PT_LOAD segments in ascending address order. */
  loads: ElfSegment[];
  /** True for ET_DYN (static PIE, loaded at a chosen base); false for ET_EXEC (absolute addresses). */
  pie: boolean;
  /** Lowest PT_LOAD address, page-aligned. */
  minVaddr: number;
  /** End of the highest PT_LOAD (exclusive), rounded up to a page. */
  maxVaddr: number;
  /** PT_TLS, if any. */
  tls: ElfSegment | null;
  /** PT_DYNAMIC, if any. */
  dynamic: ElfSegment | null;
  /** PT_GNU_RELRO, if any. */
  relro: ElfSegment | null;
  /** PT_GNU_STACK, if any. */
  gnuStack: ElfSegment | null;
  /** PT_PHDR, if any. */
  phdr: ElfSegment | null;
  /**
   * Unrelocated address at which the program headers appear in the loaded image (from PT_PHDR or
   * from the PT_LOAD that maps their file bytes), or null when they are not loaded.
   */
  phdrVaddr: number | null;
}

/** Bounds-checked little-endian reader over the file; any read past the end is a 'truncated' error. */
class Reader {
  private readonly dv: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(off: number, len: number, what: string): void {
    if (off < 0 || off + len > this.bytes.length) {
      throw new ElfError(
        'truncated',
        `the file is truncated: ${what} needs bytes ${off}..${off + len} but the file has ${this.bytes.length}`,
      );
    }
  }
  u8(off: number, what: string): number {
    this.need(off, 1, what);
    return this.dv.getUint8(off);
  }
  u16(off: number, what: string): number {
    this.need(off, 2, what);
    return this.dv.getUint16(off, true);
  }
  u32(off: number, what: string): number {
    this.need(off, 4, what);
    return this.dv.getUint32(off, true);
  }
  /** A 64-bit field as a number (values above 2^53 lose low bits but stay far above every limit). */
  u64(off: number, what: string): number {
    this.need(off, 8, what);
    return this.dv.getUint32(off + 4, true) * 2 ** 32 + this.dv.getUint32(off, true);
  }
}

const hex = (n: number): string => `0x${n.toString(16)}`;

function typeName(type: number): string {
  switch (type) {
    case ET_NONE:
      return 'file of no type';
    case ET_REL:
      return 'relocatable object file';
    case ET_EXEC:
      return 'executable';
    case ET_DYN:
      return 'shared object or position-independent executable';
    case ET_CORE:
      return 'core dump';
    default:
      return `file of type ${hex(type)}`;
  }
}

function machineName(machine: number): string {
  return MACHINE_NAMES[machine] ?? `machine ${machine}`;
}

/** Describes a non-CloudABI ELF file in words ("a Linux x86-64 executable"). */
function describeForeign(osabi: number, machine: number, type: number): string {
  const os = OSABI_NAMES[osabi] ?? `OS/ABI ${osabi}`;
  const article = /^[aeiouAEIOU]|^x86/.test(os) ? 'an' : 'a';
  return `${article} ${os} ${machineName(machine)} ${typeName(type)} (EI_OSABI ${osabi})`;
}

function readHeader(r: Reader): ElfHeader {
  const bytes = r.bytes;
  if (bytes.length < 4 || ELFMAG.some((b, i) => bytes[i] !== b)) {
    if (bytes.length < 4 && ELFMAG.slice(0, bytes.length).every((b, i) => bytes[i] === b)) {
      throw new ElfError(
        'truncated',
        `the file is truncated: ${bytes.length} bytes, not even an ELF magic number`,
      );
    }
    const shown = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    const hint = bytes[0] === 0x23 && bytes[1] === 0x21 ? ' (a script, starting with "#!")' : '';
    throw new ElfError(
      'bad-magic',
      `not an ELF file: it starts with ${shown || 'nothing'}${hint}, not 7f 45 4c 46`,
    );
  }
  if (bytes.length < EHDR_SIZE) {
    // Still report class problems first when they are visible: they explain the short header.
    const cls = bytes[EI_CLASS];
    if (cls === ELFCLASS32)
      throw new ElfError('bad-class', 'a 32-bit ELF file (ELFCLASS32), not a 64-bit CloudABI executable');
    throw new ElfError(
      'truncated',
      `the file is truncated: ${bytes.length} bytes, shorter than the 64-byte ELF header`,
    );
  }
  const cls = r.u8(EI_CLASS, 'EI_CLASS');
  if (cls !== ELFCLASS64) {
    throw new ElfError(
      'bad-class',
      cls === ELFCLASS32
        ? 'a 32-bit ELF file (ELFCLASS32), not a 64-bit CloudABI executable'
        : `invalid ELF class ${cls} (expected 2, ELFCLASS64)`,
    );
  }
  const data = r.u8(EI_DATA, 'EI_DATA');
  if (data !== ELFDATA2LSB) {
    throw new ElfError(
      'bad-endianness',
      data === ELFDATA2MSB
        ? 'a big-endian ELF file (ELFDATA2MSB); CloudABI x86-64 executables are little-endian'
        : `invalid ELF data encoding ${data} (expected 1, little-endian)`,
    );
  }
  const identVersion = r.u8(EI_VERSION, 'EI_VERSION');
  const version = r.u32(20, 'e_version');
  if (identVersion !== EV_CURRENT || version !== EV_CURRENT) {
    throw new ElfError(
      'bad-version',
      `unsupported ELF version (EI_VERSION ${identVersion}, e_version ${version}; expected 1)`,
    );
  }
  const header: ElfHeader = {
    osabi: r.u8(EI_OSABI, 'EI_OSABI'),
    abiVersion: r.u8(EI_ABIVERSION, 'EI_ABIVERSION'),
    type: r.u16(16, 'e_type'),
    machine: r.u16(18, 'e_machine'),
    entry: r.u64(24, 'e_entry'),
    phoff: r.u64(32, 'e_phoff'),
    shoff: r.u64(40, 'e_shoff'),
    flags: r.u32(48, 'e_flags'),
    phentsize: r.u16(54, 'e_phentsize'),
    phnum: r.u16(56, 'e_phnum'),
    shentsize: r.u16(58, 'e_shentsize'),
    shnum: r.u16(60, 'e_shnum'),
    shstrndx: r.u16(62, 'e_shstrndx'),
  };
  if (header.osabi !== ELFOSABI_CLOUDABI) {
    throw new ElfError(
      'not-cloudabi',
      `${describeForeign(header.osabi, header.machine, header.type)}, not CloudABI (EI_OSABI 17)`,
    );
  }
  if (header.machine !== EM_X86_64) {
    throw new ElfError(
      'bad-machine',
      `a CloudABI ${machineName(header.machine)} ${typeName(header.type)} (e_machine ${header.machine}); only x86-64 (62) runs here`,
    );
  }
  if (header.type !== ET_DYN && header.type !== ET_EXEC) {
    throw new ElfError(
      'bad-type',
      `a ${typeName(header.type)} (e_type ${header.type}), not an executable (ET_EXEC or static-PIE ET_DYN)`,
    );
  }
  const ehsize = r.u16(52, 'e_ehsize');
  if (ehsize !== EHDR_SIZE) {
    throw new ElfError('bad-program-headers', `e_ehsize is ${ehsize}, expected ${EHDR_SIZE}`);
  }
  return header;
}

function readSegments(r: Reader, h: ElfHeader): ElfSegment[] {
  if (h.phnum === 0) throw new ElfError('bad-program-headers', 'the file has no program headers (e_phnum 0)');
  if (h.phentsize !== PHDR_SIZE) {
    throw new ElfError('bad-program-headers', `e_phentsize is ${h.phentsize}, expected ${PHDR_SIZE}`);
  }
  if (h.phnum > MAX_PHNUM) {
    throw new ElfError(
      'bad-program-headers',
      `too many program headers: e_phnum ${h.phnum} (at most ${MAX_PHNUM}, one page of headers)`,
    );
  }
  const tableEnd = h.phoff + h.phnum * PHDR_SIZE;
  if (h.phoff < EHDR_SIZE || tableEnd > r.bytes.length) {
    throw new ElfError(
      'program-headers-outside-file',
      `the program header table (${hex(h.phoff)}..${hex(tableEnd)}) lies outside the ${r.bytes.length}-byte file`,
    );
  }
  if (h.phoff % 8 !== 0) {
    throw new ElfError(
      'bad-program-headers',
      `the program header table offset ${hex(h.phoff)} is not 8-byte aligned`,
    );
  }
  const segments: ElfSegment[] = [];
  for (let i = 0; i < h.phnum; i++) {
    const o = h.phoff + i * PHDR_SIZE;
    const what = `program header ${i}`;
    segments.push({
      type: r.u32(o, what),
      flags: r.u32(o + 4, what),
      offset: r.u64(o + 8, what),
      vaddr: r.u64(o + 16, what),
      filesz: r.u64(o + 32, what),
      memsz: r.u64(o + 40, what),
      align: r.u64(o + 48, what),
    });
  }
  return segments;
}

const segName = (s: ElfSegment, i: number): string =>
  `segment ${i} (${s.type === PT_LOAD ? 'PT_LOAD' : `type ${hex(s.type)}`}, vaddr ${hex(s.vaddr)})`;

/** True when [vaddr, vaddr+len) lies inside a PT_LOAD's memory image. */
function insideLoads(loads: ElfSegment[], vaddr: number, len: number): boolean {
  return loads.some((l) => vaddr >= l.vaddr && vaddr + len <= l.vaddr + l.memsz);
}

/**
 * Parses and validates a CloudABI x86-64 executable.
 *
 * @throws {@link ElfError} for every file that is not a loadable CloudABI executable; never anything else.
 */
export function parseElf(input: Uint8Array): ElfImage {
  if (!(input instanceof Uint8Array))
    throw new ElfError('truncated', 'the executable must be given as bytes');
  const r = new Reader(input);
  const header = readHeader(r);
  const segments = readSegments(r, header);

  let tls: ElfSegment | null = null;
  let dynamic: ElfSegment | null = null;
  let relro: ElfSegment | null = null;
  let gnuStack: ElfSegment | null = null;
  let phdr: ElfSegment | null = null;
  const loads: ElfSegment[] = [];
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (s.filesz > s.memsz && (s.type === PT_LOAD || s.type === PT_TLS)) {
      throw new ElfError(
        'filesz-exceeds-memsz',
        `${segName(s, i)} has p_filesz ${hex(s.filesz)} larger than p_memsz ${hex(s.memsz)}`,
      );
    }
    switch (s.type) {
      case PT_INTERP: {
        let path = '';
        if (s.offset + s.filesz <= input.length && s.filesz < 4096) {
          const raw = input.subarray(s.offset, s.offset + s.filesz);
          const end = raw.indexOf(0);
          path = new TextDecoder('utf-8', { fatal: false }).decode(end >= 0 ? raw.subarray(0, end) : raw);
        }
        throw new ElfError(
          'has-interpreter',
          `the executable asks for a dynamic linker${path ? ` (${JSON.stringify(path)})` : ''} through PT_INTERP; CloudABI executables are static`,
        );
      }
      case PT_LOAD:
        if (s.offset + s.filesz > input.length) {
          throw new ElfError(
            'segment-outside-file',
            `${segName(s, i)} needs file bytes ${hex(s.offset)}..${hex(s.offset + s.filesz)} but the file has ${input.length}`,
          );
        }
        if (s.vaddr % ELF_PAGE_SIZE !== 0 || s.offset % ELF_PAGE_SIZE !== 0) {
          throw new ElfError(
            'misaligned-segment',
            `${segName(s, i)} is not page-aligned (p_offset ${hex(s.offset)}, p_vaddr ${hex(s.vaddr)}; both must be multiples of ${ELF_PAGE_SIZE})`,
          );
        }
        if (s.vaddr + s.memsz > ADDRESS_SPACE_LIMIT) {
          throw new ElfError(
            'segment-outside-address-space',
            `${segName(s, i)} ends at ${hex(s.vaddr + s.memsz)}, beyond the 4 GiB guest address space`,
          );
        }
        loads.push(s);
        break;
      case PT_TLS:
        if (tls) throw new ElfError('bad-tls', 'the executable has more than one PT_TLS segment');
        if (s.align > ELF_PAGE_SIZE || (s.align !== 0 && (s.align & (s.align - 1)) !== 0)) {
          throw new ElfError(
            'bad-tls',
            `PT_TLS alignment ${s.align} is not a power of two up to ${ELF_PAGE_SIZE}`,
          );
        }
        if (s.memsz > 0x4000_0000)
          throw new ElfError('bad-tls', `PT_TLS is too large (${hex(s.memsz)} bytes)`);
        tls = s;
        break;
      case PT_DYNAMIC:
        dynamic = s;
        break;
      case PT_GNU_RELRO:
        relro = s;
        break;
      case PT_GNU_STACK:
        gnuStack = s;
        break;
      case PT_PHDR:
        phdr = s;
        break;
      default:
        break;
    }
  }
  if (loads.length === 0) throw new ElfError('no-loadable-segments', 'the executable has no PT_LOAD segment');

  // Segments must be in ascending order and must not share a page (digest §3.1: the loader maps
  // each one with its own protection).
  for (let i = 1; i < loads.length; i++) {
    const prev = loads[i - 1]!;
    const cur = loads[i]!;
    const prevEnd = Math.ceil((prev.vaddr + prev.memsz) / ELF_PAGE_SIZE) * ELF_PAGE_SIZE;
    if (cur.vaddr < prevEnd) {
      throw new ElfError(
        'overlapping-segments',
        `PT_LOAD segments at ${hex(prev.vaddr)} (to ${hex(prev.vaddr + prev.memsz)}) and ${hex(cur.vaddr)} overlap or are out of order`,
      );
    }
  }
  const minVaddr = loads[0]!.vaddr;
  const last = loads[loads.length - 1]!;
  const maxVaddr = Math.ceil((last.vaddr + last.memsz) / ELF_PAGE_SIZE) * ELF_PAGE_SIZE;
  if (maxVaddr > ADDRESS_SPACE_LIMIT) {
    throw new ElfError(
      'segment-outside-address-space',
      `the image ends at ${hex(maxVaddr)}, beyond the 4 GiB guest address space`,
    );
  }

  const exec = loads.find(
    (l) => l.flags & PF_X && header.entry >= l.vaddr && header.entry < l.vaddr + l.memsz,
  );
  if (!exec) {
    const inAny = loads.some((l) => header.entry >= l.vaddr && header.entry < l.vaddr + l.memsz);
    throw new ElfError(
      'entry-not-executable',
      `the entry point ${hex(header.entry)} ${inAny ? 'lies in a segment that is not executable' : 'lies outside every PT_LOAD segment'}`,
    );
  }

  if (tls) {
    const t: ElfSegment = tls;
    if (t.filesz > 0 && (t.offset + t.filesz > input.length || !insideLoads(loads, t.vaddr, t.filesz))) {
      throw new ElfError(
        'bad-tls',
        `the PT_TLS initialisation image at ${hex(t.vaddr)} is not inside the loaded image`,
      );
    }
  }
  for (const [name, s] of [
    ['PT_DYNAMIC', dynamic],
    ['PT_GNU_RELRO', relro],
    ['PT_PHDR', phdr],
  ] as const) {
    if (s && s.memsz > 0 && !insideLoads(loads, s.vaddr, s.memsz)) {
      // RELRO may extend to the end of its last page (lld rounds p_memsz up), so only the start and
      // the file-backed part must be covered.
      const ok = name === 'PT_GNU_RELRO' && insideLoads(loads, s.vaddr, Math.min(s.filesz, s.memsz));
      if (!ok) throw new ElfError('bad-segment', `${name} at ${hex(s.vaddr)} is not inside the loaded image`);
    }
  }

  let phdrVaddr: number | null = null;
  if (phdr) {
    phdrVaddr = phdr.vaddr;
  } else {
    const tableLen = header.phnum * PHDR_SIZE;
    const holder = loads.find(
      (l) => header.phoff >= l.offset && header.phoff + tableLen <= l.offset + l.filesz,
    );
    if (holder) phdrVaddr = holder.vaddr + (header.phoff - holder.offset);
  }

  return {
    bytes: input,
    header,
    segments,
    loads,
    pie: header.type === ET_DYN,
    minVaddr,
    maxVaddr,
    tls,
    dynamic,
    relro,
    gnuStack,
    phdr,
    phdrVaddr,
  };
}
