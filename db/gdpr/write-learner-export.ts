import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type { Db } from '../database.js';
import { learnerOwnedTables, learnerRows } from '../queries/learner-tables.js';
import { exportPaths } from './export-paths.js';

export interface LearnerExport {
  path: string;
  bytes: number;
  /** Rows per table in the bundle. */
  rows: Record<string, number>;
}

/**
 * Writes everything held about one learner to one JSON bundle: the learners row and their rows of
 * every table with a user_id (review states, sessions, attempts, decision traces, plans, analytics
 * events and their archive, and any table added later). Written to a temporary name and renamed,
 * so a bundle that exists is complete; readable by the service user only (it is personal data).
 * Re-running with the same export id rewrites the same file.
 */
export async function writeLearnerExport(
  db: Db,
  options: { exportDir: string; userId: string; exportId: string; generatedAt: Date },
): Promise<LearnerExport> {
  const { userId, exportId } = options;
  const { dir, file } = exportPaths(options.exportDir, userId, exportId);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temporary = `${file!}.tmp`;
  const out = createWriteStream(temporary, { mode: 0o600 });
  const write = (text: string) => (out.write(text) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  const rows: Record<string, number> = {};
  try {
    const tables = await learnerOwnedTables(db);
    const [learner] = await learnerRows(db, 'learners', userId);
    await write(
      `{"format":"learnloop.learner-export/1","userId":${JSON.stringify(userId)},"exportId":${JSON.stringify(exportId)},` +
        `"generatedAt":${JSON.stringify(options.generatedAt.toISOString())},"learner":${JSON.stringify(learner ?? null)},"tables":{`,
    );
    let first = true;
    for (const table of tables.filter((t) => t !== 'learners')) {
      const tableRows = await learnerRows(db, table, userId);
      rows[table] = tableRows.length;
      await write(`${first ? '' : ','}${JSON.stringify(table)}:${JSON.stringify(tableRows)}`);
      first = false;
    }
    await write('}}\n');
    out.end();
    await finished(out);
    await rename(temporary, file!);
  } catch (error) {
    out.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
  return { path: file!, bytes: (await stat(file!)).size, rows };
}
