/**
 * How long the fuzz suite runs: `npm test` runs a bounded, seeded run (CI: all routes, ≤ 2 min);
 * `npm run fuzz -- --runs N [--seed S]` runs longer (test/fuzz/run-fuzz.ts sets these variables).
 */
export const fuzzRuns = Number(process.env.FUZZ_RUNS ?? 25);
export const fuzzSeed = Number(process.env.FUZZ_SEED ?? 18);

/**
 * Time allowed for one property over every route (or every job): it grows with the runs. 1 000
 * runs took 600–900 s on 2 cores depending on load, so the allowance is 2 s per run, at least
 * 10 min — a hang still fails, a long run on a busy machine does not.
 */
export const fuzzPropertyTimeoutMs = Math.max(600_000, fuzzRuns * 2_000);
