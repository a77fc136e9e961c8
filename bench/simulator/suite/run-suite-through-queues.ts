/**
 * `npm run simulate:suite:queues [-- --learners N --worlds a,b --salt S --log prefix]`
 * Two worlds of the suite through the REAL queues (fast learners; a 2-logit level scale): the
 * engine runs as generate / per-answer results / recalibrate jobs on BullMQ and PostgreSQL (its
 * own redis-server and embedded PostgreSQL), next to the in-process engine, random and the oracle
 * on the same world. Prints the suite's table for both. `--log prefix` writes every job's request
 * and result to `prefix-<world>.jsonl` (one line a job): runs of the same code give the same file,
 * so two versions compare job by job; `--salt` draws other session ids (the composer's seeds).
 * CONCURRENCY_* settings come from the environment.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSystem } from '../../../app/system.js';
import { parseConfig } from '../../../core/config/config-schema.js';
import { createLogger } from '../../../observability/logger.js';
import { startBenchInfrastructure } from '../../bench-infrastructure.js';
import { QueueSuiteEngine } from './queue-suite-engine.js';
import { formatSuite, runWorld, type WorldResult } from './run-suite.js';
import { SUITE_WORLDS } from './worlds.js';

const QUEUE_WORLDS = ['fast-learners', 'level-scale-2'];

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isFinite(v) ? v : fallback;
}

async function main(): Promise<void> {
  const learners = arg('learners', 40);
  const option = (name: string) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1] : undefined);
  const log = option('log');
  const salt = option('salt');
  const only = option('worlds')?.split(',') ?? QUEUE_WORLDS;
  const scratch = mkdtempSync(join(tmpdir(), 'learnloop-suite-'));
  const infra = await startBenchInfrastructure(scratch);
  const results: WorldResult[] = [];
  try {
    for (const name of QUEUE_WORLDS.filter((w) => only.includes(w))) {
      const spec = { ...SUITE_WORLDS.find((w) => w.name === name)!, learners };
      const started = performance.now();
      const inProcess = await runWorld(spec);
      results.push({ ...inProcess, world: `${name} (in-process)` });
      const clock = { value: Date.now() };
      const system = await startSystem({
        config: parseConfig({
          NODE_ENV: 'production',
          HOST: '127.0.0.1',
          PORT: '0',
          LOG_LEVEL: 'error',
          QUEUE_PREFIX: `suite-${name}-${Date.now()}`,
          SCHEDULERS_ENABLED: 'false',
          METRICS_PORT: 'off',
          // Tunables from the environment (CONCURRENCY_FEEDBACK_LOOP, …), to compare settings.
          ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('CONCURRENCY_'))),
        }),
        redisUrl: infra.redisUrl,
        databaseUrl: await infra.createDatabase(`suite_${name.replace(/[^a-z0-9]/g, '_')}`),
        roles: { ingress: false, workers: ['session-generation', 'feedback-loop', 'decision-insights'], schedulers: false },
        logger: createLogger('error'),
        now: () => new Date(clock.value),
      });
      let engine: QueueSuiteEngine | undefined;
      try {
        const viaQueues = await runWorld(spec, { engineFactory: () => (engine = new QueueSuiteEngine(system, clock, { salt, log: log && `${log}-${name}.jsonl` })) });
        results.push({ ...viaQueues, world: `${name} (through the queues)` });
      } finally {
        await engine?.close();
        await system.close();
      }
      console.error(`  ${name} done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
    for (const line of formatSuite(results)) console.log(line);
  } finally {
    await infra.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
