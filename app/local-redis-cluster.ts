import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { type ClusterNode, clusterUrl } from '../core/config/redis-target.js';
import { findFreePort } from './free-port.js';
import { type LocalRedisHandle, startLocalRedis } from './local-redis.js';
import { readOrCreateSecret } from './server-secret.js';

export interface LocalRedisClusterHandle {
  /** `redis+cluster://:<password>@127.0.0.1:p1,127.0.0.1:p2,…`: what REDIS_URL takes. */
  url: string;
  /** Every node requires this password (one per cluster, kept in its data directory). */
  password: string;
  nodes: ClusterNode[];
  servers: LocalRedisHandle[];
  stop(): Promise<void>;
}

/**
 * A real Redis Cluster of `masters` masters and no replicas on free ports, for the tests and the
 * fault suite: one `redis-server --cluster-enabled yes` per node (each with the durable settings
 * of startLocalRedis, its own directory and nodes.conf), joined by `redis-cli --cluster create`.
 * Resolves once every node reports `cluster_state:ok` and agrees on who owns every slot.
 */
export async function startLocalRedisCluster(options: { dataDir: string; masters?: number; persistent?: boolean }): Promise<LocalRedisClusterHandle> {
  const masters = options.masters ?? 3;
  mkdirSync(options.dataDir, { recursive: true });
  const password = readOrCreateSecret(join(options.dataDir, 'redis.password'));
  const servers: LocalRedisHandle[] = [];
  const stop = async () => {
    await Promise.allSettled(servers.map((s) => s.stop()));
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await findFreePort();
      servers.push(
        await startLocalRedis({
          dataDir: join(options.dataDir, `node-${i}`),
          port,
          persistent: options.persistent ?? false,
          password,
          extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000', '--masterauth', password],
        }),
      );
    }
    const nodes = servers.map((s) => ({ host: '127.0.0.1', port: s.port }));
    await redisCli(['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], password);
    await waitForClusterOk(nodes, password);
    return { url: clusterUrl(nodes, `redis://:${encodeURIComponent(password)}@x`), password, nodes, servers, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs `redis-cli` with these arguments; resolves to its output, rejects on a non-zero exit. */
export function redisCli(args: readonly string[], password?: string, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    // The password through REDISCLI_AUTH, not `-a`, where `ps` would show it.
    const env = password ? { ...process.env, REDISCLI_AUTH: password } : process.env;
    const child = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`redis-cli ${args.join(' ')} exited with ${code}:\n${output.slice(-4000)}`));
    });
  });
}

/** Polls every node until each says cluster_state:ok and all agree on the slot map. */
export async function waitForClusterOk(nodes: readonly ClusterNode[], password?: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const views = await Promise.all(
      nodes.map(async (n) => {
        const probe = new Redis({ host: n.host, port: n.port, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        probe.on('error', () => {});
        try {
          await probe.connect();
          const info = String(await probe.call('CLUSTER', 'INFO'));
          const slots = JSON.stringify(await probe.call('CLUSTER', 'SLOTS'));
          return { ok: /cluster_state:ok/.test(info), slots, info };
        } catch (error) {
          return { ok: false, slots: '', info: (error as Error).message };
        } finally {
          probe.disconnect();
        }
      }),
    );
    if (views.every((v) => v.ok) && new Set(views.map((v) => normaliseSlots(v.slots))).size === 1) return;
    last = views.map((v) => v.info.split('\n')[0]).join('; ');
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Redis Cluster did not become ok within ${timeoutMs} ms: ${last}`);
}

/** CLUSTER SLOTS replies list the same ranges in any order; compare them as a sorted set. */
function normaliseSlots(json: string): string {
  try {
    return JSON.stringify((JSON.parse(json) as unknown[][]).map((r) => JSON.stringify(r.slice(0, 3))).sort());
  } catch {
    return json;
  }
}

/** One node of the cluster as a plain client (callers disconnect it). */
export function clusterNodeClient(node: ClusterNode, password?: string): Redis {
  const client = new Redis({ host: node.host, port: node.port, password, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  return client;
}

/** The node owning `slot` now, as its index in `nodes`. */
export async function slotOwner(nodes: readonly ClusterNode[], slot: number, password?: string): Promise<number> {
  const probe = clusterNodeClient(nodes[0]!, password);
  try {
    const ranges = (await probe.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    if (!range) throw new Error(`slot ${slot} has no owner`);
    const index = nodes.findIndex((n) => n.port === range[2][1]);
    if (index < 0) throw new Error(`slot ${slot} is owned by an unknown node ${range[2][0]}:${range[2][1]}`);
    return index;
  } finally {
    probe.disconnect();
  }
}

/**
 * Moves one slot, with its keys, to another master while clients keep using it — the steps
 * `redis-cli --cluster reshard` takes for each slot (https://redis.io/docs/latest/commands/cluster-setslot/):
 * target IMPORTING, source MIGRATING, MIGRATE the keys in batches, then SETSLOT … NODE on every
 * node. Between batches the slot's keys are split over two nodes: clients get ASK redirections,
 * and multi-key commands TRYAGAIN. `pauseMs` between batches widens that window on purpose.
 * Resolves to the number of keys moved.
 */
export async function migrateSlot(
  nodes: readonly ClusterNode[],
  slot: number,
  to: number,
  options: { batch?: number; pauseMs?: number; password?: string } = {},
): Promise<number> {
  const from = await slotOwner(nodes, slot, options.password);
  if (from === to) return 0;
  const clients = nodes.map((n) => clusterNodeClient(n, options.password));
  try {
    const ids = (await Promise.all(clients.map((c) => c.call('CLUSTER', 'MYID')))).map(String);
    const source = clients[from]!;
    const target = clients[to]!;
    await target.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', ids[from]!);
    await source.call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', ids[to]!);
    let moved = 0;
    for (;;) {
      const keys = (await source.call('CLUSTER', 'GETKEYSINSLOT', String(slot), String(options.batch ?? 20))) as string[];
      if (keys.length === 0) break;
      const auth = options.password ? ['AUTH', options.password] : [];
      await source.call('MIGRATE', nodes[to]!.host, String(nodes[to]!.port), '', '0', '10000', 'REPLACE', ...auth, 'KEYS', ...keys);
      moved += keys.length;
      if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
    }
    // Target first, then source, then the rest: the order redis-cli uses, so no node ever sends
    // a client to a node that does not yet consider itself the owner.
    await target.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', ids[to]!);
    await source.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', ids[to]!);
    await Promise.all(clients.filter((_, i) => i !== from && i !== to).map((c) => c.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', ids[to]!)));
    return moved;
  } finally {
    for (const c of clients) c.disconnect();
  }
}
