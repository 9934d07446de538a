// Test-only (not built, not exported): a Meter that records what it is given, merging the
// surrounding context the way the real Meter does (context fills what the event leaves out).
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Meter, MeterContext, ShutdownResult, TrackEvent } from '@agentmeter/sdk';

export type RecordedEvent = TrackEvent & { event_id: string; agent_id: string; action: string };

export interface RecordingMeter extends Meter {
  /** Every event given to `track()`, in order, after the context merge. Duplicates are kept. */
  readonly events: RecordedEvent[];
}

export function createRecordingMeter(): RecordingMeter {
  const contexts = new AsyncLocalStorage<MeterContext>();
  const events: RecordedEvent[] = [];
  let minted = 0;

  const unsupported = (name: string) => () => {
    throw new Error(`${name}() is not part of the recording test meter`);
  };

  return {
    events,
    track(event) {
      const context = contexts.getStore();
      const recorded = {
        ...event,
        agent_id: event.agent_id ?? context?.agent_id ?? '',
        action: event.action ?? context?.action ?? '',
        event_id: event.event_id ?? `evt_test_${++minted}`,
      } as RecordedEvent;
      const customer = event.customer_id ?? context?.customer_id;
      if (customer !== undefined) recorded.customer_id = customer;
      if (context?.metadata || event.metadata)
        recorded.metadata = { ...context?.metadata, ...event.metadata };
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
    meter: unsupported('meter'),
    resolve: unsupported('resolve'),
    resolveNow: unsupported('resolveNow'),
    flush: async () => {},
    persisted: async () => {},
    shutdown: async (): Promise<ShutdownResult> => ({
      sent: events.length,
      failed: 0,
      pending: 0,
      pendingIds: [],
    }),
    on: () => () => {},
    registerExitHandlers: () => () => {},
  };
}
