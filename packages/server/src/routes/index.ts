import type { RouteDefinition } from '../app.js';
import { healthRoutes } from './health.js';
import { keyRoutes } from './keys.js';
import { meteringRoutes } from './metering.js';
import { outcomeRoutes } from './outcomes.js';
import { pricingRoutes } from './pricing.js';
import { readRoutes } from './reads.js';
import { traceRoutes } from './traces.js';

/** Every route of the API, each bound to an operation of openapi.yaml. */
export const routes: RouteDefinition[] = [
  ...healthRoutes,
  ...meteringRoutes,
  ...outcomeRoutes,
  ...pricingRoutes,
  ...readRoutes,
  ...keyRoutes,
  ...traceRoutes,
];
