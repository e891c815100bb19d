/**
 * The fixtures' legacy runtime issues raw `syscall` instructions with the 2015–2016 numbers. This
 * runs each stub of the committed `legacy` binary on the CPU (found through its symbol table) and
 * checks the number and the raw register convention the kernel's legacy path relies on.
 */
import { Cpu, GuestMemory, PROT_EXEC, PROT_READ, PROT_WRITE, Reg } from '@cabi/x86-core';
import { describe, expect, it } from 'vitest';
import { loadProcess, VDSO_SYSCALLS } from '../src/index.js';
import { fixture } from './helpers.js';

/** Function symbols of an ELF64 file (SHT_SYMTAB), name → st_value. */
function functionSymbols(bytes: Uint8Array): Map<string, number> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shoff = Number(dv.getBigUint64(40, true));
  const shnum = dv.getUint16(60, true);
  const section = (i: number) => {
    const o = shoff + i * 64;
    return {
      type: dv.getUint32(o + 4, true),
      offset: Number(dv.getBigUint64(o + 24, true)),
      size: Number(dv.getBigUint64(o + 32, true)),
      link: dv.getUint32(o + 40, true),
    };
  };
  const out = new Map<string, number>();
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (s.type !== 2) continue;
    const str = section(s.link);
    for (let o = s.offset; o < s.offset + s.size; o += 24) {
      if ((dv.getUint8(o + 4) & 15) !== 2) continue;
      let end = str.offset + dv.getUint32(o, true);
      const start = end;
      while (bytes[end] !== 0) end++;
      out.set(new TextDecoder().decode(bytes.subarray(start, end)), Number(dv.getBigUint64(o + 8, true)));
    }
  }
  return out;
}

const legacy = fixture('legacy');
const symbols = functionSymbols(legacy);
const RAW_ARGS = [Reg.RDI, Reg.RSI, Reg.RDX, Reg.R10, Reg.R8, Reg.R9] as const;
const C_ARGS = [Reg.RDI, Reg.RSI, Reg.RDX, Reg.RCX, Reg.R8, Reg.R9] as const;

describe('legacy runtime stubs', () => {
  const stubs = [
    ...VDSO_SYSCALLS.map((s) => ({
      name: s.name,
      number: s.legacyNumber,
      inputs: s.inputs,
      results: s.results,
    })),
    { name: 'thread_tcb_set', number: 55, inputs: 1, results: [] as const },
  ].filter((s) => s.name !== 'proc_exit' && s.name !== 'thread_exit');

  it('every legacy stub is present in the binary', () => {
    for (const s of stubs) expect(symbols.has(`rt_legacy_${s.name}`), s.name).toBe(true);
  });

  it.each(stubs)('rt_legacy_$name issues syscall $number with the raw convention', (s) => {
    const mem = new GuestMemory({ maxBytes: 64 * 1024 * 1024 });
    const img = loadProcess(mem, legacy, {
      argdata: new Uint8Array(),
      random: (b) => b.fill(1),
      seed: 1,
      tid: 1,
      ncpus: 1,
      stackSize: 64 * 1024,
      vdso: false,
    });
    const OUT = mem.findFree(4096, 0x300_0000);
    mem.map(OUT, 4096, PROT_READ | PROT_WRITE);
    mem.u8.fill(0xaa, OUT, OUT + 64);
    const RET = mem.findFree(4096, 0x310_0000);
    mem.map(RET, 4096, PROT_READ | PROT_EXEC);
    mem.poke(RET, Uint8Array.from([0x0f, 0x05]));
    const cpu = new Cpu(mem);
    const inputs = Array.from({ length: s.inputs }, (_, i) => 0x2222 * (i + 1));
    const outs = s.results.map((_, i) => OUT + 16 * (i + 1));
    let rsp = img.stackTop - 64;
    mem.dv.setBigUint64(rsp, BigInt(RET), true);
    [...inputs, ...outs].forEach((v, i) => {
      if (i < 6) cpu.setRegNumber(C_ARGS[i]!, v);
      else mem.dv.setBigUint64(rsp + 8 * (i - 5), BigInt(v), true);
    });
    cpu.setRegNumber(Reg.RSP, rsp);
    cpu.rip = img.base + symbols.get(`rt_legacy_${s.name}`)!;
    let r = cpu.run(100);
    expect(r.reason, r.fault?.message).toBe('syscall');
    expect(cpu.rip).toBeLessThan(img.imageEnd); // a raw syscall in the program, not in a vDSO
    expect(cpu.getReg32(Reg.RAX)).toBe(s.number);
    inputs.forEach((v, i) => {
      expect(cpu.getRegNumber(RAW_ARGS[i]!)).toBe(v);
    });
    cpu.setReg(Reg.RAX, 0x1_0000_0007n);
    cpu.setReg(Reg.RDX, 0x2_0000_0009n);
    cpu.setRflags(cpu.getRflags() & ~1);
    r = cpu.run(100);
    expect(r.reason, r.fault?.message).toBe('syscall');
    expect(cpu.rip).toBe(RET + 2);
    rsp += 8;
    expect(cpu.getRegNumber(Reg.RSP)).toBe(rsp);
    expect(cpu.getReg32(Reg.RAX) & 0xffff).toBe(0);
    const values = [0x1_0000_0007n, 0x2_0000_0009n];
    s.results.forEach((w, i) => {
      const want = w === 64 ? values[i]! : 0xaaaa_aaaa_0000_0000n | (values[i]! & 0xffff_ffffn);
      expect(mem.dv.getBigUint64(outs[i]!, true)).toBe(want);
    });
  });
});
