import { availableParallelism } from 'node:os';
import type { Benchmark } from '../benchmark.js';
import { figure, sizeFor } from '../stats.js';
import { loadBenchQuestions, uniqueQuestion } from '../support/bench-questions.js';
import { type CpuSnapshot, addCpu, describeCpuPer, zeroCpu } from '../support/cpu-meter.js';
import { NoopQueue } from '../support/noop-queue.js';

/**
 * The concurrency question-validation runs at by default (two jobs per Bloom thread, see
 * `concurrencyFor` in app/system.ts), so this baseline and the pipeline figure are comparable.
 */
export const validationConcurrency = () => availableParallelism() * 2;

const benchmark: Benchmark = {
  name: 'queue-overhead',
  async run(env) {
    const questions = loadBenchQuestions(env.bloomDataDir, 500);
    const concurrency = validationConcurrency();
    const noop = new NoopQueue(env.redisUrl, env.freshPrefix('noop'), 'question-validation', concurrency);
    try {
      const payload = (tag: string) => (i: number) => ({ question: uniqueQuestion(questions, tag, i) });
      const warm = await noop.drain(2_000, 'validate', payload('warm'));
      const jobs = sizeFor(warm.processPerSecond, env.runSeconds, 2_000, 50_000);
      const add: number[] = [];
      const process: number[] = [];
      let cpu: CpuSnapshot = zeroCpu();
      for (let run = 0; run < env.runs; run += 1) {
        const t = await noop.drain(jobs, 'validate', payload(`r${run}`), env.cpu);
        add.push(t.addPerSecond);
        process.push(t.processPerSecond);
        cpu = addCpu(cpu, t.cpu!);
      }
      return {
        figures: [
          figure('bulk add (addBulk, 1 000 per call)', add, 'jobs/s'),
          figure(`process, no-op, concurrency ${concurrency}`, process, 'jobs/s'),
        ],
        notes: [
          `${jobs} jobs per run carrying a real question payload, default job options (attempts, backoff, retention); ` +
            `queue paused while adding, processing timed from resume to the last 'completed' event`,
          `processing: ${describeCpuPer(cpu, jobs * env.runs, 'job')}`,
        ],
      };
    } finally {
      await noop.close();
    }
  },
};

export default benchmark;
