import { GuestMemory, PROT_EXEC, PROT_READ, PROT_WRITE } from '@cabi/x86-core';
import { describe, expect, it } from 'vitest';
import {
  AT,
  buildVdso,
  ElfError,
  IMAGE_WINDOW_SIZE,
  IMAGE_WINDOW_START,
  inspectElf,
  isVdsoAddress,
  loadProcess,
  type ProcessImage,
  threadStartState,
} from '../src/index.js';
import { ElfPatch, fixture } from './helpers.js';

const hello = fixture('hello');
const argdata = Uint8Array.from([
  0x06, 0x87, 0x08, 0x73, 0x74, 0x64, 0x6f, 0x75, 0x74, 0x00, 0x85, 0x03, 0, 0, 0, 1,
]);

function load(options: Partial<Parameters<typeof loadProcess>[2]> = {}): {
  mem: GuestMemory;
  img: ProcessImage;
} {
  const mem = new GuestMemory();
  let counter = 0;
  const img = loadProcess(mem, hello, {
    argdata,
    random: (b) => {
      for (let i = 0; i < b.length; i++) b[i] = counter++ & 0xff;
    },
    seed: 42,
    tid: 7,
    ncpus: 2,
    ...options,
  });
  return { mem, img };
}

const u64 = (mem: GuestMemory, at: number): number => Number(mem.dv.getBigUint64(at, true));

