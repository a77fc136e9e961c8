import type { Db } from '../database.js';
import { learnerOwnedTables, learnerRows } from '../queries/learner-tables.js';
import { saveLearnerExport } from '../queries/learner-exports.js';

export interface LearnerExport {
  bytes: number;
  /** Rows per table in the bundle. */
  rows: Record<string, number>;
}

/**
 * Builds everything held about one learner as one JSON bundle — the learners row and their rows of
 * every table with a user_id (review states, sessions, attempts, decision traces, plans, analytics
 * events and their archive, and any table added later) — and stores it in Postgres
 * (`learner_exports`) until `expiresAt`, so any ingress can hand it over whichever worker built it.
 * Re-running with the same export id replaces the same bundle.
 */
export async function writeLearnerExport(
  db: Db,
  options: { userId: string; exportId: string; generatedAt: Date; expiresAt: Date },
): Promise<LearnerExport> {
  const { userId, exportId } = options;
  const rows: Record<string, number> = {};
  const tables = await learnerOwnedTables(db);
  const [learner] = await learnerRows(db, 'learners', userId);
  const parts: string[] = [];
  for (const table of tables.filter((t) => t !== 'learners')) {
    const tableRows = await learnerRows(db, table, userId);
    rows[table] = tableRows.length;
    parts.push(`${JSON.stringify(table)}:${JSON.stringify(tableRows)}`);
  }
  const body = Buffer.from(
    `{"format":"learnloop.learner-export/1","userId":${JSON.stringify(userId)},"exportId":${JSON.stringify(exportId)},` +
      `"generatedAt":${JSON.stringify(options.generatedAt.toISOString())},"learner":${JSON.stringify(learner ?? null)},"tables":{${parts.join(',')}}}\n`,
  );
  await saveLearnerExport(db, { exportId, userId, createdAt: options.generatedAt, expiresAt: options.expiresAt, body });
  return { bytes: body.length, rows };
}
