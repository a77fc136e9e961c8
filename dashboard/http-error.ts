import type { Response } from 'express';
import type { z } from 'zod';

/** An error the ingress answers as-is: status, a stable code, a message for people, details. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The uniform error body (README, "HTTP API"); never a stack trace. */
export function sendError(res: Response, status: number, code: string, message: string, details?: unknown): void {
  sendJson(res, status, { error: { code, message, ...(details === undefined ? {} : { details }) } });
}

/**
 * A JSON answer that no client revalidates (an error, a 202 for a job): what `res.json` sends,
 * without the ETag it would hash the body for and the content-type parsing around it, a measurable
 * share of an enqueue request's CPU (bench/README.md, "Where a job's time goes").
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** zod issues as `{path, message}` pairs a client can act on. */
export function issueDetails(issues: z.core.$ZodIssue[]) {
  return issues.slice(0, 50).map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
}

/** Parses with a schema or throws a 400 naming each offending field. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalid400(what, parsed.error.issues);
  return parsed.data;
}

/** The 400 of `parseOr400` for issues found some other way (a job payload's check, say). */
export function invalid400(what: string, issues: z.core.$ZodIssue[]): HttpError {
  const details = issueDetails(issues);
  return new HttpError(400, 'invalid_request', `${what} is invalid: ${details.map((d) => `${d.path}: ${d.message}`).slice(0, 5).join('; ')}`, details);
}
