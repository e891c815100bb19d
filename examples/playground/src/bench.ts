/**
 * The benchmark kernels of `bench/` in the browser: `cabiBench(name, size)` runs one in a Worker
 * and resolves with its report line (`sha256 size=64 checksum=… ns=…`) and the wall time;
 * `cabiWeb` holds `@cabi/kernel/web` itself for scripted use.
 */
import { memoryHost } from '@cabi/kernel/memory';
import { readTree, runProgram, writeTree } from '@cabi/kernel/web';
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
    // One worker for every run, so its JIT stays warm from run to run (as in a long-lived Node process).
    worker: (benchWorker ??= newWorker()),
  });
  if (result.code !== 0) throw new Error(`${name} ended with code ${result.code}: ${text}`);
  const report = { line: text.trim(), wallMs: result.durationMs };
  document.getElementById('out')!.textContent += `${report.line}  (${report.wallMs.toFixed(1)} ms)\n`;
  return report;
}

let benchWorker: Worker | undefined;
const newWorker = () => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });

/** The library itself, for scripted use from the console (and the API tests). */
const cabiWeb = { runProgram, memoryHost, readTree, writeTree, newWorker };

Object.assign(globalThis, { cabiBench, cabiWeb });
document.body.dataset.ready = 'true';
