/**
 * The "done when" test: the `hello` fixture runs through the x86-core CPU from its entry point to
 * its first system call through the vDSO, with the auxv, stack and TLS as the loader built them;
 * then a minimal kernel stand-in services the calls it makes up to proc_exit.
 */
import { Cpu, GuestMemory, PROT_EXEC, PROT_READ, PROT_WRITE, Reg } from '@cabi/x86-core';
import { describe, expect, it } from 'vitest';
import {
  applyProcessImage,
  buildVdso,
  isVdsoAddress,
  loadProcess,
  type ProcessImage,
  VDSO_SYSCALLS,
} from '../src/index.js';
import { fixture } from './helpers.js';

const NR = new Map(VDSO_SYSCALLS.map((s) => [s.name, s.number]));
// argdata { stdout: fd 1 }
const ARGDATA = Uint8Array.from([
  0x06, 0x88, 0x08, 0x73, 0x74, 0x64, 0x6f, 0x75, 0x74, 0x00, 0x85, 0x03, 0, 0, 0, 1,
]);

function start(name = 'hello'): { mem: GuestMemory; img: ProcessImage; cpu: Cpu } {
  const mem = new GuestMemory();
  const img = loadProcess(mem, fixture(name), {
    argdata: ARGDATA,
    random: (b) => b.fill(0x5a),
    seed: 7,
    tid: 3,
    ncpus: 1,
  });
  const cpu = new Cpu(mem);
  applyProcessImage(cpu, img);
  return { mem, img, cpu };
}

const u64 = (mem: GuestMemory, at: number): number => Number(mem.dv.getBigUint64(at, true));
const reg = (cpu: Cpu, r: Reg): number => cpu.getRegNumber(r);

/** Runs to the next syscall and checks it came from the vDSO; returns its number. */
function nextSyscall(cpu: Cpu, img: ProcessImage): number {
  const r = cpu.run(5_000_000);
  expect(r.fault, r.fault ? `${r.fault.message} at ${cpu.disassemble(cpu.rip).text}` : '').toBeUndefined();
  expect(r.reason).toBe('syscall');
  expect(isVdsoAddress(img, cpu.rip)).toBe(true);
  return cpu.getReg32(Reg.RAX);
}

function succeed(cpu: Cpu, value = 0): void {
  cpu.setRegNumber(Reg.RAX, value);
  cpu.setRflags(cpu.getRflags() & ~1);
}

const cloudabiProt = (p: number): number =>
  (p & 4 ? PROT_READ : 0) | (p & 2 ? PROT_WRITE : 0) | (p & 1 ? PROT_EXEC : 0);

describe('hello on the x86-core CPU', () => {
  it('reaches its first syscall through the vDSO with the startup state the loader built', () => {
    const { mem, img, cpu } = start();
    // Entry state (digest §3.2).
    expect(cpu.rip).toBe(img.entry);
    expect(reg(cpu, Reg.RSP) % 16).toBe(8);
    expect(reg(cpu, Reg.RDI)).toBe(img.auxvAddress);
    expect(Number(cpu.fsBase)).toBe(img.fsBase);

    const nr = nextSyscall(cpu, img);
    // crt0 relocated itself and linked the vDSO; its first call makes RELRO read-only.
    expect(nr).toBe(NR.get('mem_protect'));
    const site = buildVdso().syscallSites.find((s) => s.name === 'mem_protect')!;
    expect(cpu.rip).toBe(img.vdsoBase + site.returnOffset);
    const relro = img.relro!;
    const relroStart = relro.address & ~4095;
    const end = (relro.address + relro.size) & ~4095;
    expect(reg(cpu, Reg.RDI)).toBe(relroStart);
    expect(reg(cpu, Reg.RSI)).toBe(end - relroStart);
    expect(reg(cpu, Reg.RDX)).toBe(4); // CloudABI PROT_READ
    // Called like a C function: rsp ≡ 8 (mod 16) inside the stub, return address in the image's text.
    const rsp = reg(cpu, Reg.RSP);
    expect(rsp % 16).toBe(8);
    const ret = u64(mem, rsp);
    expect(ret).toBeGreaterThanOrEqual(img.imageStart);
    expect(ret).toBeLessThan(img.imageEnd);
    expect(mem.protectionAt(ret) & PROT_EXEC).toBe(PROT_EXEC);
    // fs:0 still holds the kernel's TCB address, and the auxv is intact.
    expect(Number(cpu.fsBase)).toBe(img.fsBase);
    expect(u64(mem, img.fsBase)).toBe(img.tcb);
    img.auxv.forEach((e, i) => {
      expect(u64(mem, img.auxvAddress + i * 16 + 8)).toBe(e.value);
    });
    // The relocations were applied: RELRO pointers now carry the load base.
    expect(cpu.instructionCount).toBeGreaterThan(100);
  });

  it.each(['hello', 'hello-exec'])(
    '%s sets up TLS through fs:0, then writes its greeting and exits',
    (name) => {
      const { mem, img, cpu } = start(name);
      if (name === 'hello-exec') {
        expect(img.base).toBe(0);
        expect(img.entry).toBe(0x401000);
      }
      let nr = nextSyscall(cpu, img);
      expect(nr).toBe(NR.get('mem_protect'));
      expect(mem.protect(reg(cpu, Reg.RDI), reg(cpu, Reg.RSI), cloudabiProt(reg(cpu, Reg.RDX)))).toBe(true);
      succeed(cpu);
      expect(mem.protectionAt(img.relro!.address)).toBe(PROT_READ);

      nr = nextSyscall(cpu, img);
      expect(nr).toBe(NR.get('mem_map')); // TLS block + SafeStack stack for the main thread
      expect(reg(cpu, Reg.RDX)).toBe(6); // READ | WRITE
      expect(reg(cpu, Reg.R10)).toBe(5); // ANON | PRIVATE
      expect(cpu.getReg32(Reg.R8)).toBe(0xffffffff);
      const len = reg(cpu, Reg.RSI);
      const area = mem.findFree(len, 0x4000_0000);
      mem.map(area, len, PROT_READ | PROT_WRITE);
      succeed(cpu, area);

      let output = '';
      for (;;) {
        nr = nextSyscall(cpu, img);
        if (nr === NR.get('fd_write')) {
          // TLS is live: fs base unchanged, fs:0 now names a TCB inside the new mapping, whose
          // parent word was copied from the kernel's TCB (zero).
          expect(Number(cpu.fsBase)).toBe(img.fsBase);
          const tcb = u64(mem, img.fsBase);
          expect(tcb).toBeGreaterThanOrEqual(area);
          expect(tcb).toBeLessThan(area + len);
          expect(tcb % 16).toBe(0);
          expect(u64(mem, tcb)).toBe(0);
          expect(reg(cpu, Reg.RDI)).toBe(1);
          let n = 0;
          for (let i = 0; i < reg(cpu, Reg.RDX); i++) {
            const iov = reg(cpu, Reg.RSI) + i * 16;
            const p = u64(mem, iov);
            const l = u64(mem, iov + 8);
            output += new TextDecoder().decode(mem.u8.slice(p, p + l));
            n += l;
          }
          succeed(cpu, n);
        } else {
          expect(nr).toBe(NR.get('proc_exit'));
          expect(reg(cpu, Reg.RDI)).toBe(0);
          break;
        }
      }
      expect(output).toBe('Hello, world!\n');
    },
  );
});
