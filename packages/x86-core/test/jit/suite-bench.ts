/**
 * The repository benchmark kernels (bench/bin, CloudABI binaries) through @cabi/kernel on the
 * interpreter and on JitCpu (default threshold and threshold 0): checksum line, retired
 * instructions and host CPU time, median of three. A script because @cabi/kernel depends on this
 * package. Usage (from packages/x86-core): npx tsx test/jit/suite-bench.ts [kernel …]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Cpu } from '../../src/cpu.js';
import { JitCpu } from '../../src/jit/jit-cpu.js';
import type { GuestMemory } from '../../src/memory.js';

const BIN = fileURLToPath(new URL('../../../../bench/bin/', import.meta.url));
const kernelUrl = new URL('../../../kernel/src/index.ts', import.meta.url).href;
const argdataUrl = new URL('../../../argdata/src/index.ts', import.meta.url).href;
const SIZES: Record<string, number> = {
  sha256: 60,
  vm: 30_000,
  buffer: 60,
  nbody: 20_000,
  qsort: 100_000,
  syscall: 500,
  threads: 3_000,
};

async function main(): Promise<void> {
  const { bufferSink, createKernel } = await import(kernelUrl);
  const { encode, Fd } = await import(argdataUrl);
  async function once(name: string, make: (m: GuestMemory) => Cpu) {
    const cpus: Cpu[] = [];
    const kernel = createKernel({
      cpu: (m: GuestMemory) => {
        const c = make(m);
        cpus.push(c);
        return c;
      },
    });
    const sink = bufferSink();
    const { bytes } = encode({ stdout: new Fd(0), size: BigInt(SIZES[name] ?? 0) });
    const t0 = process.cpuUsage();
    const proc = await kernel.spawn(readFileSync(BIN + name), { argdata: bytes, fds: [sink] });
    await proc.wait();
    const u = process.cpuUsage(t0);
    const checksum = /checksum=([0-9a-f]+)/.exec(sink.text())?.[1] ?? sink.text();
    return { checksum, n: cpus.reduce((k, c) => k + c.instructionCount, 0), s: (u.user + u.system) / 1e6 };
  }
  const modes: [string, (m: GuestMemory) => Cpu][] = [
    ['interpreter', (m) => new Cpu(m)],
    ['jit', (m) => new JitCpu(m)],
    ['jit threshold 0', (m) => new JitCpu(m, { threshold: 0 })],
  ];
  const wanted = process.argv.slice(2);
  for (const name of Object.keys(SIZES)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    const cells: string[] = [name.padEnd(8)];
    let ref = '';
    for (const [label, make] of modes) {
      const runs = [await once(name, make), await once(name, make), await once(name, make)];
      runs.sort((a, b) => a.s - b.s);
      const m = runs[1]!;
      if (label === 'interpreter') ref = m.checksum;
      const ok = m.checksum === ref ? '' : ' CHECKSUM DIFFERS';
      cells.push(`${label} ${m.s.toFixed(3)} s ${(m.n / m.s / 1e6).toFixed(1)} MIPS${ok}`);
    }
    console.log(cells.join(' | '));
  }
}

void main();
