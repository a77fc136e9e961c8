import { describe, expect, it } from 'vitest';
import { type AlertRule, type AlertSample, alertKey, applyRuleOverrides, parseAlertKey } from '../../../core/alerts/alert-rule.js';
import { alertWebhookPayload } from '../../../core/alerts/alert-webhook-payload.js';
import { defaultAlertRules } from '../../../core/alerts/default-alert-rules.js';
import {
  type ActiveAlert,
  type AlertEvaluationOutcome,
  evaluateAlertRules,
  renderAlertMessage,
} from '../../../core/alerts/evaluate-alert-rules.js';
import { ConfigError, parseConfig } from '../../../core/config/config-schema.js';

const rule: AlertRule = {
  id: 'queue-depth-high',
  metric: 'queue_depth',
  operator: '>',
  threshold: 10,
  duration: 60,
  cooldown: 600,
  severity: 'warning',
  message: 'Queue {queue} has {value} jobs waiting (threshold {threshold}).',
  enabled: true,
};
const depth = (value: number, queue = 'feedback-loop'): AlertSample => ({ metric: 'queue_depth', labels: { queue }, value });
const t0 = Date.parse('2025-03-01T10:00:00Z');
const s = (seconds: number) => t0 + seconds * 1000;

/**
 * Drives the state machine the way the runner does: the transitions become the stored state, and a
 * notification marked delivered sets `notifiedAt` (unless `deliver` says it was dropped).
 */
class Harness {
  active: ActiveAlert[] = [];
  lastNotifiedAt: Record<string, number> = {};
  sent: { at: number; status: string; reminder: boolean; key: string }[] = [];

  constructor(private readonly rules: AlertRule[]) {}

  step(at: number, samples: AlertSample[], deliver = true): AlertEvaluationOutcome {
    const outcome = evaluateAlertRules({ rules: this.rules, samples, active: this.active, lastNotifiedAt: this.lastNotifiedAt, now: at });
    const byKey = new Map(this.active.map((a) => [a.key, a]));
    for (const t of outcome.transitions) {
      if (t.type === 'pending' || t.type === 'fired') byKey.set(t.alert.key, t.alert);
      if (t.type === 'cleared') byKey.delete(t.alert.key);
      if (t.type === 'resolved') {
        byKey.delete(t.alert.key);
        if (t.alert.notifiedAt !== undefined) this.lastNotifiedAt[t.alert.key] = Math.max(this.lastNotifiedAt[t.alert.key] ?? 0, t.alert.notifiedAt);
      }
    }
    for (const n of outcome.notifications) {
      if (!deliver) continue;
      this.sent.push({ at, status: n.status, reminder: n.reminder, key: n.alert.key });
      const current = byKey.get(n.alert.key);
      if (n.status === 'firing' && current) byKey.set(n.alert.key, { ...current, notifiedAt: at });
    }
    this.active = [...byKey.values()];
    return outcome;
  }
}

