import { describe, expect, it } from 'vitest';
import { asm, CODE, machine } from './test-helpers.js';

/** Disassembles every instruction of `source` (one per line) and returns the texts. */
function texts(source: string): string[] {
  const { cpu } = machine(asm(source));
  const out: string[] = [];
  let at = CODE;
  for (const _ of source.split('\n')) {
    const d = cpu.disassemble(at);
    out.push(d.text);
    at += d.length;
  }
  return out;
}

describe('disassembler (Intel syntax, driven by the opcode table)', () => {
  it('formats registers, immediates and memory operands', () => {
    expect(
      texts(
        [
          'mov rax, 0x123456789',
          'add dword ptr [rbx+rcx*4+0x10], 0x7',
          'lea r8, [rip+0x20]',
          'mov al, byte ptr fs:[rax-0x8]',
          'xor r9d, r9d',
          'movzx eax, word ptr [rsi]',
          'shl rdx, cl',
          'imul eax, ebx, 0x64',
          'push rbp',
          'lock cmpxchg qword ptr [rdi], rsi',
          'rep movsb',
          'repne scasb',
          'cqo',
          'cmovne rax, rbx',
          'sete cl',
          'mov ah, bh',
          'enter 0x20, 0x1',
          'ret',
        ].join('\n'),
      ),
    ).toEqual([
      'mov rax, 0x123456789',
      'add dword ptr [rbx+rcx*4+0x10], 0x7',
      'lea r8, [rip+0x20]',
      'mov al, byte ptr fs:[rax-0x8]',
      'xor r9d, r9d',
      'movzx eax, word ptr [rsi]',
      'shl rdx, cl',
      'imul eax, ebx, 0x64',
      'push rbp',
      'lock cmpxchg qword ptr [rdi], rsi',
      'rep movsb',
      'repne scasb',
      'cqo',
      'cmovne rax, rbx',
      'sete cl',
      'mov ah, bh',
      'enter 0x20, 0x1',
      'ret',
    ]);
  });
  it('shows branch targets as absolute addresses and BMI operands', () => {
    const [jmp, call, andn, rorx] = texts('jmp 1f\n1: call 1b\nandn rax, rbx, rcx\nrorx eax, ebx, 3');
    expect(jmp).toBe(`jmp 0x${(CODE + 2).toString(16)}`);
    expect(call).toBe(`call 0x${(CODE + 2).toString(16)}`);
    expect(andn).toBe('andn rax, rbx, rcx');
    expect(rorx).toBe('rorx eax, ebx, 0x3');
  });
  it('marks undecodable bytes and unreadable addresses', () => {
    const { cpu } = machine(asm('.byte 0x0f, 0xff'));
    expect(cpu.disassemble(CODE).text).toBe('(bad)');
    expect(cpu.disassemble(0x7000000).length).toBe(0);
  });
});
