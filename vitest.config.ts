import { defineConfig } from 'vitest/config';

// One GPU device per worker: lavapipe on 2 cores gains nothing from more forks.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
