import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Middleware run one after another as ONE Express layer, with Express's own rules: an error passed
 * to `next`, thrown, or rejected by a returned promise skips the rest and goes to the app's error
 * handling; a middleware that answers and does not call `next` ends the chain. Why: the router
 * does a fair amount of work per layer it passes (path lookup, match, parameter processing, prefix
 * trimming), and every request passes all of the ingress's app-wide middleware (bench/README.md,
 * "Where a job's time goes").
 */
export function inSequence(handlers: readonly RequestHandler[]): RequestHandler {
  const chain = [...handlers];
  return (req: Request, res: Response, done: NextFunction) => {
    let index = 0;
    const next = (error?: unknown) => {
      if (error !== undefined && error !== null && error !== false) return done(error);
      const handler = chain[index++];
      if (!handler) return done();
      try {
        const returned: unknown = handler(req, res, next);
        if (returned instanceof Promise) returned.catch((rejected: unknown) => done(rejected ?? new Error('Rejected promise')));
      } catch (thrown) {
        done(thrown);
      }
    };
    next();
  };
}
