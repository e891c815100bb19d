import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // CI machines have two cores shared by parallel package test runs: time limits are for hangs,
    // not for speed (speed is measured by `pnpm bench`).
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
