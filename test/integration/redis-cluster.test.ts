import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalRedisClusterHandle, clusterNodeClient, slotOwner, startLocalRedisCluster } from '../../app/local-redis-cluster.js';
import { startSystem } from '../../app/system.js';
import { parseConfig } from '../../core/config/config-schema.js';
import { createLogger } from '../../observability/logger.js';
import { RedisTopologyError, isCluster } from '../../pipelines/redis-connection.js';
import { type TestSystem, createTestDatabase, operatorKey, startTestSystem } from '../support/test-system.js';

/**
 * Redis Cluster for real, whatever Redis the rest of the run uses: a private 3-master cluster
 * (app/local-redis-cluster.ts), the system configured by REDIS_CLUSTER_NODES, start-up refusals,
 * the shared rate limiter's scripts, and /readyz reading CLUSTER INFO.
 */

let dir: string;
let cluster: LocalRedisClusterHandle;
let system: TestSystem;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'learnloop-cluster-'));
  cluster = await startLocalRedisCluster({ dataDir: dir });
  system = await startTestSystem('cluster', {
    env: {
      REDIS_CLUSTER_NODES: cluster.nodes.map((n) => `${n.host}:${n.port}`).join(','),
      // The cluster's password comes from REDIS_URL's credentials.
      REDIS_URL: `redis://:${cluster.password}@127.0.0.1:${cluster.nodes[0]!.port}`,
      QUEUE_PREFIX: `{t-cluster-${Date.now()}}`,
      RATE_LIMIT_PER_MINUTE: '4',
    },
  });
});
afterAll(async () => {
  try {
    await system?.close();
  } finally {
    // Never leave the cluster's servers behind, whatever happened above.
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

const nodeClient = (port: number) => clusterNodeClient({ host: '127.0.0.1', port }, cluster.password);

describe('Redis Cluster', () => {
  it('runs jobs end to end through a Cluster client configured by REDIS_CLUSTER_NODES', async () => {
    expect(system.redisUrl).toMatch(/^redis\+cluster:\/\/:[^@]+@/);
    expect(isCluster(system.services.redis)).toBe(true);
    const res = await system.request('/api/questions/validate?wait=20000', {
      method: 'POST',
      json: { id: 'cluster-q1', text: 'Compare paging and segmentation in operating systems.', type: 'essay' },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { result: { questionId: string } }).result.questionId).toBe('cluster-q1');
    // Every key of the system is on the one node owning the prefix's slot.
    const slot = Number(await system.services.redis.call('CLUSTER', 'KEYSLOT', system.config.QUEUE_PREFIX));
    const keysPerNode = await Promise.all(
      cluster.nodes.map(async (n) => {
        const c = nodeClient(n.port);
        try {
          const keys = (await c.keys(`${system.config.QUEUE_PREFIX}*`)) as string[];
          const slots = new Set(await Promise.all(keys.map(async (k) => Number(await c.call('CLUSTER', 'KEYSLOT', k)))));
          return { keys: keys.length, slots: [...slots] };
        } finally {
          c.disconnect();
        }
      }),
    );
    expect(keysPerNode.filter((n) => n.keys > 0)).toEqual([{ keys: expect.any(Number), slots: [slot] }]);
  });

  it('shares the rate limit through the cluster: the fifth request in a minute is refused', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await system.request('/api/alerts/active', { key: operatorKey })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });

  it('refuses to start on a cluster with an untagged prefix, or with a single-node URL of a cluster node', async () => {
    const databaseUrl = await createTestDatabase('cluster-refusal');
    const logger = createLogger('silent');
    const roles = { ingress: false, workers: [], schedulers: false };
    const untagged = parseConfig({ NODE_ENV: 'test', QUEUE_PREFIX: 'untagged', LOG_LEVEL: 'silent' });
    await expect(startSystem({ config: untagged, redisUrl: cluster.url, databaseUrl, roles, logger })).rejects.toThrow(
      new RedisTopologyError(
        'QUEUE_PREFIX "untagged" has no hash tag, but Redis is a cluster: every key of the system must hash to one slot. Set QUEUE_PREFIX to a hash-tagged value such as {untagged}.',
      ),
    );
    const tagged = parseConfig({ NODE_ENV: 'test', QUEUE_PREFIX: '{tagged}', LOG_LEVEL: 'silent' });
    await expect(
      startSystem({ config: tagged, redisUrl: `redis://:${cluster.password}@127.0.0.1:${cluster.nodes[0]!.port}`, databaseUrl, roles, logger }),
    ).rejects.toThrow(/REDIS_URL names one node of a Redis Cluster: use REDIS_URL=redis\+cluster:\/\//);
  });

  it('answers 503 on /readyz and on enqueueing while a master reports cluster_state:fail, and works again once it is ok', async () => {
    expect((await system.request('/readyz', { key: null })).status).toBe(200);
    // The master serving the queues' slot drops another of its slots: with full coverage required
    // it goes to cluster_state:fail and answers CLUSTERDOWN to every command.
    const queueSlot = Number(await system.services.redis.call('CLUSTER', 'KEYSLOT', system.config.QUEUE_PREFIX));
    const owner = nodeClient(cluster.nodes[await slotOwner(cluster.nodes, queueSlot, cluster.password)]!.port);
    const post = (id: string) =>
      system.request('/api/questions/validate', { method: 'POST', json: { id, text: 'Define the term hash slot.', type: 'short_answer' } });
    let dropped: number | undefined;
    try {
      const myId = String(await owner.call('CLUSTER', 'MYID'));
      const ranges = (await owner.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][];
      const mine = ranges.find((r) => r[2][2] === myId && r[0] <= queueSlot && queueSlot <= r[1])!;
      dropped = mine[1] === queueSlot ? mine[0] : mine[1];
      await owner.call('CLUSTER', 'DELSLOTS', String(dropped));
      await vi.waitFor(
        async () => {
          const res = await system.request('/readyz', { key: null });
          expect(res.status).toBe(503);
          expect(((await res.json()) as { checks: { redis: string } }).checks.redis).toMatch(/cluster_state:fail/);
        },
        { timeout: 30_000, interval: 200 },
      );
      // The client retries CLUSTERDOWN for a while, then the ingress says 503 (never 500, never a hang).
      const refused = await post('cluster-down-1');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBeTruthy();
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unavailable');

      await owner.call('CLUSTER', 'ADDSLOTS', String(dropped));
      dropped = undefined;
      await vi.waitFor(async () => expect((await system.request('/readyz', { key: null })).status).toBe(200), { timeout: 30_000, interval: 200 });
      expect((await post('cluster-down-2')).status).toBe(202);
    } finally {
      // Give the slot back even when an assertion failed: a cluster left down would hang the shutdown.
      if (dropped !== undefined) await owner.call('CLUSTER', 'ADDSLOTS', String(dropped)).catch(() => undefined);
      owner.disconnect();
    }
  });

  it('shuts down after the outage (a forced worker close that never finishes no longer holds it)', async () => {
    // Runs after the cluster_state:fail episode above; before the bounded forced close in
    // workers/runtime/run-workers.ts this waited for ever on some of BullMQ's workers.
    await expect(system.close()).resolves.toBeUndefined();
  });
});
