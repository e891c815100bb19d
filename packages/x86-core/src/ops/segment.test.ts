import { describe, expect, it } from 'vitest';
import { Reg } from '../api.js';
import { asm, exec, machine, STACK_TOP } from '../test-helpers.js';
import { getSelector, segmentModel, setSegmentModel } from './segment.js';

function fault(source: string, regs: Partial<Record<Reg, bigint>> = {}) {
  const { cpu } = machine(asm(source));
  for (const [k, v] of Object.entries(regs)) cpu.setReg(Number(k) as Reg, v as bigint);
  const res = cpu.run(100);
  return { cpu, kind: res.fault?.kind };
}

describe('segment registers (FreeBSD model)', () => {
  it('reads the selectors a FreeBSD/amd64 process starts with', () => {
    const cpu = exec(
      'mov eax, es\nmov r10d, cs\nmov edx, ss\nmov ebx, ds\nmov esi, fs\nmov edi, gs\npush fs\npop r8\npush gs\npop r9',
    );
    expect(segmentModel(cpu)).toBe('freebsd');
    expect([Reg.RAX, Reg.R10, Reg.RDX, Reg.RBX, Reg.RSI, Reg.RDI].map((r) => cpu.getReg(r))).toEqual([
      0x3bn,
      0x43n,
      0x3bn,
      0x3bn,
      0x13n,
      0x1bn,
    ]);
    expect(cpu.getReg(Reg.R8)).toBe(0x13n);
    expect(cpu.getReg(Reg.R9)).toBe(0x1bn);
  });

  it('loads null and user selectors, keeps the RPL and clears the FS/GS base', () => {
    const { cpu } = machine(asm('mov fs, ax\nmov gs, cx\nmov ds, dx\nmov ss, bx\nsyscall'));
    cpu.fsBase = 0x1234000n;
    cpu.gsBase = 0x5678000n;
    cpu.setReg(Reg.RAX, 3n);
    cpu.setReg(Reg.RCX, 0x43n);
    cpu.setReg(Reg.RDX, 0x30n);
    cpu.setReg(Reg.RBX, 0x13n);
    expect(cpu.run(100).reason).toBe('syscall');
    expect([4, 5, 3, 2].map((s) => getSelector(cpu, s))).toEqual([3, 0x43, 0x30, 0x13]);
    expect(cpu.fsBase).toBe(0n);
    expect(cpu.gsBase).toBe(0n);
  });

  it('raises #GP for selectors the GDT does not allow, without changing state', () => {
    for (const [insn, sel] of [
      ['mov ds, ax', 0x20n], // kernel code
      ['mov es, ax', 0x28n], // kernel data
      ['mov fs, ax', 0x48n], // TSS
      ['mov gs, ax', 0x68n], // past the GDT
      ['mov ds, ax', 0x3fn], // LDT selector, no LDT
      ['mov ss, ax', 0n], // null into SS
      ['mov ss, ax', 0x40n], // code segment into SS
      ['mov ss, ax', 0x38n], // RPL 0 into SS
    ] as const) {
      const { cpu, kind } = fault(insn, { [Reg.RAX]: sel });
      expect(kind, `${insn} with 0x${sel.toString(16)}`).toBe('general-protection');
      expect(getSelector(cpu, 3)).toBe(0x3b);
    }
  });

  it('mov to cs and Sreg 6/7 are #UD', () => {
    expect(fault('mov cs, ax').kind).toBe('invalid-opcode');
    const { cpu } = machine(Uint8Array.from([0x8c, 0xf0])); // mov eax, sreg 6
    expect(cpu.run(10).fault?.kind).toBe('invalid-opcode');
  });

  it('pop fs faults without moving rsp; pop gs loads', () => {
    const { cpu } = machine(asm('push 0x20\npop fs'));
    expect(cpu.run(10).fault?.kind).toBe('general-protection');
    expect(cpu.getRegNumber(Reg.RSP)).toBe(STACK_TOP - 8);
    const ok = exec('push 0x3b\npop gs\nmov eax, gs');
    expect(ok.getReg(Reg.RAX)).toBe(0x3bn);
    expect(ok.getRegNumber(Reg.RSP)).toBe(STACK_TOP);
  });

  it('the linux model presents the host selectors', () => {
    const { cpu } = machine(asm('mov eax, cs\nmov ebx, ss\nmov edx, ds\nsyscall'));
    setSegmentModel(cpu, 'linux');
    cpu.run(100);
    expect([cpu.getReg(Reg.RAX), cpu.getReg(Reg.RBX), cpu.getReg(Reg.RDX)]).toEqual([0x33n, 0x2bn, 0n]);
  });
});
