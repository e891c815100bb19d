import { describe, expect, it } from 'vitest';
import { Reg } from '../api.js';
import { asm, DATA, exec, machine } from '../test-helpers.js';

describe('string instructions', () => {
  it('rep movsb forward and rep stosq', () => {
    const cpu = exec(
      `mov rdi, ${DATA}\nmov rax, 0x0807060504030201\nmov ecx, 2\nrep stosq\nmov rsi, ${DATA}\nmov rdi, ${DATA + 0x100}\nmov ecx, 16\nrep movsb\nmov rax, [${DATA + 0x108}]\nmov rbx, rdi`,
    );
    expect(cpu.getReg(Reg.RAX)).toBe(0x0807060504030201n);
    expect(cpu.getReg(Reg.RBX)).toBe(BigInt(DATA + 0x110));
  });
  it('std makes string operations run backwards (overlapping memmove)', () => {
    const cpu = exec(
      `mov rdi, ${DATA}\nmov dword ptr [rdi], 0x44332211\nstd\nmov rsi, ${DATA + 3}\nmov rdi, ${DATA + 4}\nmov ecx, 4\nrep movsb\ncld\nmov eax, [${DATA + 1}]`,
    );
    expect(cpu.getReg(Reg.RAX)).toBe(0x44332211n);
  });
  it('repe cmpsb stops at the first difference; repne scasb finds a byte', () => {
    const cpu = exec(
      `mov rdi, ${DATA}\nmov rax, 0x0065646362610000\nmov [rdi], rax\nmov rax, 0x0066646362610000\nmov [rdi+8], rax\nmov rsi, ${DATA}\nlea rdi, [rsi+8]\nmov ecx, 8\nrepe cmpsb\nmov r8, rcx\nmov r9, rsi\nmov rdi, ${DATA}\nmov al, 0x63\nmov ecx, 8\nrepne scasb\nmov r10, rdi`,
    );
    expect(cpu.getReg(Reg.R8)).toBe(1n);
    expect(cpu.getReg(Reg.R9)).toBe(BigInt(DATA + 7));
    expect(cpu.getReg(Reg.R10)).toBe(BigInt(DATA + 5));
  });
  it('lodsd and a zero count', () => {
    const cpu = exec(`mov rsi, ${DATA}\nmov dword ptr [rsi], 77\nlodsd\nmov ecx, 0\nmov rdi, 0\nrep stosb`);
    expect(cpu.getReg(Reg.RAX)).toBe(77n);
  });
  it('every REP iteration counts against the budget; the run resumes mid-string', () => {
    const { cpu } = machine(asm(`mov rdi, ${DATA}\nmov ecx, 10\nmov al, 1\nrep stosb\nsyscall`));
    const first = cpu.run(7);
    expect(first).toEqual({ reason: 'budget', executed: 7 });
    expect(cpu.getReg(Reg.RCX)).toBe(6n);
    expect(cpu.disassemble(cpu.rip).text).toBe('rep stosb');
    const rest = cpu.run(100);
    expect(rest).toEqual({ reason: 'syscall', executed: 7 });
    expect(cpu.memory.u8[DATA + 9]).toBe(1);
    expect(cpu.memory.u8[DATA + 10]).toBe(0);
  });
  it('a fault in the middle of a REP leaves the completed iterations retired and rCX/rDI exact', () => {
    const { cpu } = machine(asm(`mov rdi, ${DATA + 0xfffc}\nmov ecx, 10\nrep stosb`));
    const res = cpu.run(1000);
    expect(res.reason).toBe('fault');
    expect(res.executed).toBe(2 + 4);
    expect(res.fault?.address).toBe(DATA + 0x10000);
    expect(cpu.getReg(Reg.RCX)).toBe(6n);
    expect(cpu.getReg(Reg.RDI)).toBe(BigInt(DATA + 0x10000));
  });
  it('a long rep movsq copies in one run', () => {
    const cpu = exec(
      `mov rsi, ${DATA}\nmov rdi, ${DATA + 0x8000}\nmov qword ptr [rsi+0x7ff8], 42\nmov ecx, 0x1000\nrep movsq\nmov rax, [${DATA + 0xfff8}]`,
    );
    expect(cpu.getReg(Reg.RAX)).toBe(42n);
    expect(cpu.instructionCount).toBe(4 + 0x1000 + 2);
  });
});
