import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupSourceAt, backupStoreFor } from '../../db/backup/backup-store.js';
import type { BackupManifest } from '../../db/backup/manifest.js';
import { type Db, createDatabase } from '../../db/database.js';
import { migrateToLatest } from '../../db/migrate.js';
import { createTestDatabase } from '../support/test-system.js';

const backupDir = mkdtempSync(join(tmpdir(), 'learnloop-store-'));
let db: Db;

beforeAll(async () => {
  db = createDatabase({ url: await createTestDatabase('backup-store') });
  await migrateToLatest(db);
});
afterAll(async () => {
  await db?.destroy();
  rmSync(backupDir, { recursive: true, force: true });
});

const manifestFor = (backupId: string): BackupManifest => ({
  format: 'learnloop.backup/1',
  backupId,
  createdAt: new Date().toISOString(),
  schemaVersion: '0007_shared_stores',
  serverVersion: 'test',
  tables: [],
  partitions: [],
  sequences: [],
});

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe.each(['postgres', 'directory'] as const)('the %s backup store', (kind) => {
  const store = () => backupStoreFor({ BACKUP_STORE: kind, BACKUP_DIR: backupDir, DATA_DIR: backupDir }, db);

  it('gives back every byte of files larger than one chunk, in order, and an empty one', async () => {
    const backupId = `bk-${kind}-big`;
    const big = randomBytes(2.5 * 1024 * 1024 + 17);
    const writing = await store().begin(backupId);
    // Written in odd-sized pieces, as gzip hands them over.
    const pieces = Array.from({ length: Math.ceil(big.length / 70_001) }, (_, i) => big.subarray(i * 70_001, (i + 1) * 70_001));
    await pipeline(Readable.from(pieces), writing.sink('01-big.copy.gz'));
    await pipeline(Readable.from([]), writing.sink('02-empty.copy.gz'));
    await writing.finish(manifestFor(backupId));

    const source = backupSourceAt(store().locationOf(backupId), db);
    expect((await source.readManifest()).backupId).toBe(backupId);
    expect((await readAll(source.open('01-big.copy.gz'))).equals(big)).toBe(true);
    expect((await readAll(source.open('02-empty.copy.gz'))).length).toBe(0);
    await expect(readAll(source.open('03-missing.copy.gz'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await store().sizeOf(backupId)).toBeGreaterThan(big.length);

    await store().remove(backupId, store().locationOf(backupId));
    await expect(backupSourceAt(store().locationOf(backupId), db).readManifest()).rejects.toThrow(/missing/);
  });

  it('leaves nothing of an aborted backup, and no manifest means no backup', async () => {
    const backupId = `bk-${kind}-aborted`;
    const writing = await store().begin(backupId);
    await pipeline(Readable.from([Buffer.from('half')]), writing.sink('01-t.copy.gz'));
    await expect(backupSourceAt(store().locationOf(backupId), db).readManifest()).rejects.toThrow(/missing/);
    await writing.abort();
    await expect(readAll(backupSourceAt(store().locationOf(backupId), db).open('01-t.copy.gz'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
