import type { Router } from 'express';
import type { IngressContext } from '../ingress-context.js';
import { alertRoutes } from './alert-routes.js';
import { analyticsRoutes } from './analytics-routes.js';
import { backupRoutes } from './backup-routes.js';
import { bullBoardRoutes } from './bull-board-routes.js';
import { deadLetterRoutes } from './dead-letter-routes.js';
import { gdprRoutes } from './gdpr-routes.js';
import { healthRoutes } from './health-routes.js';
import { insightRoutes } from './insight-routes.js';
import { jobRoutes } from './job-routes.js';
import { learnerErasureGuard } from './learner-erasure-guard.js';
import { metricsRoutes } from './metrics-routes.js';
import { openApiRoutes } from './openapi-routes.js';
import { patternRoutes } from './pattern-routes.js';
import { questionRoutes } from './question-routes.js';
import { sessionRoutes } from './session-routes.js';

/**
 * Every route module of the ingress, in mount order. Each adds its routes to the router it is given
 * (the ingress passes the app's router, so all routes share one). A
 * request walks the routes added before the one that answers it, so the busiest enqueue routes
 * (questions) come first; they act for no learner, so the erasure guard has nothing to refuse
 * there. A module with learner routes must stay behind the guard.
 */
export const routeModules: ((ctx: IngressContext, router: Router) => void)[] = [
  questionRoutes,
  healthRoutes,
  metricsRoutes,
  openApiRoutes,
  // Before every /api route module: an erased learner is refused whatever the route behind does.
  learnerErasureGuard,
  gdprRoutes,
  backupRoutes,
  sessionRoutes,
  patternRoutes,
  jobRoutes,
  deadLetterRoutes,
  insightRoutes,
  analyticsRoutes,
  alertRoutes,
  bullBoardRoutes,
];
