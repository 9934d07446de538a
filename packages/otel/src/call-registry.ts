import type { Span, SpanContext } from '@opentelemetry/api';
import type { CallInfo } from './metrics.js';

/** A metered call, as remembered for its price and its outcome. */
export interface CallRecord {
  info: CallInfo;
  customerId: string | undefined;
  /** The call's span context (for the late `agentmeter.charge` span and for outcome links); unset when not sampled. */
  spanContext: SpanContext | undefined;
  /** The open span while it waits for its price. */
  waiting: { span: Span; endTime: number; timer: ReturnType<typeof setTimeout> } | undefined;
  priced: boolean;
}

const RECENT_CALLS = 10_000;

/**
 * The calls of one instrumented Meter by event id: at most `maxWaiting` spans open, waiting for their
 * price (each ends on its price, on its deadline, or when pushed out by newer ones), and the last
 * 10,000 calls remembered for late prices and outcome links. Every map is bounded; every timer unref'd.
 */
export class CallRegistry {
  readonly #calls = new Map<string, CallRecord>();
  readonly #waiting = new Set<string>();
  readonly #maxWaiting: number;
  readonly #waitMs: number;
  readonly #onTimeout: (record: CallRecord) => void;

  constructor(maxWaiting: number, waitMs: number, onTimeout: (record: CallRecord) => void) {
    this.#maxWaiting = maxWaiting;
    this.#waitMs = waitMs;
    this.#onTimeout = onTimeout;
  }

  get(eventId: string): CallRecord | undefined {
    return this.#calls.get(eventId);
  }

  /** Remembers a call; with `span`, keeps it open until `settle()` or its deadline. */
  add(eventId: string, record: Omit<CallRecord, 'waiting' | 'priced'>, span?: Span, endTime?: number): void {
    const existing = this.#calls.get(eventId);
    if (existing?.waiting) this.#expire(eventId, existing);
    this.#calls.delete(eventId);
    if (this.#calls.size >= RECENT_CALLS) {
      const oldest = this.#calls.keys().next().value;
      if (oldest !== undefined) {
        const dropped = this.#calls.get(oldest);
        if (dropped?.waiting) this.#expire(oldest, dropped);
        this.#calls.delete(oldest);
      }
    }
    const entry: CallRecord = { ...record, waiting: undefined, priced: false };
    this.#calls.set(eventId, entry);
    if (!span || endTime === undefined) return;
    if (this.#waiting.size >= this.#maxWaiting) {
      const oldest = this.#waiting.values().next().value;
      const pushedOut = oldest === undefined ? undefined : this.#calls.get(oldest);
      if (oldest !== undefined && pushedOut) this.#expire(oldest, pushedOut);
    }
    const timer = setTimeout(() => this.#expire(eventId, entry), this.#waitMs);
    (timer as { unref?: () => void }).unref?.();
    entry.waiting = { span, endTime, timer };
    this.#waiting.add(eventId);
  }

  /** Takes the open span of a call out of the waiting set (its price arrived); undefined when none is open. */
  settle(eventId: string): { span: Span; endTime: number } | undefined {
    const record = this.#calls.get(eventId);
    const waiting = record?.waiting;
    if (!record || !waiting) return undefined;
    clearTimeout(waiting.timer);
    record.waiting = undefined;
    this.#waiting.delete(eventId);
    return waiting;
  }

  /** Ends every waiting span now, unpriced. */
  expireAll(): void {
    for (const eventId of [...this.#waiting]) {
      const record = this.#calls.get(eventId);
      if (record) this.#expire(eventId, record);
    }
  }

  #expire(eventId: string, record: CallRecord): void {
    const waiting = record.waiting;
    if (!waiting) return;
    clearTimeout(waiting.timer);
    this.#waiting.delete(eventId);
    this.#onTimeout(record);
    record.waiting = undefined;
  }
}
