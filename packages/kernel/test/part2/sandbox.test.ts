import { describe, expect, it } from 'vitest';
import { HOSTILE_PATHS, memoryFixture, runSandboxCase, SANDBOX_OPERATIONS } from '../../src/testing-fs.js';
import { nodeFixture } from './fixtures.js';

// Every path operation × every hostile path shape, on both backends: nothing outside the
// granted directory is named by a backend call, changed or read, and the answers agree.
describe('path sandbox: hostile paths × operations', () => {
  for (const operation of SANDBOX_OPERATIONS) {
    describe(operation.name, () => {
      for (const path of HOSTILE_PATHS) {
        it(JSON.stringify(path.length > 30 ? `${path.slice(0, 30)}…` : path), async () => {
          const memory = await runSandboxCase(memoryFixture, operation, path);
          const node = await runSandboxCase(nodeFixture, operation, path);
          expect(memory.escapes).toEqual([]);
          expect(node.escapes).toEqual([]);
          expect(node.answer).toBe(memory.answer);
          expect(node.seen).toBe(memory.seen);
        });
      }
    });
  }
});
