import { type NormalizedUsage, recordUsage, type UsageAttribution } from '@agentmeter/sdk/integration';
import { createTestMeter, type TestMeter } from '@agentmeter/sdk/testing';
import { metrics, SpanKind, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { OtelMeterError } from './errors.js';
import { instrumentMeter } from './instrument-meter.js';
import { instrumentedTestMeter, otelHarness, points } from './test-otel.js';

const TIER = { base_fee: '0.01', token_rate_input: '0.001', outcome_bonus: '2.5' };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

let calls = 0;
/** One model call as an integration reports it (`recordUsage`, as the provider wrappers do). */
function call(meter: TestMeter, attribution: UsageAttribution = {}): string {
  const id = `chatcmpl-instrument-meter-test-${++calls}`;
  const usage: NormalizedUsage = {
    provider: 'openai',
    operation: 'chat',
    requestModel: 'gpt-4.1',
    responseId: id,
    inputTokens: 100,
    outputTokens: 20,
    cachedInputTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    startedAt: Date.now() - 40,
    latencyMs: 40,
    complete: true,
    streamed: false,
  };
  return recordUsage(
    meter,
    usage,
    { agent_id: 'bot', action: 'answer', ...attribution },
    { layer: 'provider' },
  )!;
}

function setup(options: { priceWaitMs?: number; maxPendingSpans?: number } = {}) {
  return instrumentedTestMeter(TIER, options, cleanups);
}

describe('the price on the span', () => {
  it('ends a span unpriced when newer ones push it out, and adds its late price as a child charge span', async () => {
    const { otel, meter } = setup({ maxPendingSpans: 1 });
    const first = call(meter);
    const second = call(meter);
    // The first span had to give way: it ended without a price.
    expect(otel.spans().map((span) => span.attributes['agentmeter.event_id'])).toEqual([first]);
    expect(otel.spans()[0]?.attributes['agentmeter.price.status']).toBe('unpriced');
    await meter.flush();
    const [unpriced, charge, priced] = otel.spans();
    expect(charge?.name).toBe('agentmeter.charge');
    expect(charge?.kind).toBe(SpanKind.INTERNAL);
    expect(charge?.parentSpanContext?.spanId).toBe(unpriced?.spanContext().spanId);
    expect(charge?.attributes).toEqual({
      'agentmeter.event_id': first,
      'agentmeter.agent_id': 'bot',
      'agentmeter.action': 'answer',
      'agentmeter.price.total': '0.0101',
      'agentmeter.price.base': '0.01',
      'agentmeter.price.tokens': '0.0001',
      'agentmeter.price.outcome': '0.00',
      'agentmeter.price.status': 'charged',
      'agentmeter.currency': 'USD',
      'agentmeter.tier': 'default',
    });
    expect(priced?.attributes).toMatchObject({
      'agentmeter.event_id': second,
      'agentmeter.price.total': '0.0101',
    });
  });

  it('ends a span unpriced after priceWaitMs', async () => {
    const { otel, meter } = setup({ priceWaitMs: 0 });
    call(meter);
    expect(otel.spans()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(otel.spans().map((span) => span.attributes['agentmeter.price.status'])).toEqual(['unpriced']);
  });

  it('flush() ends every waiting span, priced when the Meter delivered its event', async () => {
    const { otel, meter, instrumentation } = setup();
    call(meter);
    call(meter);
    await instrumentation.flush();
    expect(otel.spans().map((span) => span.attributes['agentmeter.price.status'])).toEqual([
      'charged',
      'charged',
    ]);
    expect(meter.events).toHaveLength(2);
  });

  it('after shutdown(), follows the Meter no more and gives back its resolve methods', async () => {
    const { otel, meter, instrumentation } = setup();
    const resolve = meter.resolve;
    await instrumentation.shutdown();
    expect(meter.resolve).not.toBe(resolve);
    call(meter);
    await meter.flush();
    expect(otel.spans()).toEqual([]);
  });

  it('ignores calls metered by another Meter', async () => {
    const { otel } = setup();
    const other = createTestMeter({ tier: TIER });
    call(other);
    await other.flush();
    expect(otel.spans()).toEqual([]);
  });
});

describe('outcome resolutions', () => {
  it('are agentmeter.outcome spans in the resolving trace, linked to the call that opened the outcome', async () => {
    const { otel, meter } = setup();
    const eventId = call(meter, { outcome: 'pending' });
    await meter.flush();
    const [callSpan] = otel.spans();
    expect(callSpan?.attributes).toMatchObject({
      'agentmeter.outcome.status': 'pending',
      'agentmeter.outcome.id': `out_${eventId}`,
    });
    const tracer = otel.tracerProvider.getTracer('app');
    const parent = await tracer.startActiveSpan('ticket closed', async (span) => {
      const response = await meter.resolveNow(eventId, 'success');
      expect(response.price.outcome).toBe('2.50');
      span.end();
      return span;
    });
    const outcome = otel.spans().find((span) => span.name === 'agentmeter.outcome');
    expect(outcome?.kind).toBe(SpanKind.CLIENT);
    expect(outcome?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(outcome?.links.map((link) => link.context.spanId)).toEqual([callSpan?.spanContext().spanId]);
    expect(outcome?.attributes).toEqual({
      'agentmeter.event_id': eventId,
      'agentmeter.outcome.id': `out_${eventId}`,
      'agentmeter.outcome.status': 'success',
      'agentmeter.agent_id': 'bot',
      'agentmeter.action': 'answer',
      'agentmeter.price.outcome': '2.50',
      'agentmeter.currency': 'USD',
      'agentmeter.price.status': 'charged',
    });
    const all = await otel.metrics();
    expect(points(all.get('agentmeter.outcomes'))).toEqual([
      {
        attributes: {
          'agentmeter.outcome.status': 'success',
          'agentmeter.agent_id': 'bot',
          'agentmeter.action': 'answer',
        },
        value: 1,
      },
    ]);
    const outcomeCharges = points(all.get('agentmeter.charge')).filter(
      ({ attributes }) => attributes['agentmeter.price.component'] === 'outcome',
    );
    expect(outcomeCharges.map(({ value }) => value)).toEqual([2.5]);
  });

  it('records a queued resolve() as an INTERNAL span without a charge, and a failed resolveNow() as an error', async () => {
    const { otel, meter } = setup();
    const eventId = call(meter, { outcome: 'pending' });
    await meter.flush();
    meter.resolve(`out_${eventId}`, 'failure');
    await expect(meter.resolveNow('never-metered', 'success')).rejects.toThrow();
    const outcomes = otel.spans().filter((span) => span.name === 'agentmeter.outcome');
    expect(outcomes.map((span) => [span.kind, span.attributes['agentmeter.outcome.status']])).toEqual([
      [SpanKind.INTERNAL, 'failure'],
      [SpanKind.CLIENT, 'success'],
    ]);
    expect(outcomes[0]?.attributes).not.toHaveProperty('agentmeter.price.outcome');
    expect(outcomes[1]?.attributes).toMatchObject({ 'error.type': 'MeterError' });
    expect(outcomes[1]?.links).toEqual([]);
    expect(meter.resolutions.map((resolution) => resolution.outcome)).toEqual(['failure']);
  });
});

describe('instrumentMeter()', () => {
  it('uses the global providers by default, even when the meter provider is registered later', async () => {
    const otel = otelHarness();
    trace.setGlobalTracerProvider(otel.tracerProvider);
    const meter = createTestMeter({ tier: TIER });
    const instrumentation = instrumentMeter(meter);
    metrics.setGlobalMeterProvider(otel.meterProvider);
    cleanups.push(async () => {
      await instrumentation.shutdown();
      trace.disable();
      metrics.disable();
      await otel.shutdown();
    });
    call(meter);
    await meter.flush();
    expect(otel.spans().map((span) => span.name)).toEqual(['chat gpt-4.1']);
    expect((await otel.metrics()).has('gen_ai.client.token.usage')).toBe(true);
  });

  it('validates its arguments eagerly, naming the field', () => {
    const meter = createTestMeter();
    expect(() => instrumentMeter(meter, { priceWaitMs: -1 })).toThrow(
      'Expected `priceWaitMs` to be a non-negative integer, got -1.',
    );
    expect(() => instrumentMeter(meter, { maxPendingSpans: 0 })).toThrow(
      'Expected `maxPendingSpans` to be a positive integer, got 0.',
    );
    expect(() => instrumentMeter(meter, { semconv: '1.36' as never })).toThrow(
      "Expected `semconv` to be 'v1.41' or 'latest', got \"1.36\".",
    );
    expect(() => instrumentMeter(meter, { tracerProvider: {} as never })).toThrow(
      'Expected `tracerProvider` to be a TracerProvider (with getTracer), got an object.',
    );
    expect(() => instrumentMeter(meter, { tracer: 1 } as never)).toThrow(
      'Unknown option `tracer`. Known options: `tracerProvider`, `meterProvider`, `priceWaitMs`, `maxPendingSpans`, `semconv`.',
    );
    const error = (() => {
      try {
        instrumentMeter({} as never);
      } catch (caught) {
        return caught;
      }
    })();
    expect(OtelMeterError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'invalid_meter', field: 'meter' });
  });
});
