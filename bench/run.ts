import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createBenchEnv } from './bench-env.js';
import { startBenchInfrastructure } from './bench-infrastructure.js';
import { missingDependencyReason } from './benchmark.js';
import { benchmarks } from './benchmarks/index.js';
import { currentLoad, machineInfo } from './machine-info.js';
import { type BenchRecord, type BenchReport, renderMarkdown, writeReport } from './report.js';
import { meetsTarget } from './stats.js';

const usage = `npm run bench [-- options]

Starts its own redis-server and PostgreSQL (scratch dirs under ${tmpdir()}), runs every benchmark
next to a baseline measured in the same run, writes bench/results/latest.{json,md} (--quick:
quick.*, --only: partial.*) and prints the table.

  --quick              smoke run: shorter and fewer runs, memory 20 s vs 60 s (~3 min in all)
  --only a,b           only these benchmarks (${benchmarks.map((b) => b.name).join(', ')})
  --runs N             measured runs per figure (default 5, quick 3)
  --run-seconds S      length of one measured run (default 2, quick 1)
  --memory-early S     memory: early RSS sample at S seconds of load (default 60, quick 20)
  --memory-late S      memory: late RSS sample at S seconds of load (default 300, quick 60)
  --bloom-data DIR     labelled question CSVs (default ../shared/data/bloom next to the repository)
  --set KEY=VALUE      configuration for the systems under test, e.g. --set CONCURRENCY_QUESTION_VALIDATION=16
                       (repeatable; recorded in the report)
  --pg-stats           load pg_stat_statements into the bench's PostgreSQL; benchmarks that support it
                       (validation-pipeline, feedback-loop) add per-job statement notes (off by default:
                       the extension costs a little on every statement)`;

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      runs: { type: 'string' },
      'run-seconds': { type: 'string' },
      'memory-early': { type: 'string' },
      'memory-late': { type: 'string' },
      'bloom-data': { type: 'string' },
      set: { type: 'string', multiple: true },
      'pg-stats': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const quick = values.quick ?? false;
  const num = (raw: string | undefined, fallback: number, what: string) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!(n > 0)) throw new Error(`--${what} must be a positive number, got ${raw}`);
    return n;
  };
  const runs = Math.round(num(values.runs, quick ? 3 : 5, 'runs'));
  const runSeconds = num(values['run-seconds'], quick ? 1 : 2, 'run-seconds');
  const memory = {
    earlySeconds: num(values['memory-early'], quick ? 20 : 60, 'memory-early'),
    lateSeconds: num(values['memory-late'], quick ? 60 : 300, 'memory-late'),
  };
  if (memory.lateSeconds <= memory.earlySeconds) throw new Error('--memory-late must be after --memory-early');
  const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = only?.filter((n) => !benchmarks.some((b) => b.name === n)) ?? [];
  if (unknown.length) throw new Error(`unknown benchmark(s): ${unknown.join(', ')}\n\n${usage}`);
  const selected = benchmarks.filter((b) => !only || only.includes(b.name));
  const settings: Record<string, string> = {};
  for (const pair of values.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--set expects KEY=VALUE, got ${pair}`);
    settings[pair.slice(0, eq)] = pair.slice(eq + 1);
  }

  const startedAt = new Date();
  const t0 = performance.now();
  const scratchDir = mkdtempSync(join(tmpdir(), 'learnloop-bench-'));
  const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
  log(`starting redis-server and PostgreSQL under ${scratchDir}`);
  const infra = await startBenchInfrastructure(scratchDir, { pgStats: values['pg-stats'] }).catch((error: unknown) => {
    rmSync(scratchDir, { recursive: true, force: true });
    throw error;
  });
  const cleanup = async () => {
    await infra.stop();
    rmSync(scratchDir, { recursive: true, force: true });
  };
  // Ctrl-C must not leave servers behind.
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

  try {
    const machine = machineInfo({ redis: infra.redisVersion, postgres: infra.postgresVersion });
    const env = createBenchEnv({
      quick,
      runs,
      runSeconds,
      memory,
      redisUrl: infra.redisUrl,
      repoRoot,
      scratchDir,
      bloomDataDir: resolve(values['bloom-data'] ?? join(repoRoot, '../shared/data/bloom')),
      createDatabase: infra.createDatabase,
      settings,
      pids: infra.pids,
      ...(infra.pgStats ? { pgStats: infra.pgStats } : {}),
    });

    const records: BenchRecord[] = [];
    for (const entry of selected) {
      await infra.flushRedis();
      const before = currentLoad();
      const started = performance.now();
      const record: BenchRecord = { name: entry.name, title: entry.title, status: 'ok', figures: [], notes: [], seconds: 0, load: { before, after: before } };
      try {
        log(`${entry.title} …`);
        const { default: benchmark } = await entry.load();
        // A benchmark that hangs must not hang the whole run.
        const limitMs = (entry.name === 'worker-memory' ? memory.lateSeconds + 240 : 300) * 1000;
        const outcome = await withTimeout(benchmark.run(env), limitMs, `${entry.name} did not finish within ${limitMs / 1000} s`);
        record.figures = outcome.figures.map((f) => ({ ...f, met: meetsTarget(f) }));
        record.notes = outcome.notes ?? [];
      } catch (error) {
        const missing = missingDependencyReason(error, repoRoot);
        record.status = missing ? 'skipped' : 'failed';
        record.reason = missing ?? (error instanceof Error ? error.message : String(error));
        log(`${entry.name}: ${record.status}: ${record.reason}`);
        if (!missing && error instanceof Error && error.stack) log(error.stack);
      }
      record.seconds = (performance.now() - started) / 1000;
      record.load.after = currentLoad();
      records.push(record);
      log(`${entry.name}: ${record.status} in ${Math.round(record.seconds)} s`);
    }

    const report: BenchReport = {
      startedAt: startedAt.toISOString(),
      durationSeconds: (performance.now() - t0) / 1000,
      mode: quick ? 'quick' : 'full',
      runsPerFigure: runs,
      runSeconds,
      settings,
      machine,
      benchmarks: records,
    };
    // Only a full run of everything replaces the table the README points at.
    const files = writeReport(join(repoRoot, 'bench/results'), only ? 'partial' : quick ? 'quick' : 'latest', report);
    process.stdout.write(`\n${renderMarkdown(report)}\n`);
    log(`wrote ${files.json} and ${files.markdown}`);
    return records.some((r) => r.status === 'failed') ? 1 : 0;
  } finally {
    await cleanup();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error('bench failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
