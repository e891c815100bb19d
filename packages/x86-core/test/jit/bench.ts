/**
 * Interpreter vs JIT tier on the package's benchmark kernels (bench/kernels), process CPU time,
 * best of three after a warm-up. Usage: npx tsx test/jit/bench.ts [kernel …]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cpu } from '../../src/cpu.js';
import { JitCpu } from '../../src/jit/jit-cpu.js';
import { jitStats } from '../../src/jit/translate.js';
import { GuestMemory, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/memory.js';

const kernels = join(dirname(fileURLToPath(import.meta.url)), '../../bench/kernels');

function load(mem: GuestMemory, image: Uint8Array): number {
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const phoff = Number(dv.getBigUint64(32, true));
  for (let k = 0; k < dv.getUint16(56, true); k++) {
    const ph = phoff + k * dv.getUint16(54, true);
    if (dv.getUint32(ph, true) !== 1) continue;
    const f = dv.getUint32(ph + 4, true);
    const off = Number(dv.getBigUint64(ph + 8, true));
    const va = Number(dv.getBigUint64(ph + 16, true));
    const filesz = Number(dv.getBigUint64(ph + 32, true));
    const memsz = Number(dv.getBigUint64(ph + 40, true));
    const start = Math.floor(va / PAGE_SIZE) * PAGE_SIZE;
    const end = Math.ceil((va + memsz) / PAGE_SIZE) * PAGE_SIZE;
    mem.map(start, end - start, (f & 4 ? PROT_READ : 0) | (f & 2 ? PROT_WRITE : 0) | (f & 1 ? PROT_EXEC : 0));
    mem.poke(va, image.subarray(off, off + filesz));
  }
  return Number(dv.getBigUint64(24, true));
}

function run(elf: Uint8Array, make: (m: GuestMemory) => Cpu): { sum: bigint; n: number; s: number } {
  const mem = new GuestMemory({ maxBytes: 64 << 20 });
  const entry = load(mem, elf);
  mem.map(0x3000000 - (1 << 20), 1 << 20, PROT_READ | PROT_WRITE);
  const cpu = make(mem);
  cpu.rip = entry;
  cpu.setRegNumber(4, 0x3000000 - 8);
  const t0 = process.cpuUsage();
  const r = cpu.run(Number.MAX_SAFE_INTEGER);
  const u = process.cpuUsage(t0);
  if (r.reason !== 'syscall') throw new Error(`ended with ${r.reason} ${r.fault?.message ?? ''}`);
  return { sum: cpu.getReg(0), n: r.executed, s: (u.user + u.system) / 1e6 };
}

const dir = mkdtempSync(join(tmpdir(), 'jitbench-'));
const modes: [string, (m: GuestMemory) => Cpu][] = [
  ['interpreter', (m) => new Cpu(m)],
  ['jit', (m) => new JitCpu(m)],
  ['jit forced', (m) => new JitCpu(m, { threshold: 0 })],
];
try {
  const wanted = process.argv.slice(2);
  for (const name of ['hash', 'sort']) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    const elf = join(dir, `${name}.elf`);
    execFileSync('gcc', [
      '-O2',
      '-fno-stack-protector',
      '-fcf-protection=none',
      '-fno-asynchronous-unwind-tables',
      '-mgeneral-regs-only',
      '-ffreestanding',
      '-nostdlib',
      '-static',
      '-fno-pic',
      '-no-pie',
      '-o',
      elf,
      join(kernels, 'start.c'),
      join(kernels, `${name}.c`),
    ]);
    const image = new Uint8Array(readFileSync(elf));
    const line: string[] = [name];
    let ref: bigint | null = null;
    for (const [label, make] of modes) {
      const before = jitStats.instructions;
      let best = run(image, make);
      for (let k = 0; k < 3; k++) {
        const m = run(image, make);
        if (m.s < best.s) best = m;
      }
      if (ref === null) ref = best.sum;
      else if (ref !== best.sum) throw new Error(`${name}: checksum differs under ${label}`);
      line.push(
        `${label} ${best.s.toFixed(3)} s ${(best.n / best.s / 1e6).toFixed(1)} MIPS (translated ${jitStats.instructions - before} insns)`,
      );
    }
    console.log(line.join(' | '));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
