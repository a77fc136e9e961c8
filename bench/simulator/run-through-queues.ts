/**
 * `npm run simulate -- [--learners N] [--sessions N] [--seed N]`
 * The learner simulator driving the REAL queues: sessions are generated and answers applied by the
 * system's workers (BullMQ on its own redis-server, PostgreSQL embedded), while the oracle, random
 * and fixed-difficulty baselines run in-process on the same seeded population and bank. Prints
 * flow-state rates side by side with the engine's ratios to the oracle (target ≥ 0.8) and to random
 * (target ≥ 1.5), and the share of reviews served on time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type System, startSystem } from '../../app/system.js';
import { parseConfig } from '../../core/config/config-schema.js';
import { createLogger } from '../../observability/logger.js';
import { startBenchInfrastructure } from '../bench-infrastructure.js';
import { type SimClock, QueueEngine } from './queue-engine.js';
import { type PolicyReport, type SimulationReport, runSimulation } from './run-simulation.js';

export interface QueueSimulationOptions {
  learners: number;
  sessions: number;
  seed?: number;
  redisUrl: string;
  databaseUrl: string;
  log?: (line: string) => void;
}

/** Runs engine-through-queues, oracle, random and fixed on one population; returns the report. */
export async function runQueueSimulation(o: QueueSimulationOptions): Promise<SimulationReport> {
  const clock: SimClock = { value: Date.now() };
  const config = parseConfig({
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'error',
    QUEUE_PREFIX: `sim-${o.seed ?? 0}-${Date.now()}`,
    SCHEDULERS_ENABLED: 'false',
    SPACED_REPETITION: 'fsrs',
    METRICS_PORT: 'off',
  });
  const system: System = await startSystem({
    config,
    redisUrl: o.redisUrl,
    databaseUrl: o.databaseUrl,
    roles: { ingress: false, workers: ['session-generation', 'feedback-loop', 'decision-insights'], schedulers: false },
    logger: createLogger('error'),
    now: () => new Date(clock.value),
  });
  let engine: QueueEngine | undefined;
  try {
    const started = performance.now();
    return await runSimulation({
      learners: o.learners,
      sessions: o.sessions,
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      policies: ['engine-fsrs', 'oracle', 'random', 'fixed'],
      enginePortFactory: (bank) => (engine = new QueueEngine(system, clock, bank)),
      onPolicyDone: (p) => o.log?.(`  ${p.policy} done after ${((performance.now() - started) / 1000).toFixed(0)} s`),
    });
  } finally {
    await engine?.close();
    await system.close();
  }
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export function formatSimulation(report: SimulationReport): string[] {
  const lines = [
    `learners ${report.options.learners} × sessions ${report.options.sessions} × ${report.options.sessionSize} questions, bank ${report.options.bankSize}, seed ${report.options.seed}`,
    '| policy | sessions | flow-state rate | mean success | reviews on time |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const p of report.policies) {
    const reviews = p.reviews ? `${pct(p.reviews.onTimeShare)} (${p.reviews.onTime}/${p.reviews.fallenDue})` : '—';
    lines.push(`| ${p.policy}${p.policy.startsWith('engine') ? ' through the queues' : ''} | ${p.sessions} | ${pct(p.flowRate)} | ${pct(p.meanSuccess)} | ${reviews} |`);
  }
  const find = (prefix: string): PolicyReport | undefined => report.policies.find((p) => p.policy.startsWith(prefix));
  const [engine, oracle, random] = [find('engine'), find('oracle'), find('random')];
  if (engine && oracle && random) {
    lines.push(
      `engine / oracle = ${(engine.flowRate / oracle.flowRate).toFixed(2)} (target ≥ 0.80); engine / random = ${(engine.flowRate / random.flowRate).toFixed(2)} (target ≥ 1.50)`,
    );
  }
  return lines;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isFinite(v) ? v : fallback;
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'learnloop-sim-'));
  const infra = await startBenchInfrastructure(scratch);
  try {
    const report = await runQueueSimulation({
      learners: arg('learners', 300),
      sessions: arg('sessions', 10),
      seed: arg('seed', 20_240_601),
      redisUrl: infra.redisUrl,
      databaseUrl: await infra.createDatabase('simulation'),
      log: (line) => console.error(line),
    });
    for (const line of formatSimulation(report)) console.log(line);
  } finally {
    await infra.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
