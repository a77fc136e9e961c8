import { randomUUID } from 'node:crypto';
import { type Config, parseConfig } from '../core/config/config-schema.js';
import { CpuMeter } from './support/cpu-meter.js';
import type { PgStatsProbe } from './support/pg-stats.js';

/** What every benchmark module receives from the harness (bench/run.ts). */
export interface BenchEnv {
  /** `--quick`: shorter runs and fewer of them, for a smoke run. */
  quick: boolean;
  /** Measured runs per figure (each figure is their median). */
  runs: number;
  /** Target wall-clock length of one measured run, in seconds. */
  runSeconds: number;
  /** The memory benchmark compares RSS at `lateSeconds` of sustained load with RSS at `earlySeconds`. */
  memory: { earlySeconds: number; lateSeconds: number };
  /** The bench's own redis-server (flushed between benchmarks). */
  redisUrl: string;
  repoRoot: string;
  /** A scratch directory under os.tmpdir(), removed at the end. */
  scratchDir: string;
  /** Labelled Bloom questions (`question,level` CSVs), read at run time, never copied. */
  bloomDataDir: string;
  /** Bearer key the bench's systems accept (producer and operator). */
  apiKey: string;
  /** A new empty database on the bench's PostgreSQL; its URL. */
  freshDatabase(label: string): Promise<string>;
  /** A queue prefix no other benchmark of this run uses. */
  freshPrefix(label: string): string;
  /**
   * Configuration for a system under test: the production defaults, plus loopback HTTP on a free
   * port, the bench key, logs at `error` (request logs, and the "request aborted" warnings of
   * requests cut off when a load run ends, would flood the report), no rate limit worth
   * mentioning; then the `--set` settings; `overrides` win.
   */
  config(overrides?: Record<string, string>): Config;
  /** CPU time of this process, redis-server and PostgreSQL: where the time goes, robust to a busy machine. */
  cpu: CpuMeter;
  /** `--pg-stats`: pg_stat_statements of the bench's PostgreSQL; absent in a normal run. */
  pgStats?: PgStatsProbe;
  /** `--set KEY=VALUE` configuration for every system under test (also the memory worker's env). */
  settings: Record<string, string>;
  /** A progress line on stderr (the report itself goes to stdout). */
  log(message: string): void;
}

/** What the harness knows before building the env: the plain settings of BenchEnv, and its servers. */
export type BenchEnvParts = Pick<
  BenchEnv,
  'quick' | 'runs' | 'runSeconds' | 'memory' | 'redisUrl' | 'repoRoot' | 'scratchDir' | 'bloomDataDir' | 'settings' | 'pgStats'
> & {
  createDatabase(name: string): Promise<string>;
  pids: { redis?: number; postmaster?: number };
};

export function createBenchEnv(parts: BenchEnvParts): BenchEnv {
  const apiKey = `bench-${randomUUID()}`;
  let counter = 0;
  const tag = (label: string) => `${label.replace(/\W+/g, '_').slice(0, 24)}_${(counter += 1)}`;
  return {
    ...parts,
    apiKey,
    cpu: new CpuMeter(parts.pids),
    freshDatabase: (label) => parts.createDatabase(`bench_${tag(label)}`.toLowerCase()),
    freshPrefix: (label) => `bench-${tag(label)}`,
    config: (overrides = {}) =>
      parseConfig({
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'error',
        API_KEYS: `producer:${apiKey},operator:${apiKey}`,
        DATA_DIR: parts.scratchDir,
        RATE_LIMIT_PER_MINUTE: String(100_000_000),
        RATE_LIMIT_ANONYMOUS_PER_MINUTE: String(100_000_000),
        SCHEDULERS_ENABLED: 'false',
        ...parts.settings,
        ...overrides,
      }),
    log: (message) => process.stderr.write(`[bench] ${message}\n`),
  };
}
