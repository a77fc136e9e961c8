import type { Router } from 'express';
import type { IngressContext } from '../ingress-context.js';
import { bullBoardRoutes } from './bull-board-routes.js';
import { healthRoutes } from './health-routes.js';
import { jobRoutes } from './job-routes.js';
import { metricsRoutes } from './metrics-routes.js';
import { questionRoutes } from './question-routes.js';

/** Every route module of the ingress, in mount order. */
export const routeModules: ((ctx: IngressContext) => Router)[] = [
  healthRoutes,
  metricsRoutes,
  questionRoutes,
  jobRoutes,
  bullBoardRoutes,
];
