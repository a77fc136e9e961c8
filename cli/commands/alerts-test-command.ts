import type { AlertWebhookPayload } from '../../core/alerts/alert-webhook-payload.js';
import { recordAudit } from '../../db/queries/audit-log.js';
import { WebhookNotifier } from '../../workers/alerts/webhook-notifier.js';
import type { OperatorCommandInput } from './command-io.js';
import { withSystem } from './operator-connection.js';
import { cliActor } from './run-processor-now.js';

/** The one message `learnloop alerts test` sends; receivers can tell it by `alert.rule`. */
export function testAlertPayload(now: Date, actor: string): AlertWebhookPayload {
  const message = `Test message from learnloop (sent by ${actor}): the alert webhook path works.`;
  return {
    text: `[TEST] learnloop-alert-test: ${message}`,
    source: 'learnloop',
    status: 'firing',
    reminder: false,
    alert: {
      key: 'learnloop-alert-test',
      rule: 'learnloop-alert-test',
      severity: 'info',
      labels: {},
      value: 0,
      threshold: 0,
      operator: '>',
      message,
      startedAt: now.toISOString(),
    },
    sentAt: now.toISOString(),
  };
}

/**
 * `learnloop alerts test`: one test message through the real notifier — the same retries, and a
 * token from the same cluster-wide rate limit (12 a minute) as real alerts, so a test cannot
 * crowd them out by more than one message. Exit 0 when delivered; 1 when not configured, dropped
 * by the rate limit, or undeliverable.
 */
export async function alertsTestCommand({ config, logger, io }: OperatorCommandInput): Promise<number> {
  if (!config.ALERT_WEBHOOK_URL) {
    io.err('ALERT_WEBHOOK_URL is not set: alerts are recorded (GET /api/alerts/active) but no message is sent');
    return 1;
  }
  const outcome = await withSystem(config, logger, async (conn) => {
    const notifier = new WebhookNotifier({ url: config.ALERT_WEBHOOK_URL, redis: conn.redis, prefix: config.QUEUE_PREFIX, logger });
    const now = new Date();
    const result = await notifier.send(testAlertPayload(now, cliActor()), now);
    await recordAudit(conn.db, { actor: cliActor(), action: 'alerts.test', details: { outcome: result } });
    return result;
  });
  const explanation = {
    delivered: 'test message delivered to the alert webhook',
    dropped: 'test message dropped: the alert webhook rate limit (12 a minute, cluster-wide) is used up; try again in a minute',
    failed: 'test message NOT delivered: the webhook did not accept it after retries (see the log on stderr)',
    disabled: 'ALERT_WEBHOOK_URL is not set',
  }[outcome];
  (outcome === 'delivered' ? io.out : io.err)(explanation);
  return outcome === 'delivered' ? 0 : 1;
}
