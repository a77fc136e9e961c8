import { z } from 'zod';
import { registry } from '../pipelines/registry.js';

/**
 * The OpenAPI 3.1 document served at /openapi.json. Job payload and result schemas come straight
 * from the registry's zod schemas (z.toJSONSchema), so producers that write to BullMQ directly and
 * HTTP clients read the same contract the workers enforce.
 */

interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  scope: 'producer' | 'operator' | 'none';
  summary: string;
  /** `queue/job` whose payload is the request body. */
  body?: string;
  /** Answers with the job contract (202 `{jobId, queue, statusUrl}`, `?wait=MS`). */
  enqueues?: string;
}

/**
 * One entry per route the routers register (test/integration/openapi-routes.test.ts holds the two
 * together: a route added without an entry here, an entry for a route that is gone, a duplicate or a
 * scope that differs from the route's guard fails it).
 */
export const routeDocs: RouteDoc[] = [
  { method: 'post', path: '/api/questions/validate', scope: 'producer', summary: 'Validate one question (Bloom level, quality, suggestions).', enqueues: 'question-validation/validate' },
  { method: 'get', path: '/api/questions/{questionId}', scope: 'producer', summary: 'The stored question with its latest validation.' },
  { method: 'post', path: '/api/questions/import', scope: 'producer', summary: 'Import up to 10 000 questions (JSON {questions} or text/csv).', enqueues: 'question-validation/import-batch' },
  { method: 'get', path: '/api/jobs/{queue}/{jobId}', scope: 'producer', summary: 'State, progress and result of a job.' },
  { method: 'post', path: '/api/sessions/generate', scope: 'producer', summary: 'Generate a personalised session.', enqueues: 'session-generation/generate' },
  { method: 'post', path: '/api/sessions/{sessionId}/results', scope: 'producer', summary: "Hand in a session's answers.", enqueues: 'feedback-loop/results' },
  { method: 'post', path: '/api/sessions/{sessionId}/answers', scope: 'producer', summary: 'Hand in answers during the session; 200 {answered, remaining}: the positions not answered yet, re-planned (?wait=MS, default 10000).' },
  { method: 'get', path: '/api/users/{userId}/profile', scope: 'producer', summary: 'The learner model (a learner known only from a generated session has the starting model).' },
  { method: 'get', path: '/api/users/{userId}/patterns', scope: 'producer', summary: 'Accuracy and response time by category, question type, Bloom level and hour of day; knowledge gaps with evidence; trend; best type.' },
  { method: 'post', path: '/api/learning-plans', scope: 'producer', summary: 'Build a learning plan.', enqueues: 'session-generation/learning-plan' },
  { method: 'get', path: '/api/insights/{decisionId}', scope: 'producer', summary: 'One decision trace (cache-first).' },
  { method: 'get', path: '/api/users/{userId}/insights', scope: 'producer', summary: "A learner's decision traces, newest first (keyset pagination)." },
  { method: 'get', path: '/api/analytics/daily', scope: 'operator', summary: 'Daily roll-ups (?from=YYYY-MM-DD&to=YYYY-MM-DD).' },
  { method: 'get', path: '/api/analytics/calibration', scope: 'operator', summary: 'Predicted vs observed success: log-loss, Brier, ECE (10 bins), AUC, per day and overall (?from&to).' },
  { method: 'get', path: '/api/alerts/active', scope: 'operator', summary: 'Alerts firing now.' },
  { method: 'get', path: '/api/alerts/history', scope: 'operator', summary: 'The last 200 alert events.' },
  { method: 'get', path: '/api/alerts/rules', scope: 'operator', summary: 'The alert rules (data, edited at run time).' },
  { method: 'post', path: '/api/alerts/rules', scope: 'operator', summary: 'Create an alert rule {id, metric, operator, threshold, duration, cooldown, severity, message, enabled}; 201, 409 if the id exists.' },
  { method: 'get', path: '/api/alerts/rules/{id}', scope: 'operator', summary: 'One alert rule.' },
  { method: 'put', path: '/api/alerts/rules/{id}', scope: 'operator', summary: 'Replace an alert rule (the whole rule).' },
  { method: 'delete', path: '/api/alerts/rules/{id}', scope: 'operator', summary: 'Delete an alert rule (a built-in one stays deleted across restarts); 204.' },
  { method: 'post', path: '/api/users/{userId}/export', scope: 'operator', summary: 'GDPR export of everything held about a learner.', enqueues: 'retention-cleanup/gdpr-export' },
  { method: 'get', path: '/api/users/{userId}/export/{exportId}', scope: 'operator', summary: 'Download a finished GDPR export bundle (JSON).' },
  { method: 'delete', path: '/api/users/{userId}', scope: 'operator', summary: 'GDPR erasure: anonymise now, hard delete after the grace period.', enqueues: 'retention-cleanup/gdpr-erase' },
  { method: 'post', path: '/api/admin/backups', scope: 'operator', summary: 'Take a backup now.', enqueues: 'backups/backup' },
  { method: 'get', path: '/api/admin/backups', scope: 'operator', summary: 'The backup catalogue.' },
  { method: 'post', path: '/api/admin/backups/{backupId}/verify', scope: 'operator', summary: 'Verify a backup by test restore.', enqueues: 'backups/verify' },
  { method: 'get', path: '/api/admin/queues/{queue}/failed', scope: 'operator', summary: 'Dead-lettered jobs of a queue, newest first (?limit ≤ 1000, ?offset).' },
  { method: 'post', path: '/api/admin/queues/{queue}/replay-failed', scope: 'operator', summary: 'Replay dead-lettered jobs of a queue with a fresh attempt budget (?limit); 200 {replayed}.' },
  { method: 'get', path: '/healthz', scope: 'none', summary: 'Liveness: {status, timestamp}.' },
  { method: 'get', path: '/health', scope: 'none', summary: 'Liveness (alias of /healthz): {status, timestamp}.' },
  { method: 'get', path: '/readyz', scope: 'none', summary: 'Readiness: Redis (on a cluster: CLUSTER INFO cluster_state:ok on every master) and Postgres answer, not shutting down.' },
  { method: 'get', path: '/ready', scope: 'none', summary: 'Readiness (alias of /readyz).' },
  { method: 'get', path: '/metrics', scope: 'none', summary: 'Prometheus metrics (Bearer METRICS_TOKEN when set).' },
  { method: 'get', path: '/openapi.json', scope: 'none', summary: 'This document.' },
];

