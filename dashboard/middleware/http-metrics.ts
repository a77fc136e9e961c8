import type { NextFunction, Request, Response } from 'express';
import type { ClusterRequestStats } from '../../observability/cluster-request-stats.js';
import { httpRequestDurationSeconds } from '../../observability/http-metrics.js';
import { routePattern } from './audit-operator-actions.js';

/**
 * Observes every request's duration once its response finishes (or the client goes away), labelled
 * by the matched Express route pattern — `unmatched` for 404s — and never by the raw URL, which
 * would carry ids and make one time series per learner.
 */
export function httpMetrics(cluster?: ClusterRequestStats) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    // 'close' comes once per response: after 'finish', or when the client went away first. `on`,
    // as `once` would wrap the listener in a bound function per request for nothing.
    res.on('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // A client that hung up before the answer has no status of its own: 499, as nginx logs it.
      const status = res.writableFinished ? String(res.statusCode) : '499';
      httpRequestDurationSeconds.observe({ method: req.method, route: routePattern(req) ?? 'unmatched', status }, seconds);
      // The API latency and 5xx alert rules read /api requests only: probes, scrapes and Bull
      // Board's polling would dilute them.
      if (cluster && req.originalUrl.startsWith('/api/')) cluster.request(seconds * 1000, Number(status));
    });
    next();
  };
}
