/**
 * Test support: builds `native/approx-probe.c` with the system compiler and runs RCPPS/RSQRTPS on
 * the host over arithmetic sequences of inputs. Used by approx.test.ts and
 * scripts/approx-exhaustive.ts only (never bundled into the package).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

let binary: string | undefined;

function probeBinary(): string {
  if (binary !== undefined) return binary;
  const source = fileURLToPath(new URL('./native/approx-probe.c', import.meta.url));
  const out = join(mkdtempSync(join(tmpdir(), 'cabi-approx-probe-')), 'approx-probe');
  execFileSync(process.env.CC ?? 'cc', ['-O2', '-msse2', '-o', out, source], { stdio: 'pipe' });
  binary = out;
  return out;
}

/**
 * The host's rcpps (`op` 'rcp') or rsqrtps ('rsqrt') of the inputs `start + k·stride` (mod 2^32),
 * k < count, optionally under a given MXCSR.
 */
export function hostApprox(
  op: 'rcp' | 'rsqrt',
  start: number,
  count: number,
  stride: number,
  mxcsr?: number,
): Uint32Array {
  const args = [op === 'rcp' ? '0' : '1', String(start >>> 0), String(count), String(stride >>> 0)];
  if (mxcsr !== undefined) args.push(mxcsr.toString(16));
  const out = execFileSync(probeBinary(), args, { maxBuffer: count * 4 + 1024 });
  if (out.length !== count * 4)
    throw new Error(`approx-probe returned ${out.length} bytes, expected ${count * 4}`);
  return new Uint32Array(out.buffer, out.byteOffset, count).slice();
}
