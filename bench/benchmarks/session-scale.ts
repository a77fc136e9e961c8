import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createLearnerState } from '../../core/learner/learner-state.js';
import { createDatabase } from '../../db/database.js';
import { loadSessionCandidates } from '../../db/queries/sessions.js';
import type { Benchmark, Figure } from '../benchmark.js';
import { figure, median, percentile, sizeFor } from '../stats.js';
import { CompletionCounter } from '../support/completion-counter.js';
import { pacedSend } from '../support/paced-send.js';
import { requireProcessors, startBenchSystem, waitUntilIdle, workersOf } from '../support/system-under-test.js';
import { addInChunks, timedDrain } from '../support/timed-drain.js';

const BANKS = [1_000, 10_000, 100_000];
const LEARNERS = 100_000;
const REVIEWS_PER_LEARNER = 5;
const CANDIDATE_POOL = 400; // as workers/processors/session-generation/generate.ts asks for
const QUERY_SAMPLES = 40;

/**
 * Session generation at scale: 100k learners, and one category per bank size (1k, 10k, 100k
 * questions). Per bank size:
 * - the candidate query alone (db/queries/sessions.ts), p50 of QUERY_SAMPLES learners, next to the
 *   query it replaced (one sort of the whole category), in the same database;
 * - `POST /api/sessions/generate?wait` p50/p99 over HTTP with requests evenly spaced at half the
 *   saturation the same system sustained with a full queue of generate jobs for that category.
 * The growth figure divides the 100k p50 by the 1k p50 (target < 2×).
 */
