/**
 * Issue 5's thread soak under the deterministic scheduler: thread (mutex, join), futex (mutex,
 * condvar) and contend (16 threads on one mutex) each pass 100 runs in a row, every run with
 * its own seed.
 */
import { describe, it } from 'vitest';
import { soak } from './soak.js';

describe('thread soak, deterministic scheduler', () => {
  for (const name of ['thread', 'futex', 'contend'] as const) {
    it(`${name}: 100 runs in a row`, async () => {
      await soak(name, 100, (i) => ({ deterministic: i }));
    });
  }
});
