import { overlayRuleOverrides } from '../../../core/alerts/alert-rule.js';
import { listAlertRules } from '../../../db/queries/alert-rules.js';
import { runAlertEvaluation } from '../../alerts/run-alert-evaluation.js';
import { WebhookNotifier } from '../../alerts/webhook-notifier.js';
import { defineProcessor } from '../../runtime/processor.js';

/**
 * monitoring/evaluate-alerts: one evaluation of the stored rules (alert_rules, edited at run time
 * through /api/alerts/rules), with ALERT_RULE_OVERRIDES laid over them, on the injected clock.
 * Made every ALERT_EVALUATION_INTERVAL_MS by the `alert-evaluation` scheduler.
 */
export const evaluateAlertsProcessor = defineProcessor('monitoring', 'evaluate-alerts', async (_payload, ctx) => {
  const { config, db, redis, producer, now } = ctx.services;
  return runAlertEvaluation({
    db,
    redis,
    producer,
    prefix: config.QUEUE_PREFIX,
    rules: overlayRuleOverrides(await listAlertRules(db), config.ALERT_RULE_OVERRIDES),
    notifier: new WebhookNotifier({ url: config.ALERT_WEBHOOK_URL, redis, prefix: config.QUEUE_PREFIX, logger: ctx.log }),
    now: now(),
    log: ctx.log,
  });
});
