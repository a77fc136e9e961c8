import { type AlertLabels, type AlertRule, type AlertSample, alertKey, breaches, parseAlertKey } from './alert-rule.js';

/**
 * The alert state machine, pure: given the rules, this round's samples, the alerts already pending
 * or firing, and the clock, it says what changes and what to notify.
 *
 *   (inactive) ──breach──▶ pending ──breach held for `duration`──▶ firing ──no breach──▶ resolved
 *                              └──────────no breach──────────▶ (inactive, nothing recorded)
 *
 * Notifications: an alert is notified when it fires, and again while it keeps firing once
 * `cooldown` have passed since the last delivered notification for the same alert key —
 * including earlier episodes, so a flapping alert does not page on every flap. A notification that
 * was not delivered (rate-limited or failed) leaves `notifiedAt` unset, so the next evaluation offers
 * it again: nothing is queued. A resolved alert is announced only if its firing was delivered.
 * A sample that is missing (no data) counts as no breach.
 */

export type ActiveAlertStatus = 'pending' | 'firing';

export interface ActiveAlert {
  key: string;
  ruleId: string;
  labels: AlertLabels;
  status: ActiveAlertStatus;
  /** pending: when the breach began; firing: when the alert fired (epoch ms). */
  since: number;
  value: number;
  /** When a notification of this firing episode was last delivered (epoch ms). */
  notifiedAt?: number;
}

export interface AlertEvaluationInput {
  rules: readonly AlertRule[];
  samples: readonly AlertSample[];
  /** Every alert now pending or firing (the stored state). */
  active: readonly ActiveAlert[];
  /** Per alert key, the newest delivered notification of any earlier episode (epoch ms). */
  lastNotifiedAt?: Readonly<Record<string, number>>;
  now: number;
}

/** The rule as it stood when the alert began or fired, recorded with the alert. */
export type RuleSnapshot = Pick<AlertRule, 'severity' | 'metric' | 'threshold' | 'operator'>;

export type AlertTransition =
  | ({ type: 'pending'; alert: ActiveAlert; message: string } & RuleSnapshot)
  | { type: 'cleared'; alert: ActiveAlert }
  | ({ type: 'fired'; alert: ActiveAlert; message: string } & RuleSnapshot)
  | { type: 'resolved'; alert: ActiveAlert };

export interface AlertNotification {
  status: 'firing' | 'resolved';
  /** A repeat notification for an alert that is still firing after its cooldown. */
  reminder: boolean;
  alert: ActiveAlert;
  rule: AlertRule;
  message: string;
}

export interface AlertEvaluationOutcome {
  transitions: AlertTransition[];
  notifications: AlertNotification[];
}

/** Numbers as people read them: integers as they are, others to three significant digits. */
export function formatAlertValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(3)));
}

export function renderAlertMessage(rule: Pick<AlertRule, 'message' | 'threshold'>, labels: AlertLabels, value: number): string {
  return rule.message
    .replaceAll('{value}', formatAlertValue(value))
    .replaceAll('{threshold}', formatAlertValue(rule.threshold))
    .replaceAll('{queue}', labels.queue ?? '');
}

const snapshot = ({ severity, metric, threshold, operator }: AlertRule): RuleSnapshot => ({ severity, metric, threshold, operator });

export function evaluateAlertRules(input: AlertEvaluationInput): AlertEvaluationOutcome {
  const { now } = input;
  const transitions: AlertTransition[] = [];
  const notifications: AlertNotification[] = [];
  const rulesById = new Map(input.rules.filter((r) => r.enabled).map((r) => [r.id, r]));
  const activeByKey = new Map(input.active.map((a) => [a.key, a]));

  // This round's breaches, by alert key.
  const breached = new Map<string, { rule: AlertRule; labels: AlertLabels; value: number }>();
  for (const rule of rulesById.values()) {
    for (const sample of input.samples) {
      if (sample.metric !== rule.metric || !breaches(rule, sample.value)) continue;
      breached.set(alertKey(rule.id, sample.labels), { rule, labels: sample.labels, value: sample.value });
    }
  }

  const lastNotice = (alert: ActiveAlert): number | undefined => {
    const earlier = input.lastNotifiedAt?.[alert.key];
    if (alert.notifiedAt === undefined) return earlier;
    return earlier === undefined ? alert.notifiedAt : Math.max(earlier, alert.notifiedAt);
  };
  const offerNotification = (alert: ActiveAlert, rule: AlertRule, message: string) => {
    const last = lastNotice(alert);
    if (last !== undefined && now - last < rule.cooldown * 1000) return;
    notifications.push({ status: 'firing', reminder: alert.notifiedAt !== undefined, alert, rule, message });
  };

  // Alerts already pending or firing: held, promoted, or ended.
  for (const alert of input.active) {
    const hit = breached.get(alert.key);
    if (!hit) {
      if (alert.status === 'pending') {
        transitions.push({ type: 'cleared', alert });
        continue;
      }
      transitions.push({ type: 'resolved', alert });
      const rule = rulesById.get(alert.ruleId) ?? input.rules.find((r) => r.id === alert.ruleId);
      if (rule && alert.notifiedAt !== undefined) {
        notifications.push({ status: 'resolved', reminder: false, alert, rule, message: `Resolved: ${renderAlertMessage(rule, alert.labels, alert.value)}` });
      }
      continue;
    }
    const { rule, value } = hit;
    if (alert.status === 'pending') {
      if (now - alert.since >= rule.duration * 1000) {
        const firing: ActiveAlert = { ...alert, status: 'firing', since: now, value, notifiedAt: undefined };
        const message = renderAlertMessage(rule, alert.labels, value);
        transitions.push({ type: 'fired', alert: firing, message, ...snapshot(rule) });
        offerNotification(firing, rule, message);
      }
      continue;
    }
    // Still firing: maybe a reminder (or a retry of an undelivered notification) after the cooldown.
    offerNotification({ ...alert, value }, rule, renderAlertMessage(rule, alert.labels, value));
  }

  // New breaches: pending, or straight to firing when the rule asks for no duration.
  for (const [key, { rule, labels, value }] of breached) {
    if (activeByKey.has(key)) continue;
    const { ruleId } = parseAlertKey(key);
    const base: ActiveAlert = { key, ruleId, labels, status: 'pending', since: now, value };
    if (rule.duration === 0) {
      const firing: ActiveAlert = { ...base, status: 'firing' };
      const message = renderAlertMessage(rule, labels, value);
      transitions.push({ type: 'fired', alert: firing, message, ...snapshot(rule) });
      offerNotification(firing, rule, message);
    } else {
      transitions.push({ type: 'pending', alert: base, message: renderAlertMessage(rule, labels, value), ...snapshot(rule) });
    }
  }

  return { transitions, notifications };
}