describe('loadProcess', () => {
  it('builds the FreeBSD CloudABI initial stack', () => {
    const { mem, img } = load();
    // Registers at entry (digest §3.2).
    expect(img.rsp % 16).toBe(8);
    expect(img.rdi).toBe(img.auxvAddress);
    expect(img.fsBase).toBe(img.tcb - 8);
    expect(u64(mem, img.fsBase)).toBe(img.tcb);
    expect(u64(mem, img.tcb)).toBe(0);
    expect(img.rdi).toBe(img.fsBase + 16);
    expect(img.rsp).toBeLessThanOrEqual(img.fsBase);
    expect(img.rsp).toBeGreaterThan(img.fsBase - 24);
    // auxv in FreeBSD's order, every value as stored in memory.
    const types = img.auxv.map((e) => e.type);
    expect(types).toEqual([
      AT.ARGDATA,
      AT.ARGDATALEN,
      AT.BASE,
      AT.CANARY,
      AT.CANARYLEN,
      AT.NCPUS,
      AT.PAGESZ,
      AT.PHDR,
      AT.PHNUM,
      AT.PID,
      AT.SYSINFO_EHDR,
      AT.TID,
      AT.NULL,
    ]);
    img.auxv.forEach((e, i) => {
      expect(mem.dv.getUint32(img.auxvAddress + i * 16, true)).toBe(e.type);
      expect(u64(mem, img.auxvAddress + i * 16 + 8)).toBe(e.value);
    });
    const aux = new Map(img.auxv.map((e) => [e.type, e.value]));
    expect(aux.get(AT.ARGDATALEN)).toBe(argdata.length);
    expect(mem.u8.slice(aux.get(AT.ARGDATA)!, aux.get(AT.ARGDATA)! + argdata.length + 1)).toEqual(
      Uint8Array.from([...argdata, 0]),
    );
    expect(aux.get(AT.ARGDATA)! % 8).toBe(0);
    expect(aux.get(AT.ARGDATA)! + argdata.length + 1).toBeLessThanOrEqual(img.stackTop);
    expect(aux.get(AT.CANARYLEN)).toBe(64);
    expect(mem.u8.slice(aux.get(AT.CANARY)!, aux.get(AT.CANARY)! + 64)).toEqual(
      Uint8Array.from({ length: 64 }, (_, i) => i),
    );
    const pid = mem.u8.slice(aux.get(AT.PID)!, aux.get(AT.PID)! + 16);
    expect(pid).toEqual(img.pid);
    expect(pid[6]! >> 4).toBe(4);
    expect(pid[8]! >> 6).toBe(2);
    expect(aux.get(AT.BASE)).toBe(img.base);
    expect(aux.get(AT.NCPUS)).toBe(2);
    expect(aux.get(AT.PAGESZ)).toBe(4096);
    expect(aux.get(AT.TID)).toBe(7);
    expect(aux.get(AT.PHNUM)).toBe(9);
    expect(aux.get(AT.PHDR)).toBe(img.base + 64);
    expect(mem.u8.slice(aux.get(AT.PHDR)!, aux.get(AT.PHDR)! + 56)).toEqual(hello.slice(64, 120));
    expect(aux.get(AT.SYSINFO_EHDR)).toBe(img.vdsoBase);
  });

  it('maps segments with their protections, zero bss, and the vDSO read+exec', () => {
    const { mem, img } = load();
    expect(img.base % 4096).toBe(0);
    expect(img.base).toBeGreaterThanOrEqual(IMAGE_WINDOW_START);
    expect(img.base).toBeLessThan(IMAGE_WINDOW_START + IMAGE_WINDOW_SIZE);
    const elf = img.elf;
    for (const seg of elf.loads) {
      const want =
        (seg.flags & 4 ? PROT_READ : 0) | (seg.flags & 2 ? PROT_WRITE : 0) | (seg.flags & 1 ? PROT_EXEC : 0);
      expect(mem.protectionAt(img.base + seg.vaddr)).toBe(want);
      expect(mem.u8.slice(img.base + seg.vaddr, img.base + seg.vaddr + seg.filesz)).toEqual(
        hello.slice(seg.offset, seg.offset + seg.filesz),
      );
      const bss = mem.u8.slice(img.base + seg.vaddr + seg.filesz, img.base + seg.vaddr + seg.memsz);
      expect(bss.every((b) => b === 0)).toBe(true);
    }
    expect(img.entry).toBe(img.base + elf.header.entry);
    expect(mem.protectionAt(img.entry) & PROT_EXEC).toBe(PROT_EXEC);
    const vdso = buildVdso();
    expect(mem.protectionAt(img.vdsoBase)).toBe(PROT_READ | PROT_EXEC);
    expect(mem.u8.slice(img.vdsoBase, img.vdsoBase + vdso.image.length)).toEqual(vdso.image);
    expect(img.vdsoSymbols.get('cloudabi_sys_fd_write')).toBe(
      img.vdsoBase + vdso.symbols.get('cloudabi_sys_fd_write')!,
    );
    expect(mem.protectionAt(img.stackBottom)).toBe(PROT_READ | PROT_WRITE);
    expect(mem.protectionAt(img.stackTop - 1)).toBe(PROT_READ | PROT_WRITE);
    expect(mem.isFree(img.stackBottom - 4096, 4096)).toBe(true); // guard page
    expect(img.stackTop - img.stackBottom).toBe(8 * 1024 * 1024);
    expect(img.stackTop).toBeLessThan(2 ** 32);
    expect(img.tls).toEqual({
      address: img.base + elf.tls!.vaddr,
      filesz: 0,
      memsz: elf.tls!.memsz,
      align: 8,
    });
    expect(img.relro?.address).toBe(img.base + elf.relro!.vaddr);
    expect(img.dynamic).toBe(img.base + elf.dynamic!.vaddr);
    expect(img.executableStackRequested).toBe(false);
    const site = buildVdso().syscallSites[0]!;
    expect(isVdsoAddress(img, img.vdsoBase + site.returnOffset)).toBe(true);
    expect(isVdsoAddress(img, img.entry + 2)).toBe(false);
  });

  it('is deterministic for a seed and varies the base across seeds', () => {
    expect(load({ seed: 5 }).img.base).toBe(load({ seed: 5 }).img.base);
    const bases = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => load({ seed }).img.base));
    expect(bases.size).toBeGreaterThan(4);
  });

  it('omits AT_SYSINFO_EHDR without a vDSO and copies empty argdata as nothing', () => {
    const { img } = load({ vdso: false, argdata: new Uint8Array() });
    expect(img.vdsoBase).toBe(-1);
    expect(img.auxv.some((e) => e.type === AT.SYSINFO_EHDR)).toBe(false);
    expect(img.auxv.find((e) => e.type === AT.ARGDATALEN)?.value).toBe(0);
    expect(img.rsp % 16).toBe(8);
  });

  it('leaves the address space untouched when loading fails', () => {
    // The image fits, the 8 MiB stack does not: the image mapping must be undone.
    const mem = new GuestMemory({ maxBytes: 4 * 1024 * 1024 });
    expect(() =>
      loadProcess(mem, hello, { argdata, random: (b) => b.fill(0), seed: 1, tid: 1, ncpus: 1 }),
    ).toThrow(ElfError);
    expect(mem.mappedBytes).toBe(0);
  });

  it('copies the program headers onto the stack when no segment maps them', () => {
    const e = new ElfPatch(hello);
    const phdrIndex = e.find(6)[0]!;
    e.setPh(phdrIndex, 'type', 0); // drop PT_PHDR
    // Move the table to the end of the file, outside every PT_LOAD.
    const table = e.bytes.slice(e.phoff, e.phoff + e.phnum * 56);
    const grown = new Uint8Array(e.bytes.length + table.length + 8);
    grown.set(e.bytes);
    const at = Math.ceil(e.bytes.length / 8) * 8;
    grown.set(table, at);
    new DataView(grown.buffer).setBigUint64(32, BigInt(at), true);
    const mem = new GuestMemory();
    const img = loadProcess(mem, grown, { argdata, random: (b) => b.fill(9), seed: 3, tid: 1, ncpus: 1 });
    const phdr = img.auxv.find((x) => x.type === AT.PHDR)!.value;
    expect(phdr).toBeGreaterThan(img.stackBottom);
    expect(mem.u8.slice(phdr, phdr + table.length)).toEqual(table);
  });
});

