import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import type { RedisClient } from '../../pipelines/redis-connection.js';
import type { Logger } from '../../observability/logger.js';
import { redisKeys } from '../../core/contracts/ids.js';
import { sendError } from '../http-error.js';
import { type KeyRing, identifyRequest } from './api-key-auth.js';
import { LeasedRateCounter, type TakeResult } from './leased-rate-counter.js';

/** Liveness and readiness probes: never limited. */
const probePaths = new Set(['/healthz', '/health', '/readyz', '/ready']);

const windowMs = 60_000;

export interface RateLimitOptions {
  redis: RedisClient;
  keys: KeyRing;
  /** Requests per minute per API key (RATE_LIMIT_PER_MINUTE). */
  perMinute: number;
  /** Requests per minute per client IP without a valid key (RATE_LIMIT_ANONYMOUS_PER_MINUTE). */
  anonymousPerMinute: number;
  /** The queue prefix: instances on one Redis and one prefix share their counters. */
  prefix: string;
  logger: Logger;
}

/**
 * Per-key rate limits, counted in Redis so every ingress instance shares them. Callers are bucketed
 * by their key's id; a request without a valid key (none, or one nobody knows) is bucketed by
 * client IP with its own budget, so neither guessing keys nor anonymous floods are free. Liveness
 * and readiness probes are not limited: they do no work and must answer while a flood is refused.
 * Answers carry the standard `RateLimit`/`RateLimit-Policy` headers (IETF draft 7) and a refused one
 * is a 429 with `Retry-After` and the uniform error body.
 *
 * The counting is leased (leased-rate-counter.ts): an instance takes a share of a key's window from
 * Redis at once and counts it out in process, so a request costs no Redis round trip; the limit
 * holds across instances, with the tolerance documented there.
 *
 * When Redis is down the limiter lets requests through rather than hang or refuse them: enqueueing
 * answers 503 by itself then, and reads from Postgres keep working.
 */
export function createRateLimiter(options: RateLimitOptions): RequestHandler {
  let lastStoreErrorLog = 0;
  // One line per 10 s while Redis is away, not one per request.
  const onStoreError = (error: unknown) => {
    if (Date.now() - lastStoreErrorLog < 10_000) return;
    lastStoreErrorLog = Date.now();
    options.logger.warn({ err: { message: (error as Error)?.message } }, 'rate limiter: Redis unavailable, requests pass uncounted');
  };
  const counter = new LeasedRateCounter(options.redis, redisKeys.rateLimit(options.prefix), windowMs, onStoreError);
  const policy = (limit: number) => `${limit};w=${windowMs / 1000}`;

  const answer = (taken: TakeResult, caller: boolean, limit: number, res: Response, next: NextFunction) => {
    if (taken.outcome === 'unknown') return next();
    const resetSeconds = Math.max(0, Math.ceil((taken.resetAtMs - Date.now()) / 1000));
    res.setHeader('RateLimit-Policy', policy(limit));
    res.setHeader('RateLimit', `limit=${limit}, remaining=${taken.remaining}, reset=${resetSeconds}`);
    if (taken.outcome === 'allowed') return next();
    res.setHeader('Retry-After', String(Math.max(1, resetSeconds)));
    if (caller) sendError(res, 429, 'rate_limited', `too many requests: at most ${options.perMinute} a minute per API key`);
    else sendError(res, 429, 'rate_limited', `too many requests without a valid key: at most ${options.anonymousPerMinute} a minute per client`);
  };

  return (req, res, next) => {
    if (probePaths.has(req.path)) return next();
    const caller = identifyRequest(options.keys, req as Request);
    const limit = caller ? options.perMinute : options.anonymousPerMinute;
    const key = caller ? `key:${caller.keyId}` : `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
    // Decided by this instance's lease (the usual case): answered at once, no promise.
    const local = counter.takeLocal(key, limit);
    if (local) return answer(local, caller !== undefined, limit, res, next);
    counter.take(key, limit).then((taken) => answer(taken, caller !== undefined, limit, res, next), next);
  };
}
