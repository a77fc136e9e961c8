import { sql } from 'kysely';
import type { Db } from '../database.js';

export interface PatternRow {
  key: string | null;
  answers: number;
  correct: number;
  accuracy: number;
  meanResponseMs: number | null;
}

/**
 * A learner's answers grouped four ways (category, question type, Bloom level of the question's
 * latest validation, UTC hour of day), plus the last 40 answers in order for the trend. One query
 * per grouping over the learner's attempts (attempts_user_idx). Questions or validations purged
 * since are grouped under null.
 */
export async function loadLearnerPatterns(db: Db, userId: string) {
  const grouped = async (key: ReturnType<typeof sql>) => {
    const { rows } = await sql<PatternRow>`
      SELECT ${key} AS key, count(*)::int AS answers, (count(*) FILTER (WHERE a.correct))::int AS correct,
             (count(*) FILTER (WHERE a.correct))::float8 / count(*) AS accuracy,
             avg(a.response_ms)::float8 AS "meanResponseMs"
        FROM attempts a
        LEFT JOIN questions q ON q.id = a.question_id
        LEFT JOIN LATERAL (
          SELECT v.level FROM question_validations v WHERE v.question_id = a.question_id ORDER BY v.created_at DESC, v.id DESC LIMIT 1
        ) v ON true
       WHERE a.user_id = ${userId}
       GROUP BY 1
       ORDER BY 1 NULLS LAST`.execute(db);
    return rows;
  };
  const [byCategory, byType, byBloomLevel, byHour, recent, sessions] = await Promise.all([
    grouped(sql`q.category_id`),
    grouped(sql`q.type`),
    grouped(sql`v.level`),
    grouped(sql`extract(hour FROM a.answered_at AT TIME ZONE 'UTC')::int::text`),
    db.selectFrom('attempts').select(['correct', 'answered_at']).where('user_id', '=', userId).orderBy('answered_at', 'desc').orderBy('id', 'desc').limit(40).execute(),
    db.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirst(),
  ]);
  return { byCategory, byType, byBloomLevel, byHour, recent: recent.map((r) => r.correct), sessions: Number(sessions?.n ?? 0) };
}

/** Whether the learner has any session (a learner known only from a generated session exists). */
export async function hasSessions(db: Db, userId: string): Promise<boolean> {
  const row = await db.selectFrom('sessions').select('id').where('user_id', '=', userId).limit(1).executeTakeFirst();
  return row !== undefined;
}
