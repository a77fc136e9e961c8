import type { Router } from 'express';
import { idSchema } from '../../core/contracts/identifiers.js';
import { buildLearnerPatterns } from '../../core/learner/learner-patterns.js';
import { loadLearnerPatterns } from '../../db/queries/learner-patterns.js';
import { HttpError, parseOr400 } from '../http-error.js';
import type { IngressContext } from '../ingress-context.js';
import { requireScope } from '../middleware/api-key-auth.js';

/**
 * GET /api/users/:userId/patterns: how a learner does, from their answers — by category, question
 * type, Bloom level and hour of day; knowledge gaps with their evidence; trend; best type
 * (core/learner/learner-patterns.ts). 404 for a learner with neither sessions nor answers; an erased
 * learner is refused before this (learner-erasure-guard).
 */
export function patternRoutes(ctx: IngressContext, router: Router): void {
  router.get('/api/users/:userId/patterns', requireScope(ctx.keys, 'producer'), async (req, res) => {
    const userId = parseOr400(idSchema, req.params.userId, 'userId');
    const data = await loadLearnerPatterns(ctx.db, userId);
    if (data.sessions === 0 && data.recent.length === 0) throw new HttpError(404, 'not_found', `no learner ${userId}`);
    res.json(buildLearnerPatterns({ userId, ...data }));
  });
}
