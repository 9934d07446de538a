import type { RouteDefinition } from '../app.js';
import { ApiError } from '../problem.js';
import { VERSION } from '../version.js';

const health: RouteDefinition = {
  operationId: 'getHealth',
  scope: 'public',
  handler: async (context) => {
    try {
      await context.store.ping();
    } catch {
      throw new ApiError(503, 'store_unavailable', 'The store does not answer.');
    }
    return { status: 200, body: { status: 'ok', version: VERSION, store: context.store.kind } };
  },
};

export const healthRoutes: RouteDefinition[] = [health];
