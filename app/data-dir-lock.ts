import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { processIsAlive, processStartTime } from '../db/orphan-process.js';

/**
 * Who owns the servers learnloop started under a DATA_DIR, and how to reach them.
 *
 * The process that starts the local redis-server / embedded PostgreSQL holds `DATA_DIR/servers.lock`:
 * its pid, its process start time (so a later process that got the same pid is not taken for it)
 * and, once they answer, the servers' URLs with their credentials — the file is 0600. Every other
 * learnloop process on that DATA_DIR (`learnloop backup`, `migrate`, a second role) reads the file
 * and attaches to the servers instead of starting (or stopping) its own. Only when the recorded
 * owner is gone are its servers leftovers that a new owner may stop and replace.
 */
export interface ServersRecord {
  pid: number;
  startTime?: string;
  /** Absent while the owner is still starting the servers. */
  redisUrl?: string;
  databaseUrl?: string;
}

export const lockFileOf = (dataDir: string) => join(dataDir, 'servers.lock');

export function readServersRecord(dataDir: string): ServersRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(lockFileOf(dataDir), 'utf8')) as ServersRecord;
    return Number.isInteger(record.pid) ? record : undefined;
  } catch {
    return undefined; // no file, or one being replaced right now: the caller looks again
  }
}

export type Ownership =
  | { kind: 'owner'; publish(urls: Pick<ServersRecord, 'redisUrl' | 'databaseUrl'>): void; release(): void }
  | { kind: 'attached'; record: ServersRecord & { ready: true } };

/**
 * Becomes the owner of DATA_DIR's servers, or attaches to a live owner's. Waits (up to
 * `waitMs`) for an owner that is still starting its servers to publish their URLs.
 */
export async function claimDataDir(dataDir: string, options: { waitMs?: number } = {}): Promise<Ownership> {
  mkdirSync(dataDir, { recursive: true });
  const file = lockFileOf(dataDir);
  const deadline = Date.now() + (options.waitMs ?? 120_000);
  for (;;) {
    const record = readServersRecord(dataDir);
    if (record && record.pid !== process.pid && processIsAlive(record.pid, record.startTime)) {
      if (record.redisUrl !== undefined || record.databaseUrl !== undefined) return { kind: 'attached', record: { ...record, ready: true } };
      if (Date.now() > deadline) throw new Error(`DATA_DIR ${dataDir} is owned by learnloop pid ${record.pid}, which has not finished starting its servers`);
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    // No owner, or a dead one (its servers, if any still run, are leftovers). Take over: remove
    // the stale record, then create ours exclusively — of two processes racing here, one wins
    // and the other goes round again and attaches.
    if (record) rmSync(file, { force: true });
    const mine: ServersRecord = { pid: process.pid, startTime: processStartTime(process.pid) };
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    writeSync(fd, JSON.stringify(mine));
    closeSync(fd);
    return {
      kind: 'owner',
      publish(urls) {
        // Replaced whole (write, rename): a reader never sees half a record.
        const temporary = `${file}.${process.pid}.tmp`;
        writeFileSync(temporary, JSON.stringify({ ...mine, ...urls }), { mode: 0o600 });
        renameSync(temporary, file);
      },
      release() {
        if (readServersRecord(dataDir)?.pid === process.pid) rmSync(file, { force: true });
      },
    };
  }
}
