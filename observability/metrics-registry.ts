import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process-wide Prometheus registry. Every metric of the system registers here (the metric
 * catalogue files beside this one), and `GET /metrics` serialises it.
 *
 * Label rule: labels are bounded sets only — queue, job name, state, status, route. Never a
 * learner id, job id or question id: each distinct value is a new time series.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });
