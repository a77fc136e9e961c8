import type { RedisClient } from '../../pipelines/redis-connection.js';
import type { AlertSample } from '../../core/alerts/alert-rule.js';
import type { Db } from '../../db/database.js';
import { readOutcomeSignals } from '../../db/queries/alert-signals.js';
import { lastVerifiedBackupOrInstallAt } from '../../db/queries/backup-freshness.js';
import { readCacheHitRates, readRequestFigures } from '../../observability/cluster-request-stats.js';
import { readDecisionWriteP99 } from '../../observability/decision-write-latency.js';
import { readJobOutcomes } from '../../observability/job-outcome-counters.js';
import type { Producer } from '../../pipelines/producer.js';
import { readQueueStatus } from '../../pipelines/queue-status.js';

/** Rates and percentiles are taken over this many minutes (the current one included). */
export const alertWindowMinutes = 5;
/** Learning outcomes (flow state, validations) are taken over the last hour: they arrive slowly. */
export const outcomeWindowMinutes = 60;

export interface AlertSampleSources {
  producer: Producer;
  redis: RedisClient;
  db: Db;
  prefix: string;
  now: Date;
}

/**
 * One value per alert metric (core/alerts/alert-rule.ts), read from the shared stores — Redis for
 * queues, job outcomes and decision-write latency, PostgreSQL for backups — so the evaluation sees
 * the whole cluster however many processes run. A metric without data (no jobs, no writes) gives
 * no sample, which the rules read as "no breach".
 */
export async function collectAlertSamples(sources: AlertSampleSources): Promise<AlertSample[]> {
  const { producer, redis, db, prefix, now } = sources;
  const [queues, outcomes, writes, lastBackup, requests, lookups, learning] = await Promise.all([
    readQueueStatus(producer),
    readJobOutcomes(redis, prefix, alertWindowMinutes, now.getTime()),
    readDecisionWriteP99(redis, prefix, alertWindowMinutes, now.getTime()),
    lastVerifiedBackupOrInstallAt(db),
    readRequestFigures(redis, prefix, alertWindowMinutes, now.getTime()),
    readCacheHitRates(redis, prefix, alertWindowMinutes, now.getTime()),
    readOutcomeSignals(db, { since: new Date(now.getTime() - outcomeWindowMinutes * 60_000) }),
  ]);

  const samples: AlertSample[] = [];
  for (const q of queues) {
    const labels = { queue: q.queue };
    samples.push({ metric: 'queue_depth', labels, value: q.waiting });
    samples.push({ metric: 'queue_waiting_without_worker', labels, value: q.workers === 0 ? q.waiting : 0 });
    const counts = outcomes.get(q.queue);
    samples.push({ metric: 'jobs_dead_lettered_5m', labels, value: counts?.dead ?? 0 });
    const attempts = (counts?.completed ?? 0) + (counts?.failed ?? 0);
    if (counts && attempts > 0) samples.push({ metric: 'job_error_rate', labels, value: counts.failed / attempts });
  }
  if (writes.p99Ms !== undefined) samples.push({ metric: 'decision_write_p99_ms', labels: {}, value: writes.p99Ms });
  const global = (metric: AlertSample['metric'], value: number | undefined) => {
    if (value !== undefined) samples.push({ metric, labels: {}, value });
  };
  global('api_latency_p50_ms', requests.p50Ms);
  global('api_latency_p99_ms', requests.p99Ms);
  global('http_5xx_rate', requests.errorRate);
  global('cache_hit_rate', lookups.hitRate);
  global('flow_state_rate', learning.flowStateRate);
  global('validation_confidence_mean', learning.validationConfidenceMean);
  global('validation_pass_rate', learning.validationPassRate);
  global('validation_accuracy', learning.validationAccuracy);
  if (lastBackup) samples.push({ metric: 'hours_since_verified_backup', labels: {}, value: (now.getTime() - lastBackup.getTime()) / 3_600_000 });
  return samples;
}
