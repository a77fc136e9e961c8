import { Counter, Histogram } from 'prom-client';
import { metricsRegistry } from './metrics-registry.js';

/** Alert engine metrics (workers/alerts): evaluations and webhook deliveries. */

export const alertEvaluationSeconds = new Histogram({
  name: 'learnloop_alert_evaluation_seconds',
  help: 'One alert evaluation: collecting the signals, applying the rules, notifying.',
  labelNames: ['outcome'] as const, // completed | skipped | failed
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});

export const alertTransitions = new Counter({
  name: 'learnloop_alert_transitions_total',
  help: 'Alert state changes by rule and new state (pending, firing, resolved, cleared).',
  labelNames: ['rule', 'to'] as const,
  registers: [metricsRegistry],
});

export const alertWebhookDeliveries = new Counter({
  name: 'learnloop_alert_webhook_deliveries_total',
  help: 'Webhook messages by final outcome: delivered, or failed after every retry. Dropped ones are counted apart.',
  labelNames: ['outcome'] as const, // delivered | failed
  registers: [metricsRegistry],
});

export const alertWebhookDropped = new Counter({
  name: 'learnloop_alert_webhook_dropped_total',
  help: 'Webhook messages dropped by the cluster-wide rate limit (12 a minute); not queued, offered again at a later evaluation.',
  registers: [metricsRegistry],
});
