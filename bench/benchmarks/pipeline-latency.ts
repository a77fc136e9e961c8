import pg from 'pg';
import { questionInputSchema } from '../../core/bloom/question-input.js';
import { questionContentHash, questionIdFor } from '../../core/contracts/question-contracts.js';
import { jobIds } from '../../core/contracts/ids.js';
import type { QueueName } from '../../pipelines/registry.js';
import type { BenchEnv } from '../bench-env.js';
import type { Benchmark, Figure } from '../benchmark.js';
import { figure, percentile, sizeFor } from '../stats.js';
import { loadBenchQuestions, uniqueQuestion } from '../support/bench-questions.js';
import { CompletionCounter } from '../support/completion-counter.js';
import { pacedSend } from '../support/paced-send.js';
import { startBenchSystem, waitUntilIdle, workersOf } from '../support/system-under-test.js';
import { addInChunks, timedDrain } from '../support/timed-drain.js';
import { warmBloomPool } from '../support/warm-bloom.js';
import { feedbackSessions, seedQuestions, seedSessions } from './feedback-loop.js';

/** Loads as fractions of the pipeline's saturation throughput (measured first, same run). */
const LOADS = [0.1, 0.5, 0.9];

/**
 * What one pipeline needs for the measurement: its queue and job, a job for index i of a run
 * (payload and deterministic job id), and fixtures to put in place before a run (outside timing).
 */
interface Pipeline {
  label: string;
  queue: QueueName;
  job: string;
  prepare?: (tag: string, count: number) => Promise<void>;
  jobFor: (tag: string, i: number) => { payload: unknown; jobId: string };
}

/**
 * Enqueue → completed latency (finishedOn − timestamp, Redis clocks) per pipeline at 10%, 50% and
 * 90% of the throughput the same system sustained with a full queue, with jobs sent EVENLY spaced
 * (bench/support/paced-send.ts) straight to the queue: the pipeline's own latency, without HTTP.
 */
const benchmark: Benchmark = {
  name: 'pipeline-latency',
  async run(env) {
    const figures: Figure[] = [];
    const notes: string[] = [];
    const questions = loadBenchQuestions(env.bloomDataDir, 2_000, (q) => questionInputSchema.safeParse(q).success);

    // Validation: every job a new question (no dedupe, no stored result to reuse).
    {
      const { system } = await startBenchSystem(env, 'latency-validation', { ingress: false, workers: ['question-validation', 'decision-insights'], schedulers: false });
      try {
        await warmBloomPool(system.services.bloom, questions.map((q) => questionInputSchema.parse(q)), 400);
        const out = await measurePipeline(env, system, {
          label: 'validation',
          queue: 'question-validation',
          job: 'validate',
          jobFor: (tag, i) => {
            const question = uniqueQuestion(questions, `lat-${tag}`, i);
            const hash = questionContentHash(question as never);
            return { payload: { question }, jobId: jobIds.validate(questionIdFor(question as never, hash), hash) };
          },
        });
        figures.push(...out.figures);
        notes.push(out.note);
      } finally {
        await system.close();
      }
    }

    // Feedback: sessions seeded into the tables first (as session generation would leave them).
    {
      const { system, databaseUrl } = await startBenchSystem(env, 'latency-feedback', { ingress: false, workers: ['feedback-loop', 'decision-insights'], schedulers: false });
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const session = feedbackSessions(await seedQuestions(client, env.bloomDataDir));
        const out = await measurePipeline(env, system, {
          label: 'feedback',
          queue: 'feedback-loop',
          job: 'results',
          prepare: (tag, count) => addInChunks(count, 500, (from, to) => seedSessions(client, Array.from({ length: to - from }, (_, k) => session(tag, from + k)))),
          jobFor: (tag, i) => {
            const { sessionId, userId, answers } = session(tag, i);
            return { payload: { sessionId, userId, answers }, jobId: jobIds.results(sessionId, answers) };
          },
        });
        figures.push(...out.figures);
        notes.push(out.note);
      } finally {
        await client.end();
        await system.close();
      }
    }
    return { figures, notes };
  },
};

async function measurePipeline(env: BenchEnv, system: Awaited<ReturnType<typeof startBenchSystem>>['system'], p: Pipeline) {
  const producer = system.services.producer;
  const queue = producer.queue(p.queue);
  const traces = producer.queue('decision-insights');
  const counter = new CompletionCounter(workersOf(system, p.queue), { keepLatency: () => true });
  try {
    const add = (tag: string) => async (count: number) => {
      await p.prepare?.(tag, count);
      await addInChunks(count, 500, (from, to) =>
        producer.sendMany(
          p.queue,
          p.job as never,
          Array.from({ length: to - from }, (_, k) => {
            const { payload, jobId } = p.jobFor(tag, from + k);
            return { payload: payload as never, options: { jobId } };
          }),
        ),
      );
    };
    const drain = async (tag: string, jobs: number) => {
      const t = await timedDrain({ queue, counter, jobs, add: add(tag), timeoutMs: 180_000 });
      await waitUntilIdle(traces);
      return t.processPerSecond;
    };
    env.log(`  ${p.label}: saturation with a full queue`);
    const warm = await drain('warm', 200);
    const saturation = await drain('sat', sizeFor(warm, env.runSeconds * 2, 200, 20_000));
    const seconds = Math.max(3, env.runSeconds * 2);
    const runs = Math.min(env.runs, 3);
    const figures: Figure[] = [];
    const described: string[] = [];
    for (const load of LOADS) {
      const rate = Math.max(1, saturation * load);
      const p50: number[] = [];
      const p99: number[] = [];
      const pickup: number[] = [];
      for (let run = 0; run < runs; run += 1) {
        const tag = `l${load}-r${run}`;
        const total = Math.max(1, Math.round(rate * seconds));
        await p.prepare?.(tag, total);
        counter.reset();
        await pacedSend(rate, seconds, (i) => {
          const { payload, jobId } = p.jobFor(tag, i);
          return producer.send(p.queue, p.job as never, payload as never, { jobId });
        });
        await counter.waitFor(total, 120_000);
        await waitUntilIdle(traces);
        p50.push(percentile(counter.latencies, 50));
        p99.push(percentile(counter.latencies, 99));
        pickup.push(percentile(counter.pickups, 50));
        env.log(`  ${p.label} at ${Math.round(load * 100)}% (${Math.round(rate)}/s), run ${run + 1}/${runs}: p50 ${p50.at(-1)} ms, p99 ${p99.at(-1)} ms (p50 wait for a worker ${pickup.at(-1)} ms)`);
      }
      const pct = `${Math.round(load * 100)}% of saturation`;
      const target = p.label === 'validation' && load === 0.5;
      figures.push(figure(`${p.label}: enqueue → completed p50 at ${pct}`, p50, 'ms', target ? { target: { atMost: 50 } } : {}));
      figures.push(figure(`${p.label}: enqueue → completed p99 at ${pct}`, p99, 'ms', target ? { target: { atMost: 200 } } : {}));
      described.push(`${Math.round(rate)}/s (median wait for a worker ${Math.round(percentile(pickup, 50))} ms)`);
    }
    return {
      figures,
      note:
        `${p.label}: saturation ${Math.round(saturation)} jobs/s (full queue, same system); ${runs} runs of ${seconds} s at ${described.join(', ')}, ` +
        'jobs sent evenly spaced straight to the queue; latency = finishedOn − timestamp',
    };
  } finally {
    counter.close();
  }
}

export default benchmark;
