import { describe, expect, it } from 'vitest';
import { Reg } from '../api.js';
import { AF, CF, OF, PF, SF, ZF } from '../state.js';
import { DATA, exec } from '../test-helpers.js';

const ARITH = CF | PF | AF | ZF | SF | OF;
const flags = (cpu: { getRflags(): number }) => cpu.getRflags() & ARITH;
const M64 = (1n << 64n) - 1n;

describe('add/sub/adc/sbb/cmp flags (SDM Vol. 1 §3.4.3.1)', () => {
  it('32-bit signed overflow into the sign bit', () => {
    const cpu = exec('mov eax, 0x7fffffff\nadd eax, 1');
    expect(cpu.getReg(Reg.RAX)).toBe(0x80000000n);
    // 0x7fffffff + 1: OF (positive + positive = negative), SF, AF (carry out of bit 3), PF (low byte 0x00).
    expect(flags(cpu)).toBe(OF | SF | AF | PF);
  });
  it('64-bit add carries across the 32-bit halves and sets CF/ZF on wrap', () => {
    const cpu = exec('mov rax, -1\nmov rbx, 1\nadd rax, rbx');
    expect(cpu.getReg(Reg.RAX)).toBe(0n);
    expect(flags(cpu)).toBe(CF | ZF | PF | AF);
    const c2 = exec('mov rax, 0xffffffff\nadd rax, 1');
    expect(c2.getReg(Reg.RAX)).toBe(0x100000000n);
    expect(flags(c2) & (CF | ZF | OF | SF)).toBe(0);
  });
  it('sub borrow and cmp leave the destination alone', () => {
    const cpu = exec('mov esi, 1\ncmp esi, 2\nsetb al\nsetl bl\nsub esi, 2');
    expect(cpu.getReg(Reg.RSI)).toBe(0xffffffffn);
    expect(cpu.getReg(Reg.RAX) & 0xffn).toBe(1n);
    expect(cpu.getReg(Reg.RBX) & 0xffn).toBe(1n);
    expect(flags(cpu)).toBe(CF | SF | AF | PF);
  });
  it('adc/sbb chain a 128-bit addition and subtraction', () => {
    const cpu = exec(
      'mov rax, -1\nmov rdx, 5\nadd rax, 1\nadc rdx, 0\nmov rsi, 0\nmov rdi, 1\nsub rsi, 1\nsbb rdi, 0',
    );
    expect(cpu.getReg(Reg.RAX)).toBe(0n);
    expect(cpu.getReg(Reg.RDX)).toBe(6n);
    expect(cpu.getReg(Reg.RSI)).toBe(M64);
    expect(cpu.getReg(Reg.RDI)).toBe(0n);
  });
  it('adc with carry-in where src + CF wraps (CF stays set)', () => {
    const cpu = exec('stc\nmov al, 0xff\nmov bl, 0xff\nadc al, bl');
    expect(cpu.getReg(Reg.RAX) & 0xffn).toBe(0xffn);
    expect(flags(cpu) & (CF | ZF | SF)).toBe(CF | SF);
  });
  it('8/16-bit forms keep the upper register bits; 32-bit forms zero-extend', () => {
    const cpu = exec('mov rax, -1\nadd al, 1\nmov rbx, -1\nadd bx, 2\nmov rdi, -1\nadd edi, 0');
    expect(cpu.getReg(Reg.RAX)).toBe(0xffffffffffffff00n);
    expect(cpu.getReg(Reg.RBX)).toBe(0xffffffffffff0001n);
    expect(cpu.getReg(Reg.RDI)).toBe(0xffffffffn);
  });
  it('AH/CH/DH/BH are addressed without REX', () => {
    const cpu = exec('mov eax, 0x1234\nadd ah, 0x10\nmov bh, ah');
    expect(cpu.getReg(Reg.RAX)).toBe(0x2234n);
    expect(cpu.getReg(Reg.RBX) & 0xff00n).toBe(0x2200n);
  });
  it('logic ops clear CF/OF; test does not write', () => {
    const cpu = exec('stc\nmov eax, 0xf0\nand eax, 0x0f\nmov ebx, 0x80000000\ntest ebx, ebx');
    expect(cpu.getReg(Reg.RAX)).toBe(0n);
    expect(flags(cpu) & (CF | OF | SF | ZF)).toBe(SF);
  });
  it('inc/dec preserve CF and set OF at the sign boundary', () => {
    const cpu = exec('stc\nmov eax, 0x7fffffff\ninc eax');
    expect(flags(cpu) & (CF | OF | SF)).toBe(CF | OF | SF);
    const c2 = exec('clc\nmov rax, 0\ndec rax');
    expect(c2.getReg(Reg.RAX)).toBe(M64);
    expect(flags(c2) & (CF | SF | ZF)).toBe(SF);
  });
  it('neg sets CF unless the operand is zero; not changes no flags', () => {
    const cpu = exec('mov rax, 5\nneg rax\nmov rbx, 0\nnot rbx');
    expect(cpu.getReg(Reg.RAX)).toBe(M64 - 4n);
    expect(cpu.getReg(Reg.RBX)).toBe(M64);
    expect(flags(cpu) & CF).toBe(CF);
    const c2 = exec('mov ecx, 0\nneg ecx');
    expect(flags(c2) & (CF | ZF)).toBe(ZF);
  });
  it('lock-prefixed read-modify-write on memory, with F2/F3 elision hints', () => {
    const cpu = exec(
      `mov rbx, ${DATA}\nmov qword ptr [rbx], 10\nlock add qword ptr [rbx], 7\nxacquire lock xadd [rbx], rsi\nxrelease lock inc dword ptr [rbx]\nmov rax, [rbx]`,
      { [Reg.RSI]: 3n },
    );
    expect(cpu.getReg(Reg.RSI)).toBe(17n);
    expect(cpu.getReg(Reg.RAX)).toBe(21n);
  });
});

