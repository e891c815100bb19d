/**
 * Issue 5's thread soak under randomized slices: thread (mutex, join), futex (mutex, condvar)
 * and contend (16 threads on one mutex) each pass 100 runs in a row; slice lengths are drawn
 * from each run's seed in [1, 2·base] with a base varying from run to run, so preemption lands
 * at many different instructions (inside lock fast paths, between a load and its store).
 */
import { describe, it } from 'vitest';
import { soak } from './soak.js';

describe('thread soak, randomized slices', () => {
  for (const name of ['thread', 'futex', 'contend'] as const) {
    it(`${name}: 100 runs in a row`, async () => {
      await soak(name, 100, (i) => ({
        deterministic: 1000 + i,
        scheduler: { sliceInstructions: 50 + ((i * 397) % 3000), randomSlices: true },
      }));
    });
  }
});
