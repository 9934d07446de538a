import type { Meter, PricedEvent } from '@agentmeter/sdk';
import { type NormalizedUsage, onUsage } from '@agentmeter/sdk/integration';
import { context, metrics, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { type CallRecord, CallRegistry } from './call-registry.js';
import { CallMetrics } from './metrics.js';
import { checkMeter, resolveInstrumentOptions } from './options.js';
import { observeResolutions } from './outcome-spans.js';
import * as semconv from './semconv.js';
import {
  attributionAttributes,
  callAttributes,
  type ObservedEvent,
  priceAttributes,
  spanName,
} from './span-attributes.js';
import type { InstrumentMeterOptions, MeterInstrumentation } from './types.js';

/** A price that arrived after its call's span ended, as a child of that span. */
export const SPAN_CHARGE = 'agentmeter.charge';

/**
 * Turns every call metered through `meter` into an OpenTelemetry CLIENT span with the GenAI convention
 * attributes plus agentmeter's (attribution, event id, price), and into GenAI client metrics plus
 * agentmeter's charge and call counters:
 *
 * ```ts
 * instrumentMeter(meter); // the global tracer and meter providers
 * ```
 *
 * The price comes from the server after the call ends, when the Meter's batch is acknowledged. The span
 * is created when the call ends, with the call's own start and end times, and stays open until its price
 * arrives, so the price is on the call's span; after `priceWaitMs` it ends without one and the price, if
 * it comes later, is a child `agentmeter.charge` span. Outcome resolutions (`meter.resolve()`,
 * `resolveNow()`) are `agentmeter.outcome` spans linked to the call's span.
 */
export function instrumentMeter(meter: Meter, options: InstrumentMeterOptions = {}): MeterInstrumentation {
  checkMeter(meter);
  const settings = resolveInstrumentOptions(options);
  const tracer = () =>
    (settings.tracerProvider ?? trace.getTracerProvider()).getTracer(
      semconv.SCOPE_NAME,
      semconv.SCOPE_VERSION,
    );
  const callMetrics = new CallMetrics(
    () => settings.meterProvider ?? metrics.getMeterProvider(),
    settings.semconv,
  );
  const calls = new CallRegistry(settings.maxPendingSpans, settings.priceWaitMs, (record) => {
    const waiting = record.waiting;
    if (!waiting) return;
    waiting.span.setAttribute(semconv.ATTR_AGENTMETER_PRICE_STATUS, 'unpriced');
    waiting.span.end(waiting.endTime);
  });

  const onCall = (usage: NormalizedUsage, event: ObservedEvent) => {
    const latency = Math.max(0, usage.latencyMs ?? 0);
    const startTime = usage.startedAt ?? Date.now() - latency;
    const endTime = startTime + latency;
    const span = tracer().startSpan(
      spanName(usage),
      { kind: SpanKind.CLIENT, startTime, attributes: callAttributes(usage, event, settings.semconv) },
      context.active(),
    );
    if (usage.errorType) span.setStatus({ code: SpanStatusCode.ERROR });
    callMetrics.recordCall(usage, event);
    const recording = span.isRecording();
    const record = {
      info: {
        provider: usage.provider,
        operation: usage.operation,
        model: usage.requestModel ?? usage.responseModel,
        agentId: event.agent_id,
        action: event.action,
      },
      customerId: event.customer_id,
      spanContext: recording ? span.spanContext() : undefined,
    };
    if (recording) calls.add(event.event_id, record, span, endTime);
    else {
      span.end(endTime);
      calls.add(event.event_id, record);
    }
  };

  const onPriced = (priced: PricedEvent) => {
    const record = calls.get(priced.event_id);
    if (!record?.priced) callMetrics.recordCharge(priced, record?.info);
    if (!record || record.priced) return;
    record.priced = true;
    const waiting = calls.settle(priced.event_id);
    if (waiting) {
      waiting.span.setAttributes(priceAttributes(priced));
      waiting.span.end(waiting.endTime);
    } else if (record.spanContext) {
      lateCharge(record, priced);
    }
  };

  const lateCharge = (record: CallRecord, priced: PricedEvent) => {
    const parent = trace.setSpanContext(context.active(), record.spanContext!);
    tracer()
      .startSpan(
        SPAN_CHARGE,
        {
          kind: SpanKind.INTERNAL,
          attributes: {
            ...priceAttributes(priced),
            ...attributionAttributes({
              agent_id: record.info.agentId,
              action: record.info.action,
              customer_id: record.customerId,
            }),
            [semconv.ATTR_AGENTMETER_EVENT_ID]: priced.event_id,
          },
        },
        parent,
      )
      .end();
  };

  const stopUsage = onUsage((usage, event, source) => {
    if (source === meter) onCall(usage, event);
  });
  const stopPriced = meter.on('priced', (events) => {
    for (const priced of events) {
      try {
        onPriced(priced);
      } catch {
        // Telemetry never breaks the Meter.
      }
    }
  });
  const stopResolutions = observeResolutions(meter, { tracer, calls, metrics: callMetrics });

  let stopped = false;
  const flush = async () => {
    try {
      await meter.flush();
    } finally {
      calls.expireAll();
    }
  };
  return {
    flush,
    async shutdown() {
      if (stopped) return;
      stopped = true;
      stopUsage();
      try {
        await flush();
      } finally {
        stopPriced();
        stopResolutions();
      }
    },
  };
}
