import { GuestMemory } from '@cabi/x86-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ElfError, type ElfErrorCode, loadProcess, parseElf } from '../src/index.js';
import { ElfPatch, fixture } from './helpers.js';

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const PT_PHDR = 6;
const PT_TLS = 7;
const PT_GNU_STACK = 0x6474e551;

const hello = fixture('hello');
const p = (): ElfPatch => new ElfPatch(hello);
const loads = (e: ElfPatch): number[] => e.find(PT_LOAD);
const text = (e: ElfPatch): number => loads(e).find((i) => e.dv.getUint32(e.ph(i) + 4, true) & 1)!;
const lastLoad = (e: ElfPatch): number => loads(e).at(-1)!;

interface Case {
  name: string;
  bytes: Uint8Array;
  code: ElfErrorCode;
  message?: RegExp;
}

const enc = new TextEncoder();
const cases: Case[] = [
  { name: 'empty file', bytes: new Uint8Array(0), code: 'truncated' },
  { name: 'only part of the magic', bytes: hello.slice(0, 3), code: 'truncated' },
  { name: 'header cut at 10 bytes', bytes: hello.slice(0, 10), code: 'truncated' },
  { name: 'header cut at 63 bytes', bytes: hello.slice(0, 63), code: 'truncated' },
  { name: 'a PE file', bytes: p().u8(0, 0x4d).u8(1, 0x5a).bytes, code: 'bad-magic' },
  { name: 'a shell script', bytes: enc.encode('#!/bin/sh\necho hi\n'), code: 'bad-magic', message: /script/ },
  { name: 'magic byte 3 wrong', bytes: p().u8(3, 0x47).bytes, code: 'bad-magic' },
  { name: 'ELFCLASS32', bytes: p().u8(4, 1).bytes, code: 'bad-class', message: /32-bit/ },
  { name: 'ELFCLASSNONE', bytes: p().u8(4, 0).bytes, code: 'bad-class' },
  { name: 'class 3', bytes: p().u8(4, 3).bytes, code: 'bad-class' },
  { name: 'big-endian', bytes: p().u8(5, 2).bytes, code: 'bad-endianness', message: /big-endian/ },
  { name: 'ELFDATANONE', bytes: p().u8(5, 0).bytes, code: 'bad-endianness' },
  { name: 'EI_VERSION 0', bytes: p().u8(6, 0).bytes, code: 'bad-version' },
  { name: 'e_version 2', bytes: p().u32(20, 2).bytes, code: 'bad-version' },
  {
    name: 'Linux (SYSV) executable',
    bytes: p().u8(7, 0).u16(16, 2).bytes,
    code: 'not-cloudabi',
    message: /Linux x86-64 executable .*not CloudABI/,
  },
  {
    name: 'Linux (GNU) PIE',
    bytes: p().u8(7, 3).bytes,
    code: 'not-cloudabi',
    message: /^a Linux x86-64 shared object/,
  },
  {
    name: 'FreeBSD executable',
    bytes: p().u8(7, 9).u16(16, 2).bytes,
    code: 'not-cloudabi',
    message: /FreeBSD x86-64 executable/,
  },
  { name: 'OpenBSD', bytes: p().u8(7, 12).bytes, code: 'not-cloudabi', message: /OpenBSD/ },
  { name: 'standalone', bytes: p().u8(7, 255).bytes, code: 'not-cloudabi', message: /standalone/ },
  {
    name: 'Linux i386 object',
    bytes: p().u8(7, 3).u16(18, 3).u16(16, 1).bytes,
    code: 'not-cloudabi',
    message: /i386 relocatable/,
  },
  { name: 'i386 CloudABI', bytes: p().u16(18, 3).bytes, code: 'bad-machine', message: /i386/ },
  { name: 'aarch64 CloudABI', bytes: p().u16(18, 183).bytes, code: 'bad-machine', message: /AArch64/ },
  { name: 'EM_NONE', bytes: p().u16(18, 0).bytes, code: 'bad-machine' },
  { name: 'ET_REL', bytes: p().u16(16, 1).bytes, code: 'bad-type', message: /relocatable/ },
  { name: 'ET_CORE', bytes: p().u16(16, 4).bytes, code: 'bad-type', message: /core dump/ },
  { name: 'ET_NONE', bytes: p().u16(16, 0).bytes, code: 'bad-type' },
  { name: 'OS-specific e_type', bytes: p().u16(16, 0xfe00).bytes, code: 'bad-type' },
  { name: 'e_ehsize 52', bytes: p().u16(52, 52).bytes, code: 'bad-program-headers' },
  { name: 'e_phentsize 32', bytes: p().u16(54, 32).bytes, code: 'bad-program-headers' },
  { name: 'e_phnum 0', bytes: p().u16(56, 0).bytes, code: 'bad-program-headers' },
  { name: 'e_phnum 0xffff (PN_XNUM)', bytes: p().u16(56, 0xffff).bytes, code: 'bad-program-headers' },
  { name: 'e_phnum 74', bytes: p().u16(56, 74).bytes, code: 'bad-program-headers', message: /too many/ },
  {
    name: 'e_phoff beyond the file',
    bytes: p().u64(32, hello.length).bytes,
    code: 'program-headers-outside-file',
  },
  {
    name: 'e_phoff 0 (inside the ELF header)',
    bytes: p().u64(32, 0).bytes,
    code: 'program-headers-outside-file',
  },
  { name: 'e_phoff 2^63', bytes: p().u64(32, 1n << 63n).bytes, code: 'program-headers-outside-file' },
  { name: 'e_phoff misaligned', bytes: p().u64(32, 68).bytes, code: 'bad-program-headers' },
  { name: 'cut after the program headers', bytes: hello.slice(0, 0x800), code: 'segment-outside-file' },
  { name: 'cut in the middle', bytes: hello.slice(0, hello.length >> 1), code: 'segment-outside-file' },
  {
    name: 'PT_INTERP naming a dynamic linker',
    bytes: (() => {
      const e = p();
      const i = e.find(PT_PHDR)[0]!;
      const at = 0x400;
      e.bytes.set(enc.encode('/libexec/ld-elf.so.1\0'), at);
      return e.setPh(i, 'type', PT_INTERP).setPh(i, 'offset', at).setPh(i, 'filesz', 21).bytes;
    })(),
    code: 'has-interpreter',
    message: /ld-elf\.so\.1/,
  },
  {
    name: 'PT_INTERP without contents',
    bytes: p().setPh(p().find(PT_GNU_STACK)[0]!, 'type', PT_INTERP).bytes,
    code: 'has-interpreter',
  },
  {
    name: 'PT_LOAD vaddr not page-aligned',
    bytes: (() => {
      const e = p();
      const i = text(e);
      return e.setPh(i, 'vaddr', e.phField(i, 'vaddr') + 0x10).bytes;
    })(),
    code: 'misaligned-segment',
  },
  {
    name: 'PT_LOAD offset not page-aligned',
    bytes: (() => {
      const e = p();
      const i = text(e);
      return e.setPh(i, 'offset', e.phField(i, 'offset') + 8).bytes;
    })(),
    code: 'misaligned-segment',
  },
  {
    name: 'two PT_LOADs at the same address',
    bytes: (() => {
      const e = p();
      return e.setPh(text(e), 'vaddr', 0).bytes;
    })(),
    code: 'overlapping-segments',
  },
  {
    name: 'PT_LOADs sharing a page',
    bytes: (() => {
      const e = p();
      const [first] = loads(e);
      return e.setPh(first!, 'memsz', e.phField(text(e), 'vaddr') + 1).bytes;
    })(),
    code: 'overlapping-segments',
  },
  {
    name: 'PT_LOADs out of order',
    bytes: (() => {
      const e = p();
      const l = loads(e);
      return e.setPh(l[1]!, 'vaddr', e.phField(l.at(-1)!, 'vaddr') + 0x100000).bytes;
    })(),
    code: 'overlapping-segments',
  },
  {
    name: 'PT_LOAD filesz > memsz',
    bytes: (() => {
      const e = p();
      const i = text(e);
      return e.setPh(i, 'memsz', e.phField(i, 'filesz') - 1).bytes;
    })(),
    code: 'filesz-exceeds-memsz',
  },
  {
    name: 'PT_TLS filesz > memsz',
    bytes: (() => {
      const e = p();
      const i = e.find(PT_TLS)[0]!;
      return e.setPh(i, 'filesz', e.phField(i, 'memsz') + 8).bytes;
    })(),
    code: 'filesz-exceeds-memsz',
  },
  {
    name: 'PT_LOAD beyond 4 GiB',
    bytes: (() => {
      const e = p();
      return e.setPh(lastLoad(e), 'vaddr', 0xffff_f000).bytes;
    })(),
    code: 'segment-outside-address-space',
  },
  {
    name: 'PT_LOAD with a 1 TiB memsz',
    bytes: (() => {
      const e = p();
      return e.setPh(lastLoad(e), 'memsz', 2 ** 40).bytes;
    })(),
    code: 'segment-outside-address-space',
  },
  {
    name: 'PT_LOAD at 2^63',
    bytes: (() => {
      const e = p();
      return e.setPh(lastLoad(e), 'vaddr', 1n << 63n).bytes;
    })(),
    code: 'segment-outside-address-space',
  },
  {
    name: 'entry in a read-only segment',
    bytes: p().u64(24, 0x40).bytes,
    code: 'entry-not-executable',
    message: /not executable/,
  },
  {
    name: 'entry outside every segment',
    bytes: p().u64(24, 0x4000_0000).bytes,
    code: 'entry-not-executable',
    message: /outside/,
  },
  {
    name: 'text segment not executable',
    bytes: (() => {
      const e = p();
      return e.setPh(text(e), 'flags', 4).bytes;
    })(),
    code: 'entry-not-executable',
  },
  {
    name: 'no PT_LOAD at all',
    bytes: (() => {
      const e = p();
      for (const i of loads(e)) e.setPh(i, 'type', 0);
      return e.bytes;
    })(),
    code: 'no-loadable-segments',
  },
  {
    name: 'two PT_TLS',
    bytes: (() => {
      const e = p();
      return e.setPh(e.find(PT_GNU_STACK)[0]!, 'type', PT_TLS).bytes;
    })(),
    code: 'bad-tls',
  },
  {
    name: 'PT_TLS alignment 3',
    bytes: (() => {
      const e = p();
      return e.setPh(e.find(PT_TLS)[0]!, 'align', 3).bytes;
    })(),
    code: 'bad-tls',
  },
  {
    name: 'PT_TLS image outside the loaded image',
    bytes: (() => {
      const e = p();
      const i = e.find(PT_TLS)[0]!;
      return e.setPh(i, 'vaddr', 0x3000_0000).setPh(i, 'filesz', 8).setPh(i, 'memsz', 16).bytes;
    })(),
    code: 'bad-tls',
  },
  {
    name: 'PT_DYNAMIC outside the loaded image',
    bytes: (() => {
      const e = p();
      return e.setPh(e.find(PT_DYNAMIC)[0]!, 'vaddr', 0x3000_0000).bytes;
    })(),
    code: 'bad-segment',
  },
  { name: 'not bytes at all', bytes: 'ELF' as unknown as Uint8Array, code: 'truncated' },
];

