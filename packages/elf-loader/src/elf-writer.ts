/**
 * A small writer for ELF64 shared objects whose sections are all loaded at vaddr == file offset
 * (base-relative, as a vDSO must be: digest §1.5 and §6.1 item 5). It lays out the given sections,
 * emits one PT_LOAD covering the whole file plus a PT_DYNAMIC for the `.dynamic` section, and a
 * section header table so that standard tools (readelf, objdump) can read the result.
 */
import {
  EHDR_SIZE,
  ELFCLASS64,
  ELFDATA2LSB,
  EV_CURRENT,
  PF_R,
  PF_X,
  PHDR_SIZE,
  PT_DYNAMIC,
  PT_LOAD,
  SHDR_SIZE,
  SHT_DYNAMIC,
  SHT_STRTAB,
} from './elf-constants.js';

/** A section to place in the file. */
export interface SectionSpec {
  name: string;
  type: number;
  flags: number;
  align: number;
  /** Contents; may be produced late from the final addresses of all sections. */
  data: Uint8Array | ((addr: ReadonlyMap<string, number>) => Uint8Array);
  /** Size when `data` is a function (must match what it returns). */
  size?: number;
  /** Name of the section sh_link refers to. */
  link?: string;
  info?: number;
  entsize?: number;
}

/** Header fields of the object to write. */
export interface ObjectSpec {
  osabi: number;
  type: number;
  machine: number;
  entry: number;
  /** Flags of the single PT_LOAD (default R+X). */
  loadFlags?: number;
}

/** The written file plus where each section landed. */
export interface WrittenObject {
  bytes: Uint8Array;
  addresses: Map<string, number>;
  sizes: Map<string, number>;
  /** Section header index of each section (1-based; 0 is the null section). */
  indices: Map<string, number>;
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

/** Writes an ELF64 little-endian shared object from `sections` (see the module comment). */
export function writeElfObject(spec: ObjectSpec, sections: readonly SectionSpec[]): WrittenObject {
  const hasDynamic = sections.some((s) => s.type === SHT_DYNAMIC);
  const phnum = hasDynamic ? 2 : 1;
  const shstr = buildStringTable(['', ...sections.map((s) => s.name), '.shstrtab']);
  const addresses = new Map<string, number>();
  const sizes = new Map<string, number>();
  const indices = new Map<string, number>();
  let cursor = EHDR_SIZE + phnum * PHDR_SIZE;
  sections.forEach((s, i) => {
    cursor = alignUp(cursor, s.align);
    addresses.set(s.name, cursor);
    const size = typeof s.data === 'function' ? (s.size ?? 0) : s.data.length;
    sizes.set(s.name, size);
    indices.set(s.name, i + 1);
    cursor += size;
  });
  const shstrOff = cursor;
  cursor += shstr.bytes.length;
  const shoff = alignUp(cursor, 8);
  const shnum = sections.length + 2;
  const total = shoff + shnum * SHDR_SIZE;

  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  const u64 = (off: number, v: number): void => dv.setBigUint64(off, BigInt(v), true);

  for (const s of sections) {
    const data = typeof s.data === 'function' ? s.data(addresses) : s.data;
    if (data.length !== sizes.get(s.name)) throw new Error(`section ${s.name}: size mismatch`);
    out.set(data, addresses.get(s.name)!);
  }
  out.set(shstr.bytes, shstrOff);

  // ELF header (System V gABI, "ELF Header").
  out.set([0x7f, 0x45, 0x4c, 0x46, ELFCLASS64, ELFDATA2LSB, EV_CURRENT, spec.osabi], 0);
  dv.setUint16(16, spec.type, true);
  dv.setUint16(18, spec.machine, true);
  dv.setUint32(20, EV_CURRENT, true);
  u64(24, spec.entry);
  u64(32, EHDR_SIZE);
  u64(40, shoff);
  dv.setUint32(48, 0, true);
  dv.setUint16(52, EHDR_SIZE, true);
  dv.setUint16(54, PHDR_SIZE, true);
  dv.setUint16(56, phnum, true);
  dv.setUint16(58, SHDR_SIZE, true);
  dv.setUint16(60, shnum, true);
  dv.setUint16(62, shnum - 1, true);

  const phdr = (i: number, type: number, flags: number, off: number, size: number, align: number): void => {
    const o = EHDR_SIZE + i * PHDR_SIZE;
    dv.setUint32(o, type, true);
    dv.setUint32(o + 4, flags, true);
    u64(o + 8, off);
    u64(o + 16, off);
    u64(o + 24, off);
    u64(o + 32, size);
    u64(o + 40, size);
    u64(o + 48, align);
  };
  phdr(0, PT_LOAD, spec.loadFlags ?? PF_R | PF_X, 0, total, 4096);
  const dynamic = sections.find((s) => s.type === SHT_DYNAMIC);
  if (dynamic) phdr(1, PT_DYNAMIC, PF_R, addresses.get(dynamic.name)!, sizes.get(dynamic.name)!, 8);

  const shdr = (
    i: number,
    name: number,
    type: number,
    flags: number,
    addr: number,
    off: number,
    size: number,
    link: number,
    info: number,
    align: number,
    entsize: number,
  ): void => {
    const o = shoff + i * SHDR_SIZE;
    dv.setUint32(o, name, true);
    dv.setUint32(o + 4, type, true);
    u64(o + 8, flags);
    u64(o + 16, addr);
    u64(o + 24, off);
    u64(o + 32, size);
    dv.setUint32(o + 40, link, true);
    dv.setUint32(o + 44, info, true);
    u64(o + 48, align);
    u64(o + 56, entsize);
  };
  sections.forEach((s, i) => {
    const at = addresses.get(s.name)!;
    const link = s.link ? (indices.get(s.link) ?? 0) : 0;
    shdr(
      i + 1,
      shstr.offsets.get(s.name)!,
      s.type,
      s.flags,
      at,
      at,
      sizes.get(s.name)!,
      link,
      s.info ?? 0,
      s.align,
      s.entsize ?? 0,
    );
  });
  shdr(
    shnum - 1,
    shstr.offsets.get('.shstrtab')!,
    SHT_STRTAB,
    0,
    0,
    shstrOff,
    shstr.bytes.length,
    0,
    0,
    1,
    0,
  );
  return { bytes: out, addresses, sizes, indices };
}

/** A NUL-separated string table and the offset of each string in it. */
export function buildStringTable(strings: readonly string[]): {
  bytes: Uint8Array;
  offsets: Map<string, number>;
} {
  const enc = new TextEncoder();
  const offsets = new Map<string, number>();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (const s of strings) {
    if (offsets.has(s)) continue;
    if (s === '' && size > 0) {
      offsets.set(s, 0);
      continue;
    }
    offsets.set(s, size);
    const b = enc.encode(s);
    parts.push(b, new Uint8Array(1));
    size += b.length + 1;
  }
  if (!offsets.has('')) offsets.set('', 0);
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { bytes, offsets };
}
