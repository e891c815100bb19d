import { describe, expect, it } from 'vitest';
import { Reg } from './api.js';
import { Cpu } from './cpu.js';
import { JitCpu } from './jit/jit-cpu.js';
import { GuestMemory, PAGE_CODE, PROT_EXEC, PROT_READ, PROT_WRITE } from './memory.js';
import { asm, CODE } from './test-helpers.js';

const RWX = PROT_READ | PROT_WRITE | PROT_EXEC;

/** Code at CODE in `pages` read/write/execute pages, rip at CODE, a stack below 0x120000. */
function rwx(code: Uint8Array, pages = 1, at = CODE): { cpu: Cpu; mem: GuestMemory } {
  const mem = new GuestMemory({ maxBytes: 1 << 22 });
  mem.map(CODE, pages * 0x1000, RWX);
  mem.map(0x110000, 0x10000, PROT_READ | PROT_WRITE);
  mem.poke(at, code);
  const cpu = new Cpu(mem);
  cpu.rip = at;
  cpu.setRegNumber(Reg.RSP, 0x120000);
  return { cpu, mem };
}

describe('decoded-code invalidation', () => {
  it('stores to data on a code page do not re-decode the code (no slowdown for code next to data)', () => {
    // A loop that stores to two variables on its own page, 10,000 times.
    const code = asm(
      [
        'mov ecx, 10000',
        '1: mov dword ptr [rip + v1], ecx',
        'add dword ptr [rip + v2], 3',
        'mov byte ptr [rip + v3], cl',
        'dec ecx',
        'jnz 1b',
        'syscall',
        '.org 0x800',
        'v1: .long 0',
        'v2: .long 0',
        'v3: .byte 0',
      ].join('\n'),
    );
    const { cpu, mem } = rwx(code);
    expect(cpu.run(1_000_000).reason).toBe('syscall');
    expect(cpu.instructionCount).toBe(1 + 5 * 10_000 + 1);
    expect(mem.read32(CODE + 0x804)).toBe(30_000);
    // Each of the 7 instructions was decoded once; none was dropped.
    expect(cpu.cache.decoded).toBe(7);
    expect(cpu.cache.dropped).toBe(0);
    expect(mem.pages[CODE >>> 12]! & PAGE_CODE).toBe(PAGE_CODE);
  });

  it('keeps records when a write lands next to decoded bytes, drops exactly the overlapped ones', () => {
    // nop ×4; mov eax, 0x11111111 (5 bytes at +4); nop; syscall (+10)
    const code = Uint8Array.of(0x90, 0x90, 0x90, 0x90, 0xb8, 0x11, 0x11, 0x11, 0x11, 0x90, 0x0f, 0x05);
    const { cpu, mem } = rwx(code);
    expect(cpu.run(100).reason).toBe('syscall');
    const cache = cpu.cache;
    const mov = cache.get(CODE + 4);
    const nop = cache.get(CODE + 3);
    const after = cache.get(CODE + 9);
    // Bytes right after the syscall and far away: nothing cached changes.
    mem.write8(CODE + 12, 0xcc);
    mem.write32(CODE + 0x400, -1);
    expect(cache.dropped).toBe(0);
    expect(cache.get(CODE + 4)).toBe(mov);
    // The last immediate byte of the mov: only the mov goes.
    mem.write8(CODE + 8, 0x22);
    expect(cache.dropped).toBe(1);
    expect(mov.dead).toBe(true);
    expect(nop.dead).toBe(false);
    expect(after.dead).toBe(false);
    expect(cache.get(CODE + 3)).toBe(nop);
    cpu.rip = CODE;
    expect(cpu.run(100).reason).toBe('syscall');
    expect(cpu.getReg(Reg.RAX)).toBe(0x22111111n);
    // A 16-bit write over the nop before the mov and the mov's opcode drops both.
    mem.write16(CODE + 3, 0xb890);
    expect(nop.dead).toBe(true);
    expect(cache.get(CODE + 4).dead).toBe(false);
    expect(cache.dropped).toBe(3);
  });

  it('a store to the next instruction is seen; an instruction patching itself runs as fetched', () => {
    // mov byte ptr [rip + 2], 0x05 patches the imm8 of the following "add eax, imm8" (83 c0 01).
    const patchNext = Uint8Array.of(0xc6, 0x05, 0x02, 0, 0, 0, 0x05, 0x83, 0xc0, 0x01, 0x0f, 0x05);
    {
      const { cpu } = rwx(patchNext);
      // Decode the add first so that a stale record would be used if invalidation missed it.
      cpu.cache.get(CODE + 7);
      expect(cpu.run(100).reason).toBe('syscall');
      expect(cpu.getReg(Reg.RAX)).toBe(5n);
    }
    // L: add byte ptr [rip - 1], imm8 (80 05 ff ff ff ff 01) doubles its own immediate each pass:
    // the executing instruction uses the bytes it was fetched with (1, 2, 4), the next pass the new ones.
    const self = Uint8Array.of(0x80, 0x05, 0xff, 0xff, 0xff, 0xff, 0x01, 0xff, 0xc9, 0x75, 0xf5, 0x0f, 0x05);
    const { cpu, mem } = rwx(self);
    cpu.setRegNumber(Reg.RCX, 3);
    expect(cpu.run(100).reason).toBe('syscall');
    expect(mem.read8(CODE + 6)).toBe(8);
    expect(cpu.cache.dropped).toBe(3);
  });

  it('drops instructions straddling a page boundary when either page is written', () => {
    // mov eax, imm32 at 0x...ffd spans two pages (b8 on the first, imm bytes on both).
    const start = CODE + 0xffd;
    const code = Uint8Array.of(0xb8, 0x44, 0x33, 0x22, 0x11, 0x0f, 0x05);
    const { cpu, mem } = rwx(code, 2, start);
    expect(cpu.run(10).reason).toBe('syscall');
    const mov = cpu.cache.get(start);
    // Bytes of the second page outside the instruction do not matter.
    mem.write8(CODE + 0x1000 + 2, 0x0f);
    mem.write8(CODE + 0x1100, 7);
    expect(mov.dead).toBe(false);
    // The immediate's last byte is on the second page.
    mem.write8(CODE + 0x1000 + 1, 0x55);
    expect(mov.dead).toBe(true);
    cpu.rip = start;
    expect(cpu.run(10).reason).toBe('syscall');
    expect(cpu.getReg(Reg.RAX)).toBe(0x55223344n);
    // A write across the boundary reaches both pages.
    const again = cpu.cache.get(start);
    mem.write32(CODE + 0xffe, 0x01020304);
    expect(again.dead).toBe(true);
    cpu.rip = start;
    expect(cpu.run(10).reason).toBe('syscall');
    expect(cpu.getReg(Reg.RAX)).toBe(0x01020304n);
  });

  it('clears the code mark when nothing cached remains, and protect/unmap drop the whole page', () => {
    const code = Uint8Array.of(0x90, 0x0f, 0x05);
    const { cpu, mem } = rwx(code);
    expect(cpu.run(10).reason).toBe('syscall');
    const page = CODE >>> 12;
    expect(mem.pages[page]! & PAGE_CODE).toBe(PAGE_CODE);
    mem.writeBytes(CODE, Uint8Array.of(0x90, 0x90, 0x90));
    expect(cpu.cache.size).toBe(0);
    expect(mem.pages[page]! & PAGE_CODE).toBe(0);
    cpu.rip = CODE;
    expect(cpu.run(3).reason).toBe('budget');
    expect(cpu.cache.size).toBe(3);
    mem.protect(CODE, 0x1000, PROT_READ | PROT_WRITE);
    expect(cpu.cache.size).toBe(0);
    cpu.rip = CODE;
    expect(cpu.run(10).fault?.kind).toBe('protection');
  });

  it('poke (loader writes) invalidates by range too', () => {
    const code = Uint8Array.of(0xb0, 0x01, 0x0f, 0x05); // mov al, 1; syscall
    const { cpu, mem } = rwx(code);
    expect(cpu.run(10).reason).toBe('syscall');
    mem.poke(CODE + 0x100, Uint8Array.of(1, 2, 3));
    expect(cpu.cache.dropped).toBe(0);
    mem.poke(CODE + 1, Uint8Array.of(9));
    cpu.rip = CODE;
    expect(cpu.run(10).reason).toBe('syscall');
    expect(cpu.getReg(Reg.RAX) & 0xffn).toBe(9n);
  });

  it('JIT: a write into a later instruction of a translated block drops the translation', () => {
    // L: add eax, 1; add eax, 2; dec ecx; jnz L; syscall — then patch the second add's imm8.
    const code = Uint8Array.of(0x83, 0xc0, 1, 0x83, 0xc0, 2, 0xff, 0xc9, 0x75, 0xf6, 0x0f, 0x05);
    const mem = new GuestMemory({ maxBytes: 1 << 22 });
    mem.map(CODE, 0x1000, RWX);
    mem.poke(CODE, code);
    const cpu = new JitCpu(mem, { threshold: 0 });
    cpu.r[2] = 10;
    cpu.rip = CODE;
    expect(cpu.run(1000).reason).toBe('syscall');
    expect(cpu.r[0]).toBe(30);
    expect(cpu.jitRetired).toBeGreaterThan(0);
    const first = cpu.cache.get(CODE);
    mem.write8(CODE + 5, 7);
    expect(first.dead).toBe(false);
    cpu.r[0] = 0;
    cpu.r[2] = 10;
    cpu.rip = CODE;
    expect(cpu.run(1000).reason).toBe('syscall');
    expect(cpu.r[0]).toBe(80);
  });
});
