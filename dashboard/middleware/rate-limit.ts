import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { type RedisClient, isCluster } from '../../pipelines/redis-connection.js';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Logger } from '../../observability/logger.js';
import { redisKeys } from '../../core/contracts/ids.js';
import { sendError } from '../http-error.js';
import { type KeyRing, identifyRequest } from './api-key-auth.js';

/** Liveness and readiness probes: never limited. */
const probePaths = new Set(['/healthz', '/health', '/readyz', '/ready']);

/** A store call that takes longer than this is treated as a store failure (the request passes). */
const storeTimeoutMs = 1_000;

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
 * Sends a raw command through the ingress's fail-fast Redis client, bounded in time.
 *
 * DANGEROUS SPOT: rate-limit-redis caches the SHA of its Lua scripts as a promise at start-up; a
 * `SCRIPT LOAD` that fails (Redis away at that moment) would leave a rejected promise there for the
 * life of the process, and the limiter would never count again. A script's SHA is by definition the
 * SHA-1 of its text, so on a failed load we answer with that: the next EVALSHA then either works or
 * gets NOSCRIPT, on which the store loads the script again.
 *
 * On Redis Cluster a keyless `SCRIPT LOAD` goes to one node at random while the EVALSHA goes to the
 * node owning the key's slot, so the script is loaded on every master (a node that joins later, or
 * a slot that moves, answers NOSCRIPT once and the store loads it again everywhere).
 */
function boundedSendCommand(redis: RedisClient) {
  const send = (command: string, rest: string[]): Promise<RedisReply> => {
    if (isCluster(redis) && command.toUpperCase() === 'SCRIPT' && rest[0]?.toUpperCase() === 'LOAD') {
      const masters = redis.nodes('master');
      if (masters.length === 0) return Promise.reject(new Error('rate-limit store: no Redis Cluster master connected'));
      return Promise.all(masters.map((node) => node.call(command, ...rest) as Promise<RedisReply>)).then((shas) => shas[0]!);
    }
    return redis.call(command, ...rest) as Promise<RedisReply>;
  };
  return async (...args: string[]): Promise<RedisReply> => {
    const [command, ...rest] = args;
    const call = send(command!, rest);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`rate-limit store: no answer from Redis within ${storeTimeoutMs} ms`)), storeTimeoutMs);
    });
    try {
      return await Promise.race([call, timeout]);
    } catch (error) {
      call.catch(() => {}); // a late rejection after the timeout must not go unhandled
      if (command?.toUpperCase() === 'SCRIPT' && rest[0]?.toUpperCase() === 'LOAD' && rest[1] !== undefined) {
        return createHash('sha1').update(rest[1]).digest('hex');
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * Per-key rate limits, counted in Redis so every ingress instance shares them. Callers are bucketed
 * by their key's id; a request without a valid key (none, or one nobody knows) is bucketed by
 * client IP with its own budget, so neither guessing keys nor anonymous floods are free. Liveness
 * and readiness probes are not limited: they do no work and must answer while a flood is refused.
 * Answers carry the standard `RateLimit`/`RateLimit-Policy` headers (IETF draft 7) and a refused one
 * is a 429 with `Retry-After` and the uniform error body.
 *
 * When Redis is down the limiter lets requests through rather than hang or refuse them: enqueueing
 * answers 503 by itself then, and reads from Postgres keep working.
 */
export function createRateLimiter(options: RateLimitOptions): RequestHandler {
  let lastStoreErrorLog = 0;
  const quietLogger = {
    // One line per 10 s while Redis is away, not one per request.
    error: (error: unknown, message?: string) => {
      if (Date.now() - lastStoreErrorLog < 10_000) return;
      lastStoreErrorLog = Date.now();
      options.logger.warn({ err: { message: (error as Error)?.message } }, message ?? 'rate limiter error');
    },
    warn: (error: unknown, message?: string) => options.logger.warn({ err: { message: (error as Error)?.message } }, message),
  };

  // Who a request is, worked out once per request (the limit, the key and the answer all ask).
  const callers = new WeakMap<object, ReturnType<typeof identifyRequest> | null>();
  const callerOf = (req: Parameters<typeof identifyRequest>[1]) => {
    if (!callers.has(req)) callers.set(req, identifyRequest(options.keys, req) ?? null);
    return callers.get(req) ?? undefined;
  };

  return rateLimit({
    windowMs: 60_000,
    // One budget per bucket, chosen by who the caller is. (A token bucket may replace this window;
    // the bucket keys and the two budgets are the contract.)
    limit: (req) => (callerOf(req) ? options.perMinute : options.anonymousPerMinute),
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    passOnStoreError: true,
    // TRUST_PROXY decides whether X-Forwarded-For counts; its mere presence is not worth a log line.
    validate: { xForwardedForHeader: false },
    logger: quietLogger,
    skip: (req) => probePaths.has(req.path),
    keyGenerator: (req) => {
      const caller = callerOf(req);
      return caller ? `key:${caller.keyId}` : `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
    },
    handler: (req, res) =>
      callerOf(req)
        ? sendError(res, 429, 'rate_limited', `too many requests: at most ${options.perMinute} a minute per API key`)
        : sendError(res, 429, 'rate_limited', `too many requests without a valid key: at most ${options.anonymousPerMinute} a minute per client`),
    store: new RedisStore({ sendCommand: boundedSendCommand(options.redis), prefix: redisKeys.rateLimit(options.prefix) }),
  });
}
