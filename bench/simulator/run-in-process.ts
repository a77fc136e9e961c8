/**
 * `npx tsx bench/simulator/run-in-process.ts [--learners N] [--sessions N] [--seed N]`
 * Runs every policy in-process and prints flow-state rates side by side, with the engine's
 * ratios to the oracle (target ≥ 0.8) and to random picks (target ≥ 1.5), measured in this run.
 */
import { runSimulation, type PolicyReport } from './run-simulation.js';

function arg(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = Number(process.argv[i + 1]);
  return Number.isFinite(v) ? v : undefined;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

async function main(): Promise<void> {
  const started = performance.now();
  const report = await runSimulation({
    ...(arg('learners') !== undefined ? { learners: arg('learners') } : {}),
    ...(arg('sessions') !== undefined ? { sessions: arg('sessions') } : {}),
    ...(arg('seed') !== undefined ? { seed: arg('seed') } : {}),
    onPolicyDone: (p) => console.error(`  ${p.policy} done after ${((performance.now() - started) / 1000).toFixed(0)} s`),
  });
  const o = report.options;
  console.log(
    `learners ${o.learners} × sessions ${o.sessions} × ${o.sessionSize} questions, bank ${o.bankSize} in ${o.categories} categories, seed ${o.seed}`,
  );
  console.log('policy              sessions  flow    flow(2nd half)  success  mean true P  reviews on time');
  for (const p of report.policies) {
    const reviews = p.reviews ? `${pct(p.reviews.onTimeShare)} (${p.reviews.onTime}/${p.reviews.fallenDue})` : '—';
    console.log(
      `${p.policy.padEnd(20)}${String(p.sessions).padStart(8)}  ${pct(p.flowRate).padStart(6)}  ${pct(p.flowRateLaterHalf).padStart(14)}  ${pct(p.meanSuccess).padStart(7)}  ${p.meanTrueP.toFixed(3).padStart(11)}  ${reviews}`,
    );
  }
  const find = (prefix: string): PolicyReport | undefined => report.policies.find((p) => p.policy.startsWith(prefix));
  const oracle = find('oracle');
  const random = find('random');
  for (const engine of report.policies.filter((p) => p.policy.startsWith('engine'))) {
    if (oracle && random) {
      const vsOracle = engine.flowRate / oracle.flowRate;
      const vsRandom = engine.flowRate / random.flowRate;
      console.log(
        `${engine.policy}: ${vsOracle.toFixed(3)} × oracle (target ≥ 0.80 ${vsOracle >= 0.8 ? 'met' : 'MISSED'}), ` +
          `${vsRandom.toFixed(3)} × random (target ≥ 1.50 ${vsRandom >= 1.5 ? 'met' : 'MISSED'})`,
      );
    }
  }
  console.log(`took ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
