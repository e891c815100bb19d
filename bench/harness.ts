/**
 * Runs one benchmark kernel natively (a child process) or under cabi (through the library API:
 * `createKernel` from `@cabi/kernel` with the x86-core `Cpu`, argdata from `@cabi/argdata`, the
 * output captured by an in-memory sink) and parses the line it prints.
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { encode, Fd } from '@cabi/argdata';
import { bufferSink, createKernel, type ExitStatus } from '@cabi/kernel';
import { Cpu, JitCpu, type X86Cpu } from '@cabi/x86-core';

/** What one kernel run printed, and how long it took. */
export interface RunResult {
  /** The checksum as 16 hex digits. */
  checksum: string;
  /** Wall time of the whole run in milliseconds (process start or spawn to exit). */
  ms: number;
  /** Time the kernel itself measured between start and end of its workload, in milliseconds. */
  innerMs: number;
  /**
   * CPU time of the workload in milliseconds: natively (and under qemu-user) the process CPU-time
   * clock read by the kernel around its work; under cabi the host CPU time (user + system) of this
   * Node process from spawn to exit, since the interpreter runs every guest thread on it.
   */
  cpuMs: number;
}

/** A run under cabi also reports the instructions its threads retired. */
export interface CabiRunResult extends RunResult {
  instructions: number;
}

/** A run that did not end with exit code 0 and a report line. */
export class BenchRunError extends Error {
  override readonly name = 'BenchRunError';
}

const LINE = /^(\w+) size=(\d+) checksum=([0-9a-f]{16}) ns=(\d+) cpu=(\d+)$/m;

function parse(name: string, size: number, out: string, ms: number): RunResult {
  const m = LINE.exec(out);
  if (!m || m[1] !== name || Number(m[2]) !== size) {
    throw new BenchRunError(`${name}: unexpected output ${JSON.stringify(out.slice(0, 200))}`);
  }
  return { checksum: m[3] ?? '', ms, innerMs: Number(m[4]) / 1e6, cpuMs: Number(m[5]) / 1e6 };
}

/**
 * Runs a native executable as `<prefix…> exe size` (the prefix is e.g. `qemu-x86_64`) and times
 * it from spawn to exit.
 */
export function runNative(
  name: string,
  exe: string,
  size: number,
  prefix: readonly string[] = [],
): RunResult {
  const [cmd, ...args] = [...prefix, exe, String(size)];
  const t0 = performance.now();
  const r = spawnSync(cmd ?? exe, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.error) throw new BenchRunError(`${name}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new BenchRunError(
      `${name}: exit ${r.status ?? r.signal}: ${(r.stdout + r.stderr).trim().slice(0, 300)}`,
    );
  }
  return parse(name, size, r.stdout, ms);
}

/** Describes a non-zero exit or a signal, with the CPU fault when there was one. */
export function describeStatus(status: ExitStatus): string {
  if ('exitCode' in status) return `exit code ${status.exitCode}`;
  const parts = [`signal ${status.signal}`];
  if (status.reason) parts.push(status.reason);
  if (status.fault) {
    const f = status.fault;
    parts.push(`${f.kind} at rip 0x${f.rip.toString(16)} (${f.instruction || 'undecodable'}): ${f.message}`);
  }
  return parts.join('; ');
}

/**
 * Runs a CloudABI image under cabi with argdata `{stdout: fd 0, size}` and returns its result and
 * the number of guest instructions retired by all of its threads.
 */
export async function runCabi(
  name: string,
  image: Uint8Array,
  size: number,
  options: { jit?: boolean; threshold?: number } = {},
): Promise<CabiRunResult> {
  const cpus: X86Cpu[] = [];
  const kernel = createKernel({
    cpu: (memory) => {
      // Each column names its tier explicitly: JitCpu (the kernel's default) interprets cold code
      // and translates hot regions (with `threshold` 0 every block on first arrival, for tests);
      // Cpu is the interpreter alone.
      const cpu = options.jit
        ? new JitCpu(memory, options.threshold === undefined ? {} : { threshold: options.threshold })
        : new Cpu(memory);
      cpus.push(cpu);
      return cpu;
    },
  });
  const sink = bufferSink();
  const { bytes } = encode({ stdout: new Fd(0), size: BigInt(size) });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const proc = await kernel.spawn(image, { argdata: bytes, fds: [sink] });
  const status = await proc.wait();
  const cpu = process.cpuUsage(cpu0);
  const ms = performance.now() - t0;
  const out = sink.text();
  if (!('exitCode' in status) || status.exitCode !== 0) {
    throw new BenchRunError(
      `${name}: ${describeStatus(status)}${out ? `; output ${JSON.stringify(out.slice(0, 200))}` : ''}`,
    );
  }
  let instructions = 0;
  for (const cpu of cpus) instructions += cpu.instructionCount;
  return { ...parse(name, size, out, ms), cpuMs: (cpu.user + cpu.system) / 1000, instructions };
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** The geometric mean of a non-empty list of positive numbers. */
export function geomean(values: readonly number[]): number {
  return Math.exp(values.reduce((a, v) => a + Math.log(v), 0) / values.length);
}
