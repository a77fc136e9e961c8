import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { questionInputSchema } from '../../core/bloom/question-input.js';
import { questionContentHash, questionIdFor } from '../../core/contracts/question-contracts.js';
import { jobIds } from '../../core/contracts/ids.js';
import { Producer } from '../../pipelines/producer.js';
import { createRedisConnection } from '../../pipelines/redis-connection.js';
import type { QueueName } from '../../pipelines/registry.js';
import type { Benchmark } from '../benchmark.js';
import { figure, median } from '../stats.js';
import { loadBenchQuestions, uniqueQuestion } from '../support/bench-questions.js';
import { jobsWithoutProcessor, requireProcessors } from '../support/system-under-test.js';

const SAMPLE_EVERY_MS = 2_000;
/** Each RSS figure is the median of the samples in the window ending at its time. */
const WINDOW_MS = 10_000;
const LOW_WATER = 400;
const REFILL = 400;

/** VmRSS of a Linux process, in MiB; undefined once it is gone. */
function rssMiB(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * 7. A real worker process (`learnloop worker --queues question-validation`, started through tsx
 * from the CLI exactly as an operator would, with REDIS_URL/DATABASE_URL) kept busy with a queue
 * that never runs dry; its RSS late in the run against its RSS early in the run. Growth beyond
 * 1.2× under steady load would point at a leak.
 */
const benchmark: Benchmark = {
  name: 'worker-memory',
  async run(env) {
    if (process.platform !== 'linux') throw new Error('reads /proc/<pid>/status: Linux only');
    requireProcessors('question-validation', 'the validation actor');
    const { earlySeconds, lateSeconds } = env.memory;
    const questions = loadBenchQuestions(env.bloomDataDir, 4_000, (q) => questionInputSchema.safeParse(q).success);
    const insightsReady = jobsWithoutProcessor('decision-insights').length === 0;
    const queues: QueueName[] = insightsReady ? ['question-validation', 'decision-insights'] : ['question-validation'];
    const databaseUrl = await env.freshDatabase('memory');
    const prefix = env.freshPrefix('memory');
    const logFile = join(env.scratchDir, 'memory-worker.log');

    const connection = createRedisConnection(env.redisUrl, 'producer');
    const producer = new Producer(connection, prefix);
    const queue = producer.queue('question-validation');
    let child: ChildProcess | undefined;
    let feeding = true;
    try {
      const log = createWriteStream(logFile);
      child = spawn(process.execPath, ['--import', 'tsx', join(env.repoRoot, 'cli/learnloop.ts'), 'worker', '--queues', queues.join(',')], {
        cwd: env.repoRoot,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_ENV: 'production',
          REDIS_URL: env.redisUrl,
          DATABASE_URL: databaseUrl,
          QUEUE_PREFIX: prefix,
          LOG_LEVEL: 'warn',
          SCHEDULERS_ENABLED: 'false',
          DATA_DIR: env.scratchDir,
          ...env.settings,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // If the harness gives up on this benchmark (timeout) and exits, the worker must not outlive it.
      const killOnExit = () => child?.kill('SIGKILL');
      process.once('exit', killOnExit);
      child.once('exit', () => process.off('exit', killOnExit));
      child.stdout!.pipe(log);
      child.stderr!.pipe(log);
      const pid = child.pid!;
      const exited = () => child!.exitCode !== null || child!.signalCode !== null;
      const died = () => new Error(`the worker process exited (${child!.exitCode ?? child!.signalCode}); log: ${tail(logFile)}`);

      // The feeder keeps the queue from running dry, in batches, with fresh question ids.
      let sent = 0;
      let feedError: unknown;
      const feeder = (async () => {
        while (feeding) {
          if ((await queue.getWaitingCount()) < LOW_WATER) {
            await producer.sendMany(
              'question-validation',
              'validate',
              Array.from({ length: REFILL }, (_, k) => {
                const question = uniqueQuestion(questions, 'mem', sent + k);
                const hash = questionContentHash(question as never);
                return { payload: { question: question as never }, options: { jobId: jobIds.validate(questionIdFor(question as never, hash), hash) } };
              }),
            );
            sent += REFILL;
          }
          await new Promise((r) => setTimeout(r, 200));
        }
      })().catch((error) => {
        feedError = error;
      });

      // Load starts when the first job completes (the process has started, migrated, and works).
      const startDeadline = Date.now() + 120_000;
      while ((await queue.getCompletedCount()) === 0) {
        if (exited()) throw died();
        if (Date.now() > startDeadline) throw new Error(`the worker completed no job within 120 s; log: ${tail(logFile)}`);
        // A job that failed an attempt waits for its retry as delayed: no point waiting 120 s.
        const [retrying] = await queue.getDelayed(0, 0);
        if (retrying?.failedReason) throw new Error(`validate jobs fail in the worker process: ${retrying.failedReason}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const t0 = performance.now();
      env.log(`  worker pid ${pid} is busy; sampling RSS every ${SAMPLE_EVERY_MS / 1000} s for ${lateSeconds} s`);
      const samples: { t: number; mib: number }[] = [];
      while (performance.now() - t0 < lateSeconds * 1000) {
        const mib = rssMiB(pid);
        if (mib === undefined || exited()) throw died();
        samples.push({ t: (performance.now() - t0) / 1000, mib });
        if (samples.length % 15 === 0) env.log(`  ${Math.round(samples.at(-1)!.t)} s: RSS ${mib.toFixed(0)} MiB`);
        await new Promise((r) => setTimeout(r, SAMPLE_EVERY_MS));
      }
      const last = rssMiB(pid);
      if (last === undefined) throw died();
      samples.push({ t: (performance.now() - t0) / 1000, mib: last });
      feeding = false;
      await feeder;
      if (feedError) throw feedError;
      const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active');

      const window = (at: number) => samples.filter((s) => s.t > at - WINDOW_MS / 1000 && s.t <= at + SAMPLE_EVERY_MS / 1000).map((s) => s.mib);
      const early = window(earlySeconds);
      const late = window(lateSeconds);
      if (counts.failed > 0) throw new Error(`${counts.failed} jobs failed during the memory run; log: ${tail(logFile)}`);
      return {
        figures: [
          figure(`RSS after ${lateSeconds} s`, late, 'MiB', {
            baseline: { name: `RSS after ${earlySeconds} s`, runs: early },
            target: { atMost: 1.2 },
            note: `peak ${Math.max(...samples.map((s) => s.mib)).toFixed(0)} MiB, first sample ${samples[0]!.mib.toFixed(0)} MiB`,
          }),
        ],
        notes: [
          `one worker process (node --import tsx cli/learnloop.ts worker --queues ${queues.join(',')}), ` +
            `queue refilled below ${LOW_WATER} waiting; ${sent} jobs sent, ~${Math.round(sent / lateSeconds)} jobs/s; ` +
            `each RSS figure is the median of the ${SAMPLE_EVERY_MS / 1000}-s samples in the ${WINDOW_MS / 1000} s up to its time ` +
            `(one long run, not ${env.runs}); median RSS over the whole run ${median(samples.map((s) => s.mib)).toFixed(0)} MiB`,
        ],
      };
    } finally {
      feeding = false;
      if (child) await stopChild(child);
      await queue.obliterate({ force: true }).catch(() => {});
      await producer.close();
      connection.disconnect();
    }
  },
};

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export default benchmark;
