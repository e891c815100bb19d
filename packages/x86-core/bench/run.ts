/**
 * Interpreter benchmark: compiles the compute kernels in bench/kernels as freestanding x86-64
 * code with the system gcc, loads the ELF image into a GuestMemory with a minimal PT_LOAD loader,
 * runs it in the interpreter and natively, and prints guest instructions per second and the
 * slowdown against the host CPU (same machine code, so the same instruction count). Both sides are
 * timed in process CPU time.
 *
 * Usage: pnpm --filter @cabi/x86-core bench [kernel-name …]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Cpu,
  cpuidLeaf,
  GuestMemory,
  PAGE_SIZE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  type Reg,
} from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const kernels = join(here, 'kernels');

interface Kernel {
  name: string;
  file: string;
  /** Needs SSE2 (skipped until the SSE extension advertises it). */
  sse: boolean;
}
const ALL: Kernel[] = [
  { name: 'hash', file: 'hash.c', sse: false },
  { name: 'sort', file: 'sort.c', sse: false },
  { name: 'fp', file: 'fp.c', sse: true },
  // x87 long double arithmetic and %Lf-style formatting (built without -mgeneral-regs-only, which bans x87).
  { name: 'x87', file: 'x87.c', sse: true },
];

/** Maps every PT_LOAD segment of a static ELF64 executable; returns the entry point. */
export function loadElf(mem: GuestMemory, image: Uint8Array): number {
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (dv.getUint32(0, false) !== 0x7f454c46) throw new Error('not an ELF file');
  const entry = Number(dv.getBigUint64(24, true));
  const phoff = Number(dv.getBigUint64(32, true));
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  for (let k = 0; k < phnum; k++) {
    const ph = phoff + k * phentsize;
    if (dv.getUint32(ph, true) !== 1) continue;
    const flags = dv.getUint32(ph + 4, true);
    const offset = Number(dv.getBigUint64(ph + 8, true));
    const vaddr = Number(dv.getBigUint64(ph + 16, true));
    const filesz = Number(dv.getBigUint64(ph + 32, true));
    const memsz = Number(dv.getBigUint64(ph + 40, true));
    const start = Math.floor(vaddr / PAGE_SIZE) * PAGE_SIZE;
    const end = Math.ceil((vaddr + memsz) / PAGE_SIZE) * PAGE_SIZE;
    const prot = (flags & 4 ? PROT_READ : 0) | (flags & 2 ? PROT_WRITE : 0) | (flags & 1 ? PROT_EXEC : 0);
    mem.map(start, end - start, prot);
    mem.poke(vaddr, image.subarray(offset, offset + filesz));
  }
  return entry;
}

function build(dir: string, k: Kernel): { elf: Uint8Array; native: string } {
  const flags = ['-O2', '-fno-stack-protector', '-fcf-protection=none', '-fno-asynchronous-unwind-tables'];
  if (!k.sse) flags.push('-mgeneral-regs-only');
  const elf = join(dir, `${k.name}.elf`);
  const native = join(dir, `${k.name}.native`);
  const src = join(kernels, k.file);
  execFileSync('gcc', [
    ...flags,
    '-ffreestanding',
    '-nostdlib',
    '-static',
    '-fno-pic',
    '-no-pie',
    '-o',
    elf,
    join(kernels, 'start.c'),
    src,
  ]);
  execFileSync('gcc', [
    ...flags.filter((f) => f !== '-mgeneral-regs-only'),
    '-o',
    native,
    join(kernels, 'native-main.c'),
    src,
  ]);
  // The kernel object must be identical in both builds: compile it once more with the same flags
  // for the native driver (the driver itself may use any instructions).
  execFileSync('gcc', [...flags, '-c', '-o', join(dir, `${k.name}.o`), src]);
  execFileSync('gcc', ['-O2', '-o', native, join(kernels, 'native-main.c'), join(dir, `${k.name}.o`)]);
  return { elf: new Uint8Array(readFileSync(elf)), native };
}

function runEmulated(elf: Uint8Array): { checksum: bigint; instructions: number; seconds: number } {
  const mem = new GuestMemory({ maxBytes: 64 << 20 });
  const entry = loadElf(mem, elf);
  const stackTop = 0x3000000;
  mem.map(stackTop - (1 << 20), 1 << 20, PROT_READ | PROT_WRITE);
  const cpu = new Cpu(mem);
  cpu.rip = entry;
  cpu.setRegNumber(4 as Reg, stackTop - 8);
  // CPU time of this process, not wall time: the numbers stay meaningful on a busy machine.
  const t0 = process.cpuUsage();
  const res = cpu.run(Number.MAX_SAFE_INTEGER);
  const used = process.cpuUsage(t0);
  const seconds = (used.user + used.system) / 1e6;
  if (res.reason !== 'syscall') {
    throw new Error(
      `kernel ended with ${res.reason}${res.fault ? `: ${res.fault.message} at 0x${res.fault.rip.toString(16)} (${cpu.disassemble(res.fault.rip).text})` : ''}`,
    );
  }
  return { checksum: cpu.getReg(0 as Reg), instructions: res.executed, seconds };
}

function main(): void {
  const wanted = process.argv.slice(2);
  const sse2 = (cpuidLeaf(1, 0)[3] & (1 << 26)) !== 0;
  const dir = mkdtempSync(join(tmpdir(), 'x86bench-'));
  const rows: string[][] = [
    ['kernel', 'guest insns', 'emulator s', 'MIPS', 'native s', 'native MIPS', 'slowdown'],
  ];
  try {
    for (const k of ALL) {
      if (wanted.length > 0 && !wanted.includes(k.name)) continue;
      if (k.sse && !sse2) {
        console.log(`${k.name}: skipped (SSE2 is not advertised by this build)`);
        continue;
      }
      const { elf, native } = build(dir, k);
      // Warm-up run (JIT tiers), then the best of three.
      let best = runEmulated(elf);
      for (let r = 0; r < 3; r++) {
        const m = runEmulated(elf);
        if (m.seconds < best.seconds) best = m;
      }
      const [sum, ns] = execFileSync(native, { encoding: 'utf8' }).trim().split(/\s+/);
      const nativeSeconds = Number(ns) / 1e9;
      if (BigInt(sum!) !== best.checksum) {
        throw new Error(`${k.name}: checksum differs (native ${sum}, emulator ${best.checksum})`);
      }
      rows.push([
        k.name,
        String(best.instructions),
        best.seconds.toFixed(3),
        (best.instructions / best.seconds / 1e6).toFixed(1),
        nativeSeconds.toFixed(5),
        (best.instructions / nativeSeconds / 1e6).toFixed(0),
        `${(best.seconds / nativeSeconds).toFixed(0)}x`,
      ]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c]!)).join('  '));
}

main();
