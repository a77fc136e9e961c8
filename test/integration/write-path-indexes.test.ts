import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, createDatabase } from '../../db/database.js';
import { migrateTo, migrateToLatest } from '../../db/migrate.js';
import { createTestDatabase } from '../support/test-system.js';

// Migration 0019 drops three indexes that every write paid for and no query read. What this
// guards: they are gone (and come back on the way down), and every read they could have served
// is still served by another index. The reads are checked with sequential scans priced out, so a
// plan that still has a Seq Scan on the table means no index can serve it (the tables here are
// far too small for the planner to prefer an index on its own).
const DROPPED = ['questions_category_idx', 'question_validations_hash_idx', 'attempts_question_idx'];
let db: Db;

const indexNames = async () =>
  (await sql<{ indexname: string }>`SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()`.execute(db)).rows.map((r) => r.indexname);

/** The plan of `query` with sequential scans disabled (one connection: the pool has one). */
async function planOf(query: ReturnType<typeof sql>): Promise<string> {
  await sql`SET enable_seqscan = off`.execute(db);
  try {
    const { rows } = await sql<{ 'QUERY PLAN': string }>`EXPLAIN ${query}`.execute(db);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    await sql`RESET enable_seqscan`.execute(db);
  }
}

beforeAll(async () => {
  db = createDatabase({ url: await createTestDatabase('write-path-indexes'), poolSize: 1 });
  await migrateTo(db, '0018_alert_rule_runbook_fields');
});
afterAll(async () => {
  await db?.destroy();
});

describe('0019_write_path_indexes', () => {
  it('drops the three indexes, and restores them on the way down', async () => {
    expect(await indexNames()).toEqual(expect.arrayContaining(DROPPED));
    await migrateToLatest(db);
    const after = await indexNames();
    for (const name of DROPPED) expect(after).not.toContain(name);
    await migrateTo(db, '0018_alert_rule_runbook_fields');
    expect(await indexNames()).toEqual(expect.arrayContaining(DROPPED));
    await migrateToLatest(db);
  });

  it('leaves an index for every read the dropped ones could serve', async () => {
    await migrateToLatest(db);
    const reads: Array<[table: string, query: ReturnType<typeof sql>]> = [
      // Session candidates and any other lookup of a category's questions (questions_category_rating_idx).
      ['questions', sql`SELECT id FROM questions WHERE category_id = ${'algebra'}`],
      // findStoredValidations, and the analytics roll-up's check that a validated event is stored.
      [
        'question_validations',
        sql`SELECT * FROM question_validations WHERE model_version = ${'m1'}
              AND (question_id, content_hash) IN (SELECT * FROM unnest(${['q1', 'q2']}::text[], ${['h1', 'h2']}::text[]))`,
      ],
      ['question_validations', sql`SELECT 1 FROM question_validations WHERE question_id = ${'q1'} AND model_version = ${'m1'} AND content_hash = ${'h1'}`],
      // The GDPR export and erasure (by learner), the feedback loop (by session), analytics (by time).
      ['attempts', sql`SELECT * FROM attempts WHERE user_id = ${'u1'} ORDER BY 1`],
      ['attempts', sql`SELECT question_id, correct FROM attempts WHERE session_id = ${'s1'} ORDER BY answered_at, id`],
      ['attempts', sql`SELECT count(*) FROM attempts WHERE answered_at >= now() - interval '1 day'`],
    ];
    for (const [table, query] of reads) {
      const plan = await planOf(query);
      expect(plan, plan).not.toContain(`Seq Scan on ${table}`);
    }
  });
});
