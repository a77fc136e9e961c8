import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../core/random.js';
import { type Db, createDatabase } from '../../db/database.js';
import { migrateToLatest } from '../../db/migrate.js';
import { loadSessionCandidates } from '../../db/queries/sessions.js';
import { createTestDatabase } from '../support/test-system.js';

// loadSessionCandidates reads the pool by walking the rating indexes outwards from the skill. Its
// answer must be exactly what one sort of the whole bank gives: the reference below is that sort,
// the query as it was before the indexed walk.
let db: Db;
const now = new Date('2026-03-01T12:00:00Z');
const USER = 'cand-learner';

beforeAll(async () => {
  db = createDatabase({ url: await createTestDatabase('session-candidates'), poolSize: 2 });
  await migrateToLatest(db);
  const rng = createRng('candidates');
  const ids: string[] = [];
  for (let i = 0; i < 400; i++) {
    const id = `cq-${String(i).padStart(3, '0')}`;
    ids.push(id);
    // Ratings on a coarse grid, so many ties in distance and in rating; some unrated (NULL → 0).
    const rating = i % 17 === 0 ? null : Math.round((rng() * 6 - 3) * 4) / 4;
    await sql`INSERT INTO questions (id, content_hash, text, type, category_id, rating)
              VALUES (${id}, ${`h${i}`}, ${`question ${i}`}, 'essay', ${i % 3 === 0 ? 'algebra' : 'biology'}, ${rating})`.execute(db);
    // Some questions failed their latest validation (excluded), some failed an older one (kept).
    const verdicts = i % 5 === 0 ? [true, false] : i % 7 === 0 ? [false, true] : i % 2 === 0 ? [true] : [];
    for (const [k, passed] of verdicts.entries()) {
      await sql`INSERT INTO question_validations (question_id, content_hash, model_version, level, knowledge_dimension, complexity,
                  confidence, quality_score, passed, suggestions, evidence, created_at)
                VALUES (${id}, ${`h${i}`}, ${`m${k}`}, 'Apply', 'procedural', 0.5, 0.5, 0.5, ${passed}, '[]', '{}',
                  ${new Date(now.getTime() - (10 - k) * 86_400_000)})`.execute(db);
    }
    // This learner has reviews, some due, some not.
    if (i % 4 === 1) {
      const due = new Date(now.getTime() + (i % 8 === 1 ? -3_600_000 : 3_600_000) * (1 + (i % 5)));
      await sql`INSERT INTO review_states (user_id, question_id, algorithm, state, due_at)
                VALUES (${USER}, ${id}, 'fsrs', ${JSON.stringify({ n: i })}, ${due})`.execute(db);
    }
  }
  await sql`ANALYZE`.execute(db);
});
afterAll(async () => {
  await db?.destroy();
});

async function reference(categoryId: string | null, around: number, limit: number): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    SELECT q.id
    FROM questions q
    LEFT JOIN LATERAL (
      SELECT passed FROM question_validations v
      WHERE v.question_id = q.id ORDER BY v.created_at DESC, v.id DESC LIMIT 1
    ) v ON true
    LEFT JOIN review_states rs ON rs.user_id = ${USER} AND rs.question_id = q.id
    WHERE (${categoryId}::text IS NULL OR q.category_id = ${categoryId})
      AND v.passed IS DISTINCT FROM false
    ORDER BY (rs.due_at IS NOT NULL AND rs.due_at <= ${now}) DESC,
             abs(COALESCE(q.rating, 0) - ${around}) ASC, q.id
    LIMIT ${limit}`.execute(db);
  return rows.map((r) => r.id);
}

describe('session candidates from the rating indexes', () => {
  const cases: [string | null, number, number][] = [];
  for (const category of [null, 'algebra', 'biology']) {
    for (const around of [-4, -1.3, 0, 0.25, 1.1, 3.7]) for (const limit of [1, 7, 40, 150]) cases.push([category, around, limit]);
  }

  it.each(cases)('category %s, skill %d, limit %d: the same rows in the same order as sorting the whole bank', async (categoryId, around, limit) => {
    const got = await loadSessionCandidates(db, { userId: USER, categoryId, aroundDifficulty: around, limit, now });
    expect(got.map((c) => c.questionId)).toEqual(await reference(categoryId, around, limit));
  });

  it('carries each candidate’s review state and validation verdict', async () => {
    const got = await loadSessionCandidates(db, { userId: USER, categoryId: null, aroundDifficulty: 0, limit: 400, now });
    const reviewed = got.find((c) => c.questionId === 'cq-001');
    expect(reviewed?.review).toEqual({ n: 1 });
    expect(got.some((c) => c.questionId === 'cq-005')).toBe(false); // latest validation failed
    expect(got.find((c) => c.questionId === 'cq-007')?.validationPassed).toBe(true); // an older one failed
  });
});
