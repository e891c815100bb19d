import { describe, expect, it } from 'vitest';
import { Reg } from '../api.js';
import { CF, OF, SF, ZF } from '../state.js';
import { DATA, exec } from '../test-helpers.js';

const M64 = (1n << 64n) - 1n;

describe('shifts and rotates (SDM Vol. 2B, SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR)', () => {
  it('shl by 1 sets CF from the bit shifted out and OF = MSB ^ CF', () => {
    const cpu = exec('mov eax, 0xc0000000\nshl eax, 1');
    expect(cpu.getReg(Reg.RAX)).toBe(0x80000000n);
    expect(cpu.getRflags() & (CF | OF | SF)).toBe(CF | SF);
  });
  it('64-bit shifts across the halves', () => {
    const cpu = exec('mov rax, 1\nshl rax, 40\nmov rbx, -16\nsar rbx, 36\nmov rdx, -1\nshr rdx, 63');
    expect(cpu.getReg(Reg.RAX)).toBe(1n << 40n);
    expect(cpu.getReg(Reg.RBX)).toBe(M64);
    expect(cpu.getReg(Reg.RDX)).toBe(1n);
  });
  it('a zero count changes no flags but still zero-extends a 32-bit register', () => {
    const cpu = exec('mov rax, -1\nstc\nmov cl, 32\nshl eax, cl\nsetc bl');
    expect(cpu.getReg(Reg.RAX)).toBe(0xffffffffn);
    expect(cpu.getReg(Reg.RBX) & 0xffn).toBe(1n);
  });
  it('rol/ror and rcl/rcr through carry at 8 and 64 bits', () => {
    const cpu = exec(
      'mov al, 0x81\nrol al, 1\nmov bl, 0x01\nstc\nrcr bl, 1\nsetc dl\nmov rsi, 0x8000000000000001\nror rsi, 4\nclc\nmov rdi, 0x8000000000000000\nrcl rdi, 1\nsetc r8b',
    );
    expect(cpu.getReg(Reg.RAX) & 0xffn).toBe(0x03n);
    expect(cpu.getReg(Reg.RBX) & 0xffn).toBe(0x80n);
    expect(cpu.getReg(Reg.RDX) & 0xffn).toBe(1n);
    expect(cpu.getReg(Reg.RSI)).toBe(0x1800000000000000n);
    expect(cpu.getReg(Reg.RDI)).toBe(0n);
    expect(cpu.getReg(Reg.R8)).toBe(1n);
  });
  it('rcl 8-bit counts rotate modulo 9', () => {
    const cpu = exec('clc\nmov al, 0x01\nmov cl, 9\nrcl al, cl');
    expect(cpu.getReg(Reg.RAX) & 0xffn).toBe(0x01n);
  });
  it('shld/shrd at 32 and 64 bits', () => {
    const cpu = exec(
      'mov eax, 0x12345678\nmov ebx, 0x9abcdef0\nshld eax, ebx, 8\nmov rsi, 0x1111111111111111\nmov rdi, -1\nshrd rsi, rdi, 60',
    );
    expect(cpu.getReg(Reg.RAX)).toBe(0x3456789an);
    expect(cpu.getReg(Reg.RSI)).toBe(0xfffffffffffffff1n);
  });
});

