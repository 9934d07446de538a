import type { MeterEvent, MeterResponse, ResolveResponse } from '@agentmeter/client';
import {
  type CompiledTier,
  compileTier,
  formatMoney,
  type Money,
  moneyToNumber,
  type Price,
  priceEvent,
  resolutionCharge,
  type TierConfig,
} from '@agentmeter/pricing';
import { captureEvent, captureResolution } from './capture.js';
import { ContextScope } from './context.js';
import { Emitter } from './emitter.js';
import { MeterError } from './errors.js';
import type {
  Meter,
  MeterErrorInfo,
  OutcomeResolution,
  PricedEvent,
  ShutdownResult,
  TrackEvent,
} from './types.js';

export interface TestMeterOptions {
  /** Price every event locally with this tier, exactly as the server's engine (`@agentmeter/pricing`) would. Default: every price is zero, in USD. */
  tier?: TierConfig;
  /** The tier id reported in responses. Default: `'default'`. */
  tierId?: string;
}

/** A resolution the test meter applied. */
export interface RecordedResolution {
  outcome_id: string;
  event_id: string;
  outcome: OutcomeResolution;
  metadata?: Record<string, unknown>;
  /** What the resolution charged, as an exact decimal string. */
  charged: string;
}

/**
 * An in-memory `Meter` for unit tests of agent code: no network, no timers. Events are recorded as
 * the real Meter would send them (context applied, `event_id` and `timestamp` stamped), deduplicated
 * by `event_id` as the server would, and priced with `tier` when given.
 */
export interface TestMeter extends Meter {
  /** Every distinct event, in capture order. */
  readonly events: MeterEvent[];
  readonly resolutions: RecordedResolution[];
  /** Everything reported through `on('error')`, in order. */
  readonly errors: MeterErrorInfo[];
  /** The priced response for an event id (what `trackNow()` would have returned). */
  priceOf(eventId: string): MeterResponse | undefined;
  /** Exact sum of every charge (events and resolutions), optionally for one customer. */
  total(customerId?: string): string;
  /** Forgets everything recorded (the Meter stays usable, even after shutdown). */
  reset(): void;
}

interface Entry {
  event: MeterEvent;
  price: Price;
  response: MeterResponse;
  resolution: OutcomeResolution | undefined;
  resolutionCharge: Money;
}

