import { performance } from 'node:perf_hooks';
import { loadDefaultModel } from '../../core/bloom/model.js';
import { type QuestionInput, questionInputSchema } from '../../core/bloom/question-input.js';
import { scoreQuestion } from '../../core/bloom/score-question.js';
import { importChunkSize } from '../../core/contracts/question-contracts.js';
import { BloomPool } from '../../workers/bloom/bloom-pool.js';
import type { Benchmark } from '../benchmark.js';
import { figure } from '../stats.js';
import { addCpu, cpuDelta, describeCpuPer, zeroCpu } from '../support/cpu-meter.js';
import { loadBenchQuestions } from '../support/bench-questions.js';
import { warmBloomPool } from '../support/warm-bloom.js';

const THREADS = 2;
/** Questions each thread (and the main thread) scores before anything is timed: see warmBloomPool. */
const WARM_PER_THREAD = 1_000;
/** Concurrent single-question callers, as validate jobs at the queue's concurrency would be and more. */
const SINGLE_CALLERS = 32;

const SHAPES = ['inline', 'one pool thread', 'pool batches', 'pool singles'] as const;
type Shape = (typeof SHAPES)[number];
const perShape = <T>(make: () => T): Record<Shape, T> => Object.fromEntries(SHAPES.map((s) => [s, make()])) as Record<Shape, T>;

/**
 * Bloom scoring alone, four ways over the same questions in the same order, runs interleaved:
 * - inline: `scoreQuestion` in a loop on the main thread — no thread hop at all;
 * - one pool thread: `BloomPool` with 1 thread, fed import-sized batches (`scoreMany`);
 * - pool batches: `BloomPool` with 2 threads, same batches (each split across the threads);
 * - pool singles: 2 threads, `score()` one question per call from many concurrent callers (what
 *   validate jobs do), which the pool coalesces into shared tasks.
 * The pool's speed-up is measured against its own one-thread run (same code path, one thread);
 * the ratio to inline scoring shows what the hop itself costs (a score leaves its thread as ~2 KB
 * of JSON).
 */
const benchmark: Benchmark = {
  name: 'bloom-scoring',
  async run(env) {
    const questions = loadBenchQuestions(env.bloomDataDir, 4_000, (q) => questionInputSchema.safeParse(q).success).map((q) =>
      questionInputSchema.parse(q),
    );
    const model = loadDefaultModel();
    const onePool = new BloomPool({ threads: 1 });
    const pool = new BloomPool({ threads: THREADS });
    try {
      // CPU of this process (all threads) per question, and cores kept busy: on a machine shared
      // with other work the rates swing; these show whether a thread was slower or just starved.
      const fresh = () => ({ cpu: zeroCpu(), questions: 0, wallMs: 0 });
      let spent = perShape(fresh);
      const measured = async (shape: Shape, body: () => Promise<number> | number): Promise<number> => {
        const cpuStart = env.cpu.snapshot();
        const start = performance.now();
        const n = await body();
        const wallMs = performance.now() - start;
        const s = spent[shape];
        s.cpu = addCpu(s.cpu, cpuDelta(cpuStart, env.cpu.snapshot()));
        s.wallMs += wallMs;
        s.questions += n;
        return n / (wallMs / 1000);
      };
      let next = 0;
      const take = (): QuestionInput => questions[next++ % questions.length]!;
      const check = (scores: (unknown | Error)[]) => {
        const failed = scores.find((s) => s instanceof Error);
        if (failed) throw failed;
      };

      const inline = (seconds: number) =>
        measured('inline', () => {
          const end = performance.now() + seconds * 1000;
          let n = 0;
          while (performance.now() < end) {
            scoreQuestion(take(), model);
            n += 1;
          }
          return n;
        });
      // Batch callers: one more batch than threads in flight, so a thread finishing its share of
      // one batch finds work from the next.
      const batches = (shape: 'one pool thread' | 'pool batches', target: BloomPool, seconds: number) =>
        measured(shape, async () => {
          const end = performance.now() + seconds * 1000;
          let done = 0;
          const lane = async () => {
            while (performance.now() < end) {
              const scores = await target.scoreMany(Array.from({ length: importChunkSize }, take));
              check(scores);
              done += scores.length;
            }
          };
          await Promise.all(Array.from({ length: target.threads + 1 }, lane));
          return done;
        });
      const singles = (seconds: number) =>
        measured('pool singles', async () => {
          const end = performance.now() + seconds * 1000;
          let done = 0;
          const caller = async () => {
            while (performance.now() < end) {
              await pool.score(take());
              done += 1;
            }
          };
          await Promise.all(Array.from({ length: SINGLE_CALLERS }, caller));
          return done;
        });

      env.log(`  warming up: ${WARM_PER_THREAD} questions on the main thread and on each pool thread`);
      for (let i = 0; i < WARM_PER_THREAD; i += 1) scoreQuestion(take(), model);
      await warmBloomPool(onePool, questions, WARM_PER_THREAD);
      await warmBloomPool(pool, questions, WARM_PER_THREAD);
      spent = perShape(fresh);

      const runs = perShape((): number[] => []);
      let singleTasks = 0;
      for (let run = 0; run < env.runs; run += 1) {
        runs.inline.push(await inline(env.runSeconds));
        runs['one pool thread'].push(await batches('one pool thread', onePool, env.runSeconds));
        runs['pool batches'].push(await batches('pool batches', pool, env.runSeconds));
        const tasksAtSingles = pool.completedTasks;
        runs['pool singles'].push(await singles(env.runSeconds));
        singleTasks += pool.completedTasks - tasksAtSingles;
        env.log(`  run ${run + 1}/${env.runs}: ` + SHAPES.map((s) => `${s} ${Math.round(runs[s].at(-1)!)} q/s`).join(', '));
      }
      const describe = (shape: Shape) => {
        const { cpu, questions: n, wallMs } = spent[shape];
        return `${shape} ${describeCpuPer(cpu, n, 'question')}, ${(cpu.node / wallMs).toFixed(2)} cores busy`;
      };
      const singleCalls = spent['pool singles'].questions;
      const onePoolThread = { name: 'one pool thread', runs: runs['one pool thread'] };
      return {
        figures: [
          figure('inline: scoreQuestion on the main thread', runs.inline, 'questions/s'),
          figure('one pool thread, import batches', runs['one pool thread'], 'questions/s', {
            baseline: { name: 'inline', runs: runs.inline },
          }),
          figure(`pool, ${THREADS} threads, import batches`, runs['pool batches'], 'questions/s', {
            baseline: onePoolThread,
            target: { atLeast: 1.7 },
          }),
          figure(`pool, ${THREADS} threads, import batches vs inline`, runs['pool batches'], 'questions/s', {
            baseline: { name: 'inline', runs: runs.inline },
          }),
          figure(`pool, ${THREADS} threads, one question per call (as validate does)`, runs['pool singles'], 'questions/s', {
            baseline: onePoolThread,
          }),
        ],
        notes: [
          `${questions.length} distinct questions from the labelled CSVs, model ${model.version}; batches of ${importChunkSize} ` +
            `(the import chunk); ${WARM_PER_THREAD} questions per thread scored before timing`,
          `single-question calls: ${SINGLE_CALLERS} callers, ${singleCalls} calls shared ${singleTasks} thread tasks (${(singleCalls / Math.max(1, singleTasks)).toFixed(1)} questions per task)`,
          `all threads of this process: ${SHAPES.map(describe).join('; ')}`,
        ],
      };
    } finally {
      await Promise.all([onePool.close(), pool.close()]);
    }
  },
};

export default benchmark;
