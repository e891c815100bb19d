/**
 * The playground in real headless Chromium: the page loads, the bundled examples run (in a Worker
 * and on the page's thread) with the output they give under Node, the trace view shows system
 * calls and filters them, interactive stdin and Stop work, files persist in the OPFS, and a
 * program's attempts to leave its directory get ENOTCAPABLE in the browser exactly as in Node.
 * Screenshots go to test-results/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ArgdataValue, encode, Fd, yamlToArgdataAsync } from '@cabi/argdata';
import { bufferSink, createKernel, type FdObject } from '@cabi/kernel';
import { memoryHost } from '@cabi/kernel/memory';
import { openHostPath } from '@cabi/kernel/node';
import { runProgram, writeTree } from '@cabi/kernel/web';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES } from '../src/examples.js';
import { buildPlayground, fixture, launchChromium, resultsDir, serve } from './harness.js';

const example = (name: string) => EXAMPLES.find((e) => e.name === name)!;

/** Runs an example in Node on the memory backend (the reference for the browser's output). */
async function runInNode(name: string): Promise<string> {
  const e = example(name);
  const fs = memoryHost();
  writeTree(fs, e.files);
  let out = '';
  const decoder = new TextDecoder();
  await runProgram({
    executable: fixture(`fixtures/bin/${e.program}`),
    config: e.config,
    fs,
    stdout: (d) => {
      out += decoder.decode(d, { stream: true });
    },
  });
  return out;
}

/** Runs the `escape` example in Node over a real host directory (`@cabi/kernel/node`). */
async function runEscapeOnHostFs(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'cabi-playground-'));
  try {
    const stdout = bufferSink();
    const objects: FdObject[] = [];
    const value: ArgdataValue = await yamlToArgdataAsync(
      '%TAG ! tag:nuxi.nl,2015:cloudabi/\n---\nstdout: !fd stdout\ndir: !file\n  path: HOST\n',
      {
        resolveTag: async (request) => {
          objects.push(request.tag === 'fd' ? stdout : await openHostPath(dir));
          return new Fd(objects.length - 1);
        },
      },
    );
    const { bytes, fds } = encode(value);
    const proc = await createKernel().spawn(fixture('fixtures/bin/file'), {
      argdata: bytes,
      fds: fds.map((i) => objects[i]!),
    });
    expect(await proc.wait()).toEqual({ exitCode: 0 });
    return stdout.text();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let browser: Browser;
let server: Awaited<ReturnType<typeof serve>>;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  await buildPlayground();
  server = await serve();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready="true"]');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function select(name: string): Promise<void> {
  await page.selectOption('#example', name);
  await page.waitForFunction(
    (n) => document.getElementById('program-name')?.textContent?.startsWith(`${n} (`),
    example(name).name,
  );
}

/** Clicks Run and waits for the status line to leave "running". */
async function run(): Promise<{ status: string; code: string | undefined; terminal: string }> {
  await page.click('#run');
  await page.waitForFunction(() => {
    const state = document.getElementById('status')?.dataset.state;
    return state === 'ok' || state === 'failed';
  });
  return page.evaluate(() => ({
    status: document.getElementById('status')!.textContent!,
    code: document.getElementById('status')!.dataset.code,
    terminal: document.getElementById('terminal')!.textContent!,
  }));
}

const traceLines = () =>
  page.evaluate(() => [...document.querySelectorAll('#trace > div')].map((d) => d.textContent!));

async function setFilter(text: string): Promise<void> {
  await page.fill('#trace-filter', text);
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve(null))));
}

