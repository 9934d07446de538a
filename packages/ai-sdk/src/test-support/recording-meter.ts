// A Meter that records what integrations hand it, applying `withContext()` the way the real Meter
// does (the event's own fields win; context fills what is missing; metadata merges under the event's).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Meter, MeterContext, TrackEvent } from '@agentmeter/sdk';

export type RecordedEvent = TrackEvent & { event_id: string };

export interface RecordingMeter extends Meter {
  readonly events: RecordedEvent[];
}

export function createRecordingMeter(): RecordingMeter {
  const contexts = new AsyncLocalStorage<MeterContext>();
  const events: RecordedEvent[] = [];
  const unsupported = (name: string) => () => {
    throw new Error(`The recording meter does not implement ${name}().`);
  };
  return {
    events,
    track(event) {
      const context = contexts.getStore();
      const recorded: RecordedEvent = { ...event, event_id: event.event_id ?? randomUUID() };
      for (const field of ['agent_id', 'action', 'customer_id'] as const) {
        const value = event[field] ?? context?.[field];
        if (value !== undefined) recorded[field] = value;
      }
      if (context?.metadata || event.metadata)
        recorded.metadata = { ...context?.metadata, ...event.metadata };
      events.push(recorded);
      return recorded.event_id;
    },
    meter: unsupported('meter'),
    resolve: unsupported('resolve'),
    resolveNow: unsupported('resolveNow'),
    withContext(context, fn) {
      const current = contexts.getStore();
      const merged: MeterContext = { ...current, ...context };
      if (current?.metadata || context.metadata)
        merged.metadata = { ...current?.metadata, ...context.metadata };
      return contexts.run(merged, fn);
    },
    currentContext: () => contexts.getStore(),
    flush: async () => {},
    persisted: async () => {},
    shutdown: async () => ({ sent: 0, failed: 0, pending: 0, pendingIds: [] }),
    on: () => () => {},
    registerExitHandlers: () => () => {},
  };
}
