import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from './metrics-registry.js';

/**
 * Retention, GDPR and backup metrics, set by the retention-cleanup and backups processors.
 * The `table` label is bounded: table names of our own schema.
 */

export const retentionRowsDeleted = new Counter({
  name: 'learnloop_retention_rows_deleted_total',
  help: 'Rows deleted by the retention sweep (expired rows and rows of purged learners), by table.',
  labelNames: ['table'] as const,
  registers: [metricsRegistry],
});

export const retentionRowsArchived = new Counter({
  name: 'learnloop_retention_rows_archived_total',
  help: 'Rows copied to an archive table by the retention sweep, by archive table.',
  labelNames: ['table'] as const,
  registers: [metricsRegistry],
});

export const retentionPartitionsDropped = new Counter({
  name: 'learnloop_retention_partitions_dropped_total',
  help: 'Expired monthly partitions dropped whole by the retention sweep.',
  registers: [metricsRegistry],
});

export const gdprLearnersPurged = new Counter({
  name: 'learnloop_gdpr_learners_purged_total',
  help: 'Erased learners hard-deleted after their grace period.',
  registers: [metricsRegistry],
});

export const retentionLastSweepTimestamp = new Gauge({
  name: 'learnloop_retention_last_sweep_timestamp_seconds',
  help: 'When the last retention sweep finished (Unix time).',
  registers: [metricsRegistry],
});

export const backupLastSuccessTimestamp = new Gauge({
  name: 'learnloop_backup_last_success_timestamp_seconds',
  help: 'When the last backup completed (Unix time). Alert when it is older than a day and a bit.',
  registers: [metricsRegistry],
});

export const backupLastSizeBytes = new Gauge({
  name: 'learnloop_backup_last_size_bytes',
  help: 'Compressed size of the last completed backup.',
  registers: [metricsRegistry],
});

export const backupVerifications = new Counter({
  name: 'learnloop_backup_verifications_total',
  help: 'Backup verifications by result (passed | failed).',
  labelNames: ['result'] as const,
  registers: [metricsRegistry],
});

export const backupsPruned = new Counter({
  name: 'learnloop_backups_pruned_total',
  help: 'Backups deleted by the prune job.',
  registers: [metricsRegistry],
});