describe('playground in Chromium', () => {
  it('loads with every bundled example listed', async () => {
    expect(await page.title()).toBe('cabi playground');
    const options = await page.$$eval('#example option', (o) => o.map((x) => (x as HTMLOptionElement).value));
    expect(options).toEqual(EXAMPLES.map((e) => e.name));
    expect(await page.textContent('#tree')).toContain('readme.txt');
    expect(pageErrors).toEqual([]);
  });

  it('runs hello in a Worker, with the trace of its write', async () => {
    await select('hello');
    const result = await run();
    expect(result.terminal).toBe('Hello, CloudABI!\n');
    expect(result.terminal).toBe(await runInNode('hello'));
    expect(result.status).toMatch(/^exited with status 0 in \d+ ms$/);
    expect(result.code).toBe('0');
    await page.waitForFunction(() => document.querySelectorAll('#trace > div').length > 0);
    const lines = await traceLines();
    expect(
      lines.some((l) => /^fd_write\(\d+, \[\{"Hello, CloudABI!\\n", 17\}\], 1\) = 0 nwritten=17$/.test(l)),
    ).toBe(true);
    expect(lines.at(-1)).toMatch(/^proc_exit\(0\)/);
    await page.screenshot({ path: join(resultsDir(), 'hello.png'), fullPage: true });
  });

  it('runs ls over the in-memory directory, as in Node', async () => {
    await select('ls');
    const result = await run();
    expect(result.code).toBe('0');
    expect(result.terminal).toContain('readme.txt');
    expect(result.terminal).toContain('start.md');
    expect(result.terminal).toContain('5000');
    expect(result.terminal).toBe(await runInNode('ls'));
    await page.screenshot({ path: join(resultsDir(), 'ls.png'), fullPage: true });
  });

  it('filters the trace', async () => {
    await setFilter('file_readdir');
    const readdirs = await traceLines();
    expect(readdirs.length).toBeGreaterThan(1);
    expect(readdirs.every((l) => l.startsWith('file_readdir('))).toBe(true);
    await setFilter('!file_readdir');
    const others = await traceLines();
    expect(others.some((l) => l.startsWith('file_readdir('))).toBe(false);
    expect(others.some((l) => l.startsWith('fd_write('))).toBe(true);
    expect(await page.textContent('#trace-count')).toMatch(/^\d+ of \d+ calls$/);
    await setFilter('');
  });

  it('gives ENOTCAPABLE to a program escaping its directory, exactly as Node does', async () => {
    await select('escape');
    const result = await run();
    expect(result.code).toBe('0');
    for (const path of ['../outside', 'sub/../../outside', '/etc/passwd']) {
      expect(result.terminal).toContain(`open_file(PATH("${path}"), 0, &f): ENOTCAPABLE`);
    }
    const timeless = (text: string) => text.replace(/(mtime|atime) \d+/g, '$1 T');
    expect(timeless(result.terminal)).toBe(timeless(await runInNode('escape')));
    // Node's host file system backend denies the same calls with the same errors.
    const onHost = await runEscapeOnHostFs();
    const denied = (text: string) => text.split('\n').filter((l) => l.endsWith(': ENOTCAPABLE'));
    expect(denied(result.terminal).length).toBeGreaterThanOrEqual(4);
    expect(denied(result.terminal)).toEqual(denied(onHost));
    await setFilter('ENOTCAPABLE');
    const lines = await traceLines();
    expect(lines.some((l) => /^file_open\(.*"\.\.\/outside", 10, .*\) = ENOTCAPABLE \(/.test(l))).toBe(true);
    expect(lines.every((l) => l.includes('= ENOTCAPABLE ('))).toBe(true);
    await page.screenshot({ path: join(resultsDir(), 'escape-enotcapable.png'), fullPage: true });
    await setFilter('');
  });

  it('runs on the page thread too, with the same output', async () => {
    await select('argdump');
    const inWorker = await run();
    await page.uncheck('#use-worker');
    const here = await run();
    await page.check('#use-worker');
    expect(here.code).toBe('0');
    expect(here.terminal).toBe(inWorker.terminal);
    expect(here.terminal).toBe(await runInNode('argdump'));
    expect(here.terminal).toContain('CloudABI');
  });

  it('feeds interactive stdin to a program and reports its exit', async () => {
    await select('cat');
    await page.click('#run');
    await page.waitForSelector('#stdin:not([disabled])');
    await page.fill('#stdin', 'first line');
    await page.press('#stdin', 'Enter');
    await page.waitForFunction(() =>
      document.getElementById('terminal')!.textContent!.includes('first line\nfirst line\n'),
    );
    await page.fill('#stdin', 'second');
    await page.press('#stdin', 'Enter');
    await page.click('#stdin-eof');
    await page.waitForFunction(() => document.getElementById('status')?.dataset.state === 'ok');
    const out = await page.$$eval('#terminal .stdout', (s) => s.map((x) => x.textContent).join(''));
    expect(out).toBe('first line\nsecond\n');
    expect(await page.textContent('#status')).toMatch(/^exited with status 0/);
    await page.screenshot({ path: join(resultsDir(), 'stdin.png'), fullPage: true });
  });

  it('stops a program waiting for input', async () => {
    await select('cat');
    await page.click('#run');
    await page.waitForSelector('#stop:not([disabled])');
    await page.click('#stop');
    await page.waitForFunction(() => document.getElementById('status')?.dataset.state === 'failed');
    expect(await page.textContent('#status')).toMatch(/^terminated by SIGKILL/);
    expect(await page.getAttribute('#status', 'data-code')).toBe('137');
  });

  it('reports a config error without starting the program', async () => {
    await select('ls');
    await page.fill('#config', '%TAG ! tag:nuxi.nl,2015:cloudabi/\n---\ndir: !file\n  path: missing\n');
    const result = await run();
    expect(result.status).toBe('could not start ls');
    expect(result.terminal).toContain('!file missing: no such file or directory');
  });

  it('keeps files in the Origin Private File System', async () => {
    await select('hello');
    await page.fill('#new-path', 'notes/today.txt');
    await page.fill('#new-content', 'kept across visits');
    await page.click('#add-file');
    await page.click('#save-opfs');
    await page.waitForFunction(() =>
      document.getElementById('opfs-status')!.textContent!.startsWith('saved'),
    );
    // A fresh visit starts from the example's files; loading brings the saved tree back.
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.$('#tree li[data-path="notes/today.txt"]')).toBeNull();
    await page.click('#load-opfs');
    await page.waitForSelector('#tree li[data-path="notes/today.txt"]');
    await page.click('#tree li[data-path="notes/today.txt"] .entry');
    expect(await page.textContent('#viewer')).toContain('kept across visits');
    expect(pageErrors).toEqual([]);
  });
});
