import { Histogram } from 'prom-client';
import { metricsRegistry } from './metrics-registry.js';

/**
 * HTTP metrics of the ingress, observed by dashboard/middleware/http-metrics.ts. `route` is the
 * Express route pattern (`/api/jobs/:queue/:jobId`) or `unmatched`, never the raw URL: ids in paths
 * would make a new time series per learner.
 */
export const httpRequestDurationSeconds = new Histogram({
  name: 'learnloop_http_request_duration_seconds',
  help: 'Time from a request arriving to its response finishing, by method, route pattern and status code.',
  labelNames: ['method', 'route', 'status'] as const,
  // 0.5, 0.6 and 1 are bounds: the API latency alert thresholds are decided exactly.
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.6, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});
