import { defineConfig } from 'vitest/config';

// Two projects: `unit` is pure logic and needs no servers; `integration` gets a real
// redis-server and an embedded PostgreSQL from test/support/global-setup.ts, started once per run.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 1 },
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Files share one Redis and one Postgres; each file has its own queue prefix and
          // database schema, but CPU is scarce (2 cores), so files run one or two at a time.
          maxWorkers: 2,
        },
      },
      {
        // The generated fuzz suite (test/fuzz): a bounded, seeded run in `npm test`; longer runs
        // with `npm run fuzz -- --runs N`. After the integration files, alone.
        test: {
          name: 'fuzz',
          include: ['test/fuzz/**/*.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 2 },
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 600_000, // the two long properties set their own (fuzz-config.ts)
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