describe('alert state machine', () => {
  it('goes pending on a breach, fires once the breach has lasted duration, and notifies once', () => {
    const h = new Harness([rule]);
    const first = h.step(s(0), [depth(11)]);
    expect(first.transitions.map((t) => t.type)).toEqual(['pending']);
    expect(first.notifications).toEqual([]);

    expect(h.step(s(30), [depth(12)]).transitions).toEqual([]); // still pending: 30 s < 60 s
    const fired = h.step(s(60), [depth(13)]);
    expect(fired.transitions).toMatchObject([{ type: 'fired', alert: { key: 'queue-depth-high/feedback-loop', status: 'firing', value: 13 } }]);
    expect(fired.notifications).toHaveLength(1);
    expect(fired.notifications[0]).toMatchObject({ status: 'firing', reminder: false, message: 'Queue feedback-loop has 13 jobs waiting (threshold 10).' });
    expect(h.active).toMatchObject([{ status: 'firing', since: s(60), notifiedAt: s(60) }]);
  });

  it('a breach that ends before duration clears without firing or notifying', () => {
    const h = new Harness([rule]);
    h.step(s(0), [depth(50)]);
    const cleared = h.step(s(59), [depth(3)]);
    expect(cleared.transitions.map((t) => t.type)).toEqual(['cleared']);
    expect(h.active).toEqual([]);
    // A new breach starts its duration from scratch.
    h.step(s(70), [depth(50)]);
    expect(h.step(s(120), [depth(50)]).transitions).toEqual([]);
    expect(h.step(s(130), [depth(50)]).transitions.map((t) => t.type)).toEqual(['fired']);
  });

  it('sends nothing more while firing within the cooldown, then a reminder after it', () => {
    const h = new Harness([rule]);
    h.step(s(0), [depth(20)]);
    h.step(s(60), [depth(20)]);
    for (let i = 1; i <= 39; i++) expect(h.step(s(60 + i * 15), [depth(20 + i)]).notifications).toEqual([]);
    const reminder = h.step(s(660), [depth(99)]);
    expect(reminder.notifications).toMatchObject([{ status: 'firing', reminder: true, alert: { value: 99 } }]);
    expect(h.sent.map((m) => m.at)).toEqual([s(60), s(660)]);
  });

  it('resolves when the breach ends, announcing it only if the firing was delivered', () => {
    const h = new Harness([rule]);
    h.step(s(0), [depth(20)]);
    h.step(s(60), [depth(20)]);
    const resolved = h.step(s(90), [depth(0)]);
    expect(resolved.transitions.map((t) => t.type)).toEqual(['resolved']);
    expect(resolved.notifications).toMatchObject([{ status: 'resolved', message: expect.stringMatching(/^Resolved: Queue feedback-loop/) }]);
    expect(h.active).toEqual([]);

    const quiet = new Harness([rule]);
    quiet.step(s(0), [depth(20)], false);
    quiet.step(s(60), [depth(20)], false); // fired, but the message was dropped
    expect(quiet.step(s(90), [depth(0)]).notifications).toEqual([]);
  });

  it('a missing sample counts as no breach (no data resolves)', () => {
    const h = new Harness([{ ...rule, duration: 0 }]);
    expect(h.step(s(0), [depth(20)]).transitions.map((t) => t.type)).toEqual(['fired']);
    expect(h.step(s(15), []).transitions.map((t) => t.type)).toEqual(['resolved']);
  });

  it('cooldown spans episodes: a flapping alert does not page on every flap', () => {
    const h = new Harness([{ ...rule, duration: 0 }]);
    h.step(s(0), [depth(20)]); // fires, notified
    h.step(s(15), [depth(0)]); // resolves, announced
    const again = h.step(s(30), [depth(20)]); // fires again within 600 s of the last notification
    expect(again.transitions.map((t) => t.type)).toEqual(['fired']);
    expect(again.notifications).toEqual([]);
    expect(h.step(s(610), [depth(20)]).notifications).toMatchObject([{ status: 'firing', reminder: false }]);
    expect(h.sent.map((m) => [m.at, m.status])).toEqual([
      [s(0), 'firing'],
      [s(15), 'resolved'],
      [s(610), 'firing'],
    ]);
  });

  it('an undelivered notification is offered again at the next evaluation, not queued', () => {
    const h = new Harness([{ ...rule, duration: 0 }]);
    expect(h.step(s(0), [depth(20)], false).notifications).toHaveLength(1);
    expect(h.step(s(15), [depth(20)]).notifications).toMatchObject([{ status: 'firing', reminder: false }]);
    expect(h.step(s(30), [depth(20)]).notifications).toEqual([]);
  });

  it('one alert per queue, each with its own state', () => {
    const h = new Harness([{ ...rule, duration: 0 }]);
    const out = h.step(s(0), [depth(20, 'feedback-loop'), depth(5, 'backups'), depth(30, 'monitoring')]);
    expect(out.transitions.map((t) => t.alert.key).sort()).toEqual(['queue-depth-high/feedback-loop', 'queue-depth-high/monitoring']);
    const next = h.step(s(15), [depth(20, 'feedback-loop'), depth(5, 'backups'), depth(0, 'monitoring')]);
    expect(next.transitions.map((t) => [t.type, t.alert.key])).toEqual([['resolved', 'queue-depth-high/monitoring']]);
  });

  it('disabling a rule resolves its firing alerts and clears its pending ones', () => {
    const h = new Harness([{ ...rule, duration: 0 }, { ...rule, id: 'slow', metric: 'decision_write_p99_ms', threshold: 500 }]);
    h.step(s(0), [depth(20), { metric: 'decision_write_p99_ms', labels: {}, value: 900 }]);
    expect(h.active.map((a) => [a.key, a.status]).sort()).toEqual([['queue-depth-high/feedback-loop', 'firing'], ['slow', 'pending']]);
    const disabled = evaluateAlertRules({
      rules: [{ ...rule, enabled: false }, { ...rule, id: 'slow', metric: 'decision_write_p99_ms', threshold: 500, enabled: false }],
      samples: [depth(20), { metric: 'decision_write_p99_ms', labels: {}, value: 900 }],
      active: h.active,
      now: s(15),
    });
    expect(disabled.transitions.map((t) => t.type).sort()).toEqual(['cleared', 'resolved']);
  });

  it('compares with every operator, and NaN never breaches', () => {
    const at = (operator: AlertRule['operator'], value: number) =>
      evaluateAlertRules({ rules: [{ ...rule, operator, duration: 0 }], samples: [depth(value)], active: [], now: t0 }).transitions.length;
    expect([at('>', 10), at('>', 11), at('>=', 10), at('<', 9), at('<', 10), at('<=', 10), at('>', Number.NaN)]).toEqual([0, 1, 1, 1, 0, 1, 0]);
  });
});

