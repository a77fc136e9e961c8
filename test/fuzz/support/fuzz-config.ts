/**
 * How long the fuzz suite runs: `npm test` runs a bounded, seeded run (CI: all routes, ≤ 2 min);
 * `npm run fuzz -- --runs N [--seed S]` runs longer (test/fuzz/run-fuzz.ts sets these variables).
 */
export const fuzzRuns = Number(process.env.FUZZ_RUNS ?? 25);
export const fuzzSeed = Number(process.env.FUZZ_SEED ?? 18);
