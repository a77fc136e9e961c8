import pg from 'pg';
import { concurrencyFor } from '../../app/system.js';
import { jobIds } from '../../core/contracts/ids.js';
import { createRng } from '../../core/random.js';
import type { Producer } from '../../pipelines/producer.js';
import type { QueueName } from '../../pipelines/registry.js';
import type { Benchmark } from '../benchmark.js';
import { figure, sizeFor } from '../stats.js';
import { loadBenchQuestions } from '../support/bench-questions.js';
import { CompletionCounter } from '../support/completion-counter.js';
import { type CpuSnapshot, addCpu, describeCpuPer, zeroCpu } from '../support/cpu-meter.js';
import { NoopQueue } from '../support/noop-queue.js';
import { jobsWithoutProcessor, requireProcessors, startBenchSystem, waitUntilIdle, workersOf } from '../support/system-under-test.js';
import { type PgStatsSnapshot, addPgStats, describePgStatsPer, describeTableStats } from '../support/pg-stats.js';
import { addInChunks, timedDrain } from '../support/timed-drain.js';

const ANSWERS_PER_SESSION = 10;
const QUESTIONS = 400;
const LEARNERS = 200;
const CATEGORIES = ['algebra', 'biology', 'history', 'operating-systems'];

/**
 * feedback-loop/results end to end: each job applies one session's answers (Elo, spaced
 * repetition, streaks, comeback, mastery, flow) and sends its traces on. Measured in answers per
 * second, against the BullMQ no-op carrying the same payloads at the same concurrency.
 *
 * The questions and sessions the answers refer to are seeded straight into the tables first (a
 * fixture, outside the timing): this measures applying results, not generating sessions.
 */
const benchmark: Benchmark = {
  name: 'feedback-loop',
  async run(env) {
    requireProcessors('feedback-loop', 'issue 4');
    const insightsReady = jobsWithoutProcessor('decision-insights').length === 0;
    const queues: QueueName[] = insightsReady ? ['feedback-loop', 'decision-insights'] : ['feedback-loop'];
    const { system, config, databaseUrl } = await startBenchSystem(env, 'feedback', { ingress: false, workers: queues, schedulers: false });
    const concurrency = concurrencyFor(config, 1)('feedback-loop');
    const noop = new NoopQueue(env.redisUrl, env.freshPrefix('feedback-noop'), 'feedback-loop', concurrency);
    const counter = new CompletionCounter(workersOf(system, 'feedback-loop'));
    const producer = system.services.producer;
    const queue = producer.queue('feedback-loop');
    const traces = producer.queue('decision-insights');
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    let outcome: Awaited<ReturnType<Benchmark['run']>>;
    try {
      const questionIds = await seedQuestions(client, env.bloomDataDir);
      const session = feedbackSessions(questionIds);
      const payload = (tag: string) => (i: number) => {
        const { sessionId, userId, answers } = session(tag, i);
        return { sessionId, userId, answers };
      };
      const addResults = (tag: string) => (count: number) => addResultsJobs(client, producer, session, tag, count);
      const apply = (tag: string, jobs: number) =>
        timedDrain({
          queue,
          counter,
          jobs,
          add: addResults(tag),
          timeoutMs: 180_000,
          cpu: env.cpu,
          pgStats: env.pgStats,
          settle: insightsReady ? () => waitUntilIdle(traces) : undefined,
        });

      env.log('  warming up');
      const warmNoop = await noop.drain(1_000, 'results', payload('warm'));
      const warm = await apply('warm', 100);
      const noopJobs = sizeFor(warmNoop.processPerSecond, env.runSeconds, 1_000, 50_000);
      const jobs = sizeFor(warm.processPerSecond, env.runSeconds, 100, 20_000);
      const base: number[] = [];
      const real: number[] = [];
      let baseCpu: CpuSnapshot = zeroCpu();
      let realCpu: CpuSnapshot = zeroCpu();
      let realPg: PgStatsSnapshot = new Map();
      for (let run = 0; run < env.runs; run += 1) {
        const b = await noop.drain(noopJobs, 'results', payload(`r${run}`), env.cpu);
        const r = await apply(`r${run}`, jobs);
        base.push(b.processPerSecond * ANSWERS_PER_SESSION);
        real.push(r.processPerSecond * ANSWERS_PER_SESSION);
        baseCpu = addCpu(baseCpu, b.cpu!);
        realCpu = addCpu(realCpu, r.cpu!);
        if (r.pg) realPg = addPgStats(realPg, r.pg);
        env.log(`  run ${run + 1}/${env.runs}: no-op ${Math.round(base.at(-1)!)} answers/s, feedback ${Math.round(real.at(-1)!)} answers/s`);
      }
      outcome = {
        figures: [
          figure('answers applied end to end', real, 'answers/s', { baseline: { name: 'BullMQ no-op, same payloads', runs: base }, target: { atLeast: 0.1 } }),
        ],
        notes: [
          `${jobs} sessions of ${ANSWERS_PER_SESSION} answers per run, ${LEARNERS} learners, ${questionIds.length} questions, concurrency ${concurrency}`,
          insightsReady ? 'decision-insights workers ran in the same process' : 'decision-insights has no processor yet: traces were left queued',
          `feedback: ${describeCpuPer(realCpu, jobs * env.runs, 'session')}; no-op: ${describeCpuPer(baseCpu, noopJobs * env.runs, 'session')}`,
          ...(env.pgStats ? describePgStatsPer(realPg, jobs * env.runs, 'session') : []),
        ],
      };
    } finally {
      counter.close();
      await client.end();
      await noop.close();
      await system.close();
    }
    // Once the system has closed its connections, which flushes their table counters.
    if (env.pgStats) outcome.notes = [...(outcome.notes ?? []), ...(await describeTableStats(databaseUrl))];
    return outcome;
  },
};

