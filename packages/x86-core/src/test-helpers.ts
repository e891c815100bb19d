/**
 * Helpers for the unit tests: assemble Intel-syntax snippets with the system assembler (GNU as,
 * present wherever gcc is) and run them in a fresh address space.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Reg, RunResult } from './api.js';
import { Cpu } from './cpu.js';
import { GuestMemory, PROT_EXEC, PROT_READ, PROT_WRITE } from './memory.js';

/** Where test code is loaded. */
export const CODE = 0x10000;
/** A 64 KiB read/write data area. */
export const DATA = 0x200000;
/** Top of the 64 KiB stack. */
export const STACK_TOP = 0x120000;

const cache = new Map<string, Uint8Array>();

/** Assembles Intel-syntax source (no prefixes) into raw bytes placed at {@link CODE}. */
export function asm(source: string): Uint8Array {
  const hit = cache.get(source);
  if (hit) return hit;
  const dir = mkdtempSync(join(tmpdir(), 'x86asm-'));
  try {
    writeFileSync(join(dir, 'a.s'), `.intel_syntax noprefix\n.text\n${source}\n`);
    execFileSync('as', ['--64', '-o', join(dir, 'a.o'), join(dir, 'a.s')], { stdio: 'pipe' });
    execFileSync(
      'ld',
      [
        '-Ttext',
        `0x${CODE.toString(16)}`,
        '--oformat',
        'binary',
        '-e',
        '0',
        '-o',
        join(dir, 'a.bin'),
        join(dir, 'a.o'),
      ],
      {
        stdio: 'pipe',
      },
    );
    const bytes = new Uint8Array(readFileSync(join(dir, 'a.bin')));
    cache.set(source, bytes);
    return bytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A CPU with `code` at CODE (R+X), a stack and a data area; rip at CODE. */
export function machine(code: Uint8Array): { cpu: Cpu; mem: GuestMemory } {
  const mem = new GuestMemory({ maxBytes: 4 * 1024 * 1024 });
  mem.map(CODE, Math.max(code.length, 1), PROT_READ | PROT_EXEC);
  mem.poke(CODE, code);
  mem.map(STACK_TOP - 0x10000, 0x10000, PROT_READ | PROT_WRITE);
  mem.map(DATA, 0x10000, PROT_READ | PROT_WRITE);
  const cpu = new Cpu(mem);
  cpu.rip = CODE;
  cpu.setRegNumber(4 as Reg, STACK_TOP);
  return { cpu, mem };
}

/**
 * Assembles `source` followed by a `syscall`, sets the registers in `regs`, runs to the syscall
 * and returns the CPU. Fails loudly when the run ends any other way.
 */
export function exec(source: string, regs: Partial<Record<Reg, bigint>> = {}, budget = 1_000_000): Cpu {
  const { cpu } = machine(asm(`${source}\nsyscall`));
  for (const [k, v] of Object.entries(regs)) cpu.setReg(Number(k) as Reg, v as bigint);
  const res = cpu.run(budget);
  if (res.reason !== 'syscall') throw new Error(`run ended with ${describe(res)}`);
  return cpu;
}

function describe(res: RunResult): string {
  return res.fault ? `${res.reason}: ${res.fault.message} at 0x${res.fault.rip.toString(16)}` : res.reason;
}
