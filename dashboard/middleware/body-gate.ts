import type { NextFunction, Request, Response } from 'express';
import { sendError } from '../http-error.js';
import { type KeyRing, identifyRequest } from './api-key-auth.js';

/**
 * Decides from the headers alone, before a byte of the body is read, whether a body will be read
 * at all:
 * - a `Content-Length` over the route's limit is a 413, with or without a key;
 * - a body from a caller without a valid key is a 401 (no route takes a body without one).
 *
 * DANGEROUS SPOT: this is what keeps an unauthenticated 25 MB body from being read, parsed and
 * depth-checked (10 s of event loop and 1.4 GB of RSS). A refused request's body is never read;
 * the answer carries `Connection: close` so Node drops the socket instead of draining the body to
 * reuse the connection.
 */
export function bodyGate(options: { keys: KeyRing; limitFor: (path: string) => number }) {
  return (req: Request, res: Response, next: NextFunction) => {
    const length = req.headers['content-length'];
    const chunked = req.headers['transfer-encoding'] !== undefined;
    if (!chunked && (length === undefined || length === '0')) return next();
    const refuse = (status: number, code: string, message: string) => {
      res.setHeader('Connection', 'close');
      sendError(res, status, code, message);
    };
    const limit = options.limitFor(req.path);
    if (length !== undefined && Number(length) > limit) {
      return refuse(413, 'payload_too_large', `request body is larger than this endpoint accepts (${limit} bytes)`);
    }
    if (!identifyRequest(options.keys, req)) {
      if (req.path.startsWith('/admin/')) res.setHeader('WWW-Authenticate', 'Basic realm="learnloop operators", charset="UTF-8"');
      return refuse(401, 'unauthorized', 'a valid API key is required (Authorization: Bearer <key>)');
    }
    next();
  };
}