/** Questions the sessions refer to, with stated difficulty and category (fixture). */
export async function seedQuestions(client: pg.Client, dataDir: string): Promise<string[]> {
  const texts = loadBenchQuestions(dataDir, QUESTIONS);
  const ids = texts.map((_, i) => `fbq-${i}`);
  await client.query(
    `INSERT INTO questions (id, content_hash, text, type, difficulty, category_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::smallint[], $6::text[])
     ON CONFLICT (id) DO NOTHING`,
    [
      ids,
      ids.map((id) => `bench-${id}`),
      texts.map((q) => q.text),
      texts.map((q) => q.type),
      ids.map((_, i) => 1 + (i % 5)),
      ids.map((_, i) => CATEGORIES[i % CATEGORIES.length]!),
    ],
  );
  return ids;
}

/** Generated sessions the results belong to (fixture, as session-generation would leave them). */
export async function seedSessions(client: pg.Client, sessions: { sessionId: string; userId: string; questionIds: string[] }[]): Promise<void> {
  await client.query(
    `INSERT INTO sessions (id, user_id, size, questions)
     SELECT * FROM unnest($1::text[], $2::text[], $3::smallint[], $4::jsonb[])
     ON CONFLICT (id) DO NOTHING`,
    [
      sessions.map((s) => s.sessionId),
      sessions.map((s) => s.userId),
      sessions.map((s) => s.questionIds.length),
      sessions.map((s) =>
        JSON.stringify(
          s.questionIds.map((questionId, k) => ({ questionId, position: k + 1, targetDifficulty: 0, predictedSuccess: 0.7, reason: 'bench fixture' })),
        ),
      ),
    ],
  );
}

/** The bench's sessions: `ANSWERS_PER_SESSION` answers each, ~72% correct, seeded RNG. */
export function feedbackSessions(questionIds: string[]) {
  const rng = createRng('feedback-bench');
  return (tag: string, i: number) => {
    const ids = Array.from({ length: ANSWERS_PER_SESSION }, (_, k) => questionIds[(i * 7 + k * 13) % questionIds.length]!);
    const start = Date.now() - 3_600_000;
    return {
      sessionId: `fbs-${tag}-${i}`,
      userId: `fbu-${i % LEARNERS}`,
      questionIds: ids,
      answers: ids.map((questionId, k) => ({
        questionId,
        correct: rng() < 0.72,
        responseMs: Math.round(2_000 + rng() * 28_000),
        answeredAt: new Date(start + k * 30_000).toISOString(),
      })),
    };
  };
}

/**
 * Seeds `count` of the bench's sessions (tagged `tag`) and sends their results jobs, with the job
 * ids the ingress gives them (jobIds.results), in chunks of 250.
 */
export function addResultsJobs(client: pg.Client, producer: Producer, session: ReturnType<typeof feedbackSessions>, tag: string, count: number): Promise<void> {
  return addInChunks(count, 250, async (from, to) => {
    const sessions = Array.from({ length: to - from }, (_, k) => session(tag, from + k));
    await seedSessions(client, sessions);
    await producer.sendMany(
      'feedback-loop',
      'results',
      sessions.map(({ sessionId, userId, answers }) => ({ payload: { sessionId, userId, answers }, options: { jobId: jobIds.results(sessionId, answers) } })),
    );
  });
}

export default benchmark;
