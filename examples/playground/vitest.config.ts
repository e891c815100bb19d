import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The browser suites build and serve the page themselves; one at a time on two cores.
    fileParallelism: false,
  },
});