const benchmark: Benchmark = {
  name: 'session-scale',
  async run(env) {
    requireProcessors('session-generation', 'issue 4');
    const { system, databaseUrl } = await startBenchSystem(env, 'session-scale', {
      ingress: true,
      workers: ['session-generation', 'decision-insights'],
      schedulers: false,
    });
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const db = createDatabase({ url: databaseUrl, poolSize: 2 });
    const producer = system.services.producer;
    const queue = producer.queue('session-generation');
    const traces = producer.queue('decision-insights');
    const counter = new CompletionCounter(workersOf(system, 'session-generation'));
    try {
      env.log(`  seeding ${LEARNERS} learners, ${BANKS.join(' + ')} questions, ${REVIEWS_PER_LEARNER} reviews per learner`);
      const seedStart = performance.now();
      await seed(client);
      env.log(`  seeded in ${Math.round((performance.now() - seedStart) / 1000)} s`);

      const learner = (i: number) => `sl-${(i * 7919) % LEARNERS}`;
      const figures: Figure[] = [];
      const notes: string[] = [];
      const p50BySize = new Map<number, number[]>();
      for (const bank of BANKS) {
        const categoryId = `bank_${bank}`;
        // The candidate query alone, new and old, alternated, on the same learners.
        const skills = (await client.query<{ skill: number; user_id: string }>(`SELECT user_id, skill FROM learners ORDER BY user_id LIMIT $1`, [QUERY_SAMPLES])).rows;
        const now = new Date();
        const newMs: number[] = [];
        const oldMs: number[] = [];
        for (const { user_id: userId, skill } of skills) {
          let t = performance.now();
          await loadSessionCandidates(db, { userId, categoryId, aroundDifficulty: skill, limit: CANDIDATE_POOL, now });
          newMs.push(performance.now() - t);
          t = performance.now();
          await client.query(FULL_SORT_QUERY, [userId, categoryId, now, skill, CANDIDATE_POOL]);
          oldMs.push(performance.now() - t);
        }
        figures.push(
          figure(`candidate query, ${bank.toLocaleString('en')} questions in the category (p50 of ${QUERY_SAMPLES})`, [median(newMs)], 'ms', {
            baseline: { name: 'the same rows by one sort of the whole category', runs: [median(oldMs)] },
          }),
        );

        // Saturation with a full queue, then ?wait requests at half of it.
        const add = (tag: string) => (count: number) =>
          addInChunks(count, 500, (from, to) =>
            producer.sendMany(
              'session-generation',
              'generate',
              Array.from({ length: to - from }, (_, k) => ({ payload: { userId: learner(from + k), categoryId, size: 10 }, options: { jobId: `gen-${bank}-${tag}-${from + k}` } })),
            ),
          );
        const drain = async (tag: string, jobs: number) => {
          const r = await timedDrain({ queue, counter, jobs, add: add(tag), timeoutMs: 180_000 });
          await waitUntilIdle(traces);
          return r.processPerSecond;
        };
        const warm = await drain('warm', 100);
        const saturation = await drain('sat', sizeFor(warm, env.runSeconds * 2, 100, 5_000));
        const rate = Math.max(1, saturation / 2);
        const seconds = Math.max(3, env.runSeconds * 2);
        const p50: number[] = [];
        const p99: number[] = [];
        for (let run = 0; run < Math.min(env.runs, 3); run += 1) {
          const latencies: number[] = [];
          let failures = 0;
          await pacedSend(rate, seconds, async (i) => {
            const t0 = performance.now();
            const res = await fetch(`${system.url}/api/sessions/generate?wait=10000`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${env.apiKey}` },
              body: JSON.stringify({ userId: learner(i + run * 10_007), categoryId, size: 10 }),
            });
            await res.arrayBuffer();
            if (res.status !== 200) failures += 1;
            latencies.push(performance.now() - t0);
          });
          if (failures > 0) throw new Error(`${failures} generate requests did not answer 200`);
          await waitUntilIdle(traces);
          p50.push(percentile(latencies, 50));
          p99.push(percentile(latencies, 99));
          env.log(`  ${bank} questions: ${Math.round(rate)} req/s (half of ${Math.round(saturation)}/s): p50 ${p50.at(-1)!.toFixed(1)} ms, p99 ${p99.at(-1)!.toFixed(1)} ms`);
        }
        p50BySize.set(bank, p50);
        const big = bank === BANKS.at(-1);
        figures.push(figure(`POST /api/sessions/generate?wait p50, half saturation, ${bank.toLocaleString('en')} questions`, p50, 'ms', big ? { target: { atMost: 50 } } : {}));
        figures.push(figure(`POST /api/sessions/generate?wait p99, half saturation, ${bank.toLocaleString('en')} questions`, p99, 'ms'));
        notes.push(`${bank} questions: saturation ${Math.round(saturation)} generate jobs/s (full queue), latency at ${Math.round(rate)} req/s; candidate query p50 ${median(newMs).toFixed(2)} ms vs full sort ${median(oldMs).toFixed(2)} ms`);
      }
      figures.push(
        figure(`generate?wait p50 growth, ${BANKS.at(-1)!.toLocaleString('en')} vs ${BANKS[0]!.toLocaleString('en')} questions`, p50BySize.get(BANKS.at(-1)!)!, 'ms', {
          baseline: { name: `p50 with ${BANKS[0]!.toLocaleString('en')} questions`, runs: p50BySize.get(BANKS[0]!)! },
          target: { atMost: 2 },
        }),
      );
      notes.push(
        `${LEARNERS} learners (skills spread over ±2 logits), ${REVIEWS_PER_LEARNER} review states each; question ratings uniform over ±2.5 logits; ` +
          `sessions of 10 from a pool of ${CANDIDATE_POOL}; ingress, session-generation and decision-insights workers in one process; HTTP requests from the same process (fetch), evenly spaced`,
      );
      return { figures, notes };
    } finally {
      counter.close();
      await db.destroy();
      await client.end();
      await system.close();
    }
  },
};

/** The candidate query before migration 0010: every question of the category sorted (the baseline). */
const FULL_SORT_QUERY = `
  SELECT q.id, q.category_id, q.type, jsonb_array_length(q.options) AS options_count, q.difficulty,
         q.rating, q.answer_count, v.passed, rs.state AS review
  FROM questions q
  LEFT JOIN LATERAL (
    SELECT passed FROM question_validations v
    WHERE v.question_id = q.id ORDER BY v.created_at DESC, v.id DESC LIMIT 1
  ) v ON true
  LEFT JOIN review_states rs ON rs.user_id = $1 AND rs.question_id = q.id
  WHERE ($2::text IS NULL OR q.category_id = $2) AND v.passed IS DISTINCT FROM false
  ORDER BY (rs.due_at IS NOT NULL AND rs.due_at <= $3) DESC, abs(COALESCE(q.rating, 0) - $4) ASC, q.id
  LIMIT $5`;

async function seed(client: pg.Client): Promise<void> {
  let offset = 0;
  for (const bank of BANKS) {
    await client.query(
      `INSERT INTO questions (id, content_hash, text, type, difficulty, category_id, options, rating)
       SELECT 'sq-' || g, 'h-' || g, 'Which statement about item ' || g || ' holds?', 'multiple_choice', 1 + g % 5,
              $2, '["a","b","c","d"]'::jsonb, (random() * 5 - 2.5)
         FROM generate_series($1::int, $1::int + $3::int - 1) g`,
      [offset, `bank_${bank}`, bank],
    );
    offset += bank;
  }
  const template = createLearnerState('x');
  await client.query(
    `INSERT INTO learners (user_id, state, skill)
     SELECT 'sl-' || g, jsonb_set(jsonb_set($1::jsonb, '{userId}', to_jsonb('sl-' || g)), '{skill}', to_jsonb(s)), s
       FROM (SELECT g, round((random() * 4 - 2)::numeric, 3)::float8 AS s FROM generate_series(0, $2::int - 1) g) x`,
    [JSON.stringify(template), LEARNERS],
  );
  // Reviews over the whole bank: some due, most not.
  await client.query(
    `INSERT INTO review_states (user_id, question_id, algorithm, state, due_at)
     SELECT 'sl-' || l, 'sq-' || ((l * 31 + k * 7919) % $3::int), 'fsrs', '{}'::jsonb,
            now() + ((((l + k) % 10) - 2) * interval '1 day')
       FROM generate_series(0, $1::int - 1) l, generate_series(1, $2::int) k
     ON CONFLICT DO NOTHING`,
    [LEARNERS, REVIEWS_PER_LEARNER, offset],
  );
  await client.query('ANALYZE');
}

export default benchmark;
