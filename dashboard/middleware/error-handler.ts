import type { NextFunction, Request, Response } from 'express';
import { ZodError } from 'zod';
import { isDatabaseUnavailable } from '../../db/database.js';
import type { Logger } from '../../observability/logger.js';
import { InvalidPayloadError } from '../../pipelines/producer.js';
import { QueueUnavailableError } from '../../pipelines/redis-connection.js';
import { HttpError, issueDetails, sendError } from '../http-error.js';

/**
 * A Redis that is down shows up as these; the ingress answers 503 at once instead of hanging. On
 * Redis Cluster also a cluster that is down (CLUSTERDOWN), a slot map that cannot be refreshed, and
 * redirections or TRYAGAIN retries that outlast the client's budget (a long slot migration).
 */
function isRedisUnavailable(error: Error): boolean {
  if (error instanceof QueueUnavailableError) return true;
  return /Stream isn't writeable|enableOfflineQueue|Connection is closed|ECONNREFUSED|max retries per request|CLUSTERDOWN|TRYAGAIN|Too many Cluster redirections|Failed to refresh slots cache|None of startup nodes is available/i.test(
    error.message,
  );
}

/**
 * The last middleware: every error becomes the uniform body with the right status. Unknown errors
 * are logged with their stack and answered 500 with a request id, never with the stack.
 */
export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return;
    const e = error as Error & { status?: number; type?: string; expose?: boolean };
    if (e instanceof HttpError) return sendError(res, e.status, e.code, e.message, e.details);
    if (e instanceof InvalidPayloadError) return sendError(res, 400, 'invalid_request', e.message, issueDetails(e.issues));
    if (e instanceof ZodError) return sendError(res, 400, 'invalid_request', 'request is invalid', issueDetails(e.issues));
    // body-parser errors carry a status and a type.
    if (e.type === 'entity.too.large') return sendError(res, 413, 'payload_too_large', 'request body is larger than this endpoint accepts');
    if (e.type === 'entity.parse.failed') return sendError(res, 400, 'malformed_json', 'request body is not valid JSON');
    if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') return sendError(res, 415, 'unsupported_encoding', e.message);
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      return sendError(res, e.status, 'bad_request', e.expose ? e.message : 'bad request');
    }
    if (e instanceof Error && isDatabaseUnavailable(e)) {
      // The cause is what an operator needs to see behind a 503 (a message only: no request data).
      logger.warn({ err: { type: e.name, message: e.message }, requestId: req.id }, 'database unavailable: answered 503');
      res.setHeader('Retry-After', '5');
      return sendError(res, 503, 'unavailable', 'the database is unavailable; retry shortly');
    }
    if (e instanceof Error && isRedisUnavailable(e)) {
      logger.warn({ err: { type: e.name, message: e.message }, requestId: req.id }, 'job queue unavailable: answered 503');
      res.setHeader('Retry-After', '5');
      return sendError(res, 503, 'unavailable', 'the job queue is unavailable; retry shortly');
    }
    // Name, message, code and stack only: driver errors carry the offending values in other fields
    // (Postgres's `detail`: "Key (user_id)=(…)"), and request data must not reach the log.
    const err = e instanceof Error ? { type: e.name, message: e.message, code: (e as { code?: unknown }).code, stack: e.stack } : { message: String(e) };
    logger.error({ err, requestId: req.id }, 'unhandled error');
    sendError(res, 500, 'internal', `internal error (request ${String(req.id)})`);
  };
}
