/**
 * `@cabi/kernel/web` called directly in Chromium (through the bench page's `cabiWeb`): a run in a
 * Worker with stdin from a ReadableStream, stderr into a WritableStream and a file written into
 * the page's memory file system; an abort of a Worker run waiting for input.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlayground, fixture, launchChromium, serve } from './harness.js';

let browser: Browser;
let server: Awaited<ReturnType<typeof serve>>;
let page: Page;

beforeAll(async () => {
  await buildPlayground();
  server = await serve();
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`${server.url}bench.html`);
  await page.waitForSelector('body[data-ready="true"]');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const cp = [...fixture('fixtures/bin/cp')];
const TAG = '%TAG ! tag:nuxi.nl,2015:cloudabi/\n---\n';

describe('@cabi/kernel/web in Chromium', () => {
  it('runs in a Worker with Web-stream stdio and writes back the files the program made', async () => {
    const result = await page.evaluate(
      async ([bytes, config]) => {
        // biome-ignore lint/suspicious/noExplicitAny: the page's global, typed in src/bench.ts
        const { runProgram, memoryHost, readTree, writeTree, newWorker } = (globalThis as any).cabiWeb;
        const fs = memoryHost();
        writeTree(fs, { out: {} });
        let stderr = '';
        const run = await runProgram({
          executable: new Uint8Array(bytes),
          config,
          fs,
          stdin: new ReadableStream({
            start(c) {
              c.enqueue(new TextEncoder().encode('via '));
              c.enqueue(new TextEncoder().encode('streams\n'));
              c.close();
            },
          }),
          stderr: new WritableStream({
            write(d) {
              stderr += new TextDecoder().decode(d);
            },
            close() {
              stderr += '[closed]';
            },
          }),
          worker: newWorker,
        });
        const copy = readTree(fs.root).out['copy.txt'];
        return { code: run.code, stderr, copy: new TextDecoder().decode(copy) };
      },
      [
        cp,
        `${TAG}input: !fd 0\noutput: !file\n  path: out/copy.txt\n  mode: w\nstderr: !fd stderr\n`,
      ] as const,
    );
    expect(result).toEqual({ code: 0, stderr: 'cp: 12 bytes\n[closed]', copy: 'via streams\n' });
  });

  it('aborts a Worker run that waits for input', async () => {
    const result = await page.evaluate(
      async ([bytes, config]) => {
        // biome-ignore lint/suspicious/noExplicitAny: the page's global, typed in src/bench.ts
        const { runProgram, newWorker } = (globalThis as any).cabiWeb;
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 300);
        const run = await runProgram({
          executable: new Uint8Array(bytes),
          config,
          stdin: new ReadableStream({}),
          signal: controller.signal,
          worker: newWorker,
        });
        return { code: run.code, status: run.status };
      },
      [cp, `${TAG}input: !fd 0\noutput: !fd stdout\n`] as const,
    );
    expect(result.code).toBe(137);
    expect(result.status).toMatchObject({ signal: 'SIGKILL' });
  });
});
