import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const fixturesBin = join(dirname(fileURLToPath(import.meta.url)), '../../../fixtures/bin');

/** Bytes of a committed fixture program. */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(fixturesBin, name)));
}

/** A mutable copy with little-endian field setters for ELF header and program header fields. */
export class ElfPatch {
  readonly bytes: Uint8Array;
  readonly dv: DataView;
  constructor(src: Uint8Array) {
    this.bytes = src.slice();
    this.dv = new DataView(this.bytes.buffer);
  }
  get phoff(): number {
    return Number(this.dv.getBigUint64(32, true));
  }
  get phnum(): number {
    return this.dv.getUint16(56, true);
  }
  u8(off: number, v: number): this {
    this.bytes[off] = v;
    return this;
  }
  u16(off: number, v: number): this {
    this.dv.setUint16(off, v, true);
    return this;
  }
  u32(off: number, v: number): this {
    this.dv.setUint32(off, v, true);
    return this;
  }
  u64(off: number, v: number | bigint): this {
    this.dv.setBigUint64(off, BigInt(v), true);
    return this;
  }
  /** Offset of program header `i`. */
  ph(i: number): number {
    return this.phoff + i * 56;
  }
  phType(i: number): number {
    return this.dv.getUint32(this.ph(i), true);
  }
  phField(i: number, field: 'offset' | 'vaddr' | 'paddr' | 'filesz' | 'memsz' | 'align'): number {
    const at = { offset: 8, vaddr: 16, paddr: 24, filesz: 32, memsz: 40, align: 48 }[field];
    return Number(this.dv.getBigUint64(this.ph(i) + at, true));
  }
  setPh(
    i: number,
    field: 'type' | 'flags' | 'offset' | 'vaddr' | 'filesz' | 'memsz' | 'align',
    v: number | bigint,
  ): this {
    if (field === 'type') return this.u32(this.ph(i), Number(v));
    if (field === 'flags') return this.u32(this.ph(i) + 4, Number(v));
    const at = { offset: 8, vaddr: 16, filesz: 32, memsz: 40, align: 48 }[field];
    return this.u64(this.ph(i) + at, v);
  }
  /** Indices of program headers of `type`, in order. */
  find(type: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.phnum; i++) if (this.phType(i) === type) out.push(i);
    return out;
  }
}
