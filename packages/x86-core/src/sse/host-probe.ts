/**
 * Test support: builds `native/fp-probe.c` with the system gcc and runs batches of instructions on
 * the host CPU. Used only by the `*.test.ts` files next to it (never bundled into the package).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

let binary: string | undefined;

/** Compiles the probe once per process and returns its path. */
function probeBinary(): string {
  if (binary !== undefined) return binary;
  const source = fileURLToPath(new URL('./native/fp-probe.c', import.meta.url));
  const out = join(mkdtempSync(join(tmpdir(), 'cabi-sse-probe-')), 'fp-probe');
  execFileSync('gcc', ['-O0', '-msse4.2', '-o', out, source], { stdio: 'pipe' });
  binary = out;
  return out;
}

/** One instruction to run natively: mnemonic key of fp-probe.c, MXCSR, and two 64-bit operands. */
export interface ProbeCase {
  op: string;
  mxcsr: number;
  /** First operand (destination register), as a hex string of up to 16 digits. */
  a: string;
  /** Second operand, as a hex string of up to 16 digits. */
  b: string;
}

/** What the host CPU did: the low 64 bits of the destination, MXCSR after, RFLAGS; or a fault. */
export interface ProbeResult {
  fault: boolean;
  result: string;
  mxcsr: number;
  rflags: number;
}

/** Runs every case through the real instruction in one process. */
export function runOnHost(cases: readonly ProbeCase[]): ProbeResult[] {
  const input = cases.map((c) => `${c.op} ${c.mxcsr.toString(16)} ${c.a} ${c.b}\n`).join('');
  const text = execFileSync(probeBinary(), { input, maxBuffer: 1 << 28 }).toString();
  const lines = text.split('\n');
  const results: ProbeResult[] = [];
  for (let i = 0; i < cases.length; i++) {
    const parts = (lines[i] ?? '').split(' ');
    if (parts[0] === 'FAULT') {
      results.push({ fault: true, result: '', mxcsr: Number.parseInt(parts[1] ?? '0', 16), rflags: 0 });
    } else if (parts.length === 3) {
      results.push({
        fault: false,
        result: parts[0]!,
        mxcsr: Number.parseInt(parts[1]!, 16),
        rflags: Number.parseInt(parts[2]!, 16),
      });
    } else {
      throw new Error(
        `fp-probe: unexpected output ${JSON.stringify(lines[i])} for ${JSON.stringify(cases[i])}`,
      );
    }
  }
  return results;
}
