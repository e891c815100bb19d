import { describe, expect, it } from 'vitest';
import { Reg } from './api.js';
import { Cpu } from './cpu.js';
import { GuestMemory, PROT_EXEC, PROT_READ, PROT_WRITE } from './memory.js';
import { asm, CODE, DATA, exec, machine } from './test-helpers.js';

describe('execution loop', () => {
  it('honours the budget exactly and resumes', () => {
    const { cpu } = machine(asm('1: inc eax\njmp 1b'));
    expect(cpu.run(0)).toEqual({ reason: 'budget', executed: 0 });
    expect(cpu.run(1001)).toEqual({ reason: 'budget', executed: 1001 });
    expect(cpu.getReg(Reg.RAX)).toBe(501n);
    expect(cpu.instructionCount).toBe(1001);
  });
  it('requestStop ends a run at an instruction boundary', () => {
    const { cpu } = machine(asm('nop\nnop'));
    cpu.requestStop();
    // A stop requested before run() is cleared by run(); only a stop during the run counts.
    expect(cpu.run(1).reason).toBe('budget');
  });
  it('reports page faults with the faulting address and access kind', () => {
    const { cpu } = machine(asm(`mov rax, [0x900000]\n`));
    const res = cpu.run(10);
    expect(res.reason).toBe('fault');
    expect(res.fault?.kind).toBe('page-not-present');
    expect(res.fault?.address).toBe(0x900000);
    expect(res.fault?.rip).toBe(CODE);
    const w = machine(asm(`mov dword ptr [${CODE}], 1`));
    const r2 = w.cpu.run(10);
    expect(r2.fault?.kind).toBe('protection');
    expect(r2.fault?.access).toBe('write');
  });
  it('non-canonical addresses raise #GP, canonical ones above 4 GiB a page fault', () => {
    const a = machine(asm('mov rbx, 0x0000800000000000\nmov rax, [rbx]'));
    expect(a.cpu.run(10).fault?.kind).toBe('general-protection');
    const b = machine(asm('mov rbx, 0x0000000100000000\nmov rax, [rbx]'));
    expect(b.cpu.run(10).fault?.kind).toBe('page-not-present');
  });
  it('non-canonical stack-segment references (RSP/RBP base, push/pop) raise #SS, delivered as SIGBUS', () => {
    const viaRbp = machine(asm('mov rbp, 0x0000800000000000\nmov rax, [rbp+8]'));
    const f1 = viaRbp.cpu.run(10).fault;
    expect(f1?.kind).toBe('stack-fault');
    expect(f1?.signal).toBe('SIGBUS');
    const viaBt = machine(
      asm(`mov rsp, ${DATA + 0x100}\nmov rdi, 0x8000000000000000\nbts qword ptr [rsp-0x90], rdi`),
    );
    expect(viaBt.cpu.run(10).fault?.kind).toBe('stack-fault');
    const viaPush = machine(asm('mov rsp, 0x0000900000000000\npush rax'));
    expect(viaPush.cpu.run(10).fault?.kind).toBe('stack-fault');
    const viaFs = machine(asm('mov rbp, 0x0000800000000000\nmov rax, fs:[rbp]'));
    expect(viaFs.cpu.run(10).fault?.kind).toBe('general-protection');
  });
  it('a failed instruction leaves the registers unchanged', () => {
    const { cpu } = machine(asm(`mov rsp, ${CODE + 0x100}\npush rax`));
    const res = cpu.run(10);
    expect(res.fault?.kind).toBe('protection');
    expect(cpu.getReg(Reg.RSP)).toBe(BigInt(CODE + 0x100));
  });
  it('fetch requires execute permission', () => {
    const mem = new GuestMemory({ maxBytes: 1 << 22 });
    mem.map(0x10000, 0x1000, PROT_READ | PROT_WRITE);
    mem.poke(0x10000, new Uint8Array([0x90]));
    const cpu = new Cpu(mem);
    cpu.rip = 0x10000;
    const res = cpu.run(1);
    expect(res.fault?.kind).toBe('protection');
    expect(res.fault?.access).toBe('execute');
  });
  it('FS and GS overrides add the segment bases', () => {
    const { cpu } = machine(asm('mov rax, fs:[8]\nmov rbx, gs:[0]\nsyscall'));
    cpu.memory.writeBytes(DATA + 8, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    cpu.fsBase = BigInt(DATA);
    cpu.gsBase = BigInt(DATA + 8);
    expect(cpu.run(10).reason).toBe('syscall');
    expect(cpu.getReg(Reg.RAX)).toBe(0x0807060504030201n);
    expect(cpu.getReg(Reg.RBX)).toBe(0x0807060504030201n);
  });
  it('self-modifying code: a write to a decoded page drops the cached instruction', () => {
    // The code page is writable here; the loop patches its own "mov eax, 1" into "mov eax, 2".
    const code = asm(
      'xor ebx, ebx\n1: mov eax, 1\nadd ebx, eax\nlea rdx, [rip+1b]\nmov byte ptr [rdx+1], 2\ncmp ebx, 3\njb 1b\nsyscall',
    );
    const mem = new GuestMemory({ maxBytes: 1 << 22 });
    mem.map(CODE, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC);
    mem.poke(CODE, code);
    const cpu = new Cpu(mem);
    cpu.rip = CODE;
    expect(cpu.run(1000).reason).toBe('syscall');
    expect(cpu.getReg(Reg.RBX)).toBe(3n);
  });
  it('protect() invalidates decoded code: a page made non-executable faults', () => {
    const { cpu, mem } = machine(asm('1: nop\njmp 1b'));
    expect(cpu.run(100).reason).toBe('budget');
    mem.protect(CODE, 0x1000, PROT_READ);
    const res = cpu.run(100);
    expect(res.fault?.kind).toBe('protection');
  });
  it('threads sharing a memory share decoded code; copyStateFrom copies registers', () => {
    const { cpu, mem } = machine(asm('mov eax, 42\nsyscall'));
    const other = new Cpu(mem);
    expect(other.cache).toBe(cpu.cache);
    other.copyStateFrom(cpu);
    expect(other.run(10).reason).toBe('syscall');
    expect(other.getReg(Reg.RAX)).toBe(42n);
  });
  it('register accessors round-trip at the API edge', () => {
    const cpu = exec('nop');
    cpu.setReg(Reg.R15, 0xfedcba9876543210n);
    expect(cpu.getReg(Reg.R15)).toBe(0xfedcba9876543210n);
    cpu.setRegNumber(Reg.RDI, 2 ** 40 + 5);
    expect(cpu.getRegNumber(Reg.RDI)).toBe(2 ** 40 + 5);
    expect(cpu.getReg32(Reg.RDI)).toBe(5);
    cpu.setRflags(0xffffffff);
    expect(cpu.getRflags() & 0x100).toBe(0);
    expect(cpu.getRflags() & 0xcd5).toBe(0xcd5);
    const x = new Uint8Array(16).map((_, k) => k);
    cpu.setXmm(3, x);
    expect([...cpu.getXmm(3)]).toEqual([...x]);
    const st = cpu.getX87();
    expect(st.control).toBe(0x37f);
    st.registers[2] = { sign: true, exponent: 0x3fff, significand: 1n << 63n };
    cpu.setX87(st);
    expect(cpu.getX87().registers[2]).toEqual({ sign: true, exponent: 0x3fff, significand: 1n << 63n });
  });
});
