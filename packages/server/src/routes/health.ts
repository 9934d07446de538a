import type { RouteDefinition } from '../app.js';
import { ApiError } from '../problem.js';
import { route } from '../typed-route.js';
import { VERSION } from '../version.js';

/**
 * The ping in flight, per store: health checks arriving while one runs share its answer, so a flood of
 * them (the route needs no key and is never shed for load) holds one database connection, not the
 * pool. Nothing is cached past the ping itself: every answer is as fresh as the request.
 */
const pings = new WeakMap<object, Promise<void>>();

function sharedPing(store: { ping(): Promise<void> }): Promise<void> {
  let ping = pings.get(store);
  if (!ping) {
    ping = store.ping().finally(() => pings.delete(store));
    pings.set(store, ping);
  }
  return ping;
}

const health = route('getHealth')({
  scope: 'public',
  handler: async (context) => {
    try {
      await sharedPing(context.store);
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
});

export const healthRoutes: RouteDefinition[] = [health];
