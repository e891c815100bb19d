import { describe, expect, it } from 'vitest';
import { buildTree, type FsFixture, memoryFixture, semanticCases, Transcript } from '../../src/testing-fs.js';
import { nodeFixture } from './fixtures.js';

async function transcript(
  factory: () => FsFixture,
  run: (t: Transcript) => Promise<void>,
): Promise<string[]> {
  const fx = factory();
  try {
    await buildTree(new Transcript(fx));
    const t = new Transcript(fx);
    await run(t);
    expect(fx.violations).toEqual([]);
    return t.lines;
  } finally {
    fx.dispose();
  }
}

describe('backend conformance suite', () => {
  for (const c of semanticCases()) {
    it(c.name, async () => {
      const memory = await transcript(memoryFixture, c.run);
      const node = await transcript(nodeFixture, c.run);
      if (c.expect) expect(memory).toEqual(c.expect);
      expect(node).toEqual(memory);
    });
  }
});
