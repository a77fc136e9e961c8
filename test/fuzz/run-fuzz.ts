import { spawnSync } from 'node:child_process';

/**
 * `npm run fuzz -- --runs N [--seed S]`: the fuzz suite with N generated requests per route and N
 * payloads per job (default 200), a fixed or random seed. Prints the per-route counts.
 */
const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = option('runs') ?? '200';
const seed = option('seed') ?? String(Math.floor(Math.random() * 2 ** 31));
if (!/^\d+$/.test(runs) || !/^-?\d+$/.test(seed)) {
  console.error('usage: npm run fuzz -- [--runs N] [--seed S]');
  process.exit(2);
}
console.log(`fuzz: ${runs} runs per route and per job, seed ${seed}`);
const result = spawnSync('npx', ['vitest', 'run', '--project', 'fuzz'], {
  stdio: 'inherit',
  env: { ...process.env, FUZZ_RUNS: runs, FUZZ_SEED: seed, FUZZ_LONG: '1' },
});
process.exit(result.status ?? 1);
