import { defineConfig } from 'vitest/config';

// Unit tests are pure and fast. Integration and end-to-end tests talk to the
// real engine (scripts/ensure-docker.sh), so they get longer timeouts; files
// run in parallel, tests inside a file in order.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 4,
    reporters: ['default'],
  },
});
