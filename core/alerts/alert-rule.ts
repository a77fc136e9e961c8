import { z } from 'zod';

/**
 * Alert rules are data: which cluster-wide signal to watch, how to compare it, for how long the
 * breach must last before the alert fires, and how long to stay quiet after a notification.
 *
 * Signals are computed from shared sources (Redis, PostgreSQL), never from one process's
 * Prometheus registry, so every evaluation sees the whole cluster:
 * - `queue_depth`                   jobs waiting (waiting + prioritized) in a queue; per queue
 * - `queue_waiting_without_worker`  jobs waiting in a queue that no worker serves (0 if one does); per queue
 * - `job_error_rate`                failed attempts ÷ (completed + failed attempts), last 5 minutes; per queue
 * - `jobs_dead_lettered_5m`         jobs that failed for good in the last 5 minutes; per queue
 * - `decision_write_p99_ms`         p99 of decision-trace write latency, last 5 minutes (ms)
 * - `hours_since_verified_backup`   hours since the newest backup that passed verification (or, before
 *                                   the first one, since the schema was installed)
 */
export const alertMetrics = [
  'queue_depth',
  'queue_waiting_without_worker',
  'job_error_rate',
  'jobs_dead_lettered_5m',
  'decision_write_p99_ms',
  'hours_since_verified_backup',
] as const;
export type AlertMetric = (typeof alertMetrics)[number];

export const alertComparisons = ['>', '>=', '<', '<='] as const;
export type AlertComparison = (typeof alertComparisons)[number];

export const alertSeverities = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof alertSeverities)[number];

export const alertRuleSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]{1,64}$/, 'lower-case letters, digits and - only'),
  metric: z.enum(alertMetrics),
  comparison: z.enum(alertComparisons),
  threshold: z.number().finite(),
  /** The breach must hold this long before the alert fires (0: at once). */
  forSeconds: z.number().int().min(0).max(7 * 24 * 3600),
  /** No second notification for the same alert within this long of the last one. */
  cooldownSeconds: z.number().int().min(0).max(7 * 24 * 3600),
  severity: z.enum(alertSeverities),
  /** Template: `{value}`, `{threshold}` and `{queue}` are filled in. */
  message: z.string().min(1).max(500),
  enabled: z.boolean(),
});
export type AlertRule = z.infer<typeof alertRuleSchema>;

/** Per-rule overrides an operator may set (config `ALERT_RULE_OVERRIDES`, a JSON object by rule id). */
export const alertRuleOverridesSchema = z.record(
  z.string().max(64),
  alertRuleSchema.pick({ threshold: true, forSeconds: true, cooldownSeconds: true, severity: true, enabled: true }).partial().strict(),
);
export type AlertRuleOverrides = z.infer<typeof alertRuleOverridesSchema>;

/** Labels are bounded: a queue name at most. */
export interface AlertLabels {
  queue?: string;
}

/** One value of one signal, as collected for an evaluation. */
export interface AlertSample {
  metric: AlertMetric;
  labels: AlertLabels;
  value: number;
}

/** The rules with overrides applied; an override naming no known rule is an error, not a silent no-op. */
export function applyRuleOverrides(rules: readonly AlertRule[], overrides: AlertRuleOverrides = {}): AlertRule[] {
  const known = new Set(rules.map((r) => r.id));
  const unknown = Object.keys(overrides).filter((id) => !known.has(id));
  if (unknown.length) throw new Error(`alert rule overrides name unknown rules: ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
  return rules.map((rule) => alertRuleSchema.parse({ ...rule, ...overrides[rule.id] }));
}

/** The identity of one alert: its rule plus its labels (`queue-depth-high/feedback-loop`). */
export function alertKey(ruleId: string, labels: AlertLabels): string {
  return labels.queue ? `${ruleId}/${labels.queue}` : ruleId;
}

export function parseAlertKey(key: string): { ruleId: string; labels: AlertLabels } {
  const slash = key.indexOf('/');
  return slash < 0 ? { ruleId: key, labels: {} } : { ruleId: key.slice(0, slash), labels: { queue: key.slice(slash + 1) } };
}

export function breaches(rule: Pick<AlertRule, 'comparison' | 'threshold'>, value: number): boolean {
  if (Number.isNaN(value)) return false;
  switch (rule.comparison) {
    case '>':
      return value > rule.threshold;
    case '>=':
      return value >= rule.threshold;
    case '<':
      return value < rule.threshold;
    case '<=':
      return value <= rule.threshold;
  }
}
