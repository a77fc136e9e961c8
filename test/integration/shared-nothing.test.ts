import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { findFreePort } from '../../app/free-port.js';
import { type Db, createDatabase } from '../../db/database.js';
import { type RedisClient, createRedisConnection } from '../../pipelines/redis-connection.js';
import { type CliProcess, runCli, spawnCli } from '../support/cli-process.js';
import { seedLearner } from '../support/learner-rows.js';
import { createTestDatabase, operatorKey, producerKey, testQueuePrefix } from '../support/test-system.js';

/**
 * Three "machines" — an ingress and two workers — each with a DATA_DIR of its own, sharing only
 * one Redis and one Postgres (BACKUP_STORE=postgres). What one machine writes, another serves:
 * worker A builds the export and the backup and is then stopped; the ingress hands the bundle
 * over, worker B verifies and prunes the backup, and a fourth machine restores it.
 */
const scratch = mkdtempSync(join(tmpdir(), 'learnloop-machines-'));
const processes: CliProcess[] = [];
const dbs: Db[] = [];
let env: Record<string, string>;
let ingressUrl: string;
let db: Db;
let workerA: CliProcess;
let redis: RedisClient;
let backups: Queue;

const machine = (name: string) => ({ ...env, DATA_DIR: join(scratch, name) });
const operator = (init: RequestInit = {}) => ({ ...init, headers: { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json' } });

async function startWorker(name: string): Promise<CliProcess> {
  const worker = spawnCli(['worker', '--queues', 'backups,retention-cleanup'], { ...machine(name), METRICS_PORT: 'off' });
  processes.push(worker);
  // Ready when its worker is registered with the queue (one worker machine runs at a time here).
  await vi.waitFor(async () => expect(await backups.getWorkersCount(), worker.output()).toBe(1), { timeout: 120_000, interval: 500 });
  return worker;
}

beforeAll(async () => {
  const databaseUrl = await createTestDatabase('machines');
  env = {
    REDIS_URL: inject('redisUrl'),
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: testQueuePrefix('machines'),
    API_KEYS: `producer:${producerKey},operator:${operatorKey}`,
    BACKUP_STORE: 'postgres',
    SCHEDULERS_ENABLED: 'false',
    BLOOM_THREADS: '1',
    HOST: '127.0.0.1',
  };
  const port = await findFreePort();
  ingressUrl = `http://127.0.0.1:${port}`;
  processes.push(spawnCli(['ingress'], { ...machine('ingress'), PORT: String(port) }));
  await vi.waitFor(async () => expect((await fetch(`${ingressUrl}/readyz`).catch(() => undefined))?.status, processes[0]!.output()).toBe(200), { timeout: 120_000, interval: 500 });
  redis = createRedisConnection(env.REDIS_URL!, 'worker');
  backups = new Queue('backups', { connection: redis, prefix: env.QUEUE_PREFIX });
  db = createDatabase({ url: databaseUrl });
  dbs.push(db);
  await seedLearner(db, 'alice', { at: new Date() });
  workerA = await startWorker('worker-a');
}, 300_000);

afterAll(async () => {
  await Promise.allSettled(processes.map((p) => p.stop()));
  await backups?.close();
  redis?.disconnect();
  await Promise.allSettled(dbs.map((d) => d.destroy()));
  rmSync(scratch, { recursive: true, force: true });
});

describe('machines that share only Redis and Postgres', () => {
  let exportUrl: string;
  let backupId: string;
  let oldBackupId: string;

  it('build an export and backups on worker A', async () => {
    const exported = await fetch(`${ingressUrl}/api/users/alice/export?wait=30000`, operator({ method: 'POST' }));
    expect(exported.status).toBe(200);
    exportUrl = ((await exported.json()) as any).result.downloadUrl;

    for (const which of ['old', 'new']) {
      const res = await fetch(`${ingressUrl}/api/admin/backups?wait=30000`, operator({ method: 'POST', body: JSON.stringify({ reason: which }) }));
      expect(res.status).toBe(200);
      const id = ((await res.json()) as any).result.backupId as string;
      if (which === 'old') oldBackupId = id;
      else backupId = id;
    }
    // Nothing of it is on worker A's disk: a machine that goes away takes nothing with it.
    const onDisk = existsSync(join(scratch, 'worker-a')) ? readdirSync(join(scratch, 'worker-a'), { recursive: true }).map(String) : [];
    expect(onDisk.filter((f) => f.includes('bk-') || f.includes('export'))).toEqual([]);
    expect(await workerA.stop()).toBe(0);
  }, 120_000);

  it('serve the export from the ingress, and verify and prune on worker B', async () => {
    const download = await fetch(`${ingressUrl}${exportUrl}`, operator());
    expect(download.status).toBe(200);
    expect(((await download.json()) as any).learner.user_id).toBe('alice');

    await startWorker('worker-b');
    const verify = await fetch(`${ingressUrl}/api/admin/backups/${backupId}/verify?wait=30000`, operator({ method: 'POST' }));
    expect(verify.status).toBe(200);
    expect(((await verify.json()) as any).result).toMatchObject({ backupId, ok: true });

    // The older backup is made 40 days old: worker B prunes it (files and catalogue row).
    await sql`UPDATE backups SET created_at = now() - interval '40 days' WHERE id = ${oldBackupId}`.execute(db);
    const before = await sql<{ n: number }>`SELECT count(*)::int AS n FROM backup_files WHERE backup_id = ${oldBackupId}`.execute(db);
    expect(before.rows[0]!.n).toBeGreaterThan(0);
    const job = await backups.add('prune', {});
    await vi.waitFor(async () => expect(await job.getState()).toBe('completed'), { timeout: 60_000, interval: 250 });
    expect((await backups.getJob(job.id!))!.returnvalue).toEqual({ removed: [oldBackupId], keptNewestVerified: backupId });
    const after = await sql<{ n: number }>`SELECT count(*)::int AS n FROM backup_files WHERE backup_id = ${oldBackupId}`.execute(db);
    expect(after.rows[0]!.n).toBe(0);
  }, 240_000);

  it('restore the backup from a fourth machine into a new database', async () => {
    const target = await createTestDatabase('machines-restored');
    const restored = await runCli(['restore', backupId, '--from', env.DATABASE_URL!], { ...machine('operator'), DATABASE_URL: target, LOG_LEVEL: 'silent' });
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ applied: true, backupId, mode: 'into-empty' });
    const restoredDb = createDatabase({ url: target });
    dbs.push(restoredDb);
    expect(await restoredDb.selectFrom('learners').select('user_id').execute()).toEqual([{ user_id: 'alice' }]);
  }, 180_000);
});
