import { describe, expect, it } from 'vitest';
import { Reg } from '../api.js';
import { asm, CODE, DATA, exec, machine } from '../test-helpers.js';
import { x87Of } from './table.js';

describe('x87 through the decoder and the CPU loop', () => {
  it('computes with loads, arithmetic and stores through memory', () => {
    const cpu = exec(
      `mov rax, 0x3ff8000000000000
       mov [rdi], rax
       fld qword ptr [rdi]
       fild dword ptr [rdi + 12]
       fmulp st(1), st
       fldpi
       faddp st(1), st
       fstp qword ptr [rdi + 16]
       fnstsw ax`,
      { [Reg.RDI]: BigInt(DATA) },
    );
    // 1.5 × 0 + π
    expect(cpu.memory.dv.getFloat64(DATA + 16, true)).toBe(Math.PI);
    expect(cpu.getReg32(Reg.RAX) & 0xffff).toBe(0x0020);
  }, 60_000);

  it('fcomi sets ZF/PF/CF for branches and fcmov reads them', () => {
    const cpu = exec(
      `fld1
       fldz
       fcomi st, st(1)
       setb al
       setz bl
       setp dl
       fcmovb st, st(1)
       fistp dword ptr [rdi]
       fstp st(0)`,
      { [Reg.RDI]: BigInt(DATA) },
    );
    expect(cpu.getReg32(Reg.RAX) & 0xff).toBe(1);
    expect(cpu.getReg32(Reg.RBX) & 0xff).toBe(0);
    expect(cpu.getReg32(Reg.RDX) & 0xff).toBe(0);
    expect(cpu.memory.dv.getInt32(DATA, true)).toBe(1);
    expect(x87Of(cpu).tagWord).toBe(0xffff);
  }, 60_000);

  it('reports an unmasked exception as a floating-point fault at the next waiting instruction', () => {
    const { cpu } = machine(
      asm(`fnstcw [rdi]
           and word ptr [rdi], 0xfffb
           fldcw [rdi]
           fld1
           fldz
           fdivp st(1), st
           nop
           fwait
           syscall`),
    );
    cpu.setReg(Reg.RDI, BigInt(DATA));
    const res = cpu.run(100);
    expect(res.reason).toBe('fault');
    expect(res.fault?.kind).toBe('floating-point');
    expect(res.fault?.signal).toBe('SIGFPE');
    expect(cpu.memory.read8(res.fault!.rip)).toBe(0x9b);
    expect(x87Of(cpu).sw & 0x80).toBe(0x80);
  }, 60_000);

  it('fxsave/fxrstor round-trip the x87 stack, MXCSR and XMM registers', () => {
    const cpu = exec(
      `fldpi
       fld1
       mov eax, 0x3f80
       mov [rdi + 1024], eax
       ldmxcsr [rdi + 1024]
       mov rax, 0x1122334455667788
       movq xmm3, rax
       fxsave [rdi]
       fninit
       pxor xmm3, xmm3
       ldmxcsr [rdi + 1028]
       fxrstor [rdi]
       movq rbx, xmm3`,
      { [Reg.RDI]: BigInt(DATA) },
    );
    const f = x87Of(cpu);
    expect(f.st(0)).toEqual({ sign: 0, exp: 0x3fff, hi: 0x80000000, lo: 0 });
    expect([f.st(1).hi, f.st(1).lo]).toEqual([0xc90fdaa2, 0x2168c235]);
    expect(cpu.mxcsr).toBe(0x3f80);
    expect(cpu.getReg(Reg.RBX)).toBe(0x1122334455667788n);
    expect(cpu.memory.read8(DATA + 4)).toBe(0xc0);
  }, 60_000);

  it('fxsave needs a 16-byte aligned operand', () => {
    const { cpu } = machine(asm('fxsave [rdi]\nsyscall'));
    cpu.setReg(Reg.RDI, BigInt(DATA + 8));
    const res = cpu.run(10);
    expect(res.fault?.kind).toBe('general-protection');
  }, 60_000);

  it('records the last instruction and data pointers and opcode for FNSTENV as the host does', () => {
    const { cpu } = machine(
      asm(`fld qword ptr [rdi + 8]
           fld1
           fadd st, st(1)
           fnclex
           fnstenv [rdi + 32]
           syscall`),
    );
    cpu.setReg(Reg.RDI, BigInt(DATA));
    expect(cpu.run(100).reason).toBe('syscall');
    const dv = cpu.memory.dv;
    // FIP = the fadd (control instructions such as fnclex do not update it), FOP = D8 C1,
    // FDP = the last memory operand (register forms keep it).
    expect(dv.getUint32(DATA + 32 + 12, true)).toBe(CODE + 5);
    expect(dv.getUint32(DATA + 32 + 16, true) >>> 16).toBe(0x0c1);
    expect(dv.getUint32(DATA + 32 + 20, true)).toBe(DATA + 8);
    expect(dv.getUint32(DATA + 32, true)).toBe(0xffff037f);
  }, 60_000);

  it('disassembles x87 forms in Intel syntax', () => {
    const { cpu } = machine(
      asm('fadd st, st(3)\nfsubrp st(2), st\nfld tbyte ptr [rax]\nfnstsw ax\nfucomip st, st(1)'),
    );
    const texts: string[] = [];
    let a = cpu.rip;
    for (let i = 0; i < 5; i++) {
      const d = cpu.disassemble(a);
      texts.push(d.text);
      a += d.length;
    }
    expect(texts).toEqual([
      'fadd st(0), st(3)',
      'fsubrp st(2), st(0)',
      'fld tbyte ptr [rax]',
      'fnstsw ax',
      'fucomip st(0), st(1)',
    ]);
  }, 60_000);
});
