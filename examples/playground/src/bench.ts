/**
 * The benchmark kernels of `bench/` in the browser: `cabiBench(name, size)` runs one in a Worker
 * and resolves with its report line (`sha256 size=64 checksum=… ns=…`) and the wall time.
 */
import { runProgram } from '@cabi/kernel/web';
import bufferUrl from '../../../bench/bin/buffer?url';
import nbodyUrl from '../../../bench/bin/nbody?url';
import qsortUrl from '../../../bench/bin/qsort?url';
import sha256Url from '../../../bench/bin/sha256?url';
import vmUrl from '../../../bench/bin/vm?url';

const KERNELS: Record<string, string> = {
  sha256: sha256Url,
  vm: vmUrl,
  buffer: bufferUrl,
  nbody: nbodyUrl,
  qsort: qsortUrl,
};

export interface BenchReport {
  line: string;
  wallMs: number;
}

async function cabiBench(name: string, size: number): Promise<BenchReport> {
  const url = KERNELS[name];
  if (url === undefined)
    throw new Error(`no benchmark kernel "${name}" (${Object.keys(KERNELS).join(', ')})`);
  const executable = new Uint8Array(await (await fetch(url)).arrayBuffer());
  let text = '';
  const decoder = new TextDecoder();
  const result = await runProgram({
    executable,
    config: `%TAG ! tag:nuxi.nl,2015:cloudabi/\n---\nstdout: !fd stdout\nsize: ${size}\n`,
    stdout: (data) => {
      text += decoder.decode(data, { stream: true });
    },
    worker: () => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }),
  });
  if (result.code !== 0) throw new Error(`${name} ended with code ${result.code}: ${text}`);
  const report = { line: text.trim(), wallMs: result.durationMs };
  document.getElementById('out')!.textContent += `${report.line}  (${report.wallMs.toFixed(1)} ms)\n`;
  return report;
}

(globalThis as { cabiBench?: typeof cabiBench }).cabiBench = cabiBench;
document.body.dataset.ready = 'true';
