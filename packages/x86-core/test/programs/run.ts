/**
 * Runs a built test program in x86-core: the flat image at IMAGE_BASE, a stack, an output buffer
 * passed in rdi, and a return address pointing at a `syscall` that ends the run.
 */
import type { X86Cpu } from '../../src/api.js';
import { GuestMemory, PROT_EXEC, PROT_READ, PROT_WRITE, roundUpToPage } from '../../src/memory.js';
import { type BuiltProgram, IMAGE_BASE } from './build.js';

const STACK_BASE = 0x2000000;
const STACK_SIZE = 0x40000;
const OUT_ADDR = 0x3000000;
const OUT_SIZE = 0x10000;
const EXIT_ADDR = 0x3800000;

/** The outcome of running a program in the emulator. */
export interface ProgramRun {
  output: Uint8Array;
  instructions: number;
  /** Why it stopped, when not by returning. */
  error?: string;
}

/** Runs `prog` to completion (or until `budget` instructions) on a CPU made by `factory`. */
export function runProgram(
  prog: BuiltProgram,
  factory: (m: GuestMemory) => X86Cpu,
  budget = 2e9,
): ProgramRun {
  const mem = new GuestMemory({ maxBytes: 64 << 20 });
  mem.map(IMAGE_BASE, roundUpToPage(prog.end - IMAGE_BASE), PROT_READ | PROT_WRITE | PROT_EXEC);
  mem.poke(IMAGE_BASE, prog.image);
  mem.map(STACK_BASE, STACK_SIZE, PROT_READ | PROT_WRITE);
  mem.map(OUT_ADDR, OUT_SIZE, PROT_READ | PROT_WRITE);
  mem.map(EXIT_ADDR, 4096, PROT_READ | PROT_EXEC);
  mem.poke(EXIT_ADDR, Uint8Array.of(0x0f, 0x05)); // syscall
  const cpu = factory(mem);
  const sp = STACK_BASE + STACK_SIZE - 8; // as after a call: rsp ≡ 8 (mod 16)
  mem.poke(sp, new Uint8Array(new BigUint64Array([BigInt(EXIT_ADDR)]).buffer));
  cpu.setReg(4, BigInt(sp));
  cpu.setReg(7, BigInt(OUT_ADDR));
  cpu.rip = IMAGE_BASE;
  let executed = 0;
  for (;;) {
    const r = cpu.run(Math.min(budget - executed, 1e8));
    executed += r.executed;
    if (r.reason === 'budget' && executed < budget) continue;
    if (r.reason === 'syscall' && cpu.rip === EXIT_ADDR + 2) break;
    const what = r.fault
      ? `${r.fault.kind} at rip 0x${r.fault.rip.toString(16)}: ${r.fault.message}`
      : r.reason;
    return { output: new Uint8Array(0), instructions: executed, error: what };
  }
  const n = cpu.getRegNumber(0);
  if (n > OUT_SIZE)
    return { output: new Uint8Array(0), instructions: executed, error: `returned length ${n}` };
  mem.refresh();
  return { output: mem.u8.slice(OUT_ADDR, OUT_ADDR + n), instructions: executed };
}