describe('PIE linked at a non-zero address', () => {
  it('keeps the layout, shifted by a randomized bias', () => {
    const e = new ElfPatch(hello);
    const shift = 0x200000;
    e.u64(24, Number(e.dv.getBigUint64(24, true)) + shift);
    for (let i = 0; i < e.phnum; i++)
      if (e.phType(i) !== 0x6474e551) e.setPh(i, 'vaddr', e.phField(i, 'vaddr') + shift);
    const mem = new GuestMemory();
    const img = loadProcess(mem, e.bytes, { argdata, random: (b) => b.fill(1), seed: 9, tid: 1, ncpus: 1 });
    expect(img.base).toBeGreaterThanOrEqual(IMAGE_WINDOW_START);
    expect(img.imageStart).toBe(img.base + shift);
    expect(img.entry).toBe(img.base + shift + 0x1000);
    expect(img.auxv.find((x) => x.type === AT.BASE)?.value).toBe(img.base);
  });

  it("writes a negative bias as a 64-bit two's complement AT_BASE", () => {
    const e = new ElfPatch(hello);
    const shift = 0x8000_0000;
    e.u64(24, Number(e.dv.getBigUint64(24, true)) + shift);
    for (let i = 0; i < e.phnum; i++)
      if (e.phType(i) !== 0x6474e551) e.setPh(i, 'vaddr', e.phField(i, 'vaddr') + shift);
    // Only 64 MiB of address space: the image must move below its link address.
    const mem = new GuestMemory({ maxBytes: 64 * 1024 * 1024 });
    const img = loadProcess(mem, e.bytes, { argdata, random: (b) => b.fill(1), seed: 9, tid: 1, ncpus: 1 });
    expect(img.base).toBeLessThan(0);
    expect(img.imageStart).toBeGreaterThan(0);
    const at = img.auxvAddress + img.auxv.findIndex((x) => x.type === AT.BASE) * 16 + 8;
    expect(mem.dv.getBigUint64(at, true)).toBe(BigInt.asUintN(64, BigInt(img.base)));
  });
});

describe('threadStartState', () => {
  it('puts the TCB at the top of the stack and enters like a call', () => {
    const s = threadStartState({
      entryPoint: 0x1234,
      stack: 0x10000,
      stackLen: 0x4000,
      argument: 0x5678,
      tid: 9,
    })!;
    expect(s.tcb).toBe(0x14000 - 8);
    expect(s.fsBase).toBe(s.tcb - 8);
    expect(s.rsp % 16).toBe(8);
    expect(s.rsp).toBe(((s.fsBase & ~15) >>> 0) - 8);
    expect(s.rdi).toBe(9);
    expect(s.rsi).toBe(0x5678);
    expect(s.rip).toBe(0x1234);
    expect(s.rbp).toBe(0);
    expect(s.writes).toEqual([
      { address: s.fsBase, bytes: Uint8Array.from([0xf8, 0x3f, 1, 0, 0, 0, 0, 0]) },
      { address: s.rsp, bytes: new Uint8Array(8) },
    ]);
  });

  it('rounds an unaligned stack end down', () => {
    const s = threadStartState({ entryPoint: 1, stack: 0x10003, stackLen: 0x1005, argument: 0, tid: 2 })!;
    expect(s.tcb % 8).toBe(0);
    expect(s.tcb).toBeLessThanOrEqual(0x10003 + 0x1005 - 8);
    expect(s.rsp % 16).toBe(8);
  });

  it('refuses stacks too small for the startup words', () => {
    expect(threadStartState({ entryPoint: 1, stack: 0x10000, stackLen: 16, argument: 0, tid: 2 })).toBeNull();
    expect(threadStartState({ entryPoint: 1, stack: -1, stackLen: 4096, argument: 0, tid: 2 })).toBeNull();
  });
});

describe('inspectElf', () => {
  it('describes hello as a vDSO-era static PIE', () => {
    const info = inspectElf(hello);
    expect(info.header.type).toBe('ET_DYN (static PIE)');
    expect(info.header.machine).toBe('x86-64');
    expect(info.segments.filter((s) => s.type === 'PT_LOAD').map((s) => s.flags)).toEqual([
      'R--',
      'R-X',
      'RW-',
      'RW-',
    ]);
    expect(info.tls?.memsz).toBeGreaterThan(0);
    expect(info.relro).not.toBeNull();
    expect(info.stack).toEqual({ present: true, executable: false });
    expect(info.abi.era).toBe('vdso');
    expect(info.abi.vdsoNameReferences).toBeGreaterThan(0);
    expect(info.abi.syscallSites).toBe(0);
    expect(info.abi.reason).toMatch(/cloudabi_sys_/);
  });

  it('recognises the legacy build as a raw-syscall binary', () => {
    const info = inspectElf(fixture('legacy'));
    expect(info.abi.era).toBe('raw-syscall');
    expect(info.abi.vdsoNameReferences).toBe(0);
    expect(info.abi.syscallSites).toBeGreaterThanOrEqual(49);
    expect(info.abi.syscallBytePairs).toBeGreaterThanOrEqual(info.abi.syscallSites);
  });

  it('sees both in the echo server (vDSO calls plus the legacy sock_accept)', () => {
    const info = inspectElf(fixture('echo'));
    expect(info.abi.era).toBe('mixed');
    expect(info.abi.syscallSites).toBe(1);
  });
});
