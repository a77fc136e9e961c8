import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupSourceAt } from '../../db/backup/backup-store.js';
import { restoreBackup } from '../../db/backup/restore-backup.js';
import type { BackupManifest } from '../../db/backup/manifest.js';
import { tablesNotBackedUp } from '../../db/backup/table-inventory.js';
import { type Db, createDatabase } from '../../db/database.js';
import { ensureDecisionInsightPartitions } from '../../db/queries/decision-insight-partitions.js';
import { listAudit } from '../../db/queries/audit-log.js';
import { runCli } from '../support/cli-process.js';
import { finishedJob } from '../support/finished-job.js';
import { seedLearner } from '../support/learner-rows.js';
import { type TestSystem, createTestDatabase, operatorKey, startTestSystem } from '../support/test-system.js';

const backupDir = mkdtempSync(join(tmpdir(), 'learnloop-backups-'));
const operator = { key: operatorKey };
let system: TestSystem;
const extraDbs: Db[] = [];

beforeAll(async () => {
  system = await startTestSystem('backups', { roles: { workers: ['backups'], ingress: true, schedulers: false }, env: { BACKUP_DIR: backupDir } });
  await seed(system.services.db);
});
afterAll(async () => {
  await Promise.allSettled(extraDbs.map((db) => db.destroy()));
  await system?.close();
  rmSync(backupDir, { recursive: true, force: true });
});

/** Rows in every table, with the values a text dump gets wrong first: escapes, unicode, NULLs, microseconds, floats. */
async function seed(db: Db): Promise<void> {
  await seedLearner(db, 'alice', { at: new Date('2025-06-01T10:00:00Z') });
  await seedLearner(db, 'bob', { at: new Date('2025-05-01T10:00:00Z'), deletedAt: new Date('2025-06-02T00:00:00Z') });
  await db
    .insertInto('questions')
    .values([
      { id: 'q-1', content_hash: 'h1', text: 'Line one\nline two\ttab \\ backslash "quotes" — ünïcødé 🎓', type: 'essay', options: JSON.stringify(['a', null, 'c\nd']), rating: 0.1 + 0.2 },
      { id: 'q-2', content_hash: 'h2', text: '\\N is not NULL', type: 'short_answer', difficulty: null, options: null, answer: '' },
    ])
    .execute();
  await db
    .insertInto('question_validations')
    .values({
      question_id: 'q-1', content_hash: 'h1', model_version: 'm1', level: 'Analyze', knowledge_dimension: 'Conceptual',
      complexity: 1 / 3, confidence: 1e-300, quality_score: 0.7, passed: true, suggestions: JSON.stringify(['x']), evidence: JSON.stringify({ deep: { a: [1, 2.5, 'é'] } }),
    })
    .execute();
  await ensureDecisionInsightPartitions(db, ['2025-06-01']);
  await sql`INSERT INTO decision_insights (decision_id, kind, user_id, created_at, inputs, outputs, model_version) VALUES
    ('d-june', 'k', 'alice', '2025-06-03 04:05:06.123456+00', '{"a":1}', '{"b":[true,null]}', 'm'),
    ('d-default', 'k', NULL, '2024-01-03 04:05:06.000001+00', '{}', '{}', 'm')`.execute(db);
  await db
    .insertInto('analytics_daily')
    .values({ day: '2025-06-01', active_learners: 2, sessions: 3, completed_sessions: 1, completion_rate: 1 / 3, validations_by_level: '{"Analyze":1}' })
    .execute();
  await db.insertInto('alerts').values({ rule_id: 'queue-depth', severity: 'warning', status: 'resolved', value: 512.5, message: 'depth', started_at: new Date('2025-06-01T00:00:00Z') }).execute();
  await db.insertInto('audit_log').values({ actor: 'test', action: 'seed', target: null, ip: '127.0.0.1', details: '{"n":1}' }).execute();
  // Leave a gap in a sequence: the restored one must continue after the gap, not after max(id).
  await sql`SELECT nextval('alerts_id_seq'), nextval('alerts_id_seq')`.execute(db);
}

/** Every row of a table as ordered JSON: equal text means equal contents. */
async function contents(db: Db, table: string): Promise<string> {
  const { rows } = await sql<{ j: string }>`SELECT coalesce(json_agg(t ORDER BY t::text), '[]')::text AS j FROM ${sql.table(table)} t`.execute(db);
  return rows[0]!.j;
}

