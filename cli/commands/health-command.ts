import { sql } from 'kysely';
import { listFiringAlerts } from '../../db/queries/alerts.js';
import { type QueueStatus, readQueueStatus } from '../../pipelines/queue-status.js';
import { type OperatorCommandInput, printRecord, table } from './command-io.js';
import { connectToSystem } from './operator-connection.js';

/**
 * Exit codes of `learnloop health`, Nagios-style so monitoring scripts can use it as a check:
 * 0 healthy; 1 degraded (an alert of severity warning/info firing, or jobs waiting on a queue no
 * worker serves); 2 unhealthy (Redis or Postgres unreachable, or a high or critical alert firing).
 */
export const healthExit = { healthy: 0, degraded: 1, unhealthy: 2 } as const;

async function probe<T>(what: () => Promise<T>, timeoutMs = 3_000): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  try {
    const value = await Promise.race([
      what(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** `learnloop health`: dependencies, queue depths and workers, firing alerts; the exit code says it all. */
export async function healthCommand({ config, logger, options, io }: OperatorCommandInput): Promise<number> {
  const conn = await connectToSystem(config, logger, { tolerateRedisDown: true });
  try {
    const [redis, postgres] = await Promise.all([probe(() => conn.redis.ping()), probe(() => sql`SELECT 1`.execute(conn.db))]);
    const queues = redis.ok ? await probe(() => readQueueStatus(conn.producer)) : undefined;
    const alerts = postgres.ok ? await probe(() => listFiringAlerts(conn.db)) : undefined;

    const queueRows: QueueStatus[] = queues?.ok ? queues.value : [];
    const firing = alerts?.ok ? alerts.value : [];
    const problems: string[] = [];
    if (!redis.ok) problems.push(`redis: ${redis.error}`);
    if (!postgres.ok) problems.push(`postgres: ${postgres.error}`);
    if (queues && !queues.ok) problems.push(`queues: ${queues.error}`);
    if (alerts && !alerts.ok) problems.push(`alerts: ${alerts.error}`);
    const unserved = queueRows.filter((q) => q.waiting > 0 && q.workers === 0).map((q) => q.queue);

    const status =
      problems.length > 0 || firing.some((a) => a.severity === 'critical' || a.severity === 'high')
        ? 'unhealthy'
        : firing.length > 0 || unserved.length > 0
          ? 'degraded'
          : 'healthy';
    const report = {
      status,
      checkedAt: new Date().toISOString(),
      dependencies: { redis: redis.ok ? 'ok' : redis.error, postgres: postgres.ok ? 'ok' : postgres.error },
      queues: queueRows,
      queuesWithoutWorker: unserved,
      firingAlerts: firing.map((a) => ({ key: a.key, severity: a.severity, value: a.value, message: a.message, startedAt: a.startedAt })),
      problems,
    };
    printRecord(io, options.json, report, () => [
      `status: ${status.toUpperCase()}`,
      `redis: ${report.dependencies.redis}    postgres: ${report.dependencies.postgres}`,
      '',
      ...table([['queue', 'waiting', 'active', 'delayed', 'failed', 'workers'], ...queueRows.map((q) => [q.queue, q.waiting, q.active, q.delayed, q.failed, q.workers])]),
      '',
      firing.length === 0 ? 'no alerts firing' : `${firing.length} alert(s) firing:`,
      ...firing.map((a) => `  [${a.severity}] ${a.key}: ${a.message} (since ${a.startedAt})`),
      ...(unserved.length ? [`jobs waiting with no worker: ${unserved.join(', ')}`] : []),
      ...problems.map((p) => `problem: ${p}`),
    ]);
    return healthExit[status];
  } finally {
    await conn.close();
  }
}
