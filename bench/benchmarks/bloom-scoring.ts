import { performance } from 'node:perf_hooks';
import { loadDefaultModel } from '../../core/bloom/model.js';
import { type QuestionInput, questionInputSchema } from '../../core/bloom/question-input.js';
import { scoreQuestion } from '../../core/bloom/score-question.js';
import { BloomPool } from '../../workers/bloom/bloom-pool.js';
import type { Benchmark } from '../benchmark.js';
import { figure } from '../stats.js';
import { loadBenchQuestions } from '../support/bench-questions.js';

const THREADS = 2;
const BATCH = 16;
/**
 * Questions each thread scores before anything is timed. Dangerous spot for fair figures: a fresh
 * isolate scores its first few hundred questions many times slower (compromise and the classifier
 * are still being compiled), so a time-based warm-up of a second or two leaves the pool cold.
 */
const WARM_PER_THREAD = 1_000;
const WARM_CAP_MS = 60_000;

type Shape = 'single' | 'batched' | 'per-question';

/**
 * Bloom scoring alone: `scoreQuestion` in a loop on the main thread, against the Piscina pool
 * (`BloomPool`, 2 threads) fed batches with enough in flight that no thread waits, and fed one
 * question per task (what a validate job does). All score the same questions from the labelled
 * CSVs in the same order; runs alternate.
 */
const benchmark: Benchmark = {
  name: 'bloom-scoring',
  async run(env) {
    const questions = loadBenchQuestions(env.bloomDataDir, 4_000, (q) => questionInputSchema.safeParse(q).success).map((q) =>
      questionInputSchema.parse(q),
    );
    const model = loadDefaultModel();
    const pool = new BloomPool({ threads: THREADS });
    try {
      // CPU of this process (all threads) per question, and cores kept busy: on a machine shared
      // with other work the rates swing; these show whether a thread was slower or just starved.
      const zero = () => ({ ms: 0, n: 0, wallMs: 0 });
      let cpu: Record<Shape, { ms: number; n: number; wallMs: number }> = { single: zero(), batched: zero(), 'per-question': zero() };
      const measured = async (shape: Shape, body: () => Promise<number> | number): Promise<number> => {
        const cpuStart = process.cpuUsage();
        const start = performance.now();
        const n = await body();
        const wallMs = performance.now() - start;
        const used = process.cpuUsage(cpuStart);
        cpu[shape].ms += (used.user + used.system) / 1000;
        cpu[shape].wallMs += wallMs;
        cpu[shape].n += n;
        return n / (wallMs / 1000);
      };
      const oneThread = (until: (n: number) => boolean) =>
        measured('single', () => {
          let n = 0;
          while (until(n)) {
            scoreQuestion(questions[n % questions.length]!, model);
            n += 1;
          }
          return n;
        });
      const pooled = (shape: 'batched' | 'per-question', until: (n: number) => boolean) =>
        measured(shape, async () => {
          const size = shape === 'batched' ? BATCH : 1;
          let next = 0;
          let done = 0;
          // Two tasks per thread in flight: a thread finishing one finds the next already queued.
          const lane = async () => {
            while (until(done)) {
              const batch: QuestionInput[] = Array.from({ length: size }, () => questions[next++ % questions.length]!);
              const scores = await pool.scoreMany(batch);
              const failed = scores.find((s) => s instanceof Error);
              if (failed) throw failed;
              done += scores.length;
            }
          };
          await Promise.all(Array.from({ length: THREADS * 2 }, lane));
          return done;
        });
      const forSeconds = (seconds: number) => {
        const end = performance.now() + seconds * 1000;
        return () => performance.now() < end;
      };
      const forCount = (count: number) => {
        const end = performance.now() + WARM_CAP_MS;
        return (n: number) => n < count && performance.now() < end;
      };

      env.log(`  warming up: ${WARM_PER_THREAD} questions on the main thread and on each pool thread`);
      await oneThread(forCount(WARM_PER_THREAD));
      await pooled('batched', forCount(WARM_PER_THREAD * THREADS));
      cpu = { single: zero(), batched: zero(), 'per-question': zero() };

      const single: number[] = [];
      const batched: number[] = [];
      const perQuestion: number[] = [];
      for (let run = 0; run < env.runs; run += 1) {
        single.push(await oneThread(forSeconds(env.runSeconds)));
        batched.push(await pooled('batched', forSeconds(env.runSeconds)));
        perQuestion.push(await pooled('per-question', forSeconds(env.runSeconds)));
        env.log(
          `  run ${run + 1}/${env.runs}: one thread ${Math.round(single.at(-1)!)} q/s, pool batched ${Math.round(batched.at(-1)!)} q/s, ` +
            `pool one per task ${Math.round(perQuestion.at(-1)!)} q/s`,
        );
      }
      const describe = (shape: Shape) =>
        `${shape} ${(cpu[shape].ms / cpu[shape].n).toFixed(2)} ms CPU per question, ${(cpu[shape].ms / cpu[shape].wallMs).toFixed(2)} cores busy`;
      return {
        figures: [
          figure('one thread (main, scoreQuestion)', single, 'questions/s'),
          figure(`pool, ${THREADS} threads, batches of ${BATCH}`, batched, 'questions/s', {
            baseline: { name: 'one thread', runs: single },
            target: { atLeast: 1.7 },
          }),
          figure(`pool, ${THREADS} threads, one question per task (as validate does)`, perQuestion, 'questions/s', {
            baseline: { name: 'one thread', runs: single },
          }),
        ],
        notes: [
          `${questions.length} distinct questions from the labelled CSVs, model ${model.version}; ` +
            `${WARM_PER_THREAD} questions per thread scored before timing`,
          `all threads of this process: ${describe('single')}; ${describe('batched')}; ${describe('per-question')} (of ${THREADS})`,
        ],
      };
    } finally {
      await pool.close();
    }
  },
};

export default benchmark;
