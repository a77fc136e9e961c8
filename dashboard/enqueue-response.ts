import type { Request, Response } from 'express';
import { z } from 'zod';
import type { JobName, PayloadOf, QueueName } from '../pipelines/registry.js';
import type { SendOptions } from '../pipelines/producer.js';
import { parseOr400, sendJson } from './http-error.js';
import type { IngressContext } from './ingress-context.js';

const waitQuery = z.object({ wait: z.coerce.number().int().min(0).max(30_000).optional() });

/**
 * The `?wait=MS` of an enqueueing request, or a 400. Routes that act before they enqueue (erasure)
 * call this first: everything is validated before anything is done.
 */
export function parseWait(req: Request): number | undefined {
  // Without a query string there is nothing to parse (req.query would parse the URL again).
  if (!req.url.includes('?')) return undefined;
  return parseOr400(waitQuery, req.query, 'query string').wait;
}

export const statusUrl = (queue: string, jobId: string) => `/api/jobs/${queue}/${encodeURIComponent(jobId)}`;

/**
 * The enqueue contract (README, "HTTP API"): 202 `{jobId, queue, statusUrl}`; with `?wait=MS` (≤ 30000)
 * 200 `{jobId, result}` once done, 422 if the job failed, 202 if it is not done in time.
 */
export async function enqueueAndRespond<Q extends QueueName, J extends JobName<Q>>(
  ctx: IngressContext,
  req: Request,
  res: Response,
  queue: Q,
  job: J,
  payload: PayloadOf<Q, J>,
  options: SendOptions = {},
): Promise<void> {
  await enqueueWith(ctx, req, res, queue, () => ctx.producer.send(queue, job, payload, options));
}

/**
 * The same contract for any way of enqueueing (a flow, say): `enqueue` resolves to the job id to
 * answer for; `extra` fields are added to the 202 body.
 */
export async function enqueueWith(
  ctx: IngressContext,
  req: Request,
  res: Response,
  queue: QueueName,
  enqueue: () => Promise<string>,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const wait = parseWait(req);
  // The event stream must be open before the job exists, or a fast job's completion is missed. If
  // it cannot be opened in time (Redis away, or a starved process under load), the job is still
  // enqueued and answered 202 for the client to poll: a wait is a courtesy, never a reason for a
  // 503. (If Redis really is away, enqueue() itself answers 503.)
  const canWait = wait ? await ctx.waiter.ready(queue).then(() => true, () => false) : false;
  const jobId = await enqueue();
  const accepted = { jobId, queue, statusUrl: statusUrl(queue, jobId), ...extra };
  if (!wait || !canWait) {
    sendJson(res, 202, accepted);
    return;
  }
  const outcome = await ctx.waiter.wait(queue, jobId, wait);
  if (outcome.state === 'completed') sendJson(res, 200, { jobId, result: outcome.result });
  else if (outcome.state === 'failed') {
    sendJson(res, 422, { error: { code: 'job_failed', message: outcome.reason, details: accepted } });
  } else sendJson(res, 202, accepted);
}
