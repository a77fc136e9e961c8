import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { inspectJson, isStorableText, storableTextMessage } from '../../core/contracts/identifiers.js';
import { HttpError } from '../http-error.js';

/** A route that takes a bigger body, or other media types, than the ingress default. */
export interface BodyRule {
  /** The exact request path (no parameters): `/api/questions/import`. */
  path: string;
  /** Largest body in bytes. */
  limit: number;
  /** Accepted media types; JSON is parsed, any other listed type arrives as a string. */
  types: string[];
}

const jsonTypes = ['application/json', '+json'];

/** Deeper JSON than this is refused before any schema sees it: no real payload nests that far. */
export const maxJsonDepth = 32;

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Body parsing for the whole ingress, per route: the size limit and accepted media types come from
 * the route's rule or the defaults. A body of a type the route does not take is a 415; JSON deeper
 * than `maxJsonDepth` is a 400; oversize bodies become 413 in the error handler (body-parser's
 * `entity.too.large`). Requests without a body pass untouched, so the route's schema reports it.
 */
/** The body limit of a path, in bytes: its rule's, or the default. */
export function bodyLimitFor(options: { defaultLimit: number; rules: readonly BodyRule[] }): (path: string) => number {
  const byPath = new Map(options.rules.map((rule) => [rule.path, rule.limit]));
  return (path) => byPath.get(path) ?? options.defaultLimit;
}

export function parseBodies(options: { defaultLimit: number; rules: readonly BodyRule[] }): RequestHandler {
  const makeParsers = (limit: number) => ({
    json: express.json({ limit, strict: true, type: () => true }),
    text: express.text({ limit, type: () => true }),
  });
  const defaults = { types: jsonTypes, ...makeParsers(options.defaultLimit) };
  const byPath = new Map(options.rules.map((rule) => [rule.path, { types: rule.types, ...makeParsers(rule.limit) }]));

  return (req: Request, res: Response, next: NextFunction) => {
    if (!hasBody(req)) return next();
    const rule = byPath.get(req.path) ?? defaults;
    const type = req.is(rule.types);
    if (!type) {
      return next(
        new HttpError(415, 'unsupported_media_type', `this endpoint takes ${rule.types.filter((t) => t !== '+json').join(' or ')} bodies`),
      );
    }
    const isJson = req.is(jsonTypes) !== false;
    const parser = isJson ? rule.json : rule.text;
    parser(req, res, (error?: unknown) => {
      if (error) return next(error);
      const problem = isJson ? inspectJson(req.body, maxJsonDepth) : typeof req.body === 'string' && !isStorableText(req.body) ? 'unstorable_text' : undefined;
      if (problem === 'too_deep') {
        return next(new HttpError(400, 'too_deeply_nested', `request body nests deeper than ${maxJsonDepth} levels`));
      }
      if (problem === 'unstorable_text') return next(new HttpError(400, 'invalid_text', `request body text ${storableTextMessage}`));
      next();
    });
  };
}
