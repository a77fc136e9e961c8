import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../../observability/logger.js';
import { routePattern } from './audit-operator-actions.js';

/**
 * The path as logged when a request starts: its first two segments only (`/api/users/…`), since
 * ids in paths may be personal data (a user id can be an e-mail address). The matched route's
 * pattern is added when the request completes.
 */
function loggedPath(url: string): string {
  const segments = url.split('?')[0]!.split('/');
  return `${segments.slice(0, 3).join('/').slice(0, 64)}${segments.length > 3 ? '/…' : ''}`;
}

const requestIdPattern = /^[A-Za-z0-9._-]{1,128}$/;

/** The client's `X-Request-Id` if it is a sane one, else a fresh UUID; echoed in the answer. */
function requestIdOf(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
  res.setHeader('x-request-id', id);
  return id;
}

const levelOf = (status: number, error?: unknown) => (error || status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info');
const serializeReq = (req: { id?: unknown; method?: string; url?: string }) => ({ id: req.id, method: req.method, url: loggedPath(String(req.url)) });
const unlogged = (url: string) => url === '/healthz' || url === '/health' || url === '/metrics';

/**
 * Request ids and access lines. Every line of a request carries `requestId` (req.log is a child
 * bound to it; the error handler logs the same key); a completed request gets one line, at info,
 * warn (4xx) or error (5xx), with method, shortened path, matched route pattern, status and time.
 *
 * At info and below that is pino-http. Above info (production runs at warn or error) most requests
 * log nothing, and pino-http's three child loggers per request were a measurable share of the
 * ingress's CPU (bench/README.md): then a request gets its id at once, `req.log` is built only when
 * something logs, and only the 4xx/5xx completion lines the level lets through are written, in the
 * same shape.
 */
export function requestLogging(logger: Logger): RequestHandler {
  if (logger.isLevelEnabled('info')) {
    return pinoHttp({
      logger,
      quietReqLogger: true,
      customAttributeKeys: { reqId: 'requestId' },
      genReqId: requestIdOf,
      customLogLevel: (_req, res, error) => levelOf(res.statusCode, error),
      autoLogging: { ignore: (req) => unlogged(String(req.url)) },
      // Called at the start (no route matched yet: nothing) and at completion (the route pattern).
      customProps: (req) => {
        const route = routePattern(req as Request);
        return route === undefined ? {} : { route };
      },
      serializers: {
        // Only method and route pattern: paths, query strings and bodies may carry learner data.
        req: serializeReq,
        res: (res) => ({ statusCode: res.statusCode }),
      },
    }) as unknown as RequestHandler;
  }
  return (req: Request, res: Response, next: NextFunction) => {
    const started = Date.now();
    const id = requestIdOf(req, res);
    req.id = id;
    // DANGEROUS SPOT: `req.log` is typed as always there (pino-http's augmentation); it is built on
    // first use (lazyRequestLog), so every route may still call it.
    lazyRequestLog(req, logger, id);
    if (!unlogged(req.url)) {
      // 'close' comes once per response, after 'finish' or when the client went away first (`on`:
      // see http-metrics.ts).
      res.on('close', () => {
        const level = levelOf(res.statusCode);
        if (!logger.isLevelEnabled(level)) return;
        const route = routePattern(req);
        logger[level](
          { requestId: id, req: serializeReq(req), ...(route === undefined ? {} : { route }), res: { statusCode: res.statusCode }, responseTime: Date.now() - started },
          res.writableFinished ? 'request completed' : 'request aborted',
        );
      });
    }
    next();
  };
}

const lazyLog = Symbol('learnloop.lazyLog');
type LazyLog = { logger: Logger; requestId: string; child?: Logger };
const withLazyLog = new WeakSet<object>();

/**
 * `req.log` as a getter on the app's request prototype, installed once, that builds the request's
 * child logger from a slot on the request: a per-request `Object.defineProperty` cost every request
 * an accessor of its own. Assigning `req.log` (pino-http does) shadows the getter as usual.
 */
function lazyRequestLog(req: Request, logger: Logger, requestId: string): void {
  (req as unknown as { [lazyLog]: LazyLog })[lazyLog] = { logger, requestId };
  const proto = Object.getPrototypeOf(req) as object;
  if (withLazyLog.has(proto)) return;
  withLazyLog.add(proto);
  Object.defineProperty(proto, 'log', {
    configurable: true,
    enumerable: false,
    get(this: { [lazyLog]?: LazyLog }) {
      const slot = this[lazyLog];
      return slot && (slot.child ??= slot.logger.child({ requestId: slot.requestId }));
    },
    set(this: object, value: Logger) {
      Object.defineProperty(this, 'log', { configurable: true, enumerable: false, writable: true, value });
    },
  });
}
