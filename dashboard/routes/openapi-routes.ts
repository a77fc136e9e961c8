import type { Router } from 'express';
import { openApiDocument } from '../openapi.js';
import type { IngressContext } from '../ingress-context.js';

export function openApiRoutes(_ctx: IngressContext, router: Router): void {
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
}
