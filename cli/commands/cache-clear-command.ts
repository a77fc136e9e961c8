import { cacheFamilies, cacheKeyPattern, isCacheFamily } from '../../db/cache/cache-keys.js';
import { recordAudit } from '../../db/queries/audit-log.js';
import { type OperatorCommandInput, UsageError, printRecord } from './command-io.js';
import { withSystem } from './operator-connection.js';
import { cliActor } from './run-processor-now.js';

/**
 * `learnloop cache clear [--family F]`: removes the read-cache keys of one family (or all) from
 * Redis with SCAN + UNLINK in batches (never KEYS, which blocks Redis on a large keyspace). Safe
 * at any time: the caches are read-through, so the next read refills from Postgres.
 */
export async function cacheClearCommand({ config, logger, options, io }: OperatorCommandInput): Promise<number> {
  const family = options.family;
  if (family !== undefined && !isCacheFamily(family)) throw new UsageError(`--family must be one of ${cacheFamilies.join(', ')}`);
  const removed = await withSystem(config, logger, async (conn) => {
    let count = 0;
    const stream = conn.redis.scanStream({ match: cacheKeyPattern(config.QUEUE_PREFIX, family), count: 500 });
    for await (const keys of stream as AsyncIterable<string[]>) {
      if (keys.length > 0) count += await conn.redis.unlink(...keys);
    }
    await recordAudit(conn.db, { actor: cliActor(), action: 'cache.cleared', target: family ?? 'all', details: { removed: count } });
    return count;
  });
  printRecord(io, options.json, { family: family ?? 'all', removed }, () => [`removed ${removed} cache key(s) (${family ?? 'all families'})`]);
  return 0;
}
