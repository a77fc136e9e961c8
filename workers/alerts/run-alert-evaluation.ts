import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../pipelines/redis-connection.js';
import type { z } from 'zod';
import type { AlertRule } from '../../core/alerts/alert-rule.js';
import { alertWebhookPayload } from '../../core/alerts/alert-webhook-payload.js';
import { evaluateAlertRules } from '../../core/alerts/evaluate-alert-rules.js';
import type { evaluateAlertsResultSchema } from '../../core/contracts/maintenance-contracts.js';
import type { Db } from '../../db/database.js';
import { applyAlertTransitions, lastNotifiedAtByKey, listActiveAlertStates, markAlertNotified } from '../../db/queries/alerts.js';
import { alertEvaluationSeconds, alertTransitions } from '../../observability/alert-metrics.js';
import type { Logger } from '../../observability/logger.js';
import type { Producer } from '../../pipelines/producer.js';
import { collectAlertSamples } from './collect-alert-samples.js';
import type { DeliveryOutcome, WebhookNotifier } from './webhook-notifier.js';
import { redisKeys } from '../../core/contracts/ids.js';

export type AlertEvaluationResult = z.output<typeof evaluateAlertsResultSchema>;

export interface AlertEvaluationDeps {
  db: Db;
  redis: RedisClient;
  producer: Producer;
  prefix: string;
  rules: readonly AlertRule[];
  notifier: WebhookNotifier;
  now: Date;
  log: Logger;
}

/** Longer than any evaluation can take (notifications included): a crashed holder frees it by expiry. */
const lockTtlMs = 120_000;
/** Deletes the lock only if this evaluation still holds it. */
const releaseScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * One alert evaluation: collect the cluster-wide samples, run the state machine against the stored
 * state, store the transitions, then notify. Run by the `monitoring/evaluate-alerts` job, which a
 * single BullMQ job scheduler makes once per interval however many processes run; a Redis lock keeps
 * two evaluations from overlapping even if one runs long.
 *
 * Transitions are stored before notifying, and `notified_at` only after a delivery: a crash in
 * between leaves the alert undelivered, and the next evaluation offers it again (at least once).
 */
export async function runAlertEvaluation(deps: AlertEvaluationDeps): Promise<AlertEvaluationResult> {
  const { db, redis, prefix, now, log } = deps;
  const endTimer = alertEvaluationSeconds.startTimer();
  const lockKey = redisKeys.alertEvaluationLock(prefix);
  const token = randomUUID();
  if ((await redis.set(lockKey, token, 'PX', lockTtlMs, 'NX')) !== 'OK') {
    endTimer({ outcome: 'skipped' });
    log.info('another alert evaluation is running; skipping this one');
    return { firing: [], resolved: [], skipped: true };
  }
  try {
    const [samples, active, lastNotifiedAt] = await Promise.all([
      collectAlertSamples({ producer: deps.producer, redis, db, prefix, now }),
      listActiveAlertStates(db),
      lastNotifiedAtByKey(db),
    ]);
    const { transitions, notifications } = evaluateAlertRules({ rules: deps.rules, samples, active, lastNotifiedAt, now: now.getTime() });
    await applyAlertTransitions(db, transitions, now);

    for (const t of transitions) {
      alertTransitions.inc({ rule: t.alert.ruleId, to: t.type === 'fired' ? 'firing' : t.type });
      if (t.type === 'fired') log.warn({ alert: t.alert.key, severity: t.severity, value: t.alert.value }, `alert firing: ${t.message}`);
      else if (t.type === 'resolved') log.info({ alert: t.alert.key }, 'alert resolved');
    }

    const counts: Record<DeliveryOutcome, number> = { delivered: 0, failed: 0, dropped: 0, disabled: 0 };
    await Promise.all(
      notifications.map(async (n) => {
        const outcome = await deps.notifier.send(alertWebhookPayload(n, now), now);
        counts[outcome]++;
        if (outcome === 'delivered' && n.status === 'firing') await markAlertNotified(db, n.alert.key, now);
      }),
    );

    const firing = new Set(active.filter((a) => a.status === 'firing').map((a) => a.key));
    const pending = new Set(active.filter((a) => a.status === 'pending').map((a) => a.key));
    const fired: string[] = [];
    const resolved: string[] = [];
    for (const t of transitions) {
      if (t.type === 'pending') pending.add(t.alert.key);
      if (t.type === 'cleared') pending.delete(t.alert.key);
      if (t.type === 'fired') {
        pending.delete(t.alert.key);
        firing.add(t.alert.key);
        fired.push(t.alert.key);
      }
      if (t.type === 'resolved') {
        firing.delete(t.alert.key);
        resolved.push(t.alert.key);
      }
    }
    endTimer({ outcome: 'completed' });
    return { firing: [...firing].sort(), resolved, fired, pending: [...pending].sort(), notifications: counts };
  } catch (error) {
    endTimer({ outcome: 'failed' });
    throw error;
  } finally {
    await redis.eval(releaseScript, 1, lockKey, token).catch(() => undefined);
  }
}