describe('malformed ELF corpus', () => {
  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it('accepts the unmodified fixture', () => {
    const elf = parseElf(hello);
    expect(elf.pie).toBe(true);
    expect(elf.loads.length).toBe(4);
  });

  it.each(cases)('rejects $name with $code', ({ bytes, code, message }) => {
    let caught: unknown;
    try {
      parseElf(bytes);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ElfError);
    const err = caught as ElfError;
    expect(err.code, err.message).toBe(code);
    expect(err.message.length).toBeGreaterThan(10);
    if (message) expect(err.message).toMatch(message);
  });

  it('accepts an ET_EXEC image and loads it at its own addresses', () => {
    const e = p()
      .u16(16, 2)
      .u64(24, Number(new DataView(hello.buffer).getBigUint64(24, true)) + 0x40_0000);
    for (let i = 0; i < e.phnum; i++) {
      if (e.phType(i) === PT_GNU_STACK) continue;
      e.setPh(i, 'vaddr', e.phField(i, 'vaddr') + 0x40_0000);
    }
    const elf = parseElf(e.bytes);
    expect(elf.pie).toBe(false);
    const mem = new GuestMemory();
    const img = loadProcess(mem, e.bytes, {
      argdata: new Uint8Array(),
      random: (b) => b.fill(1),
      tid: 1,
      ncpus: 1,
    });
    expect(img.base).toBe(0);
    expect(img.entry).toBe(elf.header.entry);
    expect(img.imageStart).toBe(0x40_0000);
  });
});

