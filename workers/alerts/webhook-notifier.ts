import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisClient } from '../../pipelines/redis-connection.js';
import type { AlertWebhookPayload } from '../../core/alerts/alert-webhook-payload.js';
import { alertWebhookDeliveries, alertWebhookDropped } from '../../observability/alert-metrics.js';
import type { Logger } from '../../observability/logger.js';
import { WebhookRateLimiter } from './webhook-rate-limiter.js';
import { redisKeys } from '../../core/contracts/ids.js';

export type DeliveryOutcome = 'delivered' | 'failed' | 'dropped' | 'disabled';

export interface WebhookNotifierOptions {
  /** ALERT_WEBHOOK_URL; without one nothing is sent ('disabled'). */
  url: string | undefined;
  redis: RedisClient;
  /** QUEUE_PREFIX: processes on one Redis and prefix share the rate limit. */
  prefix: string;
  logger: Logger;
  /** At most 12 messages a minute, cluster-wide. */
  perMinute?: number;
  /** 3 retries after the first attempt. */
  retries?: number;
  /** First retry after this long, doubling each time (500 ms, 1 s, 2 s by default). */
  backoffMs?: number;
  /** Per attempt. */
  timeoutMs?: number;
}

/**
 * Posts alert messages to the webhook: JSON with a Slack-compatible `text`. One rate-limit token per
 * message (its retries take none); a message over the limit is dropped and counted
 * (learnloop_alert_webhook_dropped_total) — the alert stays undelivered and the next evaluation
 * offers it again, so nothing queues up. Network errors, timeouts, 408, 429 and 5xx are retried
 * with exponential backoff; any other 4xx is final (the receiver rejects the message itself).
 *
 * DANGEROUS SPOT: the URL is a secret (a Slack webhook URL is its own credential): never log it.
 */
export class WebhookNotifier {
  private readonly limiter: WebhookRateLimiter;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: WebhookNotifierOptions) {
    this.limiter = new WebhookRateLimiter(options.redis, redisKeys.webhookRate(options.prefix), options.perMinute ?? 12);
    this.retries = options.retries ?? 3;
    this.backoffMs = options.backoffMs ?? 500;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  get enabled(): boolean {
    return this.options.url !== undefined;
  }

  async send(payload: AlertWebhookPayload, now: Date): Promise<DeliveryOutcome> {
    const { url, logger } = this.options;
    if (url === undefined) return 'disabled';
    const log = logger.child({ alert: payload.alert.key, status: payload.status });

    let allowed: boolean;
    try {
      allowed = await this.limiter.tryAcquire(now.getTime());
    } catch (error) {
      // Without the shared limiter there is no way to honour the cluster-wide cap: drop.
      log.warn({ err: { message: (error as Error).message } }, 'webhook rate limiter unavailable; message dropped');
      allowed = false;
    }
    if (!allowed) {
      alertWebhookDropped.inc();
      log.warn('webhook rate limit reached; message dropped (offered again at a later evaluation)');
      return 'dropped';
    }

    const body = JSON.stringify(payload);
    let lastProblem = '';
    for (let attempt = 1; attempt <= this.retries + 1; attempt++) {
      if (attempt > 1) await sleep(this.backoffMs * 2 ** (attempt - 2));
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'learnloop-alerts' },
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined); // free the socket
        if (res.ok) {
          alertWebhookDeliveries.inc({ outcome: 'delivered' });
          log.info({ attempt }, 'alert webhook delivered');
          return 'delivered';
        }
        lastProblem = `HTTP ${res.status}`;
        if (res.status < 500 && res.status !== 408 && res.status !== 429) break;
      } catch (error) {
        lastProblem = (error as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : (error as Error).message;
      }
      log.warn({ attempt, problem: lastProblem }, 'alert webhook attempt failed');
    }
    alertWebhookDeliveries.inc({ outcome: 'failed' });
    log.error({ problem: lastProblem }, 'alert webhook not delivered');
    return 'failed';
  }
}
