import { describe, expect, it } from 'vitest';
import { Reg } from './api.js';
import { decode } from './decoder.js';
import { PFX_LOCK, PFX_REP, PFX_W, SEG_FS, SEG_NONE } from './insn.js';
import { coreRows, opcodeTables } from './opcodes.js';
import { CODE, DATA, exec, machine } from './test-helpers.js';

function decodeBytes(bytes: number[]) {
  const { mem } = machine(new Uint8Array(bytes));
  return decode(mem, opcodeTables(), CODE);
}

describe('decoder (SDM Vol. 2A, chapter 2)', () => {
  it('decodes prefixes, REX, ModRM/SIB and immediates', () => {
    // lock add qword ptr fs:[rax+rbx*8+0x12345678], 0x7f
    const i = decodeBytes([0xf0, 0x64, 0x48, 0x83, 0x84, 0xd8, 0x78, 0x56, 0x34, 0x12, 0x7f]);
    expect(i.len).toBe(11);
    expect(i.row?.mnemonic).toBe('add');
    expect(i.pfx & (PFX_LOCK | PFX_W)).toBe(PFX_LOCK | PFX_W);
    expect(i.seg).toBe(SEG_FS);
    expect([i.base, i.index, i.scale, i.disp, i.imm]).toEqual([0, 3, 3, 0x12345678, 0x7f]);
    expect(i.opsize).toBe(8);
  });
  it('a REX prefix followed by a legacy prefix is ignored', () => {
    // 48 66 89 c8: REX.W is not adjacent to the opcode, so this is mov ax, cx.
    const i = decodeBytes([0x48, 0x66, 0x89, 0xc8]);
    expect(i.opsize).toBe(2);
  });
  it('CS/DS/ES/SS overrides are null prefixes in 64-bit mode', () => {
    expect(decodeBytes([0x2e, 0x8b, 0x00]).seg).toBe(SEG_NONE);
  });
  it('resolves RIP-relative operands against the next instruction', () => {
    const i = decodeBytes([0x48, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00]);
    expect(i.disp).toBe(CODE + 7 + 0x10);
    expect(i.ripRel).toBe(true);
  });
  it('selects SSE-style rows by mandatory prefix and integer rows as the fallback', () => {
    expect(decodeBytes([0xf3, 0x0f, 0xbc, 0xc1]).row?.mnemonic).toBe('tzcnt');
    expect(decodeBytes([0x0f, 0xbc, 0xc1]).row?.mnemonic).toBe('bsf');
    // F3 in front of imul is ignored.
    expect(decodeBytes([0xf3, 0x0f, 0xaf, 0xc1]).row?.mnemonic).toBe('imul');
    const p = decodeBytes([0x66, 0xf3, 0x0f, 0xb8, 0xc1]);
    expect(p.row?.mnemonic).toBe('popcnt');
    expect(p.opsize).toBe(2);
    expect(p.pfx & PFX_REP).toBe(PFX_REP);
  });
  it('instructions longer than 15 bytes raise #GP', () => {
    const { cpu } = machine(new Uint8Array([...new Array(15).fill(0x66), 0x90]));
    expect(cpu.run(1).fault?.kind).toBe('general-protection');
  });
  it('an instruction may straddle two pages', () => {
    const { cpu, mem } = machine(new Uint8Array(0x1010));
    mem.poke(CODE + 0xffd, new Uint8Array([0xb8, 0x2a, 0x00, 0x00, 0x00, 0x0f, 0x05]));
    cpu.rip = CODE + 0xffd;
    expect(cpu.run(10).reason).toBe('syscall');
    expect(cpu.getReg(Reg.RAX)).toBe(42n);
  });
  it('the 67 prefix selects 32-bit addressing (wrapping at 4 GiB)', () => {
    const cpu = exec(
      `mov rax, 0xffffffff00000000 + ${DATA}\nmov byte ptr [${DATA}], 9\nmovzx ebx, byte ptr [eax]`,
    );
    expect(cpu.getReg(Reg.RBX)).toBe(9n);
  });
  it('no two core rows claim the same encoding', () => {
    const seen = new Map<string, string>();
    for (const r of coreRows) {
      const key = JSON.stringify([r.vex ? 'vex' : '', r.map, r.opcode, r.prefix, r.ext, r.mod, r.rm, r.w]);
      expect(seen.get(key), `${r.mnemonic} ${r.operands}`).toBeUndefined();
      seen.set(key, r.mnemonic);
    }
    expect(seen.size).toBeGreaterThan(300);
  });
});
