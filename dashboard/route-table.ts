import type { Express } from 'express';
import type { ApiKeyScope } from '../core/config/config-schema.js';

/** One route of the ingress as the Express router knows it. */
export interface RouteEntry {
  method: string;
  /** The pattern with its mount prefix: `/api/jobs/:queue/:jobId`. */
  path: string;
  /** The scope its requireScope guard demands; undefined when no guard covers it. */
  scope?: ApiKeyScope;
}

interface LayerLike {
  route?: { path: string | string[]; methods: Record<string, boolean>; stack: LayerLike[] };
  // A Router has `stack`; a mounted sub-application (Bull Board's) has `router.stack`.
  handle: ((...args: unknown[]) => unknown) & { stack?: LayerLike[]; router?: { stack?: LayerLike[] }; requiredScope?: ApiKeyScope };
  rawPath?: string | string[];
  slash?: boolean;
}

const join = (prefix: string, path: string) => (prefix + (path === '/' ? '' : path)).replace(/\/+/g, '/') || '/';

/**
 * Every route of an Express app, read from its router stack, with the scope its guard demands.
 * Tests walk this table, so a route added tomorrow is checked for auth without anyone listing it.
 *
 * DANGEROUS SPOT: reads Express 5 (router 2.x) internals — `app.router.stack`, `layer.route`,
 * `layer.rawPath`, `layer.handle.stack`. If an Express upgrade changes them, the auth test that
 * uses this table fails loudly (it asserts known routes are found), rather than passing vacuously.
 */
export function listRoutes(app: Express): RouteEntry[] {
  const routes: RouteEntry[] = [];
  const walk = (stack: LayerLike[], prefix: string, inherited: { prefix: string; scope: ApiKeyScope }[]) => {
    const guards = [...inherited];
    for (const layer of stack) {
      const raw = layer.rawPath;
      const layerPath = typeof raw === 'string' ? raw : '/';
      if (layer.route) {
        const own = layer.route.stack.find((l) => l.handle.requiredScope)?.handle.requiredScope;
        for (const path of [layer.route.path].flat()) {
          const full = join(prefix, path);
          const guard = [...guards].reverse().find((g) => full.startsWith(g.prefix));
          for (const method of Object.keys(layer.route.methods).filter((m) => layer.route!.methods[m])) {
            routes.push({ method: method.toUpperCase(), path: full, scope: own ?? guard?.scope });
          }
        }
      } else if (layer.handle.requiredScope) {
        // router.use(path, requireScope(...)): guards everything after it under that path.
        const guardPrefix = join(prefix, layerPath);
        guards.push({ prefix: guardPrefix, scope: layer.handle.requiredScope });
        routes.push({ method: 'ALL', path: join(guardPrefix, '/*'), scope: layer.handle.requiredScope });
      } else {
        const nested = layer.handle.stack ?? layer.handle.router?.stack;
        if (Array.isArray(nested)) walk(nested, join(prefix, layerPath), guards);
      }
    }
  };
  const router = (app as unknown as { router: { stack: LayerLike[] } }).router;
  walk(router.stack, '', []);
  return routes;
}
