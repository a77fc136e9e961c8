import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { hashTagOf, parseRedisTarget } from '../core/config/redis-target.js';

/**
 * Redis connections by role. The two roles want opposite things from a disconnected Redis:
 * - `worker`: wait and retry forever (BullMQ's blocking commands need maxRetriesPerRequest null),
 *   so workers resume on their own when Redis returns;
 * - `producer`: fail at once (no offline queue), so the ingress answers 503 instead of hanging
 *   on a request while Redis is away.
 *
 * A `redis+cluster://host:port,…` URL gives an ioredis `Cluster` instead of a `Redis`: it learns
 * the slot map from the seed nodes and follows MOVED/ASK redirections and TRYAGAIN during a slot
 * migration. Both speak the same commands, so the rest of the code takes a `RedisClient`.
 */
export type RedisRole = 'worker' | 'producer';
export type RedisClient = Redis | Cluster;

/** Redis did not answer in time: callers at the edge turn this into a 503 (never a hang). */
export class QueueUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueUnavailableError';
  }
}

/** Reconnect quickly at first, then every 2 s at most: a restarted Redis is picked up fast. */
const retryStrategy = (times: number) => Math.min(times * 100, 2_000);

export function createRedisConnection(url: string, role: RedisRole, extra: RedisOptions = {}): RedisClient {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 };
  const target = parseRedisTarget(url);
  let client: RedisClient;
  if (target.kind === 'cluster') {
    const { enableOfflineQueue, ...perNode } = { ...options, ...extra };
    client = new Cluster(target.nodes, {
      enableOfflineQueue: enableOfflineQueue ?? true,
      enableReadyCheck: true,
      clusterRetryStrategy: retryStrategy,
      // DANGEROUS SPOT: while a slot migrates, a multi-key command or script whose keys are split
      // between the two nodes gets TRYAGAIN until the last key has moved; every BullMQ script is
      // multi-key. ioredis retries after retryDelayOnTryAgain, up to maxRedirections times in all
      // (MOVED/ASK/CLUSTERDOWN included): 100 × 100 ms rides out ~10 s of split keys instead of
      // failing the enqueue (a 503) or a worker's completion (a stalled job run again); its
      // defaults (16 × 100 ms) failed requests in fault scenario 7, and so did 100 × 50 ms on a
      // loaded 2-core machine (the split lasted longer than 5 s).
      // MOVED is retried after 20 ms, not at once: while SETSLOT NODE reaches the nodes one by
      // one, two nodes can each name the other as the owner, and an immediate retry burned all
      // 100 redirections in that window ("Too many Cluster redirections … MOVED" in scenario 7).
      // A cluster that is down (CLUSTERDOWN) fails within ~1 s (100 × 10 ms) instead: the ingress
      // answers 503, workers retry their own way. Measured: with CLUSTERDOWN retried for 10 s, a
      // blocking worker command retried across the cluster's recovery left BullMQ's Worker.close
      // waiting for ever (test/integration/redis-cluster.test.ts shuts down after such an outage).
      maxRedirections: 100,
      retryDelayOnTryAgain: 100,
      retryDelayOnClusterDown: 10,
      retryDelayOnMoved: 20,
      // A slot map that goes stale (a reshard) is refreshed on the first MOVED; the periodic
      // refresh also notices nodes added while nothing was redirected.
      slotsRefreshInterval: 5_000,
      slotsRefreshTimeout: 2_000,
      redisOptions: {
        ...perNode,
        ...(target.username ? { username: target.username } : {}),
        ...(target.password ? { password: target.password } : {}),
        ...(target.tls ? { tls: {} } : {}),
      },
    });
  } else {
    client = new Redis(target.url, { ...options, retryStrategy, lazyConnect: false, ...extra });
  }
  // ioredis re-emits connection errors; without a listener they become unhandled 'error' events.
  client.on('error', () => {});
  return client;
}

export function isCluster(client: RedisClient): client is Cluster {
  return (client as Cluster).isCluster === true;
}

/** Resolves once the connection is ready, or rejects after `timeoutMs`. */
export async function waitForRedis(redis: RedisClient, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis was not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

export class RedisTopologyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisTopologyError';
  }
}

/**
 * Start-up check, before anything is written: the client kind must match the server, and on a
 * cluster QUEUE_PREFIX must carry a hash tag. A single-node client pointed at a cluster node would
 * work only until a key hashes to another node (MOVED), and an untagged prefix spreads a queue's
 * keys over slots so BullMQ's scripts fail with CROSSSLOT: both refuse to start, saying what to set.
 */
export async function assertRedisTopology(redis: RedisClient, prefix: string): Promise<void> {
  if (isCluster(redis)) {
    if (hashTagOf(prefix) === undefined) {
      throw new RedisTopologyError(
        `QUEUE_PREFIX "${prefix}" has no hash tag, but Redis is a cluster: every key of the system must hash to one slot. ` +
          `Set QUEUE_PREFIX to a hash-tagged value such as {${prefix.replace(/[{}]/g, '') || 'learnloop'}}.`,
      );
    }
    return;
  }
  const info = String(await redis.info('cluster'));
  if (/cluster_enabled:1/.test(info)) {
    throw new RedisTopologyError(
      'REDIS_URL names one node of a Redis Cluster: use REDIS_URL=redis+cluster://host:port,host:port,… or REDIS_CLUSTER_NODES, ' +
        'and a hash-tagged QUEUE_PREFIX such as {learnloop}.',
    );
  }
}

/**
 * Readiness of the Redis side: PING for one server; on a cluster every master known must answer
 * CLUSTER INFO with cluster_state:ok (a cluster that lost a slot's owner answers cluster_state:fail
 * and refuses commands on every node).
 */
export async function checkRedisReady(redis: RedisClient): Promise<void> {
  if (!isCluster(redis)) {
    await redis.ping();
    return;
  }
  const masters = redis.nodes('master');
  if (masters.length === 0) throw new Error('no Redis Cluster master is connected');
  await Promise.all(
    masters.map(async (node) => {
      const info = String(await node.call('CLUSTER', 'INFO'));
      const state = /cluster_state:(\w+)/.exec(info)?.[1];
      if (state !== 'ok') throw new Error(`Redis Cluster node ${node.options.host}:${node.options.port} reports cluster_state:${state ?? 'unknown'}`);
    }),
  );
}
