import type { AlertRule } from './alert-rule.js';

/**
 * The built-in rules (DESIGN.md: queue depth > 500, decision-write p99 > 500 ms, job error rate
 * > 1%, plus dead-lettered jobs, a queue nobody serves and a stale backup). `ops/prometheus/alerts.yml`
 * states the same rules in PromQL for operators who alert from Prometheus; keep the two in step.
 */
export const defaultAlertRules: readonly AlertRule[] = [
  {
    id: 'queue-depth-high',
    metric: 'queue_depth',
    comparison: '>',
    threshold: 500,
    forSeconds: 120,
    cooldownSeconds: 900,
    severity: 'warning',
    message: 'Queue {queue} has {value} jobs waiting (threshold {threshold}).',
    enabled: true,
  },
  {
    id: 'decision-write-p99-high',
    metric: 'decision_write_p99_ms',
    comparison: '>',
    threshold: 500,
    forSeconds: 300,
    cooldownSeconds: 900,
    severity: 'warning',
    message: 'Decision-trace writes are slow: p99 {value} ms over the last 5 minutes (threshold {threshold} ms).',
    enabled: true,
  },
  {
    id: 'job-error-rate-high',
    metric: 'job_error_rate',
    comparison: '>',
    threshold: 0.01,
    forSeconds: 300,
    cooldownSeconds: 900,
    severity: 'warning',
    message: 'Queue {queue}: {value} of job attempts failed over the last 5 minutes (threshold {threshold}).',
    enabled: true,
  },
  {
    id: 'jobs-dead-lettered',
    metric: 'jobs_dead_lettered_5m',
    comparison: '>',
    threshold: 0,
    forSeconds: 0,
    cooldownSeconds: 900,
    severity: 'warning',
    message: 'Queue {queue}: {value} jobs failed for good in the last 5 minutes; replay them once the cause is fixed.',
    enabled: true,
  },
  {
    id: 'queue-without-worker',
    metric: 'queue_waiting_without_worker',
    comparison: '>',
    threshold: 0,
    forSeconds: 60,
    cooldownSeconds: 900,
    severity: 'critical',
    message: 'Queue {queue} has {value} jobs waiting and no worker serving it.',
    enabled: true,
  },
  {
    id: 'backup-not-verified',
    metric: 'hours_since_verified_backup',
    comparison: '>',
    threshold: 26,
    forSeconds: 0,
    cooldownSeconds: 6 * 3600,
    severity: 'critical',
    message: 'No backup has passed verification for {value} hours (threshold {threshold} h).',
    enabled: true,
  },
];