/** `pnpm --filter @cabi/elf-loader fuzz` raises the number of runs for a long fuzzing session. */
const SCALE = Math.max(1, Number(process.env.CABI_FUZZ_SCALE ?? 1) || 1);
const valid = ['hello', 'legacy', 'thread', 'hello-exec'].map(fixture);

describe('hostile input', () => {
  const expectOnlyElfErrors = (bytes: Uint8Array, load: boolean): void => {
    try {
      parseElf(bytes);
      if (load) {
        const mem = new GuestMemory({ maxBytes: 256 * 1024 * 1024 });
        loadProcess(mem, bytes, {
          argdata: new Uint8Array(4),
          random: (b) => b.fill(3),
          seed: 1,
          tid: 1,
          ncpus: 1,
          stackSize: 64 * 1024,
        });
      }
    } catch (e) {
      if (!(e instanceof ElfError)) throw e;
    }
  };

  it(
    'random byte mutations of a valid binary raise nothing but ElfError',
    () => {
      fc.assert(
        fc.property(
          fc.nat({ max: valid.length - 1 }),
          fc.array(fc.record({ at: fc.nat({ max: 0x800 }), value: fc.nat({ max: 255 }) }), {
            minLength: 1,
            maxLength: 12,
          }),
          (which, muts) => {
            const b = valid[which]!.slice();
            for (const m of muts) b[m.at] = m.value;
            expectOnlyElfErrors(b, false);
          },
        ),
        { numRuns: 3000 * SCALE },
      );
    },
    60_000 * SCALE,
  );

  it(
    'random field values in the headers raise nothing but ElfError, also when loading',
    () => {
      const fields = [24, 32, 52, 54, 56];
      fc.assert(
        fc.property(
          fc.oneof(
            fc.record({
              kind: fc.constant('ehdr' as const),
              at: fc.constantFrom(...fields),
              value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
            }),
            fc.record({
              kind: fc.constant('phdr' as const),
              index: fc.nat({ max: 8 }),
              field: fc.constantFrom(0, 4, 8, 16, 32, 40, 48),
              value: fc.oneof(
                fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
                fc.bigInt({ min: 0n, max: 0x10_0000n }),
                fc.constantFrom(0n, 1n, 0x1000n, 0xffff_f000n, 1n << 32n, (1n << 64n) - 1n),
              ),
            }),
          ),
          (m) => {
            const e = p();
            if (m.kind === 'ehdr') {
              if (m.at >= 52) e.u16(m.at, Number(m.value & 0xffffn));
              else e.u64(m.at, m.value);
            } else if (m.field < 8) {
              e.u32(e.ph(m.index) + m.field, Number(m.value & 0xffff_ffffn));
            } else {
              e.u64(e.ph(m.index) + m.field, m.value);
            }
            expectOnlyElfErrors(e.bytes, true);
          },
        ),
        { numRuns: 300 * SCALE },
      );
    },
    120_000 * SCALE,
  );

  it('every truncation raises nothing but ElfError', () => {
    for (let n = 0; n < hello.length; n += 97) expectOnlyElfErrors(hello.slice(0, n), false);
  });
});
