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
 * - `api_latency_p50_ms`, `api_latency_p99_ms`  median and p99 of /api request durations, last 5
 *                                   minutes, every ingress instance (ms)
 * - `http_5xx_rate`                 share of /api answers with a 5xx status, last 5 minutes
 * - `flow_state_rate`               share of sessions completed in the last hour whose success rate
 *                                   was in the flow band (70–85%); at least 5 sessions, else no sample
 * - `validation_confidence_mean`    mean confidence of the question validations of the last hour
 * - `validation_pass_rate`          share of those validations that passed (quality ≥ 0.7)
 * - `validation_accuracy`           the seeds' "validation accuracy": of the validations of the last
 *                                   hour whose question named the author's `intendedLevel`, the
 *                                   share the validator read at that level (at least 5, else no
 *                                   sample; `npm run eval:bloom` measures the same offline)
 * - `cache_hit_rate`                read-cache hits ÷ lookups, every family and process, last 5 minutes
 */
export const alertMetrics = [
  'queue_depth',
  'queue_waiting_without_worker',
  'job_error_rate',
  'jobs_dead_lettered_5m',
  'decision_write_p99_ms',
  'hours_since_verified_backup',
  'api_latency_p50_ms',
  'api_latency_p99_ms',
  'http_5xx_rate',
  'flow_state_rate',
  'validation_confidence_mean',
  'validation_pass_rate',
  'validation_accuracy',
  'cache_hit_rate',
] as const;
export type AlertMetric = (typeof alertMetrics)[number];

export const alertOperators = ['>', '>=', '<', '<='] as const;
export type AlertOperator = (typeof alertOperators)[number];

/** `high` is the runbook's severity between warning and critical (the decision-latency rule). */
export const alertSeverities = ['info', 'warning', 'high', 'critical'] as const;
export type AlertSeverity = (typeof alertSeverities)[number];

export const alertRuleSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]{1,64}$/, 'lower-case letters, digits and - only'),
  metric: z.enum(alertMetrics),
  operator: z.enum(alertOperators),
  threshold: z.number().finite(),
  /** Seconds the breach must hold before the alert fires (0: at once). */
  duration: z.number().int().min(0).max(7 * 24 * 3600),
  /** Seconds after a notification during which the same alert is not notified again. */
  cooldown: z.number().int().min(0).max(7 * 24 * 3600),
  severity: z.enum(alertSeverities),
  /** Template: `{value}`, `{threshold}` and `{queue}` are filled in. */
  message: z.string().min(1).max(500),
  enabled: z.boolean(),
});
export type AlertRule = z.infer<typeof alertRuleSchema>;

/** A rule as operators send it to POST /api/alerts/rules: every field, nothing else. */
export const alertRuleInputSchema = alertRuleSchema.strict();
/** PUT /api/alerts/rules/:id: the whole rule but its id (the path names it). */
export const alertRuleReplacementSchema = alertRuleSchema.omit({ id: true }).strict();

/** Per-rule overrides an operator may set (config `ALERT_RULE_OVERRIDES`, a JSON object by rule id). */
export const alertRuleOverridesSchema = z.record(
  z.string().max(64),
  alertRuleSchema.pick({ threshold: true, duration: true, cooldown: true, severity: true, enabled: true }).partial().strict(),
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
  return overlayRuleOverrides(rules, overrides);
}

/**
 * The overrides laid over the rules that exist. Unlike applyRuleOverrides, an override of a rule
 * that is gone (an operator deleted it at run time) is skipped: the environment was checked against
 * the defaults at start-up, and a deleted rule must stay deleted.
 */
export function overlayRuleOverrides(rules: readonly AlertRule[], overrides: AlertRuleOverrides = {}): AlertRule[] {
  return rules.map((rule) => (overrides[rule.id] ? alertRuleSchema.parse({ ...rule, ...overrides[rule.id] }) : rule));
}

/** The identity of one alert: its rule plus its labels (`queue-depth-high/feedback-loop`). */
export function alertKey(ruleId: string, labels: AlertLabels): string {
  return labels.queue ? `${ruleId}/${labels.queue}` : ruleId;
}

export function parseAlertKey(key: string): { ruleId: string; labels: AlertLabels } {
  const slash = key.indexOf('/');
  return slash < 0 ? { ruleId: key, labels: {} } : { ruleId: key.slice(0, slash), labels: { queue: key.slice(slash + 1) } };
}

export function breaches(rule: Pick<AlertRule, 'operator' | 'threshold'>, value: number): boolean {
  if (Number.isNaN(value)) return false;
  switch (rule.operator) {
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
