/**
 * Runs every CloudABI fixture program (fixtures/bin) through @cabi/kernel twice — on the
 * interpreter and on JitCpu with threshold 0 — in deterministic mode, and compares exit status,
 * output and retired instruction count. A script rather than a test because @cabi/kernel depends on
 * this package. Usage (from packages/x86-core): npx tsx test/jit/fixtures.ts
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Cpu } from '../../src/cpu.js';
import { JitCpu } from '../../src/jit/jit-cpu.js';
import { jitStats } from '../../src/jit/translate.js';
import type { GuestMemory } from '../../src/memory.js';

const BIN = fileURLToPath(new URL('../../../../fixtures/bin/', import.meta.url));
const kernelUrl = new URL('../../../kernel/src/index.ts', import.meta.url).href;
const argdataUrl = new URL('../../../argdata/src/index.ts', import.meta.url).href;

interface Outcome {
  status: string;
  out: string;
  instructions: number;
}

async function main(): Promise<void> {
  const { bufferSink, createKernel } = await import(kernelUrl);
  const { encode, Fd } = await import(argdataUrl);
  async function once(name: string, make: (m: GuestMemory) => Cpu): Promise<Outcome> {
    const cpus: Cpu[] = [];
    const kernel = createKernel({
      deterministic: 1,
      cpu: (m: GuestMemory) => {
        const c = make(m);
        cpus.push(c);
        return c;
      },
    });
    const sink = bufferSink();
    const { bytes } = encode({ stdout: new Fd(0) });
    const proc = await kernel.spawn(readFileSync(BIN + name), { argdata: bytes, fds: [sink] });
    const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), 20_000).unref());
    const status = await Promise.race([proc.wait(), timeout]);
    if (status === 'timeout') proc.kill?.();
    const instructions = cpus.reduce((n, c) => n + c.instructionCount, 0);
    return { status: JSON.stringify(status), out: sink.text(), instructions };
  }
  let failures = 0;
  for (const name of readdirSync(BIN).sort()) {
    if (name.includes('.')) continue;
    const before = jitStats.instructions;
    const a = await once(name, (m) => new Cpu(m));
    const b = await once(name, (m) => new JitCpu(m, { threshold: 0 }));
    const same = a.status === b.status && a.out === b.out && a.instructions === b.instructions;
    if (!same) failures++;
    console.log(
      `${same ? 'same' : 'DIFFERENT'}  ${name.padEnd(12)} status ${a.status} / ${b.status}, ${a.out.length} output bytes, ` +
        `${a.instructions} / ${b.instructions} instructions, ${jitStats.instructions - before} translated`,
    );
  }
  console.log(failures === 0 ? 'all fixture programs identical' : `${failures} differ`);
  process.exit(failures === 0 ? 0 : 1);
}

void main();
