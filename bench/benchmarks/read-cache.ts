import { questionContentHash } from '../../core/contracts/question-contracts.js';
import { loadDefaultModel } from '../../core/bloom/model.js';
import { scoreQuestion } from '../../core/bloom/score-question.js';
import { ReadThroughCache } from '../../db/cache/read-through-cache.js';
import { getQuestionWithLatestValidation, saveValidatedQuestions } from '../../db/queries/questions.js';
import type { Benchmark } from '../benchmark.js';
import { figure, percentile } from '../stats.js';
import { startBenchSystem } from '../support/system-under-test.js';

const QUESTIONS = 2_000;
/** Reads in flight, as a busy ingress has them. */
const CONCURRENCY = 16;

/**
 * Reads of a stored question (GET /api/questions/:id's query) with and without the read-through
 * cache, in the same run on the same data: straight from Postgres (the baseline); through the cache
 * with a hot set of 200 questions (fits the 500-item L1: mostly L1 hits); and with the L1 turned off
 * over all 2 000 questions (Redis L2 hits). Each run reads for `runSeconds` with 16 reads in flight.
 */
const benchmark: Benchmark = {
  name: 'read-cache',
  async run(env) {
    const { system } = await startBenchSystem(env, 'read-cache', { ingress: false, workers: [], schedulers: false });
    const { db, redis, config } = system.services;
    try {
      const model = loadDefaultModel();
      // Synthetic questions: this measures reads, whatever the text (no Bloom data needed).
      const rows = Array.from({ length: QUESTIONS }, (_, i) => {
        const q = {
          id: `bench-q-${i}`,
          text: `Explain how mechanism number ${i} of the operating system schedules processes, and compare it with round robin.`,
          type: 'multiple_choice' as const,
          options: ['a', 'b', 'c', 'd'],
          difficulty: (i % 5) + 1,
          categoryId: `cat-${i % 8}`,
        };
        return { id: q.id, contentHash: questionContentHash(q), input: q, score: scoreQuestion(q, model) };
      });
      for (let i = 0; i < rows.length; i += 500) await saveValidatedQuestions(db, rows.slice(i, i + 500));

      const withL1 = new ReadThroughCache({ redis, prefix: `${config.QUEUE_PREFIX}-l1` });
      const l2Only = new ReadThroughCache({ redis, prefix: `${config.QUEUE_PREFIX}-l2`, l1: { max: 1, ttlMs: 1 } });
      const direct = (id: string) => getQuestionWithLatestValidation(db, id);
      const variants = {
        postgres: { ids: QUESTIONS, read: direct },
        l1: { ids: 200, read: (id: string) => withL1.get('question', id, () => direct(id)) },
        l2: { ids: QUESTIONS, read: (id: string) => l2Only.get('question', id, () => direct(id)) },
      };

      const runFor = async (variant: keyof typeof variants) => {
        const { ids, read } = variants[variant];
        const latencies: number[] = [];
        const deadline = performance.now() + env.runSeconds * 1000;
        let next = 0;
        const started = performance.now();
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (performance.now() < deadline) {
              const id = `bench-q-${next++ % ids}`;
              const t = performance.now();
              if (!(await read(id))) throw new Error(`question ${id} not found`);
              latencies.push(performance.now() - t);
            }
          }),
        );
        return { perSecond: latencies.length / ((performance.now() - started) / 1000), p50: percentile(latencies, 50) };
      };

      // Warm: every cache holds its working set before the timed runs.
      for (const v of ['l1', 'l2'] as const) for (let i = 0; i < variants[v].ids; i++) await variants[v].read(`bench-q-${i}`);
      const results = { postgres: [] as { perSecond: number; p50: number }[], l1: [] as { perSecond: number; p50: number }[], l2: [] as { perSecond: number; p50: number }[] };
      for (let run = 0; run < env.runs; run++) {
        // Interleaved, so drift on a shared host hits all three alike.
        for (const v of ['postgres', 'l1', 'l2'] as const) results[v].push(await runFor(v));
      }
      const rate = (v: keyof typeof results) => results[v].map((r) => r.perSecond);
      const p50 = (v: keyof typeof results) => results[v].map((r) => r.p50);
      const baseRate = { name: 'Postgres, no cache', runs: rate('postgres') };
      const baseP50 = { name: 'Postgres, no cache', runs: p50('postgres') };
      return {
        figures: [
          figure('reads, Postgres (no cache)', rate('postgres'), 'reads/s'),
          figure('reads, L1 + L2 (hot set of 200)', rate('l1'), 'reads/s', { baseline: baseRate }),
          figure('reads, L2 only (Redis, 2 000 questions)', rate('l2'), 'reads/s', { baseline: baseRate }),
          figure('read p50, Postgres (no cache)', p50('postgres'), 'ms'),
          figure('read p50, L1 + L2', p50('l1'), 'ms', { baseline: baseP50 }),
          figure('read p50, L2 only', p50('l2'), 'ms', { baseline: baseP50 }),
        ],
        notes: [
          `${QUESTIONS} stored questions with their validations; ${CONCURRENCY} reads in flight; the three variants interleaved within each run`,
          'a read is GET /api/questions/:id without HTTP: getQuestionWithLatestValidation (two indexed queries), or the cache in front of it',
        ],
      };
    } finally {
      await system.close();
    }
  },
};

export default benchmark;
