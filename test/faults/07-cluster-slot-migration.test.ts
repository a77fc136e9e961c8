import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../app/free-port.js';
import { type LocalRedisClusterHandle, migrateSlot, slotOwner, startLocalRedisCluster } from '../../app/local-redis-cluster.js';
import { Producer } from '../../pipelines/producer.js';
import { createRedisConnection } from '../../pipelines/redis-connection.js';
import { createTestDatabase, producerKey } from '../support/test-system.js';
import { type RoleProcess, sleep, spawnRole, waitFor } from './support/processes.js';
import { duplicatedValidations, postQuestion, validatedQuestionIds } from './support/question-flow.js';
import { recordScenario } from './support/scenario-result.js';

/**
 * Scenario 7: on a real 3-master Redis Cluster, the slot every queue lives on (the hash tag of
 * QUEUE_PREFIX) is migrated to another master — and then to the third — while an upstream service
 * keeps posting questions to a real ingress process and a real worker process validates them.
 * During each migration the slot's keys are split over two nodes (ASK redirections, TRYAGAIN for
 * BullMQ's multi-key scripts); afterwards every client is MOVED. Nothing may be lost, nothing run
 * twice, and no request may get a 5xx.
 */

const queue = 'question-validation' as const;
let dir: string;
let cluster: LocalRedisClusterHandle;
let databaseUrl: string;
let baseUrl: string;
let env: Record<string, string>;
const processes: RoleProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'learnloop-fault-cluster-'));
  cluster = await startLocalRedisCluster({ dataDir: dir, masters: 3, persistent: true });
  databaseUrl = await createTestDatabase('fault-slot');
  const port = await findFreePort();
  baseUrl = `http://127.0.0.1:${port}`;
  env = {
    REDIS_URL: cluster.url,
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: `{f-slot-${randomUUID().slice(0, 8)}}`,
    HOST: '127.0.0.1',
    PORT: String(port),
    API_KEYS: `producer:${producerKey}`,
    RATE_LIMIT_PER_MINUTE: '1000000',
    BLOOM_THREADS: '1',
    CONCURRENCY_QUESTION_VALIDATION: '8',
  };
});
afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const post = (i: number) => postQuestion(baseUrl, `slot-${i}`, `Explain why request ${i} still arrives when its hash slot moves to another node.`, 20_000);

describe('scenario 7: the queues\' slot migrates between Redis Cluster masters while jobs flow', () => {
  it('loses nothing, runs nothing twice and answers no 5xx', async () => {
    const started = Date.now();
    const ingress = spawnRole(['ingress'], env);
    const worker = spawnRole(['worker', '--queues', queue], env);
    processes.push(ingress, worker);
    await waitFor('the ingress to be ready', async () => (await fetch(`${baseUrl}/readyz`)).status === 200, { timeoutMs: 60_000, onTimeout: ingress.output });

    const connection = createRedisConnection(cluster.url, 'worker');
    const producer = new Producer(connection, env.QUEUE_PREFIX!);
    const slot = Number(await connection.call('CLUSTER', 'KEYSLOT', env.QUEUE_PREFIX!));

    const accepted = new Set<string>();
    const errors: string[] = [];
    let sent = 0;
    let sending = true;
    let counter = 0;
    const sender = async () => {
      while (sending) {
        const outcome = await post(counter++);
        sent += 1;
        if (outcome.status === 'accepted') accepted.add(outcome.id);
        else errors.push(outcome.status === 'unexpected' ? outcome.detail : outcome.status);
        await sleep(10);
      }
    };
    const senders = Array.from({ length: 4 }, sender);

    // Two migrations, each slowed (10 keys per MIGRATE, 20 ms apart) so that requests and job
    // completions keep arriving while the slot's keys are split over two nodes.
    await sleep(3_000);
    const owners = [await slotOwner(cluster.nodes, slot, cluster.password)];
    const movedKeys: number[] = [];
    for (let step = 0; step < 2; step++) {
      const to = (owners.at(-1)! + 1) % cluster.nodes.length;
      movedKeys.push(await migrateSlot(cluster.nodes, slot, to, { batch: 10, pauseMs: 20, password: cluster.password }));
      owners.push(await slotOwner(cluster.nodes, slot, cluster.password));
      await sleep(2_000);
    }
    const acceptedAtEnd = accepted.size;
    sending = false;
    await Promise.all(senders);

    const storedIds = () => validatedQuestionIds(databaseUrl, 'slot-');
    let stored = new Set<string>();
    await waitFor(
      'every acknowledged question to be stored',
      async () => {
        stored = await storedIds();
        return [...accepted].every((id) => stored.has(id));
      },
      { timeoutMs: 120_000, intervalMs: 500, onTimeout: worker.output },
    );
    const counts = await waitFor(
      'the queue to drain',
      async () => {
        const c = await producer.queue(queue).getJobCounts('waiting', 'active', 'delayed', 'failed');
        return c.waiting + c.active + c.delayed === 0 ? c : undefined;
      },
      { timeoutMs: 60_000 },
    ).then((c) => c!);
    const duplicated = await duplicatedValidations(databaseUrl, 'slot-');
    const ready = (await fetch(`${baseUrl}/readyz`)).status;
    await producer.close();
    await connection.quit();
    // Both processes still shut down cleanly after the redirections.
    await Promise.all([worker.stop('SIGTERM'), ingress.stop('SIGTERM')]);
    const exitCodes = [worker.child.exitCode, ingress.child.exitCode];

    const lost = [...accepted].filter((id) => !stored.has(id)).length;
    recordScenario({
      id: 7,
      scenario: "Redis Cluster: the queues' slot migrates twice while jobs flow",
      sent: accepted.size,
      completed: accepted.size - lost,
      lost,
      duplicated,
      seconds: (Date.now() - started) / 1000,
      note: `${sent} requests: ${accepted.size} × 202, ${errors.length} other; slot ${slot} moved node ${owners.join(' → ')} (${movedKeys.join(' + ')} keys); ${counts.failed} failed`,
    });
    expect(errors).toEqual([]);
    expect(owners[1]).not.toBe(owners[0]);
    expect(owners[2]).not.toBe(owners[1]);
    expect(Math.min(...movedKeys)).toBeGreaterThan(0);
    expect(acceptedAtEnd).toBeGreaterThan(0);
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
    expect(counts).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    expect(ready).toBe(200);
    expect(exitCodes).toEqual([0, 0]);
  });
});
