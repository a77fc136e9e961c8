import pg from 'pg';
import { concurrencyFor } from '../../app/system.js';
import { questionInputSchema } from '../../core/bloom/question-input.js';
import { questionContentHash, questionIdFor } from '../../core/contracts/question-contracts.js';
import type { QueueName } from '../../pipelines/registry.js';
import type { Benchmark } from '../benchmark.js';
import { figure, sizeFor } from '../stats.js';
import { loadBenchQuestions, uniqueQuestion } from '../support/bench-questions.js';
import { CompletionCounter } from '../support/completion-counter.js';
import { type CpuSnapshot, addCpu, describeCpuPer, zeroCpu } from '../support/cpu-meter.js';
import { NoopQueue } from '../support/noop-queue.js';
import { jobsWithoutProcessor, startBenchSystem, waitUntilIdle, workersOf } from '../support/system-under-test.js';
import { addInChunks, timedDrain } from '../support/timed-drain.js';
import { warmBloomPool } from '../support/warm-bloom.js';

/**
 * question-validation end to end in the real system: enqueue → worker → Bloom score on the Piscina
 * pool → question and validation stored → trace sent to decision-insights. Its baseline is the
 * BullMQ no-op at the same concurrency with the same payloads, measured in alternation with it.
 */
const benchmark: Benchmark = {
  name: 'validation-pipeline',
  async run(env) {
    const questions = loadBenchQuestions(env.bloomDataDir, 2_000, (q) => questionInputSchema.safeParse(q).success);
    // Traces go to decision-insights: run its workers too once its processor exists, as in production.
    const insightsReady = jobsWithoutProcessor('decision-insights').length === 0;
    const queues: QueueName[] = insightsReady ? ['question-validation', 'decision-insights'] : ['question-validation'];
    const { system, config, databaseUrl } = await startBenchSystem(env, 'validation', { ingress: false, workers: queues, schedulers: false });
    const bloomThreads = system.services.bloom.threads;
    const concurrency = concurrencyFor(config, bloomThreads)('question-validation');
    const noop = new NoopQueue(env.redisUrl, env.freshPrefix('validation-noop'), 'question-validation', concurrency);
    const counter = new CompletionCounter(workersOf(system, 'question-validation'));
    const producer = system.services.producer;
    const queue = producer.queue('question-validation');
    const traces = producer.queue('decision-insights');
    try {
      const payload = (tag: string) => (i: number) => ({ question: uniqueQuestion(questions, tag, i) });
      // Same job ids as the HTTP route gives, so the run exercises the same dedupe path.
      const addValidations = (tag: string) => (count: number) =>
        addInChunks(count, 500, (from, to) =>
          producer.sendMany(
            'question-validation',
            'validate',
            Array.from({ length: to - from }, (_, k) => {
              const question = uniqueQuestion(questions, tag, from + k);
              const hash = questionContentHash(question);
              return { payload: { question }, options: { jobId: `validate-${questionIdFor(question, hash)}-${hash.slice(0, 16)}` } };
            }),
          ),
        );
      const validate = (tag: string, jobs: number) =>
        timedDrain({
          queue,
          counter,
          jobs,
          add: addValidations(tag),
          timeoutMs: 180_000,
          cpu: env.cpu,
          // Whatever the run left for the insights workers is finished before the next measurement.
          settle: insightsReady ? () => waitUntilIdle(traces) : undefined,
        });

      env.log('  warming up (Piscina threads, JIT, connection pools)');
      await warmBloomPool(system.services.bloom, questions.map((q) => questionInputSchema.parse(q)));
      const warmNoop = await noop.drain(2_000, 'validate', payload('warm'));
      const warm = await validate('warm', 200);
      const noopJobs = sizeFor(warmNoop.processPerSecond, env.runSeconds, 2_000, 50_000);
      const jobs = sizeFor(warm.processPerSecond, env.runSeconds, 200, 20_000);

      const base: number[] = [];
      const real: number[] = [];
      let baseCpu: CpuSnapshot = zeroCpu();
      let realCpu: CpuSnapshot = zeroCpu();
      for (let run = 0; run < env.runs; run += 1) {
        const b = await noop.drain(noopJobs, 'validate', payload(`r${run}`), env.cpu);
        const r = await validate(`r${run}`, jobs);
        base.push(b.processPerSecond);
        real.push(r.processPerSecond);
        baseCpu = addCpu(baseCpu, b.cpu!);
        realCpu = addCpu(realCpu, r.cpu!);
        env.log(`  run ${run + 1}/${env.runs}: no-op ${Math.round(base.at(-1)!)} jobs/s, validation ${Math.round(real.at(-1)!)} jobs/s`);
      }

      const stored = await countValidations(databaseUrl);
      const expected = 200 + jobs * env.runs;
      if (stored < expected) throw new Error(`only ${stored} of ${expected} validations were stored`);
      return {
        figures: [
          figure('enqueue → Piscina score → stored', real, 'jobs/s', {
            baseline: { name: 'BullMQ no-op', runs: base },
            target: { atLeast: 0.5 },
          }),
        ],
        notes: [
          `${jobs} validations per run (no-op: ${noopJobs}), concurrency ${concurrency}, ${bloomThreads} Bloom threads, ` +
            `${questions.length} distinct questions from the labelled CSVs, each job a new question id; all ${stored} validations verified stored`,
          insightsReady
            ? 'decision-insights workers ran in the same process (traces persisted between runs, outside the timing but inside the CPU count)'
            : 'decision-insights has no processor yet: traces were left queued',
          `validation: ${describeCpuPer(realCpu, jobs * env.runs, 'job')}; no-op: ${describeCpuPer(baseCpu, noopJobs * env.runs, 'job')}`,
        ],
      };
    } finally {
      counter.close();
      await noop.close();
      await system.close();
    }
  },
};

async function countValidations(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM question_validations')).rows[0]!.n;
  } finally {
    await client.end();
  }
}

export default benchmark;
