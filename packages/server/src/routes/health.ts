import type { RouteDefinition } from '../app.js';
import { ApiError } from '../problem.js';
import { VERSION } from '../version.js';

const health: RouteDefinition = {
  operationId: 'getHealth',
  scope: 'public',
  handler: async (context) => {
    try {
      await context.store.ping();
    } catch (cause) {
      // Logged with what the store said: a failing health check is often the first sign of an outage.
      const problem = new ApiError(503, 'store_unavailable', 'The store does not answer.', {
        headers: { 'retry-after': '1' },
      });
      problem.cause = cause;
      throw problem;
    }
    return { status: 200, body: { status: 'ok', version: VERSION, store: context.store.kind } };
  },
};

export const healthRoutes: RouteDefinition[] = [health];