function jobSchemas() {
  const schemas: Record<string, unknown> = {};
  for (const queue of Object.values(registry)) {
    for (const [job, def] of Object.entries(queue.jobs as Record<string, { payload: z.ZodType; result: z.ZodType }>)) {
      const key = `${queue.name}.${job}`;
      schemas[`${key}.payload`] = z.toJSONSchema(def.payload, { io: 'input', unrepresentable: 'any' });
      schemas[`${key}.result`] = z.toJSONSchema(def.result, { io: 'output', unrepresentable: 'any' });
    }
  }
  return schemas;
}

const errorBody = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
};

let cached: unknown;

export function openApiDocument(): unknown {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routeDocs) {
    const ref = (key: string, part: string) => ({ $ref: `#/components/schemas/${key.replace('/', '.')}.${part}` });
    const responses: Record<string, unknown> = {
      '4XX': { description: 'Bad request, auth failure, not found, too large, rate limited', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    };
    if (route.enqueues) {
      responses['202'] = { description: 'Accepted: {jobId, queue, statusUrl}' };
      responses['200'] = { description: 'With ?wait=MS: {jobId, result} once done', content: { 'application/json': { schema: { type: 'object', properties: { jobId: { type: 'string' }, result: ref(route.enqueues, 'result') } } } } };
    } else {
      responses['200'] = { description: 'OK' };
    }
    paths[route.path] ??= {};
    paths[route.path]![route.method] = {
      summary: route.summary,
      security: route.scope === 'none' ? [] : [{ bearer: [] }],
      'x-scope': route.scope,
      ...(route.enqueues ? { parameters: [{ name: 'wait', in: 'query', schema: { type: 'integer', minimum: 0, maximum: 30000 } }] } : {}),
      ...(route.enqueues && route.method !== 'delete'
        ? { requestBody: { content: { 'application/json': { schema: ref(route.enqueues, 'payload') } } } }
        : {}),
      responses,
    };
  }
  cached = {
    openapi: '3.1.0',
    info: { title: 'learnloop', version: '1', description: 'Ingress of the learnloop worker tier. Job payload and result schemas are the ones the workers enforce.' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: errorBody, ...jobSchemas() },
    },
    paths,
  };
  return cached;
}