describe('rules as data', () => {
  it('the defaults carry the documented thresholds (README, "Observability") and validate', () => {
    const byId = Object.fromEntries(applyRuleOverrides(defaultAlertRules).map((r) => [r.id, r]));
    expect(byId['queue-depth-high']).toMatchObject({ metric: 'queue_depth', operator: '>', threshold: 500 });
    expect(byId['decision-write-p99-high']).toMatchObject({ metric: 'decision_write_p99_ms', threshold: 500 });
    expect(byId['job-error-rate-high']).toMatchObject({ metric: 'job_error_rate', threshold: 0.01 });
    expect(byId['backup-not-verified']).toMatchObject({ metric: 'hours_since_verified_backup', threshold: 26 });
    expect(byId['queue-without-worker']).toMatchObject({ metric: 'queue_waiting_without_worker', threshold: 0 });
    expect(byId['jobs-dead-lettered']).toMatchObject({ metric: 'jobs_dead_lettered_5m', threshold: 0 });
  });

  it('overrides change a rule; unknown rules and bad values are refused by the config', () => {
    const config = parseConfig({ ALERT_RULE_OVERRIDES: '{"queue-depth-high":{"threshold":5,"duration":30},"backup-not-verified":{"enabled":false}}' });
    const rules = applyRuleOverrides(defaultAlertRules, config.ALERT_RULE_OVERRIDES);
    expect(rules.find((r) => r.id === 'queue-depth-high')).toMatchObject({ threshold: 5, duration: 30, cooldown: 900 });
    expect(rules.find((r) => r.id === 'backup-not-verified')?.enabled).toBe(false);
    expect(parseConfig({}).ALERT_RULE_OVERRIDES).toEqual({});
    expect(() => parseConfig({ ALERT_RULE_OVERRIDES: '{"nope":{"threshold":1}}' })).toThrow(/ALERT_RULE_OVERRIDES: .*unknown rules: nope/);
    expect(() => parseConfig({ ALERT_RULE_OVERRIDES: '{"queue-depth-high":{"duration":-1}}' })).toThrow(ConfigError);
    expect(() => parseConfig({ ALERT_RULE_OVERRIDES: '{"queue-depth-high":{"metric":"queue_depth"}}' })).toThrow(ConfigError);
    expect(() => parseConfig({ ALERT_RULE_OVERRIDES: 'not json' })).toThrow(/JSON object/);
  });

  it('METRICS_PORT takes a port or off', () => {
    expect(parseConfig({}).METRICS_PORT).toBeUndefined();
    expect(parseConfig({ METRICS_PORT: '9464' }).METRICS_PORT).toBe(9464);
    expect(parseConfig({ METRICS_PORT: 'off' }).METRICS_PORT).toBeNull();
    expect(() => parseConfig({ METRICS_PORT: 'lots' })).toThrow(ConfigError);
  });

  it('alert keys carry the queue label and parse back', () => {
    expect(alertKey('queue-depth-high', { queue: 'backups' })).toBe('queue-depth-high/backups');
    expect(parseAlertKey('queue-depth-high/backups')).toEqual({ ruleId: 'queue-depth-high', labels: { queue: 'backups' } });
    expect(parseAlertKey('backup-not-verified')).toEqual({ ruleId: 'backup-not-verified', labels: {} });
  });

  it('messages and webhook payloads read well and carry a Slack-compatible text', () => {
    expect(renderAlertMessage({ message: 'p99 {value} ms > {threshold} ms', threshold: 500 }, {}, 612.3456)).toBe('p99 612 ms > 500 ms');
    expect(renderAlertMessage({ message: '{value} on {queue}', threshold: 0.01 }, { queue: 'q' }, 0.0345678)).toBe('0.0346 on q');
    const [n] = evaluateAlertRules({ rules: [{ ...rule, duration: 0, severity: 'critical' }], samples: [depth(42)], active: [], now: t0 }).notifications;
    const payload = alertWebhookPayload(n!, new Date(t0));
    expect(payload).toMatchObject({
      text: '[FIRING:CRITICAL] queue-depth-high/feedback-loop: Queue feedback-loop has 42 jobs waiting (threshold 10).',
      status: 'firing',
      alert: { rule: 'queue-depth-high', labels: { queue: 'feedback-loop' }, value: 42, threshold: 10, severity: 'critical', startedAt: new Date(t0).toISOString() },
    });
  });
});
