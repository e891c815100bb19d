import { describe, expect, it } from 'vitest';
import { Reg } from '../api.js';
import { asm, CODE, exec, machine } from '../test-helpers.js';
import { cpuidLeaf } from './system.js';

function runFault(source: string) {
  const { cpu } = machine(asm(source));
  const res = cpu.run(1000);
  return { cpu, res };
}

describe('system instructions', () => {
  it('syscall stops with rip after it and saves rip/rflags in rcx/r11', () => {
    const { cpu } = machine(asm('nop\nsyscall\nnop'));
    const res = cpu.run(100);
    expect(res).toEqual({ reason: 'syscall', executed: 2 });
    expect(cpu.rip).toBe(CODE + 3);
    expect(cpu.getReg(Reg.RCX)).toBe(BigInt(CODE + 3));
    expect(cpu.getReg(Reg.R11)).toBe(0x202n);
  });
  it('cpuid reports the vendor, the implemented features and the brand string', () => {
    const cpu = exec(
      'xor eax, eax\ncpuid\nmov r8, rbx\nmov r9, rdx\nmov r10, rcx\nmov eax, 7\nxor ecx, ecx\ncpuid\nmov r12, rbx',
    );
    const text = (v: bigint) => Buffer.from(new Uint32Array([Number(v)]).buffer).toString('latin1');
    expect(text(cpu.getReg(Reg.R8)) + text(cpu.getReg(Reg.R9)) + text(cpu.getReg(Reg.R10))).toBe(
      'GenuineIntel',
    );
    expect(Number(cpu.getReg(Reg.R12)) & ((1 << 3) | (1 << 8))).toBe((1 << 3) | (1 << 8));
    const [, , ecx1, edx1] = cpuidLeaf(1, 0);
    expect(ecx1 & (1 << 23)).not.toBe(0); // POPCNT
    expect(edx1 & (1 << 15)).not.toBe(0); // CMOV
    expect(edx1 & (1 << 8)).not.toBe(0); // CX8
    expect(cpuidLeaf(0x80000001, 0)[2] & 0x21).toBe(0x21); // LAHF-SAHF, LZCNT
  });
  it('rdtsc is monotonic', () => {
    const cpu = exec(
      'rdtsc\nshl rdx, 32\nor rax, rdx\nmov r8, rax\nrdtsc\nshl rdx, 32\nor rax, rdx\nsub rax, r8',
    );
    expect(cpu.getReg(Reg.RAX) < 1n << 63n).toBe(true);
  });
  it('int3 is a breakpoint reported after the instruction', () => {
    const { cpu, res } = runFault('nop\nint3\nnop');
    expect(res.reason).toBe('fault');
    expect(res.fault?.kind).toBe('breakpoint');
    expect(res.fault?.signal).toBe('SIGTRAP');
    expect(res.fault?.rip).toBe(CODE + 2);
    expect(cpu.rip).toBe(CODE + 2);
    expect(res.executed).toBe(1);
  });
  it('ud2 and unknown or 32-bit-only opcodes raise #UD at the instruction', () => {
    for (const src of [
      'ud2',
      '.byte 0x06',
      '.byte 0x27',
      '.byte 0x60',
      '.byte 0xd4, 0x0a',
      '.byte 0x0f, 0xff',
    ]) {
      const { res } = runFault(src);
      expect(res.fault?.kind, src).toBe('invalid-opcode');
      expect(res.fault?.rip).toBe(CODE);
    }
  });
  it('LOCK is #UD on a register destination and on non-lockable instructions', () => {
    for (const src of ['.byte 0xf0, 0x01, 0xc0', '.byte 0xf0, 0x8b, 0x00', '.byte 0xf0, 0x90']) {
      expect(runFault(src).res.fault?.kind, src).toBe('invalid-opcode');
    }
  });
  it('privileged instructions raise #GP', () => {
    for (const src of [
      'hlt',
      'cli',
      'sti',
      'in al, dx',
      'out 0x80, al',
      'mov rax, cr0',
      'wrmsr',
      'rdmsr',
      'invd',
      'lgdt [rax]',
    ]) {
      const { res } = runFault(src);
      expect(res.fault?.kind, src).toBe('general-protection');
      expect(res.fault?.signal).toBe('SIGSEGV');
    }
  });
  it('VEX encodings that are not implemented raise #UD', () => {
    // vaddps xmm0, xmm1, xmm2 (AVX) and andn with VEX.L = 1.
    for (const src of ['.byte 0xc5, 0xf0, 0x58, 0xc2', '.byte 0xc4, 0xe2, 0x74, 0xf2, 0xc2']) {
      expect(runFault(src).res.fault?.kind, src).toBe('invalid-opcode');
    }
  });
  it('clc/stc/cmc/cld/std', () => {
    const cpu = exec('stc\ncmc\nsetc al\nstd\npushfq\npop rbx\ncld');
    expect(cpu.getReg(Reg.RAX) & 0xffn).toBe(0n);
    expect(cpu.getReg(Reg.RBX) & 0x400n).toBe(0x400n);
  });
});
