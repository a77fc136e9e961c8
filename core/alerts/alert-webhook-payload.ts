import type { AlertNotification } from './evaluate-alert-rules.js';

/**
 * The JSON body of one webhook message. `text` makes it a valid Slack (and Mattermost, Rocket.Chat)
 * incoming-webhook message as it is; the structured fields are for any other receiver.
 */
export interface AlertWebhookPayload {
  text: string;
  source: 'learnloop';
  status: 'firing' | 'resolved';
  reminder: boolean;
  alert: {
    key: string;
    rule: string;
    severity: string;
    labels: Record<string, string>;
    value: number;
    threshold: number;
    operator: string;
    message: string;
    /** When the alert fired (or, for a pending-less read, began), ISO 8601. */
    startedAt: string;
    resolvedAt?: string;
  };
  sentAt: string;
}

export function alertWebhookPayload(notification: AlertNotification, now: Date): AlertWebhookPayload {
  const { alert, rule, status, reminder, message } = notification;
  const tag = status === 'resolved' ? 'RESOLVED' : `${reminder ? 'STILL FIRING' : 'FIRING'}:${rule.severity.toUpperCase()}`;
  return {
    text: `[${tag}] ${alert.key}: ${message}`,
    source: 'learnloop',
    status,
    reminder,
    alert: {
      key: alert.key,
      rule: rule.id,
      severity: rule.severity,
      labels: alert.labels.queue ? { queue: alert.labels.queue } : {},
      value: alert.value,
      threshold: rule.threshold,
      operator: rule.operator,
      message,
      startedAt: new Date(alert.since).toISOString(),
      ...(status === 'resolved' ? { resolvedAt: now.toISOString() } : {}),
    },
    sentAt: now.toISOString(),
  };
}
