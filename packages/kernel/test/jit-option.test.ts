/**
 * createKernel({ jit }): guest threads run on x86-core's JitCpu, with results identical to the
 * interpreter's, instruction for instruction.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encode, Fd } from '@cabi/argdata';
import { Cpu, GuestMemory, JitCpu, type X86Cpu } from '@cabi/x86-core';
import { describe, expect, it } from 'vitest';
import { bufferSink, createKernel, type KernelOptions } from '../src/index.js';

const BIN = fileURLToPath(new URL('../../../fixtures/bin/', import.meta.url));
const argdata = encode({ stdout: new Fd(0) }).bytes;

async function runWith(name: string, options: KernelOptions) {
  const kernel = createKernel({ deterministic: 5, ...options });
  const sink = bufferSink();
  const proc = await kernel.spawn(readFileSync(`${BIN}${name}`), { argdata, fds: [sink] });
  const status = await proc.wait();
  return { status, out: sink.text(), instructions: proc.instructions, kernel };
}

describe('createKernel({ jit })', () => {
  it('runs threads on JitCpu and matches the interpreter exactly', async () => {
    for (const name of ['printf', 'workers', 'thread']) {
      const plain = await runWith(name, { jit: false });
      const jit = await runWith(name, { jit: { threshold: 0 } });
      expect(plain.status).toEqual({ exitCode: 0 });
      expect(jit.status).toEqual(plain.status);
      expect(jit.out).toBe(plain.out);
      expect(jit.instructions).toBe(plain.instructions);
    }
  });

  it('makes JitCpu instances unless told not to, and a cpu factory takes precedence', async () => {
    const made: X86Cpu[] = [];
    expect(createKernel({}).cpuFactory(new GuestMemory())).toBeInstanceOf(JitCpu);
    expect(createKernel({ jit: true }).cpuFactory(new GuestMemory())).toBeInstanceOf(JitCpu);
    const plain = createKernel({ jit: false }).cpuFactory(new GuestMemory());
    expect(plain).toBeInstanceOf(Cpu);
    expect(plain).not.toBeInstanceOf(JitCpu);
    const custom = createKernel({
      jit: false,
      cpu: (memory) => {
        const cpu = new JitCpu(memory, { threshold: 7 });
        made.push(cpu);
        return cpu;
      },
    });
    const r = await custom.spawn(readFileSync(`${BIN}hello`), { argdata, fds: [bufferSink()] });
    await r.wait();
    expect(made.length).toBe(1);
    expect((made[0] as JitCpu).threshold).toBe(7);
  });
});