describe('bit instructions', () => {
  it('bt/bts/btr/btc on registers and on memory with a negative bit offset', () => {
    const cpu = exec(
      `mov rax, 0\nbts rax, 63\nsetc bl\nbtc rax, 0\nmov rsi, ${DATA + 16}\nmov qword ptr [rsi-8], 0\nmov rdx, -1\nbts qword ptr [rsi], rdx\nmov rdi, [rsi-8]`,
    );
    expect(cpu.getReg(Reg.RAX)).toBe((1n << 63n) | 1n);
    expect(cpu.getReg(Reg.RBX) & 0xffn).toBe(0n);
    expect(cpu.getReg(Reg.RDI)).toBe(1n << 63n);
  });
  it('bsf/bsr find bits; a zero source sets ZF and keeps the destination', () => {
    const cpu = exec(
      'mov rax, 0x0000100000000000\nbsf rbx, rax\nbsr rdx, rax\nmov rdi, 77\nmov rsi, 0\nbsf rdi, rsi\nsetz r8b',
    );
    expect(cpu.getReg(Reg.RBX)).toBe(44n);
    expect(cpu.getReg(Reg.RDX)).toBe(44n);
    expect(cpu.getReg(Reg.RDI)).toBe(77n);
    expect(cpu.getReg(Reg.R8)).toBe(1n);
  });
  it('popcnt, lzcnt, tzcnt', () => {
    const cpu = exec(
      'mov rax, -1\npopcnt rbx, rax\nmov esi, 0x00010000\nlzcnt edx, esi\ntzcnt edi, esi\nmov r9, 0\nlzcnt r8, r9\nsetc r10b',
    );
    expect(cpu.getReg(Reg.RBX)).toBe(64n);
    expect(cpu.getReg(Reg.RDX)).toBe(15n);
    expect(cpu.getReg(Reg.RDI)).toBe(16n);
    expect(cpu.getReg(Reg.R8)).toBe(64n);
    expect(cpu.getReg(Reg.R10)).toBe(1n);
  });
  it('bswap at 32 and 64 bits', () => {
    const cpu = exec('mov eax, 0x11223344\nbswap eax\nmov rbx, 0x0102030405060708\nbswap rbx');
    expect(cpu.getReg(Reg.RAX)).toBe(0x44332211n);
    expect(cpu.getReg(Reg.RBX)).toBe(0x0807060504030201n);
  });
  it('BMI1: andn, bextr, blsi, blsmsk, blsr', () => {
    const cpu = exec(
      'mov rax, 0xff00\nmov rbx, 0xfff0\nandn rdx, rax, rbx\nmov esi, 0x0804\nmov edi, 0x12345678\nbextr r8d, edi, esi\nmov r9, 0x68\nblsi r10, r9\nblsmsk r12, r9\nblsr r13, r9',
    );
    expect(cpu.getReg(Reg.RDX)).toBe(0xf0n);
    expect(cpu.getReg(Reg.R8)).toBe(0x67n);
    expect(cpu.getReg(Reg.R10)).toBe(0x8n);
    expect(cpu.getReg(Reg.R12)).toBe(0xfn);
    expect(cpu.getReg(Reg.R13)).toBe(0x60n);
  });
  it('BMI2: bzhi, mulx, pdep, pext, rorx, sarx, shlx, shrx', () => {
    const cpu = exec(
      'mov rax, -1\nmov ebx, 12\nbzhi rsi, rax, rbx\nmov rdx, -1\nmov r8, 2\nmulx r10, r9, r8\nmov r12d, 0b1011\nmov r13d, 0xf0f0\npdep r14d, r12d, r13d\npext r15d, r14d, r13d\nmov rdi, 0x8000000000000001\nrorx rdi, rdi, 1',
    );
    expect(cpu.getReg(Reg.RSI)).toBe(0xfffn);
    expect(cpu.getReg(Reg.R9)).toBe(M64 - 1n);
    expect(cpu.getReg(Reg.R10)).toBe(1n);
    expect(cpu.getReg(Reg.R14)).toBe(0xb0n);
    expect(cpu.getReg(Reg.R15)).toBe(0b1011n);
    expect(cpu.getReg(Reg.RDI)).toBe(0xc000000000000000n);
    const c2 = exec('mov rax, -256\nmov ebx, 4\nsarx rsi, rax, rbx\nshlx rdi, rax, rbx\nshrx r8, rax, rbx');
    expect(c2.getReg(Reg.RSI)).toBe(M64 - 15n);
    expect(c2.getReg(Reg.RDI)).toBe(((M64 - 255n) << 4n) & M64);
    expect(c2.getReg(Reg.R8)).toBe((M64 - 255n) >> 4n);
  });
  it('flags after bt are CF only; ZF from blsr', () => {
    const cpu = exec('mov rax, 1\nblsr rbx, rax');
    expect(cpu.getRflags() & (ZF | CF)).toBe(ZF);
  });
});
