import type { MeterEvent, MeterResponse, ResolveResponse } from '@agentmeter/client';

/**
 * An event as agent code hands it to the Meter. `agent_id` and `action` may come from the
 * surrounding `withContext()` instead of the event; `event_id` and `timestamp` are minted at
 * capture when absent.
 */
export type TrackEvent = Omit<MeterEvent, 'agent_id' | 'action'> & {
  agent_id?: string;
  action?: string;
};

/** Attribution applied to everything metered inside `meter.withContext(context, fn)`. */
export interface MeterContext {
  customer_id?: string;
  agent_id?: string;
  action?: string;
  /** Merged under each event's own metadata (the event's keys win). */
  metadata?: Record<string, unknown>;
}

export type OutcomeResolution = 'success' | 'failure';

/** What `shutdown()` reports. It never resolves silently: `failed` and `pending` name what did not go. */
export interface ShutdownResult {
  /** Events (and resolutions) acknowledged by the server during the Meter's life. */
  sent: number;
  /** Items given up on: rejected by the server as non-retryable, or removed by the overflow policy. */
  failed: number;
  /** Items still queued or in flight when the deadline passed (kept in the outbox, when one is set). */
  pending: number;
  /** Ids of the pending items. */
  pendingIds: string[];
}

/** Why an item left the pipeline without being acknowledged, or why an operation was refused. */
export type MeterErrorCode =
  | 'rejected' // the server rejected the item and retrying cannot help
  | 'overflow' // the queue bound was hit; see `ids` for what the overflow policy refused or removed
  | 'event_too_large' // one event is larger than maxBatchBytes
  | 'invalid_event' // the event failed local validation; it was never queued
  | 'after_shutdown' // track()/trackNow()/resolve()/resolveNow() after shutdown()
  | 'delivery_failed' // a batch exhausted its retries; it went back to the head of the queue
  | 'outbox_error'; // the durable outbox could not be written or read

export interface MeterErrorInfo {
  code: MeterErrorCode;
  message: string;
  /** The event ids (or outcome ids, for resolutions) concerned. */
  ids: string[];
  /** The server's per-item error, when there is one. */
  cause?: unknown;
}

export interface MeterEvents {
  /** Anything that did not go as asked. Items named here are not silently lost: each is either still queued or reported as failed. */
  error: (info: MeterErrorInfo) => void;
  /** Ids of the items the server acknowledged (accepted or duplicate): event ids, and outcome ids for resolutions. */
  acknowledged: (ids: string[]) => void;
  /**
   * The same ids as `acknowledged`, under its old name (it never meant `flush()` finished).
   * @deprecated since 0.2 — use `'acknowledged'`; removed in 1.0
   */
  flush: (ids: string[]) => void;
  /** The server's price for each acknowledged event (from the batch results or `trackNow()`). */
  priced: (events: PricedEvent[]) => void;
}

/** An acknowledged event with the price the server charged for it. */
export interface PricedEvent {
  event_id: string;
  status: 'accepted' | 'duplicate';
  price_charged: number;
  price: { total: string; base: string; tokens: string; outcome: string };
  currency: string;
  tier: string;
  outcome_id: string | null;
}

export interface Meter {
  /** Queues an event; synchronous, O(1), never throws for a delivery problem. Returns its `event_id`. */
  track(event: TrackEvent): string;
  /**
   * Sends an event now (idempotent, retried) and returns the server's priced response; it rejects
   * with a `MeterError` instead of queuing. `track()` queues, `trackNow()` sends, as `resolve()` and
   * `resolveNow()` do for outcomes.
   */
  trackNow(event: TrackEvent): Promise<MeterResponse>;
  /**
   * The same as `trackNow()`.
   * @deprecated since 0.2 — use `trackNow()`; removed in 1.0
   */
  meter(event: TrackEvent): Promise<MeterResponse>;
  /**
   * Queues the resolution of a pending outcome, delivered after the event that opened it.
   * Accepts an `outcome_id` (`out_…`) or the id of the event that opened the outcome.
   */
  resolve(outcomeIdOrEventId: string, outcome: OutcomeResolution, metadata?: Record<string, unknown>): void;
  /** Resolves now and returns the server's response. */
  resolveNow(
    outcomeIdOrEventId: string,
    outcome: OutcomeResolution,
    metadata?: Record<string, unknown>,
  ): Promise<ResolveResponse>;
  /** Runs `fn` with `context` applied to everything metered inside it (nested contexts merge). */
  withContext<T>(context: MeterContext, fn: () => T): T;
  /** The context in effect here, if any. */
  currentContext(): MeterContext | undefined;
  /** Resolves when everything enqueued before the call is acknowledged (or reported failed). */
  flush(): Promise<void>;
  /** Resolves when everything enqueued before the call is on disk (immediately without an outbox). */
  persisted(): Promise<void>;
  /** Drains, then stops. Idempotent. */
  shutdown(options?: { timeoutMs?: number }): Promise<ShutdownResult>;
  /** Subscribes to pipeline events; returns the unsubscribe function. */
  on<K extends keyof MeterEvents>(event: K, listener: MeterEvents[K]): () => void;
  /** Opt-in: drain on `beforeExit` (and on SIGTERM/SIGINT when asked). Returns the uninstall function. */
  registerExitHandlers(options?: { signals?: boolean; timeoutMs?: number }): () => void;
}
