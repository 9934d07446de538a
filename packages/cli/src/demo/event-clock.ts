import { AsyncLocalStorage } from 'node:async_hooks';
import type { Meter, TrackEvent } from '@agentmeter/sdk';

/** Fields the demo adds to the events metered inside `at()`: a past timestamp, a pending outcome. */
export type Stamp = Pick<TrackEvent, 'timestamp' | 'outcome' | 'expires_at'>;

export interface EventClock {
  /** The Meter to hand to `withMeter()`: the real one, with the current stamp applied to each event. */
  meter: Meter;
  /**
   * Runs `fn` with `stamp` applied to what it meters; resolves with `fn`'s result and the id of the
   * (first) event it metered.
   */
  at<T>(stamp: Stamp, fn: () => Promise<T>): Promise<{ result: T; eventId: string; event: TrackEvent }>;
}

/**
 * The demo replays two weeks of traffic in seconds. Real agent code passes no timestamp (the Meter
 * stamps "now"); here each call's event gets the time it is meant to have happened, and the outreach
 * emails open a pending outcome, through this thin decorator of a real Meter. Nothing else changes:
 * the wrapper, the Meter's batching and the server's pricing are the production ones.
 */
export function createEventClock(inner: Meter): EventClock {
  const scopes = new AsyncLocalStorage<{ stamp: Stamp; tracked: (event: TrackEvent, id: string) => void }>();
  const stamped = (event: TrackEvent): TrackEvent => {
    const scope = scopes.getStore();
    return scope ? { ...event, ...scope.stamp } : event;
  };
  const meter: Meter = {
    track(event) {
      const scope = scopes.getStore();
      const full = stamped(event);
      const id = inner.track(full);
      scope?.tracked(full, id);
      return id;
    },
    trackNow: (event) => inner.trackNow(stamped(event)),
    meter: (event) => inner.trackNow(stamped(event)),
    resolve: (id, outcome, metadata) => inner.resolve(id, outcome, metadata),
    resolveNow: (id, outcome, metadata) => inner.resolveNow(id, outcome, metadata),
    withContext: (context, fn) => inner.withContext(context, fn),
    currentContext: () => inner.currentContext(),
    flush: () => inner.flush(),
    persisted: () => inner.persisted(),
    shutdown: (options) => inner.shutdown(options),
    on: (event, listener) => inner.on(event, listener),
    registerExitHandlers: (options) => inner.registerExitHandlers(options),
  };
  return {
    meter,
    async at(stamp, fn) {
      let first: { event: TrackEvent; id: string } | undefined;
      let seen: () => void = () => {};
      const metered = new Promise<void>((resolve) => {
        seen = resolve;
      });
      const result = await scopes.run(
        {
          stamp,
          tracked: (event, id) => {
            first ??= { event, id };
            seen();
          },
        },
        fn,
      );
      // The wrapper records the call's event as the call settles; wait for it (bounded).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        metered,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 5_000);
        }),
      ]);
      clearTimeout(timer);
      if (!first) throw new Error('The call was not metered (no event within 5 s).');
      const tracked = first as { event: TrackEvent; id: string };
      return { result, eventId: tracked.id, event: tracked.event };
    },
  };
}
