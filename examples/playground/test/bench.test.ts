/**
 * The benchmark kernels of bench/ in Chromium (in a Worker, as the playground runs them) and in
 * Node (same runner, on the test's thread): equal checksums are required; the speed ratio of the
 * kernels' own workload times (`ns=`) is reported in test-results/bench.json, not asserted.
 * Sizes are small so that the whole comparison takes seconds (CABI_BENCH_SCALE and CABI_BENCH_RUNS
 * make it longer); `pnpm --filter @cabi/bench bench` is the place for native comparisons.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProgram } from '@cabi/kernel/web';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlayground, fixture, launchChromium, resultsDir, serve } from './harness.js';

const SIZES: [string, number][] = [
  ['sha256', 10],
  ['vm', 5_000],
  ['buffer', 10],
  ['nbody', 2_500],
  ['qsort', 15_000],
];
/** Runs per kernel and side; the fastest counts (the first also warms the JIT up). */
const RUNS = Number(process.env.CABI_BENCH_RUNS ?? 2);
/** Multiplies the sizes, for a longer and steadier comparison (`CABI_BENCH_SCALE=6` ≈ bench's quick sizes). */
const SCALE = Number(process.env.CABI_BENCH_SCALE ?? 1);

interface Report {
  checksum: string;
  ns: number;
}

function parse(line: string): Report {
  const m = /checksum=([0-9a-f]{16}) ns=(\d+)/.exec(line);
  if (!m) throw new Error(`not a benchmark report: ${line}`);
  return { checksum: m[1]!, ns: Number(m[2]) };
}

async function inNode(name: string, size: number): Promise<Report> {
  let text = '';
  const decoder = new TextDecoder();
  const result = await runProgram({
    executable: fixture(`bench/bin/${name}`),
    config: `%TAG ! tag:nuxi.nl,2015:cloudabi/\n---\nstdout: !fd stdout\nsize: ${size}\n`,
    stdout: (d) => {
      text += decoder.decode(d, { stream: true });
    },
  });
  expect(result.code).toBe(0);
  return parse(text);
}

let browser: Browser;
let server: Awaited<ReturnType<typeof serve>>;

beforeAll(async () => {
  await buildPlayground();
  server = await serve();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('benchmark kernels, Chromium vs Node', () => {
  it('give the same checksums; the speed ratio is reported', { timeout: 600_000 }, async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}bench.html`);
    await page.waitForSelector('body[data-ready="true"]');
    const rows: Record<string, { size: number; browserMs: number; nodeMs: number; ratio: number }> = {};
    for (const [name, baseSize] of SIZES) {
      const size = Math.max(1, Math.round(baseSize * SCALE));
      const browserRuns: Report[] = [];
      const nodeRuns: Report[] = [];
      for (let i = 0; i < RUNS; i++) {
        const report = await page.evaluate(
          ([n, s]) =>
            (
              globalThis as unknown as { cabiBench: (n: string, s: number) => Promise<{ line: string }> }
            ).cabiBench(n, s),
          [name, size] as const,
        );
        browserRuns.push(parse(report.line));
        nodeRuns.push(await inNode(name, size));
      }
      const checksums = new Set([...browserRuns, ...nodeRuns].map((r) => r.checksum));
      expect(checksums.size, `${name}: checksums differ`).toBe(1);
      const browserNs = Math.min(...browserRuns.map((r) => r.ns));
      const nodeNs = Math.min(...nodeRuns.map((r) => r.ns));
      rows[name] = {
        size,
        browserMs: browserNs / 1e6,
        nodeMs: nodeNs / 1e6,
        ratio: browserNs / nodeNs,
      };
    }
    const ratios = Object.values(rows).map((r) => r.ratio);
    const geomean = Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length);
    writeFileSync(
      join(resultsDir(), 'bench.json'),
      `${JSON.stringify({ rows, geomeanRatio: geomean }, null, 2)}\n`,
    );
    const table = Object.entries(rows).map(
      ([n, r]) =>
        `${n.padEnd(7)} size ${String(r.size).padStart(6)}  chromium ${r.browserMs.toFixed(0).padStart(6)} ms  node ${r.nodeMs.toFixed(0).padStart(6)} ms  ratio ${r.ratio.toFixed(2)}`,
    );
    console.log(`${table.join('\n')}\ngeometric mean ratio (chromium / node): ${geomean.toFixed(2)}`);
  });

  it('keep the page responsive while a kernel runs in the Worker', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}bench.html`);
    await page.waitForSelector('body[data-ready="true"]');
    // The longest wait between two 10 ms timer ticks on the page while sha256 runs for a while.
    const { longestGapMs, ticks } = await page.evaluate(async () => {
      let last = performance.now();
      let longest = 0;
      let count = 0;
      const timer = setInterval(() => {
        const now = performance.now();
        longest = Math.max(longest, now - last);
        last = now;
        count++;
      }, 10);
      await (globalThis as unknown as { cabiBench: (n: string, s: number) => Promise<unknown> }).cabiBench(
        'sha256',
        10,
      );
      clearInterval(timer);
      return { longestGapMs: longest, ticks: count };
    });
    expect(ticks).toBeGreaterThan(10);
    // Generous for loaded CI machines: a page blocked by the run would stall for its whole length.
    expect(longestGapMs).toBeLessThan(1000);
  });
});
