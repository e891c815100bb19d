import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DT_HASH, DT_NULL, DT_STRTAB, DT_SYMTAB, PT_DYNAMIC } from './elf-constants.js';
import { parseElf } from './parse-elf.js';
import { VDSO_SYSCALLS } from './syscall-table.js';
import { buildVdso, elfHash, isVdsoAddress } from './vdso.js';

/** Resolves symbols exactly as cloudlibc's crt0 link_vdso does (digest §1.5). */
function linkLikeCloudlibc(image: Uint8Array): Map<string, number> {
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const phoff = Number(dv.getBigUint64(32, true));
  const phnum = dv.getUint16(56, true);
  let dyn = -1;
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * 56;
    if (dv.getUint32(o, true) === PT_DYNAMIC) dyn = Number(dv.getBigUint64(o + 16, true));
  }
  expect(dyn).toBeGreaterThan(0);
  let nsyms = 0;
  let strtab = 0;
  let symtab = 0;
  for (let o = dyn; ; o += 16) {
    const tag = Number(dv.getBigUint64(o, true));
    const val = Number(dv.getBigUint64(o + 8, true));
    if (tag === DT_NULL) break;
    if (tag === DT_HASH) nsyms = dv.getUint32(val + 4, true);
    if (tag === DT_STRTAB) strtab = val;
    if (tag === DT_SYMTAB) symtab = val;
  }
  const out = new Map<string, number>();
  for (let i = 0; i < nsyms; i++) {
    const o = symtab + i * 24;
    const name = dv.getUint32(o, true);
    const info = dv.getUint8(o + 4);
    const other = dv.getUint8(o + 5);
    if (info >> 4 !== 1 || (info & 15) !== 2 || (other & 3) !== 0 || name === 0) continue;
    let end = strtab + name;
    while (image[end] !== 0) end++;
    out.set(
      new TextDecoder().decode(image.subarray(strtab + name, end)),
      Number(dv.getBigUint64(o + 8, true)),
    );
  }
  return out;
}

describe('buildVdso', () => {
  const vdso = buildVdso();

  it('is a CloudABI ET_DYN our own parser accepts', () => {
    const elf = parseElf(vdso.image);
    expect(elf.header.osabi).toBe(17);
    expect(elf.pie).toBe(true);
    expect(elf.loads).toHaveLength(1);
    expect(elf.loads[0]!.flags).toBe(5); // R+X
    expect(elf.dynamic).not.toBeNull();
  });

  it('exports all 49 functions the way cloudlibc resolves them', () => {
    const linked = linkLikeCloudlibc(vdso.image);
    expect(linked.size).toBe(49);
    for (const sc of VDSO_SYSCALLS)
      expect(linked.get(`cloudabi_sys_${sc.name}`)).toBe(vdso.symbols.get(`cloudabi_sys_${sc.name}`));
  });

  it('has a SysV hash table whose chains find every symbol', () => {
    const dv = new DataView(vdso.image.buffer);
    const hashOff = 0xb0;
    const nbucket = dv.getUint32(hashOff, true);
    const nchain = dv.getUint32(hashOff + 4, true);
    const linked = linkLikeCloudlibc(vdso.image);
    const names = [...linked.keys()];
    expect(nchain).toBe(50);
    for (const name of names) {
      let i = dv.getUint32(hashOff + 8 + (elfHash(name) % nbucket) * 4, true);
      let found = false;
      while (i !== 0) {
        const sym = 0x1c8 + i * 24;
        const value = Number(dv.getBigUint64(sym + 8, true));
        if (value === linked.get(name)) found = true;
        i = dv.getUint32(hashOff + 8 + (nbucket + i) * 4, true);
      }
      expect(found, name).toBe(true);
    }
  });

  it('places one syscall per function, with the final number in eax just before it', () => {
    expect(vdso.syscallSites).toHaveLength(49);
    for (const site of vdso.syscallSites) {
      expect(vdso.image[site.offset]).toBe(0x0f);
      expect(vdso.image[site.offset + 1]).toBe(0x05);
      expect(vdso.image[site.offset - 5]).toBe(0xb8);
      expect(vdso.image[site.offset - 4]).toBe(site.number);
    }
  });

  it('tells vDSO syscalls from others', () => {
    const placement = { vdsoBase: 0x1000000, vdsoEnd: 0x1002000 };
    const site = vdso.syscallSites[16]!;
    expect(isVdsoAddress(placement, placement.vdsoBase + site.returnOffset)).toBe(true);
    expect(isVdsoAddress(placement, 0x400002)).toBe(false);
    expect(isVdsoAddress({ vdsoBase: -1, vdsoEnd: -1 }, 0x400002)).toBe(false);
  });

  let hasReadelf = true;
  try {
    execFileSync('readelf', ['--version'], { stdio: 'ignore' });
  } catch {
    hasReadelf = false;
  }
  it.runIf(hasReadelf)('is read by binutils readelf with all symbols', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cabi-vdso-'));
    try {
      const file = join(dir, 'vdso.so');
      writeFileSync(file, vdso.image);
      const out = execFileSync('readelf', ['-W', '--dyn-syms', '-d', '-h', file], { encoding: 'utf8' });
      expect(out).toContain('Nuxi CloudABI');
      for (const sc of VDSO_SYSCALLS)
        expect(out).toMatch(new RegExp(`FUNC +GLOBAL +DEFAULT +\\d+ cloudabi_sys_${sc.name}\\b`));
      expect(out).toMatch(/\(HASH\)/);
      expect(out).toMatch(/\(SYMTAB\)/);
      expect(out).toMatch(/\(STRTAB\)/);
      expect(out).toMatch(/\(STRSZ\)/);
      expect(out).toMatch(/\(SYMENT\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
