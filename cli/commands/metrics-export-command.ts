import { Gauge, Registry } from 'prom-client';
import { listFiringAlerts } from '../../db/queries/alerts.js';
import { readQueueStatus } from '../../pipelines/queue-status.js';
import { collectAlertSamples } from '../../workers/alerts/collect-alert-samples.js';
import { type OperatorCommandInput, UsageError } from './command-io.js';
import { withSystem } from './operator-connection.js';

export const metricsFormats = ['json', 'prom'] as const;

/**
 * `learnloop metrics export --format json|prom`: the cluster-wide figures, read from the shared
 * stores (Redis and Postgres) exactly as the alert engine reads them — queue counts and workers,
 * every alert signal, alerts firing. A process's own /metrics shows one process; this shows the
 * whole system, and works when no ingress is reachable. `prom` is Prometheus text format (for a
 * textfile collector or a push), `json` the same figures as one object.
 */
export async function metricsExportCommand({ config, logger, options, io }: OperatorCommandInput): Promise<number> {
  const format = options.format ?? 'json';
  if (!(metricsFormats as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${metricsFormats.join(', ')}`);
  const now = new Date();
  const figures = await withSystem(config, logger, async (conn) => {
    const [queues, signals, firing] = await Promise.all([
      readQueueStatus(conn.producer),
      collectAlertSamples({ producer: conn.producer, redis: conn.redis, db: conn.db, prefix: config.QUEUE_PREFIX, now }),
      listFiringAlerts(conn.db),
    ]);
    return { exportedAt: now.toISOString(), queues, signals, firingAlerts: firing.length };
  });
  if (format === 'json') {
    io.out(JSON.stringify(figures, null, 2));
    return 0;
  }
  const registry = new Registry();
  const jobs = new Gauge({ name: 'learnloop_cluster_queue_jobs', help: 'Jobs per queue and state, cluster-wide', labelNames: ['queue', 'state'], registers: [registry] });
  const workers = new Gauge({ name: 'learnloop_cluster_queue_workers', help: 'Worker connections serving each queue', labelNames: ['queue'], registers: [registry] });
  const signal = new Gauge({ name: 'learnloop_cluster_signal', help: 'Alert-engine signals (core/alerts/alert-rule.ts), cluster-wide', labelNames: ['signal', 'queue'], registers: [registry] });
  const alerts = new Gauge({ name: 'learnloop_cluster_alerts_firing', help: 'Alerts firing now', registers: [registry] });
  for (const q of figures.queues) {
    for (const state of ['waiting', 'active', 'delayed', 'failed'] as const) jobs.set({ queue: q.queue, state }, q[state]);
    workers.set({ queue: q.queue }, q.workers);
  }
  for (const s of figures.signals) signal.set({ signal: s.metric, queue: s.labels.queue ?? '' }, s.value);
  alerts.set(figures.firingAlerts);
  io.out((await registry.metrics()).trimEnd());
  return 0;
}
