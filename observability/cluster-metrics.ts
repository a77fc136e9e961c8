import { Gauge } from 'prom-client';
import { metricsRegistry } from './metrics-registry.js';

/**
 * Cluster-wide state read at scrape time from Redis and PostgreSQL, like
 * `learnloop_queue_jobs_by_state` (job-metrics.ts). Only the ingress sets a source, so one process
 * reports these; with several ingress instances use `max without (instance)` in queries.
 */
export interface ClusterStateSource {
  /** Workers connected to each queue (BullMQ `getWorkersCount`). */
  queueWorkers(): Promise<{ queue: string; workers: number }[]>;
  /** The newest passed backup verification, or before the first one the schema's install time. */
  lastVerifiedBackup(): Promise<Date | undefined>;
}

let source: ClusterStateSource | undefined;

export function setClusterStateSource(next: ClusterStateSource | undefined): void {
  source = next;
}

export const queueWorkers = new Gauge({
  name: 'learnloop_queue_workers',
  help: 'Workers connected to each queue, read from Redis at scrape time.',
  labelNames: ['queue'] as const,
  registers: [metricsRegistry],
  async collect() {
    if (!source) return;
    const rows = await source.queueWorkers().catch(() => undefined);
    if (!rows) return;
    this.reset();
    for (const { queue, workers } of rows) this.set({ queue }, workers);
  },
});

export const backupLastVerifiedTimestamp = new Gauge({
  name: 'learnloop_backup_last_verified_timestamp_seconds',
  help: 'Unix time of the newest backup that passed verification (before the first one: when the schema was installed), read from PostgreSQL at scrape time.',
  registers: [metricsRegistry],
  async collect() {
    if (!source) return;
    const at = await source.lastVerifiedBackup().catch(() => undefined);
    if (at) this.set(at.getTime() / 1000);
  },
});
