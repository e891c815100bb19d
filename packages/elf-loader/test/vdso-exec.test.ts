/**
 * Executes every vDSO function on the x86-core CPU and checks the register convention of
 * digest §1.1: C arguments arrive in rdi, rsi, rdx, rcx, r8, r9 (and [rsp+8]); the raw syscall sees
 * them in rdi, rsi, rdx, r10, r8, r9 with the final number in eax; on success the results are
 * stored through the out-pointers (32-bit for fd/tid, 64-bit otherwise) and 0 is returned; on error
 * the errno is returned and nothing is stored; callee-saved registers survive.
 */
import { Cpu, GuestMemory, PROT_EXEC, PROT_READ, PROT_WRITE, Reg } from '@cabi/x86-core';
import { describe, expect, it } from 'vitest';
import { buildVdso, VDSO_SYSCALLS, type VdsoSyscall } from '../src/index.js';

const VDSO = 0x10_0000;
const STACK = 0x20_0000;
const OUT = 0x30_0000;
const RET = 0x40_0000;
const C_ARGS = [Reg.RDI, Reg.RSI, Reg.RDX, Reg.RCX, Reg.R8, Reg.R9] as const;
const RAW_ARGS = [Reg.RDI, Reg.RSI, Reg.RDX, Reg.R10, Reg.R8, Reg.R9] as const;
const CALLEE_SAVED = [Reg.RBX, Reg.RBP, Reg.R12, Reg.R13, Reg.R14, Reg.R15] as const;

function setup(sc: VdsoSyscall): {
  cpu: Cpu;
  mem: GuestMemory;
  inputs: number[];
  outs: number[];
  rsp: number;
} {
  const mem = new GuestMemory({ maxBytes: 8 * 1024 * 1024 });
  const vdso = buildVdso();
  mem.map(VDSO, 0x2000, PROT_READ | PROT_EXEC);
  mem.poke(VDSO, vdso.image);
  mem.map(STACK, 0x1000, PROT_READ | PROT_WRITE);
  mem.map(OUT, 0x1000, PROT_READ | PROT_WRITE);
  mem.u8.fill(0xaa, OUT, OUT + 0x100);
  mem.map(RET, 0x1000, PROT_READ | PROT_EXEC);
  mem.poke(RET, Uint8Array.from([0x0f, 0x05])); // a syscall marks "returned to the caller"
  const cpu = new Cpu(mem);
  const inputs = Array.from({ length: sc.inputs }, (_, i) => 0x1111 * (i + 1));
  const outs = sc.results.map((_, i) => OUT + 0x10 * (i + 1));
  const cArgs = [...inputs, ...outs];
  // Call frame: [rsp] = return address, [rsp+8] = 7th argument.
  const rsp = STACK + 0x800 - 8;
  mem.dv.setBigUint64(rsp, BigInt(RET), true);
  cArgs.forEach((v, i) => {
    if (i < 6) cpu.setRegNumber(C_ARGS[i]!, v);
    else mem.dv.setBigUint64(rsp + 8 * (i - 5), BigInt(v), true);
  });
  CALLEE_SAVED.forEach((r, i) => {
    cpu.setRegNumber(r, 0xc0de00 + i);
  });
  cpu.setRegNumber(Reg.RSP, rsp);
  cpu.rip = VDSO + vdso.symbols.get(`cloudabi_sys_${sc.name}`)!;
  return { cpu, mem, inputs, outs, rsp };
}

function enterKernel(cpu: Cpu, sc: VdsoSyscall, inputs: number[]): void {
  const r = cpu.run(100);
  expect(r.reason, r.fault?.message).toBe('syscall');
  const site = buildVdso().syscallSites.find((s) => s.name === sc.name)!;
  expect(cpu.rip).toBe(VDSO + site.returnOffset);
  expect(cpu.getReg32(Reg.RAX)).toBe(sc.number);
  inputs.forEach((v, i) => {
    expect(cpu.getRegNumber(RAW_ARGS[i]!), `raw argument ${i}`).toBe(v);
  });
}

function returnToCaller(cpu: Cpu, rsp: number): void {
  const r = cpu.run(100);
  expect(r.reason, r.fault?.message).toBe('syscall');
  expect(cpu.rip).toBe(RET + 2);
  expect(cpu.getRegNumber(Reg.RSP)).toBe(rsp + 8);
  CALLEE_SAVED.forEach((reg, i) => {
    expect(cpu.getRegNumber(reg)).toBe(0xc0de00 + i);
  });
}

const returning = VDSO_SYSCALLS.filter((s) => !s.noreturn);

describe('vDSO functions on the CPU', () => {
  it.each(returning)('$name stores its results on success', (sc) => {
    const { cpu, mem, inputs, outs, rsp } = setup(sc);
    enterKernel(cpu, sc, inputs);
    // The kernel's answer: results in rax/rdx, carry clear; syscall clobbered rcx and r11.
    cpu.setReg(Reg.RAX, 0x1234_5678_9abc_def0n);
    cpu.setReg(Reg.RDX, 0x0fed_cba9_8765_4321n);
    cpu.setRegNumber(Reg.RCX, 0xdead);
    cpu.setRegNumber(Reg.R11, 0xbeef);
    cpu.setRflags(cpu.getRflags() & ~1);
    returnToCaller(cpu, rsp);
    expect(cpu.getReg32(Reg.RAX) & 0xffff).toBe(0);
    const values = [0x1234_5678_9abc_def0n, 0x0fed_cba9_8765_4321n];
    sc.results.forEach((width, i) => {
      const stored = mem.dv.getBigUint64(outs[i]!, true);
      const expected = width === 64 ? values[i]! : 0xaaaa_aaaa_0000_0000n | (values[i]! & 0xffff_ffffn);
      expect(stored, `result ${i}`).toBe(expected);
    });
  });

  it.each(returning)('$name returns the errno and stores nothing on failure', (sc) => {
    const { cpu, mem, inputs, outs, rsp } = setup(sc);
    enterKernel(cpu, sc, inputs);
    cpu.setRegNumber(Reg.RAX, 28); // EINVAL
    cpu.setRflags(cpu.getRflags() | 1);
    returnToCaller(cpu, rsp);
    expect(cpu.getReg32(Reg.RAX) & 0xffff).toBe(28);
    for (const o of outs) expect(mem.dv.getBigUint64(o, true)).toBe(0xaaaa_aaaa_aaaa_aaaan);
  });

  it.each(VDSO_SYSCALLS.filter((s) => s.noreturn))('$name never falls through', (sc) => {
    const { cpu, inputs } = setup(sc);
    enterKernel(cpu, sc, inputs);
    cpu.setRegNumber(Reg.RAX, 0);
    const r = cpu.run(10);
    expect(r.reason).toBe('fault'); // ud2
    expect(r.fault?.kind).toBe('invalid-opcode');
  });
});
