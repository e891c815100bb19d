import { describe, expect, it } from 'vitest';
import { Reg } from '../api.js';
import { ZF } from '../state.js';
import { DATA, exec, STACK_TOP } from '../test-helpers.js';

const M64 = (1n << 64n) - 1n;

describe('data movement', () => {
  it('lea of a negative absolute or rip-relative address sign-extends once (SDM Vol. 2A LEA)', () => {
    // lea rax, [-16] (SIB, no base or index); lea rbx, [rip - 0x20000] at 0x10008 (next
    // 0x1000f); lea edx, [-16] (32-bit operand: zero-extended).
    const cpu = exec(
      [
        '.byte 0x48, 0x8d, 0x04, 0x25, 0xf0, 0xff, 0xff, 0xff',
        '.byte 0x48, 0x8d, 0x1d, 0x00, 0x00, 0xfe, 0xff',
        '.byte 0x8d, 0x14, 0x25, 0xf0, 0xff, 0xff, 0xff',
      ].join('\n'),
    );
    expect(cpu.getReg(Reg.RAX)).toBe(M64 - 15n);
    expect(cpu.getReg(Reg.RBX)).toBe((1n << 64n) + 0x1000fn - 0x20000n);
    expect(cpu.getReg(Reg.RDX)).toBe(0xfffffff0n);
  });

  it('mov forms: imm64, sign-extended imm32, byte/word writes keep upper bits', () => {
    const cpu = exec(
      'mov rax, 0x123456789abcdef0\nmov rbx, -2\nmov rdx, -1\nmov dl, 5\nmov dh, 6\nmov esi, -1',
    );
    expect(cpu.getReg(Reg.RAX)).toBe(0x123456789abcdef0n);
    expect(cpu.getReg(Reg.RBX)).toBe(M64 - 1n);
    expect(cpu.getReg(Reg.RDX)).toBe(0xffffffffffff0605n);
    expect(cpu.getReg(Reg.RSI)).toBe(0xffffffffn);
  });
  it('memory moves, moffs and rip-relative lea', () => {
    const cpu = exec(
      `mov rdi, ${DATA}\nmov qword ptr [rdi+8], -7\nmov eax, [rdi+8]\nlea r8, [rdi+rax*2+1]\nmov r9, rax\nmovabs rax, [${DATA + 8}]\nlea rsi, [rip]`,
    );
    expect(cpu.getReg(Reg.R9)).toBe(0xfffffff9n);
    expect(cpu.getReg(Reg.RAX)).toBe(M64 - 6n);
    expect(cpu.getReg(Reg.RSI)).toBeGreaterThan(0x10000n);
    expect(cpu.getReg(Reg.R8)).toBe(BigInt(DATA) + 0xfffffff9n * 2n + 1n);
  });
  it('movzx/movsx/movsxd and the cbw/cdq families', () => {
    const cpu = exec(
      'mov eax, 0x80\nmovsx rbx, al\nmovzx edx, al\nmov esi, 0x80000000\nmovsxd rdi, esi\ncdqe\nmov r8, rax\ncqo\nmov r9, rdx',
    );
    expect(cpu.getReg(Reg.RBX)).toBe(M64 - 0x7fn);
    expect(cpu.getReg(Reg.RDI)).toBe(0xffffffff80000000n);
    expect(cpu.getReg(Reg.R8)).toBe(0x80n);
    expect(cpu.getReg(Reg.R9)).toBe(0n);
  });
  it('xchg, cmpxchg, xadd, cmpxchg16b', () => {
    const cpu = exec(
      `mov rdi, ${DATA}\nmov qword ptr [rdi], 5\nmov rax, 5\nmov rbx, 9\nlock cmpxchg [rdi], rbx\nsetz r8b\nmov rax, 1\nlock cmpxchg [rdi], rbx\nmov r9, rax\nmov rsi, 3\nxchg rsi, [rdi]\nmov r10, 0\nmov r12, 0\nmov qword ptr [rdi+16], 0\nmov qword ptr [rdi+24], 0\nmov rax, 0\nmov rdx, 0\nmov rbx, 11\nmov r13, rcx\nmov rcx, 22\nlock cmpxchg16b [rdi+16]\nmov rcx, r13\nmov r14, [rdi+16]\nmov r15, [rdi+24]`,
    );
    expect(cpu.getReg(Reg.R8)).toBe(1n);
    expect(cpu.getReg(Reg.R9)).toBe(9n);
    expect(cpu.getReg(Reg.RSI)).toBe(9n);
    expect(cpu.getReg(Reg.R14)).toBe(11n);
    expect(cpu.getReg(Reg.R15)).toBe(22n);
    expect(cpu.getRflags() & ZF).toBe(ZF);
  });
  it('cmpxchg8b and xlatb', () => {
    const cpu = exec(
      `mov rdi, ${DATA}\nmov qword ptr [rdi], 0\nxor eax, eax\nxor edx, edx\nmov ebx, 0x11\nmov r8, rcx\nmov ecx, 0x22\ncmpxchg8b [rdi]\nmov rcx, r8\nmov rsi, [rdi]\nmov rbx, rdi\nmov byte ptr [rdi+5], 0x99\nmov eax, 5\nxlatb`,
    );
    expect(cpu.getReg(Reg.RSI)).toBe(0x0000002200000011n);
    expect(cpu.getReg(Reg.RAX)).toBe(0x99n);
  });
  it('cmovcc zero-extends a 32-bit destination even when the condition is false', () => {
    const cpu = exec('mov rax, -1\nmov ebx, 1\ncmp ebx, ebx\ncmovne eax, ebx\nmov rdx, -1\ncmove rdx, rbx');
    expect(cpu.getReg(Reg.RAX)).toBe(0xffffffffn);
    expect(cpu.getReg(Reg.RDX)).toBe(1n);
  });
  it('push/pop, pushf/popf, lahf/sahf', () => {
    const cpu = exec(
      'push 0x12345678\npop rax\nmov rbx, rsp\nstc\npushfq\npop rdx\nmov ah, 0xd5\nsahf\nlahf\nmovzx esi, ah\npush word ptr 7\npop di',
    );
    expect(cpu.getReg(Reg.RAX) & 0xffffffffn).toBe(0x1234d778n);
    expect(cpu.getReg(Reg.RBX)).toBe(BigInt(STACK_TOP));
    expect(cpu.getReg(Reg.RDX) & 0xfffn).toBe(0x203n);
    expect(cpu.getReg(Reg.RSI)).toBe(0xd7n);
    expect(cpu.getReg(Reg.RDI) & 0xffffn).toBe(7n);
    expect(cpu.getReg(Reg.RSP)).toBe(BigInt(STACK_TOP));
  });
  it('enter/leave build and drop frames', () => {
    const cpu = exec('mov rbp, 0x55\nenter 32, 0\nmov rax, rbp\nmov rbx, rsp\nleave');
    expect(cpu.getReg(Reg.RAX)).toBe(BigInt(STACK_TOP - 8));
    expect(cpu.getReg(Reg.RBX)).toBe(BigInt(STACK_TOP - 40));
    expect(cpu.getReg(Reg.RBP)).toBe(0x55n);
    expect(cpu.getReg(Reg.RSP)).toBe(BigInt(STACK_TOP));
  });
});

describe('control flow', () => {
  it('call/ret, indirect jmp, jcc and loop', () => {
    const cpu = exec(
      'xor eax, eax\nmov ecx, 5\n1: add eax, 2\nloop 1b\ncall f\nlea rbx, [rip+2f]\njmp rbx\nud2\n2: jmp 3f\nf: add eax, 100\nret\n3: cmp eax, 110\njne 4f\nmov edx, 1\n4:',
    );
    expect(cpu.getReg(Reg.RAX)).toBe(110n);
    expect(cpu.getReg(Reg.RDX)).toBe(1n);
  });
  it('jrcxz and ret imm16', () => {
    const cpu = exec(
      'mov ecx, 0\njrcxz 1f\nud2\n1: push 1\npush 2\ncall g\njmp 2f\ng: ret 16\n2: mov rax, rsp',
    );
    expect(cpu.getReg(Reg.RAX)).toBe(BigInt(STACK_TOP));
  });
});