describe('mul/imul/div/idiv', () => {
  it('mul r64 produces the 128-bit product in rdx:rax', () => {
    const cpu = exec('mov rax, -1\nmov rbx, -1\nmul rbx');
    expect(cpu.getReg(Reg.RAX)).toBe(1n);
    expect(cpu.getReg(Reg.RDX)).toBe(M64 - 1n);
    expect(flags(cpu) & (CF | OF)).toBe(CF | OF);
  });
  it('imul r64 one-operand is signed', () => {
    const cpu = exec('mov rax, -3\nmov rbx, 5\nimul rbx');
    expect(cpu.getReg(Reg.RAX)).toBe(M64 - 14n);
    expect(cpu.getReg(Reg.RDX)).toBe(M64);
    expect(flags(cpu) & (CF | OF)).toBe(0);
  });
  it('two- and three-operand imul truncate and flag overflow', () => {
    const cpu = exec(
      'mov rax, 0x100000000\nimul rax, rax\nseto r8b\nmov rbx, 7\nimul rdx, rbx, -3\nseto r9b',
    );
    expect(cpu.getReg(Reg.RAX)).toBe(0n);
    expect(cpu.getReg(Reg.R8)).toBe(1n);
    expect(cpu.getReg(Reg.R9)).toBe(0n);
    expect(cpu.getReg(Reg.RDX)).toBe(M64 - 20n);
    const c2 = exec('mov eax, 0x10000\nimul eax, eax, 0x10000\nsetc bl');
    expect(c2.getReg(Reg.RAX)).toBe(0n);
    expect(c2.getReg(Reg.RBX) & 0xffn).toBe(1n);
  });
  it('mul r8 and imul r16', () => {
    const cpu = exec(
      'mov al, 200\nmov bl, 3\nmul bl\nmov cx, -2\nmov dx, 0\nmov si, 300\nmov ax, cx\nimul si',
    );
    expect(cpu.getReg(Reg.RAX) & 0xffffn).toBe(0xfda8n);
    expect(cpu.getReg(Reg.RDX) & 0xffffn).toBe(0xffffn);
  });
  it('div and idiv at every width', () => {
    const cpu = exec(
      'mov ax, 1000\nmov bl, 7\ndiv bl\nmov r8, rax\nmov edx, 1\nmov eax, 0\nmov ecx, 3\ndiv ecx\nmov r9, rax\nmov r10, rdx\nmov rdx, -1\nmov rax, -100\nmov rcx, 7\nidiv rcx',
    );
    expect(cpu.getReg(Reg.R8) & 0xffffn).toBe((6n << 8n) | 142n);
    expect(cpu.getReg(Reg.R9)).toBe(0x55555555n);
    expect(cpu.getReg(Reg.R10)).toBe(1n);
    expect(cpu.getReg(Reg.RAX)).toBe(M64 - 13n);
    expect(cpu.getReg(Reg.RDX)).toBe(M64 - 1n);
  });
  it('128/64 unsigned division with a large dividend', () => {
    const cpu = exec(
      'mov rdx, 0x123456789\nmov rax, 0xabcdef0123456789\nmov rcx, 0xfedcba9876543210\ndiv rcx',
    );
    const n = (0x123456789n << 64n) | 0xabcdef0123456789n;
    const d = 0xfedcba9876543210n;
    expect(cpu.getReg(Reg.RAX)).toBe(n / d);
    expect(cpu.getReg(Reg.RDX)).toBe(n % d);
  });
  it('raises #DE on division by zero and on quotient overflow', () => {
    expect(() => exec('mov ecx, 0\ndiv ecx')).toThrow(/divide-error/);
    expect(() => exec('mov rdx, 1\nmov rax, 0\nmov rcx, 1\ndiv rcx')).toThrow(/divide-error/);
    expect(() => exec('mov rax, 0x8000000000000000\ncqo\nmov rcx, -1\nidiv rcx')).toThrow(/divide-error/);
  });
});
