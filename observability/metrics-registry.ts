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

// prom-client's default metrics include three gauges named like counters, which Prometheus's lint
// (`promtool check metrics`) rejects. Each is the sum of the per-type gauge of the same name
// without `_total` (nodejs_active_handles{type}, …), so nothing is lost: sum() those instead.
for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
  metricsRegistry.removeSingleMetric(name);
}
