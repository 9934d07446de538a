// Test-only: a Meter that records what it is given, with the real context semantics
// (AsyncLocalStorage, nested contexts merge, the event's own fields win). Not exported, not built.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Meter, MeterContext, TrackEvent } from '@agentmeter/sdk';

export type RecordedEvent = TrackEvent & { event_id: string; agent_id: string; action: string };

export interface RecordingMeter extends Meter {
  readonly events: RecordedEvent[];
}

function unsupported(name: string): never {
  throw new Error(`The recording meter does not implement ${name}().`);
}

export function createRecordingMeter(): RecordingMeter {
  const contexts = new AsyncLocalStorage<MeterContext>();
  const events: RecordedEvent[] = [];
  const meter: RecordingMeter = {
    events,
    track(event) {
      const context = contexts.getStore();
      const metadata =
        context?.metadata || event.metadata ? { ...context?.metadata, ...event.metadata } : undefined;
      const recorded = {
        ...event,
        event_id: event.event_id ?? randomUUID(),
        agent_id: event.agent_id ?? context?.agent_id ?? '',
        action: event.action ?? context?.action ?? '',
      } as RecordedEvent;
      const customer = event.customer_id ?? context?.customer_id;
      if (customer !== undefined) recorded.customer_id = customer;
      if (metadata) recorded.metadata = metadata;
      events.push(recorded);
      return recorded.event_id;
    },
    withContext(context, fn) {
      const outer = contexts.getStore();
      const merged: MeterContext = { ...outer, ...context };
      if (outer?.metadata || context.metadata) merged.metadata = { ...outer?.metadata, ...context.metadata };
      return contexts.run(merged, fn);
    },
    currentContext: () => contexts.getStore(),
    meter: () => unsupported('meter'),
    resolve: () => unsupported('resolve'),
    resolveNow: () => unsupported('resolveNow'),
    flush: async () => {},
    persisted: async () => {},
    shutdown: async () => ({ sent: 0, failed: 0, pending: 0, pendingIds: [] }),
    on: () => () => {},
    registerExitHandlers: () => () => {},
  };
  return meter;
}
