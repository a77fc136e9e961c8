import { performance } from 'node:perf_hooks';
import type { QuestionInput } from '../../core/bloom/question-input.js';
import type { BloomPool } from '../../workers/bloom/bloom-pool.js';

/**
 * Scores `perThread` questions on every thread of a pool before a measurement. A fresh Piscina
 * thread scores its first few hundred questions several times slower than a warm one (compromise
 * and the classifier are still being compiled in that isolate); without this the first timed runs
 * of anything that validates questions would measure JIT warm-up. Capped at `capMs`.
 */
export async function warmBloomPool(pool: BloomPool, questions: readonly QuestionInput[], perThread = 1_500, capMs = 60_000): Promise<void> {
  const total = perThread * pool.threads;
  const end = performance.now() + capMs;
  let next = 0;
  const lane = async () => {
    while (next < total && performance.now() < end) {
      const batch = Array.from({ length: 16 }, () => questions[next++ % questions.length]!);
      await pool.scoreMany(batch);
    }
  };
  await Promise.all(Array.from({ length: pool.threads * 2 }, lane));
}
