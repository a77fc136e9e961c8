import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { sql } from 'kysely';
import type { Config } from '../../core/config/config-schema.js';
import { maintenanceDirs } from '../../core/retention/maintenance-dirs.js';
import type { Db } from '../database.js';
import { type BackupManifest, manifestFileName, parseManifest } from './manifest.js';

/**
 * Where backups are kept (README, "Storage"). A backup is a set of named files — one gzip COPY
 * file per table and `manifest.json` — written by one process and read later by any other
 * (verify, prune, restore), so the store must be one every process reaches:
 *
 * - `directory` (default, BACKUP_DIR): plain files, for one machine (`npm start`), or several that
 *   all mount the same BACKUP_DIR. Backups sit outside the database they protect.
 * - `postgres`: the files in the `backup_files` table of the database, 1 MiB per row. Every process
 *   that reaches Postgres reaches every backup, so machines share no disk at all; a restore into a
 *   new database reads the backup from the old one (`learnloop restore --from`).
 *
 * The catalogue row (`backups.path`) records where each backup is: a directory path, or
 * `postgres:<backupId>`.
 */
export interface BackupSource {
  readonly backupId: string;
  /** Where it is, for messages: a directory, or `postgres:<id>`. */
  readonly location: string;
  readManifest(): Promise<BackupManifest>;
  /** One file's bytes, as stored (compressed). Errors with code ENOENT when the file is missing. */
  open(file: string): Readable;
}

export interface BackupWriting {
  /** Where the written files go, one at a time. */
  sink(file: string): Writable;
  /** Makes the backup whole: the manifest is written last, so a backup with one is complete. */
  finish(manifest: BackupManifest): Promise<void>;
  abort(): Promise<void>;
}

export interface BackupStore {
  readonly kind: 'directory' | 'postgres';
  locationOf(backupId: string): string;
  begin(backupId: string): Promise<BackupWriting>;
  /** Total bytes of a finished backup's files, manifest included. */
  sizeOf(backupId: string): Promise<number>;
  /** Deletes a backup kept in this store (the directory store deletes only inside BACKUP_DIR). */
  remove(backupId: string, location: string | null): Promise<void>;
  /** Deletes what backups that crashed mid-way left more than a day before `now`. */
  removeAbandoned(now: Date): Promise<void>;
}

const DAY_MS = 86_400_000;
const postgresPrefix = 'postgres:';
const chunkBytes = 1024 * 1024;

/** The store BACKUP_STORE names; `db` is the system's database. */
export function backupStoreFor(config: Pick<Config, 'BACKUP_STORE' | 'BACKUP_DIR' | 'DATA_DIR'>, db: Db): BackupStore {
  return config.BACKUP_STORE === 'postgres' ? postgresStore(db) : directoryStore(maintenanceDirs(config).backups);
}

/**
 * The store a catalogue location belongs to, whatever BACKUP_STORE says now: a backup is deleted
 * where it is kept, also after the setting changed.
 */
export function backupStoreAt(location: string, config: Pick<Config, 'BACKUP_DIR' | 'DATA_DIR'>, db: Db): BackupStore {
  return location.startsWith(postgresPrefix) ? postgresStore(db) : directoryStore(maintenanceDirs(config).backups);
}

/**
 * The backup at a catalogue location or a directory path. `db` is the database holding the
 * Postgres store (for a restore into a new database: the old one).
 */
export function backupSourceAt(location: string, db: Db | undefined): BackupSource {
  if (location.startsWith(postgresPrefix)) {
    if (!db) throw new Error(`backup ${location} is kept in Postgres: name the database that holds it (learnloop restore --from <DATABASE_URL>)`);
    return postgresSource(db, location.slice(postgresPrefix.length));
  }
  return directorySource(location);
}

