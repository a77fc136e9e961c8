import { hostname } from 'node:os';
import type { Config } from '../core/config/config-schema.js';
import type { Db } from '../db/database.js';
import { withStoredSchedules } from '../db/queries/job-schedules.js';
import type { Logger } from '../observability/logger.js';
import type { Producer } from '../pipelines/producer.js';
import { decideSchedules, registerSchedulers, scheduleHash, schedules } from '../pipelines/schedulers.js';

/**
 * Schedules as data: registers this process's job schedules when they are the stored ones or a
 * higher SCHEDULES_VERSION (and stores them), or else the stored ones, with a warning — so the
 * last process to start no longer decides the schedules, and one started with a stale
 * configuration cannot undo a change. Decided under a Postgres lock per QUEUE_PREFIX, with the
 * schedulers upserted before it is released, so Redis ends as the stored row says.
 */
export async function applySchedules(db: Db, producer: Producer, config: Config, logger: Logger): Promise<string[]> {
  const intended = { version: config.SCHEDULES_VERSION, entries: schedules(config) };
  return withStoredSchedules(db, config.QUEUE_PREFIX, async (store) => {
    const stored = await store.read();
    const decision = decideSchedules(intended, stored);
    if (decision.kind === 'stored') {
      logger.warn(
        {
          stored: { version: decision.stored.version, hash: decision.stored.hash, updatedAt: decision.stored.updatedAt.toISOString(), updatedBy: decision.stored.updatedBy },
          ours: { version: intended.version, hash: scheduleHash(intended.entries) },
        },
        'job schedules of this process differ from the stored ones and are not newer: keeping the stored schedules (to change them, raise SCHEDULES_VERSION)',
      );
    } else if (decision.store) {
      await store.write({ version: intended.version, hash: scheduleHash(intended.entries), entries: intended.entries, updatedBy: `${hostname()}:${process.pid}` });
      if (stored) logger.info({ from: { version: stored.version, hash: stored.hash }, to: { version: intended.version, hash: scheduleHash(intended.entries) } }, 'job schedules updated');
    }
    return registerSchedulers(producer, decision.entries);
  });
}
