import { defineConfig } from 'vitest/config';

// The fault suite (`npm run test:faults`): real processes and real servers, killed and restarted on
// purpose. Files run one at a time — they stop Redis and Postgres, kill workers and measure what
// survives — and each prints a row of the table that test/faults/support/fault-report.ts prints
// again, whole, at the end.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    environment: 'node',
    // A shared redis-server and embedded PostgreSQL for the scenarios that do not restart them (the
    // ones that do start their own), then the results table.
    globalSetup: ['test/support/global-setup.ts', 'test/faults/support/fault-report.ts'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    maxWorkers: 1,
  },
});