function missing(what: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${what} does not exist`), { code: 'ENOENT' });
}

// ---- directory ----

function directorySource(path: string): BackupSource {
  return {
    backupId: path.split(sep).pop() ?? path,
    location: path,
    async readManifest() {
      let text: string;
      try {
        const handle = await open(join(path, manifestFileName), 'r');
        try {
          text = await handle.readFile('utf8');
        } finally {
          await handle.close();
        }
      } catch (error) {
        const onThisHost = await stat(path).then(() => true, () => false);
        throw new Error(
          `${manifestFileName} is missing or unreadable in ${path}: ${(error as Error).message}` +
            (onThisHost ? '' : ` — the directory is not on this machine (${hostname()}); with several machines set BACKUP_STORE=postgres, or mount BACKUP_DIR on every one`),
        );
      }
      return parseManifest(text, path);
    },
    open: (file) => createReadStream(join(path, file)),
  };
}

async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function directoryStore(backupDir: string): BackupStore {
  const root = resolve(backupDir);
  return {
    kind: 'directory',
    locationOf: (id) => join(root, id),
    async begin(backupId) {
      // Written under a temporary name and renamed, so `<backupDir>/<id>` exists only when complete.
      const work = join(root, `.tmp-${backupId}`);
      const final = join(root, backupId);
      await mkdir(root, { recursive: true, mode: 0o700 });
      await rm(work, { recursive: true, force: true });
      await mkdir(work, { mode: 0o700 });
      const written: string[] = [];
      return {
        sink(file) {
          written.push(file);
          return createWriteStream(join(work, file), { mode: 0o600 });
        },
        async finish(manifest) {
          for (const file of written) await syncPath(join(work, file));
          const temporary = join(work, `${manifestFileName}.tmp`);
          const handle = await open(temporary, 'w', 0o600);
          try {
            await handle.writeFile(`${JSON.stringify(manifest, null, 2)}\n`);
            await handle.sync();
          } finally {
            await handle.close();
          }
          await rename(temporary, join(work, manifestFileName));
          // A retry of the same backup (same id) replaces what an earlier attempt left.
          await rm(final, { recursive: true, force: true });
          await rename(work, final);
          await syncPath(root).catch(() => {}); // the rename itself survives a crash; not on every platform
        },
        abort: () => rm(work, { recursive: true, force: true }),
      };
    },
    async sizeOf(backupId) {
      const dir = join(root, backupId);
      let total = 0;
      for (const file of await readdir(dir)) total += (await stat(join(dir, file))).size;
      return total;
    },
    async remove(_backupId, location) {
      if (!location) return;
      const path = resolve(location);
      const inside = relative(root, path);
      // DANGER: recursive delete. Only a directory strictly inside BACKUP_DIR.
      if (inside && !inside.startsWith('..') && !inside.includes(sep) && path !== root) await rm(path, { recursive: true, force: true });
    },
    async removeAbandoned(now) {
      const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (!entry.isDirectory() || !entry.name.startsWith('.tmp-')) continue;
        const info = await stat(join(root, entry.name));
        if (info.mtimeMs < now.getTime() - DAY_MS) await rm(join(root, entry.name), { recursive: true, force: true });
      }
    },
  };
}

// ---- postgres ----

function postgresSource(db: Db, backupId: string): BackupSource {
  async function* chunks(file: string): AsyncGenerator<Buffer> {
    // One chunk per query: a large backup never sits in memory whole.
    for (let chunk = 0; ; chunk += 1) {
      const row = await db.selectFrom('backup_files').select('data').where('backup_id', '=', backupId).where('name', '=', file).where('chunk', '=', chunk).executeTakeFirst();
      if (!row) {
        if (chunk === 0) throw missing(`file ${file} of backup ${backupId}`);
        return;
      }
      yield row.data;
    }
  }
  return {
    backupId,
    location: `${postgresPrefix}${backupId}`,
    async readManifest() {
      const parts: Buffer[] = [];
      try {
        for await (const part of chunks(manifestFileName)) parts.push(part);
      } catch (error) {
        throw new Error(`${manifestFileName} is missing in ${postgresPrefix}${backupId}: ${(error as Error).message}`);
      }
      return parseManifest(Buffer.concat(parts).toString('utf8'), `${postgresPrefix}${backupId}`);
    },
    open: (file) => Readable.from(chunks(file), { objectMode: false }),
  };
}

/** A sink that stores what is written in rows of `chunkBytes`. */
function chunkSink(db: Db, backupId: string, name: string): Writable {
  let buffered: Buffer[] = [];
  let size = 0;
  let chunk = 0;
  const flush = async () => {
    if (size === 0 && chunk > 0) return;
    const data = Buffer.concat(buffered, size);
    buffered = [];
    size = 0;
    await db.insertInto('backup_files').values({ backup_id: backupId, name, chunk, data }).execute();
    chunk += 1;
  };
  return new Writable({
    write(data: Buffer, _encoding, done) {
      buffered.push(data);
      size += data.length;
      if (size < chunkBytes) return done();
      flush().then(() => done(), done);
    },
    final(done) {
      flush().then(() => done(), done);
    },
  });
}

function postgresStore(db: Db): BackupStore {
  const removeRows = async (backupId: string) => {
    await db.deleteFrom('backup_files').where('backup_id', '=', backupId).execute();
  };
  return {
    kind: 'postgres',
    locationOf: (id) => `${postgresPrefix}${id}`,
    async begin(backupId) {
      await removeRows(backupId); // a retry of the same backup starts over
      return {
        sink: (file) => chunkSink(db, backupId, file),
        async finish(manifest) {
          const sink = chunkSink(db, backupId, manifestFileName);
          await new Promise<void>((done, fail) => sink.end(Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), (error?: Error | null) => (error ? fail(error) : done())));
        },
        abort: () => removeRows(backupId),
      };
    },
    async sizeOf(backupId) {
      const { rows } = await sql<{ n: string | null }>`SELECT sum(octet_length(data))::text AS n FROM backup_files WHERE backup_id = ${backupId}`.execute(db);
      return Number(rows[0]?.n ?? 0);
    },
    async remove(backupId) {
      await removeRows(backupId);
    },
    async removeAbandoned(now) {
      // Rows of backups the catalogue no longer lists as completed, unless one is still being written.
      await sql`DELETE FROM backup_files f WHERE NOT EXISTS (
        SELECT 1 FROM backups b WHERE b.id = f.backup_id
          AND (b.status = 'completed' OR (b.status = 'running' AND b.created_at >= ${new Date(now.getTime() - DAY_MS)})))`.execute(db);
    },
  };
}