export function createTestMeter(options: TestMeterOptions = {}): TestMeter {
  const tier: CompiledTier = compileTier(options.tier ?? {});
  const tierId = options.tierId ?? 'default';
  const context = new ContextScope();
  const emitter = new Emitter();
  const entries = new Map<string, Entry>();
  const events: MeterEvent[] = [];
  const resolutions: RecordedResolution[] = [];
  const errors: MeterErrorInfo[] = [];
  let unflushed: PricedEvent[] = [];
  let unflushedIds: string[] = [];
  let closed = false;
  let failed = 0;
  emitter.on('error', (info) => errors.push(info));
  const report = (info: MeterErrorInfo) => {
    if (info.code === 'rejected') failed += info.ids.length;
    emitter.emit('error', info);
  };

  const record = (input: TrackEvent): { response: MeterResponse } | { error: MeterError } => {
    const captured = captureEvent(input, context.current(), Date.now());
    if (!captured.ok)
      return { error: new MeterError('invalid_event', captured.message, { ids: [captured.id] }) };
    if (closed)
      return { error: new MeterError('after_shutdown', 'Called after shutdown().', { ids: [captured.id] }) };
    const existing = entries.get(captured.id);
    if (existing) return { response: { ...existing.response, replayed: true } };
    const event = JSON.parse(captured.json) as MeterEvent;
    let price: Price;
    try {
      price = priceEvent(tier, event);
    } catch (error) {
      return {
        error: new MeterError('rejected', (error as Error).message, { ids: [captured.id], cause: error }),
      };
    }
    const pending = event.outcome === 'pending';
    const timestamp = event.timestamp ?? new Date().toISOString();
    const expiresAt = event.expires_at ?? new Date(Date.parse(timestamp) + 7 * 86_400_000).toISOString();
    const response: MeterResponse = {
      event_id: captured.id,
      price_charged: moneyToNumber(price.total),
      price_breakdown: {
        base: moneyToNumber(price.base),
        tokens: moneyToNumber(price.tokens),
        outcome: moneyToNumber(price.outcome),
      },
      price: {
        total: formatMoney(price.total),
        base: formatMoney(price.base),
        tokens: formatMoney(price.tokens),
        outcome: formatMoney(price.outcome),
      },
      currency: tier.currency,
      tier: tierId,
      tier_version: 1,
      outcome_id: pending ? `out_${captured.id}` : null,
      outcome_status: event.outcome ?? 'none',
      expires_at: pending ? expiresAt : null,
      timestamp,
      replayed: false,
    };
    entries.set(captured.id, { event, price, response, resolution: undefined, resolutionCharge: 0n });
    events.push(event);
    unflushedIds.push(captured.id);
    unflushed.push({
      event_id: captured.id,
      status: 'accepted',
      price_charged: response.price_charged,
      price: response.price,
      currency: response.currency,
      tier: tierId,
      outcome_id: response.outcome_id ?? null,
    });
    return { response };
  };

  const applyResolution = (
    outcomeIdOrEventId: string,
    outcome: OutcomeResolution,
    metadata: Record<string, unknown> | undefined,
  ): { response: ResolveResponse } | { error: MeterError } => {
    const captured = captureResolution(outcomeIdOrEventId, outcome, metadata);
    if (!captured.ok)
      return { error: new MeterError('invalid_event', captured.message, { ids: [captured.id] }) };
    if (closed)
      return { error: new MeterError('after_shutdown', 'Called after shutdown().', { ids: [captured.id] }) };
    const eventId = captured.id.slice(4);
    const entry = entries.get(eventId);
    const refuse = (message: string) => ({
      error: new MeterError('rejected', message, { ids: [captured.id] }),
    });
    if (entry?.event.outcome !== 'pending') return refuse(`No pending outcome ${captured.id}.`);
    if (entry.resolution !== undefined && entry.resolution !== outcome)
      return refuse(`${captured.id} is already resolved as ${entry.resolution}.`);
    const replayed = entry.resolution === outcome;
    if (!replayed) {
      if (Date.now() > Date.parse(entry.response.expires_at ?? '')) return refuse(`${captured.id} expired.`);
      entry.resolution = outcome;
      entry.resolutionCharge = resolutionCharge(entry.price.pendingBonus, outcome);
      resolutions.push({
        outcome_id: captured.id,
        event_id: eventId,
        outcome,
        ...(metadata ? { metadata } : {}),
        charged: formatMoney(entry.resolutionCharge),
      });
      unflushedIds.push(captured.id);
    }
    const charged = formatMoney(entry.resolutionCharge);
    const amount = moneyToNumber(entry.resolutionCharge);
    const now = new Date().toISOString();
    return {
      response: {
        outcome_id: captured.id,
        event_id: eventId,
        status: outcome,
        price_charged: amount,
        price_breakdown: { base: 0, tokens: 0, outcome: amount },
        price: { total: charged, base: '0.00', tokens: '0.00', outcome: charged },
        currency: tier.currency,
        replayed,
        outcome: {
          outcome_id: captured.id,
          event_id: eventId,
          status: outcome,
          agent_id: entry.event.agent_id,
          action: entry.event.action,
          customer_id: entry.event.customer_id ?? null,
          currency: tier.currency,
          bonus: formatMoney(entry.price.pendingBonus),
          charged,
          expires_at: entry.response.expires_at ?? now,
          resolved_at: now,
          created_at: entry.response.timestamp,
          metadata: metadata ?? null,
        },
      },
    };
  };

  const deliver = () => {
    const ids = unflushedIds;
    const priced = unflushed;
    unflushedIds = [];
    unflushed = [];
    if (ids.length > 0) emitter.emit('acknowledged', ids);
    if (priced.length > 0) emitter.emit('priced', priced);
  };

  const meter: TestMeter = {
    events,
    resolutions,
    errors,
    track(input) {
      const result = record(input);
      if ('error' in result) {
        report({ code: result.error.code, message: result.error.message, ids: result.error.ids });
        return result.error.ids[0] ?? '';
      }
      return result.response.event_id;
    },
    async trackNow(input) {
      const result = record(input);
      if ('error' in result) throw result.error;
      deliver();
      return result.response;
    },
    meter: (input) => meter.trackNow(input),
    resolve(outcomeIdOrEventId, outcome, metadata) {
      const result = applyResolution(outcomeIdOrEventId, outcome, metadata);
      if ('error' in result)
        report({ code: result.error.code, message: result.error.message, ids: result.error.ids });
    },
    async resolveNow(outcomeIdOrEventId, outcome, metadata) {
      const result = applyResolution(outcomeIdOrEventId, outcome, metadata);
      if ('error' in result) throw result.error;
      deliver();
      return result.response;
    },
    withContext: (ctx, fn) => context.run(ctx, fn),
    currentContext: () => context.current(),
    async flush() {
      deliver();
    },
    async persisted() {},
    async shutdown(): Promise<ShutdownResult> {
      deliver();
      closed = true;
      return { sent: events.length + resolutions.length, failed, pending: 0, pendingIds: [] };
    },
    on: (event, listener) => emitter.on(event, listener),
    registerExitHandlers: () => () => {},
    priceOf: (eventId) => entries.get(eventId)?.response,
    total(customerId) {
      let sum = 0n;
      for (const entry of entries.values()) {
        if (customerId === undefined || entry.event.customer_id === customerId)
          sum += entry.price.total + entry.resolutionCharge;
      }
      return formatMoney(sum);
    },
    reset() {
      entries.clear();
      events.length = 0;
      resolutions.length = 0;
      errors.length = 0;
      unflushed = [];
      unflushedIds = [];
      closed = false;
      failed = 0;
    },
  };
  return meter;
}

export type { MeterErrorInfo };
