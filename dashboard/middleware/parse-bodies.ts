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
    jsonParser: express.json({ limit, strict: true, type: () => true }),
    text: express.text({ limit, type: () => true }),
  });
  const takesJson = (types: readonly string[]) => types.includes('application/json');
  const defaults = { types: jsonTypes, limit: options.defaultLimit, json: true, ...makeParsers(options.defaultLimit) };
  const byPath = new Map(
    options.rules.map((rule) => [rule.path, { types: rule.types, limit: rule.limit, json: takesJson(rule.types), ...makeParsers(rule.limit) }]),
  );

  return (req: Request, res: Response, next: NextFunction) => {
    if (!hasBody(req)) return next();
    const rule = byPath.get(req.path) ?? defaults;
    const checked = (error?: unknown) => {
      if (error) return next(error);
      const problem = isJson ? inspectJson(req.body, maxJsonDepth) : typeof req.body === 'string' && !isStorableText(req.body) ? 'unstorable_text' : undefined;
      if (problem === 'too_deep') {
        return next(new HttpError(400, 'too_deeply_nested', `request body nests deeper than ${maxJsonDepth} levels`));
      }
      if (problem === 'unstorable_text') return next(new HttpError(400, 'invalid_text', `request body text ${storableTextMessage}`));
      next();
    };
    let isJson = true;
    if (rule.json && isPlainJson(req)) return readPlainJson(req, rule.limit, checked);
    const type = req.is(rule.types);
    if (!type) {
      return next(
        new HttpError(415, 'unsupported_media_type', `this endpoint takes ${rule.types.filter((t) => t !== '+json').join(' or ')} bodies`),
      );
    }
    // The default rule takes JSON only: no second media-type match needed.
    isJson = rule.types === jsonTypes || req.is(jsonTypes) !== false;
    (isJson ? rule.jsonParser : rule.text)(req, res, checked);
  };
}

/**
 * The common request, which every route takes (JSON is accepted everywhere): `Content-Type:
 * application/json` (UTF-8 or no charset), a `Content-Length`, no `Content-Encoding`. Anything
 * else — a charset, compression, chunked transfer, another JSON media type — goes through
 * body-parser.
 */
const plainJsonTypes = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);
function isPlainJson(req: Request): boolean {
  const type = req.headers['content-type'];
  if (type !== 'application/json' && !plainJsonTypes.has(type?.toLowerCase() ?? '')) return false;
  const encoding = req.headers['content-encoding'];
  return (encoding === undefined || encoding.toLowerCase() === 'identity') && req.headers['transfer-encoding'] === undefined && req.headers['content-length'] !== undefined;
}

/**
 * Reads and parses a plain JSON body (isPlainJson) as `express.json({ strict: true })` would —
 * same answers for every input: an empty body is `{}`, a leading byte-order mark is dropped,
 * invalid UTF-8 becomes U+FFFD, a top level other than an object or array and any syntax error is
 * `entity.parse.failed`, more than `limit` bytes `entity.too.large` — with none of its media-type,
 * charset and decoder set-up, a measurable share of an enqueue request (bench/README.md, "Where a
 * job's time goes"). The HTTP parser delivers exactly Content-Length bytes, or the request aborts.
 */
function readPlainJson(req: Request, limit: number, done: (error?: unknown) => void): void {
  const declared = Number(req.headers['content-length']);
  if (!(declared <= limit)) return done(bodyError(413, 'request entity too large', 'entity.too.large'));
  const chunks: Buffer[] = [];
  const onData = (chunk: Buffer) => void chunks.push(chunk);
  const finish = (error?: unknown) => {
    req.removeListener('data', onData);
    req.removeListener('end', finish);
    req.removeListener('error', finish);
    if (error) return done(bodyError(400, 'request aborted', 'request.aborted'));
    const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    let text = bytes.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    try {
      req.body = parseStrictJson(text);
    } catch {
      return done(bodyError(400, 'request body is not valid JSON', 'entity.parse.failed'));
    }
    done();
  };
  // `on`, not `once`: finish removes all three itself, and `once` would bind a wrapper for each.
  req.on('data', onData);
  req.on('end', finish);
  req.on('error', finish);
}

/** body-parser's strict JSON: `{}` for nothing, otherwise an object or array at the top. */
function parseStrictJson(text: string): unknown {
  if (text.length === 0) return {};
  const first = /^[\x20\x09\x0a\x0d]*(.?)/s.exec(text)![1];
  if (first !== '{' && first !== '[') throw new SyntaxError('strict violation');
  return JSON.parse(text);
}

/** An error shaped like body-parser's (`status`, `type`), so the error handler answers both alike. */
function bodyError(status: number, message: string, type: string): Error {
  return Object.assign(new Error(message), { status, statusCode: status, expose: true, type });
}