const readManifest = (path: string): Promise<BackupManifest> => backupSourceAt(path, undefined).readManifest();

async function catalogue(db: Db, query: string): Promise<string[]> {
  const { rows } = await sql.raw<{ v: string }>(query).execute(db);
  return rows.map((r) => r.v);
}
const tablesQuery = `SELECT c.relname AS v FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind IN ('r','p') AND NOT c.relispartition ORDER BY 1`;
const partitionsQuery = `SELECT c.relname || ' ' || pg_get_expr(c.relpartbound, c.oid) AS v FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid ORDER BY 1`;
const sequencesQuery = `SELECT sequencename || '=' || coalesce(last_value::text, '-') AS v FROM pg_sequences ORDER BY 1`;

const cli = (args: string[], env: Record<string, string>) => runCli(args, { DATA_DIR: join(backupDir, 'cli-data'), BACKUP_DIR: backupDir, REDIS_URL: '', ...env });

async function backupNow(): Promise<any> {
  const res = await system.request('/api/admin/backups?wait=30000', { method: 'POST', json: { reason: 'test' }, ...operator });
  expect(res.status).toBe(200);
  return ((await res.json()) as any).result;
}

let first: any;
let second: any;

describe('backups', () => {
  it('are for operators only', async () => {
    expect((await system.request('/api/admin/backups', { method: 'POST', json: {} })).status).toBe(403);
    expect((await system.request('/api/admin/backups')).status).toBe(403);
    expect((await system.request('/api/admin/backups', { method: 'POST', json: { nope: 1 }, ...operator })).status).toBe(400);
    expect((await system.request('/api/admin/backups/bk-unknown/verify', { method: 'POST', ...operator })).status).toBe(404);
  });

  it('writes every table with a manifest, lists it in the catalogue and verifies it by a test restore', async () => {
    first = await backupNow();
    expect(first.backupId).toMatch(/^bk-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(first.path).toBe(join(backupDir, first.backupId));
    expect(existsSync(join(backupDir, `.tmp-${first.backupId}`))).toBe(false);

    const manifest = await readManifest(first.path);
    const everyTable = await catalogue(system.services.db, tablesQuery);
    expect(manifest.tables.map((t) => t.name).sort()).toEqual(everyTable.filter((t) => !tablesNotBackedUp.includes(t)));
    expect(manifest.schemaVersion).toMatch(/^\d{4}_/);
    expect(manifest.tables.find((t) => t.name === 'decision_insights')!.rows).toBe(4); // two seeded learners + two above
    // questions before question_validations: restore order follows the foreign keys.
    const order = manifest.tables.map((t) => t.name);
    expect(order.indexOf('questions')).toBeLessThan(order.indexOf('question_validations'));

    const list = (await (await system.request('/api/admin/backups', operator)).json()) as any;
    expect(list.items[0]).toMatchObject({ id: first.backupId, status: 'completed', rows: first.rows, schemaVersion: manifest.schemaVersion, verifyStatus: null });

    const verify = await system.request(`/api/admin/backups/${first.backupId}/verify?wait=30000`, { method: 'POST', ...operator });
    expect(verify.status).toBe(200);
    expect(((await verify.json()) as any).result).toMatchObject({ backupId: first.backupId, ok: true, problems: [] });
    const listed = (await (await system.request('/api/admin/backups', operator)).json()) as any;
    expect(listed.items[0]).toMatchObject({ id: first.backupId, verifyStatus: 'passed' });
    // The test restore ran in a transaction that was rolled back: no scratch schema is left.
    expect(await catalogue(system.services.db, `SELECT nspname AS v FROM pg_namespace WHERE nspname LIKE 'backup_verify%'`)).toEqual([]);

    const audit = await listAudit(system.services.db, { target: first.backupId });
    expect(audit.map((a) => a.action).sort()).toEqual(['backup.created', 'backup.verified']);
  });

  // The CLI runs as a child process (tsx compiles it first): slow on a busy machine, hence the timeouts.
  it('restores into an empty database with every table equal row for row (learnloop restore)', async () => {
    const targetUrl = await createTestDatabase('restored');
    const restored = await cli(['restore', first.backupId, '--from', system.databaseUrl], { DATABASE_URL: targetUrl });
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ backupId: first.backupId, rows: first.rows });

    const target = createDatabase({ url: targetUrl });
    extraDbs.push(target);
    const source = system.services.db;
    const manifest = await readManifest(first.path);
    for (const { name } of manifest.tables) {
      if (name === 'audit_log') continue; // compared below: the restore adds its own entry
      expect(await contents(target, name), name).toBe(await contents(source, name));
    }
    // audit_log: the rows in the backup come back exactly, plus the restore's own entry.
    const restoredAudit = (await listAudit(target, { limit: 10_000 })).filter((a) => a.action !== 'backup.restored');
    expect(restoredAudit).toHaveLength(manifest.tables.find((t) => t.name === 'audit_log')!.rows);
    const auditRows = (db: Db) =>
      sql<{ j: string }>`SELECT json_agg(t ORDER BY t.id)::text AS j FROM audit_log t WHERE id = ANY(${restoredAudit.map((a) => a.id)}::bigint[])`.execute(db);
    expect((await auditRows(target)).rows[0]!.j).toBe((await auditRows(source)).rows[0]!.j);
    expect(await listAudit(target, { action: 'backup.restored' })).toHaveLength(1);

    expect(await catalogue(target, partitionsQuery)).toEqual(await catalogue(source, partitionsQuery));
    const seq = (rows: string[]) => rows.filter((r) => r.startsWith('alerts_id_seq'));
    expect(seq(await catalogue(target, sequencesQuery))).toEqual(seq(await catalogue(source, sequencesQuery)));
    expect(seq(await catalogue(target, sequencesQuery))).toEqual(['alerts_id_seq=3']);

    // A database that holds data is refused, and left as it was.
    await expect(restoreBackup(target, { source: backupSourceAt(first.path, undefined) })).rejects.toThrow(/target database is not empty/);
    expect(await contents(target, 'questions')).toBe(await contents(source, 'questions'));
  }, 180_000);

  it('fails verification of a corrupted file with a clear message, and refuses to restore it', async () => {
    second = await backupNow();
    const manifest = await readManifest(second.path);
    const entry = manifest.tables.find((t) => t.name === 'questions')!;
    const file = join(second.path, entry.file);
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    writeFileSync(file, bytes);

    const verify = await system.request(`/api/admin/backups/${second.backupId}/verify?wait=30000`, { method: 'POST', ...operator });
    expect(verify.status).toBe(422);
    const message = ((await verify.json()) as any).error.message as string;
    expect(message).toContain(`backup ${second.backupId} failed verification`);
    expect(message).toContain(`${entry.file} (table questions): checksum mismatch`);
    expect(message).toContain('corrupt');

    const listed = (await (await system.request('/api/admin/backups', operator)).json()) as any;
    const row = listed.items.find((b: any) => b.id === second.backupId);
    expect(row).toMatchObject({ verifyStatus: 'failed', error: expect.stringContaining('checksum mismatch') });

    const scratch = createDatabase({ url: await createTestDatabase('damaged') });
    extraDbs.push(scratch);
    await expect(restoreBackup(scratch, { source: backupSourceAt(second.path, undefined) })).rejects.toThrow(/is damaged; nothing was restored[\s\S]*checksum mismatch/);
  });

  it('prunes backups past their age but keeps the newest verified one (learnloop backup)', async () => {
    const third = await cli(['backup'], { DATABASE_URL: system.databaseUrl });
    expect(third.code).toBe(0);
    const thirdId = JSON.parse(third.stdout).backupId as string;

    // The first two are made 40 days old; the first is the newest one that passed verification.
    await sql`UPDATE backups SET created_at = now() - interval '40 days' WHERE id IN (${first.backupId}, ${second.backupId})`.execute(system.services.db);
    const jobId = await system.services.producer.send('backups', 'prune', {});
    const done = await finishedJob(system.services.producer.queue('backups'), jobId);
    expect(done.result).toEqual({ removed: [second.backupId], keptNewestVerified: first.backupId });
    expect(existsSync(second.path)).toBe(false);
    expect(existsSync(first.path)).toBe(true);
    expect(existsSync(join(backupDir, thirdId))).toBe(true);
    const ids = (await (await system.request('/api/admin/backups', operator)).json()) as any;
    expect(ids.items.map((b: any) => b.id).sort()).toEqual([first.backupId, thirdId].sort());
  }, 180_000);
});
