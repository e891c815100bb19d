/**
 * The embedding guide's example (docs/guides/embedding.md), run as written against the fixture.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ArgdataMap, encode, Fd } from '@cabi/argdata';
import { bufferSink, createKernel } from '@cabi/kernel';
import { describe, expect, it } from 'vitest';

describe('docs/guides/embedding.md', () => {
  it('runs hello with a buffer as stdout', async () => {
    const executable = new Uint8Array(
      await readFile(resolve(import.meta.dirname, '../../../fixtures/bin/hello')),
    );
    const stdout = bufferSink();
    const objects = [stdout];
    const { bytes, fds } = encode(
      new ArgdataMap([
        ['stdout', new Fd(0)],
        ['name', 'embedder'],
      ]),
    );
    const kernel = createKernel({ limits: { maxMemory: 256 * 1024 * 1024, instructionBudget: 1e9 } });
    const proc = await kernel.spawn(executable, { argdata: bytes, fds: fds.map((i) => objects[i]!) });
    expect(await proc.wait()).toEqual({ exitCode: 0 });
    expect(stdout.text()).toBe('Hello, embedder!\n');
  });
});
