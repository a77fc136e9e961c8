import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { claimDataDir, lockFileOf, readServersRecord } from '../../app/data-dir-lock.js';
import { Redis } from 'ioredis';
import pg from 'pg';
import { findFreePort } from '../../app/free-port.js';
import { startLocalRedis } from '../../app/local-redis.js';
import { passwordFileOf, startEmbeddedPostgres } from '../../db/embedded-postgres.js';
import { processStartTime } from '../../db/orphan-process.js';
import { type CliProcess, runCli, spawnCli } from '../support/cli-process.js';
import { operatorKey, producerKey } from '../support/test-system.js';

const scratch = mkdtempSync(join(tmpdir(), 'learnloop-attach-'));
// As root, embedded PostgreSQL runs as the `postgres` user, who must be able to reach DATA_DIR.
chmodSync(scratch, 0o755);
let app: CliProcess | undefined;
afterAll(async () => {
  await app?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the DATA_DIR lock', () => {
  it('makes the first process the owner and lets a second one attach to the published servers', async () => {
    const dir = join(scratch, 'lock-live');
    const owner = await claimDataDir(dir);
    expect(owner.kind).toBe('owner');
    if (owner.kind !== 'owner') return;
    owner.publish({ redisUrl: 'redis://:pw@127.0.0.1:1', databaseUrl: 'postgres://u:pw@127.0.0.1:2/db' });
    expect(statSync(lockFileOf(dir)).mode & 0o777).toBe(0o600); // it holds credentials
    // Another process, alive, recorded as the owner: this one attaches (here: a `sleep` child).
    const other = spawn('sleep', ['60']);
    try {
      await vi.waitFor(() => expect(processStartTime(other.pid!)).toBeDefined());
      writeFileSync(lockFileOf(dir), JSON.stringify({ ...readServersRecord(dir), pid: other.pid, startTime: processStartTime(other.pid!) }));
      const second = await claimDataDir(dir);
      expect(second).toMatchObject({ kind: 'attached', record: { pid: other.pid, redisUrl: 'redis://:pw@127.0.0.1:1' } });
    } finally {
      other.kill();
    }
  });

  it('treats the servers of a dead owner, or of a pid now used by another process, as leftovers', async () => {
    const dir = join(scratch, 'lock-dead');
    const child = spawn('true');
    await new Promise((r) => child.once('exit', r));
    mkdirSync(dir, { recursive: true });
    writeFileSync(lockFileOf(dir), JSON.stringify({ pid: child.pid, startTime: '1', redisUrl: 'redis://x' }));
    expect((await claimDataDir(dir)).kind).toBe('owner');
    // pid reuse: a live pid (this very test process's parent) but a different start time.
    writeFileSync(lockFileOf(dir), JSON.stringify({ pid: process.ppid, startTime: 'not-its-start-time', redisUrl: 'redis://x' }));
    expect((await claimDataDir(dir)).kind).toBe('owner');
    expect(readServersRecord(dir)!.pid).toBe(process.pid);
  });
});

describe('server passwords', () => {
  it('are required by the local Redis', async () => {
    const redis = await startLocalRedis({ dataDir: join(scratch, 'redis-auth'), port: await findFreePort(), persistent: false });
    try {
      // A client without the password: Redis answers every command with NOAUTH.
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(redis.port, '127.0.0.1', () => socket.write('PING\r\n'));
        socket.once('data', (d) => {
          resolve(String(d));
          socket.destroy();
        });
        socket.once('error', reject);
      });
      expect(answer).toMatch(/^-NOAUTH/);
      const authenticated = new Redis(redis.url, { lazyConnect: true });
      await authenticated.connect();
      expect(await authenticated.ping()).toBe('PONG');
      authenticated.disconnect();
    } finally {
      await redis.stop();
    }
  });

  it('move a Postgres data directory made with the old fixed password onto a generated one', async () => {
    const dataDir = join(scratch, 'legacy-pg');
    const port = await findFreePort();
    const first = await startEmbeddedPostgres({ dataDir, port });
    const superuser = async (url: string, query: string) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(query);
      } finally {
        await client.end();
      }
    };
    // Make it what an older learnloop left: password `learnloop`, no password file.
    await superuser(first.urlFor('postgres'), `ALTER ROLE postgres PASSWORD 'learnloop'`);
    await first.stop();
    rmSync(passwordFileOf(dataDir));

    const second = await startEmbeddedPostgres({ dataDir, port });
    try {
      const generated = readFileSync(passwordFileOf(dataDir), 'utf8').trim();
      expect(generated).toMatch(/^[0-9a-f]{48}$/);
      expect(second.url).toContain(`:${generated}@`);
      await superuser(second.urlFor('postgres'), 'SELECT 1');
      await expect(superuser(`postgres://postgres:learnloop@127.0.0.1:${port}/postgres`, 'SELECT 1')).rejects.toThrow(/password authentication failed/);
    } finally {
      await second.stop();
    }
  }, 120_000);
});

describe('a CLI command on the DATA_DIR of a running system', () => {
  it('attaches to its servers and leaves it ready (learnloop backup, learnloop migrate)', async () => {
    const dataDir = join(scratch, 'data');
    const port = await findFreePort();
    const env = {
      DATA_DIR: dataDir,
      REDIS_URL: '',
      DATABASE_URL: '',
      API_KEYS: `producer:${producerKey},operator:${operatorKey}`,
      SCHEDULERS_ENABLED: 'false',
      BLOOM_THREADS: '1',
    };
    app = spawnCli(['start'], { ...env, PORT: String(port), HOST: '127.0.0.1' });
    const readyz = async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status;
    await vi.waitFor(async () => expect(await readyz(), app!.output()).toBe(200), { timeout: 150_000, interval: 500 });
    const record = readServersRecord(dataDir)!;
    expect(record.pid).not.toBe(process.pid);
    // Generated credentials, kept beside the data only the service user can read.
    expect(record.redisUrl).toMatch(/^redis:\/\/:[0-9a-f]{48}@127\.0\.0\.1:\d+$/);
    expect(record.databaseUrl).toMatch(/^postgres:\/\/postgres:[0-9a-f]{48}@127\.0\.0\.1:\d+\/learnloop$/);
    expect(statSync(join(dataDir, 'postgres.password')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'redis', 'redis.password')).mode & 0o777).toBe(0o600);

    const backup = await runCli(['backup'], env);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(JSON.parse(backup.stdout).backupId).toMatch(/^bk-/);
    const migrate = await runCli(['migrate'], env);
    expect(migrate.code).toBe(0);

    // The running system kept its servers: still ready, still their owner.
    expect(await readyz()).toBe(200);
    expect(readServersRecord(dataDir)).toEqual(record);
    const list = await fetch(`http://127.0.0.1:${port}/api/admin/backups`, { headers: { authorization: `Bearer ${operatorKey}` } });
    expect(((await list.json()) as any).items.map((b: any) => b.id)).toContain(JSON.parse(backup.stdout).backupId);

    // The owner releases the lock when it stops.
    expect(await app.stop()).toBe(0);
    app = undefined;
    expect(existsSync(lockFileOf(dataDir))).toBe(false);
    expect(readFileSync(join(dataDir, 'postgres.password'), 'utf8').trim()).toBe(record.databaseUrl!.split(':')[2]!.split('@')[0]);
  }, 300_000);
});
