import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, createDatabase } from '../../db/database.js';
import { runCli } from '../support/cli-process.js';
import { seedLearner } from '../support/learner-rows.js';
import { type TestSystem, createTestDatabase, operatorKey, startTestSystem } from '../support/test-system.js';

const backupDir = mkdtempSync(join(tmpdir(), 'learnloop-restore-opts-'));
chmodSync(backupDir, 0o755);
const operator = { key: operatorKey };
let system: TestSystem;
const extraDbs: Db[] = [];

beforeAll(async () => {
  system = await startTestSystem('restore-options', { roles: { workers: ['backups', 'retention-cleanup'], ingress: true, schedulers: false }, env: { BACKUP_DIR: backupDir } });
  await system.services.db.insertInto('questions').values([{ id: 'q-1', content_hash: 'h1', text: 'one', type: 'essay' }, { id: 'q-2', content_hash: 'h2', text: 'two', type: 'essay' }]).execute();
  await seedLearner(system.services.db, 'alice', { at: new Date('2025-06-01T10:00:00Z') });
  await seedLearner(system.services.db, 'bob', { at: new Date('2025-06-01T10:00:00Z') });
});
afterAll(async () => {
  await Promise.allSettled(extraDbs.map((db) => db.destroy()));
  await system?.close();
  rmSync(backupDir, { recursive: true, force: true });
});

const cli = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { DATA_DIR: join(backupDir, 'cli-data'), BACKUP_DIR: backupDir, REDIS_URL: '', DATABASE_URL: system.databaseUrl, ...env });

async function verifiedBackup(): Promise<{ backupId: string; takenBefore: Date }> {
  const res = await system.request('/api/admin/backups?wait=30000', { method: 'POST', json: {}, ...operator });
  const { result } = (await res.json()) as any;
  const verify = await system.request(`/api/admin/backups/${result.backupId}/verify?wait=30000`, { method: 'POST', ...operator });
  expect(verify.status).toBe(200);
  return { backupId: result.backupId, takenBefore: new Date() };
}

const count = async (db: Db, table: string) => Number((await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.table(table)}`.execute(db)).rows[0]!.n);
const learner = (db: Db, id: string) => db.selectFrom('learners').selectAll().where('user_id', '=', id).executeTakeFirst();

let first: { backupId: string; takenBefore: Date };
let second: { backupId: string; takenBefore: Date };

describe('learnloop restore', () => {
  it('replaces one table in place, only after showing the plan and being told --yes (--table, --replace)', async () => {
    first = await verifiedBackup();
    // After the backup a new learner arrives, with answers of her own.
    await seedLearner(system.services.db, 'carol', { at: new Date('2025-06-02T10:00:00Z') });
    const attemptsNow = await count(system.services.db, 'attempts');
    const learnersNow = await count(system.services.db, 'learners');

    // A table restore replaces rows: it needs --replace.
    expect((await cli(['restore', first.backupId, '--table', 'attempts'])).code).toBe(2);

    // --replace alone shows what would change and changes nothing.
    const plan = await cli(['restore', first.backupId, '--table', 'attempts', '--replace']);
    expect(plan.code).toBe(3);
    expect(JSON.parse(plan.stdout)).toMatchObject({ applied: false, backupId: first.backupId, changes: [{ table: 'attempts', before: attemptsNow, after: 4 }] });
    expect(plan.stderr).toMatch(/attempts\s+\d+ rows now →\s+4 after/);
    expect(await count(system.services.db, 'attempts')).toBe(attemptsNow);

    const applied = await cli(['restore', first.backupId, '--table', 'attempts', '--replace', '--yes']);
    expect(applied.stderr).toContain('attempts');
    expect(applied.code).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({ applied: true, mode: 'replace', tables: 1, rows: 4 });
    // attempts is as it was in the backup (carol's answers gone); learners untouched.
    expect(await count(system.services.db, 'attempts')).toBe(4);
    expect(await count(system.services.db, 'learners')).toBe(learnersNow);
    expect(await learner(system.services.db, 'carol')).toBeDefined();
  }, 180_000);

  it('refuses a table that another table references unless both are restored together', async () => {
    const refused = await cli(['restore', first.backupId, '--table', 'questions', '--replace', '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('questions is referenced by question_validations');
    expect(await count(system.services.db, 'questions')).toBe(2);
  }, 120_000);

  it('keeps into-empty the default: a database with rows is refused', async () => {
    const refused = await cli(['restore', first.backupId]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('not empty');
  }, 120_000);

  it('picks the newest verified backup taken before --as-of', async () => {
    second = await verifiedBackup();
    const between = first.takenBefore.toISOString();
    const target = await createTestDatabase('as-of');
    const restored = await cli(['restore', '--as-of', between, '--from', system.databaseUrl], { DATABASE_URL: target });
    expect(restored.stderr).toBe('');
    expect(JSON.parse(restored.stdout)).toMatchObject({ applied: true, backupId: first.backupId, mode: 'into-empty' });
    const latest = await cli(['restore', '--as-of', new Date(Date.now() + 60_000).toISOString(), '--replace'], {});
    expect(JSON.parse(latest.stdout)).toMatchObject({ applied: false, backupId: second.backupId });
    const none = await cli(['restore', '--as-of', '2000-01-01T00:00:00Z', '--replace']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no verified backup was taken before 2000-01-01T00:00:00Z');
  }, 180_000);

  it('re-applies the erasure ledger: a learner erased after the backup stays erased after restoring it', async () => {
    // `first` was taken while bob was an active learner. Erase him now.
    const erase = await system.request('/api/users/bob?wait=30000', { method: 'DELETE', ...operator });
    expect(erase.status).toBe(200);
    const erasedAt = (await learner(system.services.db, 'bob'))!.deleted_at;
    expect(erasedAt).not.toBeNull();

    // In place: every table of the backup replaced; bob comes back from the backup and is erased again.
    const inPlace = await cli(['restore', first.backupId, '--replace', '--yes']);
    expect(inPlace.code).toBe(0);
    expect(JSON.parse(inPlace.stdout)).toMatchObject({ applied: true, reErased: 1 });
    expect(await learner(system.services.db, 'bob')).toMatchObject({ deleted_at: erasedAt, state: {} });
    expect((await system.request('/api/users/bob/profile')).status).toBe(404);
    expect((await learner(system.services.db, 'alice'))!.deleted_at).toBeNull();

    // Into a new database, with the live system's ledger (--from).
    const target = await createTestDatabase('ledger');
    const restored = await cli(['restore', first.backupId, '--from', system.databaseUrl], { DATABASE_URL: target });
    expect(restored.code).toBe(0);
    const db = createDatabase({ url: target });
    extraDbs.push(db);
    expect(await learner(db, 'bob')).toMatchObject({ deleted_at: erasedAt, state: {} });
    expect((await learner(db, 'alice'))!.deleted_at).toBeNull();
  }, 180_000);
});
