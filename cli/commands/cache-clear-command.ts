import { cacheFamilies, isCacheFamily } from '../../db/cache/cache-keys.js';
import { recordAudit } from '../../db/queries/audit-log.js';
import { type OperatorCommandInput, UsageError, printRecord } from './command-io.js';
import { withSystem } from './operator-connection.js';
import { cliActor } from './run-processor-now.js';

/**
 * `learnloop cache clear [--family F]`: removes the read-cache keys of one family (or all) from
 * Redis with SCAN + UNLINK in batches (never KEYS, which blocks Redis on a large keyspace), and tells
 * every running process to drop its in-process L1 (pub/sub). Safe at any time: the caches are
 * read-through, so the next read refills from Postgres.
 */
export async function cacheClearCommand({ config, logger, options, io }: OperatorCommandInput): Promise<number> {
  const family = options.family;
  if (family !== undefined && !isCacheFamily(family)) throw new UsageError(`--family must be one of ${cacheFamilies.join(', ')}`);
  const removed = await withSystem(config, logger, async (conn) => {
    const count = await conn.cache.clear(family);
    await recordAudit(conn.db, { actor: cliActor(), action: 'cache.cleared', target: family ?? 'all', details: { removed: count } });
    return count;
  });
  printRecord(io, options.json, { family: family ?? 'all', removed }, () => [`removed ${removed} cache key(s) (${family ?? 'all families'})`]);
  return 0;
}
