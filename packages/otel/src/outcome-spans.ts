import type { Meter, OutcomeResolution } from '@agentmeter/sdk';
import {
  type Attributes,
  context,
  type Link,
  SpanKind,
  SpanStatusCode,
  type Tracer,
} from '@opentelemetry/api';
import type { CallRegistry } from './call-registry.js';
import type { CallMetrics } from './metrics.js';
import * as semconv from './semconv.js';
import { attributionAttributes } from './span-attributes.js';

export const SPAN_OUTCOME = 'agentmeter.outcome';

interface Parts {
  tracer: () => Tracer;
  calls: CallRegistry;
  metrics: CallMetrics;
}

type Resolve = Meter['resolve'];
type ResolveNow = Meter['resolveNow'];

/**
 * Outcome resolutions as spans: each `meter.resolve()` / `resolveNow()` is an `agentmeter.outcome` span in
 * the caller's trace, linked to the span of the call that opened the outcome (when this process metered
 * it). `resolveNow()` spans the request and carry what the resolution charged; `resolve()` only queues it,
 * so its span has the status but no charge. The Meter has no event for resolutions, so its two methods are
 * decorated on this instance; the returned function restores them.
 */
export function observeResolutions(meter: Meter, parts: Parts): () => void {
  const originalResolve: Resolve = meter.resolve;
  const originalResolveNow: ResolveNow = meter.resolveNow;

  const start = (idOrEventId: unknown, outcome: OutcomeResolution, kind: SpanKind) => {
    const id = typeof idOrEventId === 'string' ? idOrEventId : '';
    const eventId = id.startsWith('out_') ? id.slice(4) : id;
    const record = parts.calls.get(eventId);
    const attributes: Attributes = {
      [semconv.ATTR_AGENTMETER_EVENT_ID]: eventId,
      [semconv.ATTR_AGENTMETER_OUTCOME_ID]: `out_${eventId}`,
      [semconv.ATTR_AGENTMETER_OUTCOME_STATUS]: outcome,
    };
    if (record) {
      Object.assign(
        attributes,
        attributionAttributes({
          agent_id: record.info.agentId,
          action: record.info.action,
          customer_id: record.customerId,
        }),
      );
    }
    const links: Link[] = record?.spanContext ? [{ context: record.spanContext }] : [];
    const span = parts.tracer().startSpan(SPAN_OUTCOME, { kind, attributes, links }, context.active());
    return { span, record };
  };

  const decoratedResolve: Resolve = function (this: unknown, idOrEventId, outcome, metadata) {
    const result = originalResolve.call(this ?? meter, idOrEventId, outcome, metadata);
    try {
      const { span, record } = start(idOrEventId, outcome, SpanKind.INTERNAL);
      span.end();
      if (outcome === 'success' || outcome === 'failure')
        parts.metrics.recordResolution(outcome, record?.info, undefined);
    } catch {
      // Telemetry never breaks the Meter.
    }
    return result;
  };

  const decoratedResolveNow: ResolveNow = async function (this: unknown, idOrEventId, outcome, metadata) {
    let observed: ReturnType<typeof start> | undefined;
    try {
      observed = start(idOrEventId, outcome, SpanKind.CLIENT);
    } catch {
      observed = undefined;
    }
    try {
      const response = await originalResolveNow.call(this ?? meter, idOrEventId, outcome, metadata);
      if (observed) {
        observed.span.setAttributes({
          [semconv.ATTR_AGENTMETER_PRICE_OUTCOME]: response.price.outcome,
          [semconv.ATTR_AGENTMETER_CURRENCY]: response.currency,
          [semconv.ATTR_AGENTMETER_PRICE_STATUS]: response.replayed ? 'replayed' : 'charged',
        });
        observed.span.end();
        parts.metrics.recordResolution(outcome, observed.record?.info, {
          amount: response.price.outcome,
          currency: response.currency,
          replayed: response.replayed,
        });
      }
      return response;
    } catch (error) {
      if (observed) {
        const name = (error as { constructor?: { name?: string } } | null)?.constructor?.name;
        observed.span.setAttribute(semconv.ATTR_ERROR_TYPE, name && name !== 'Object' ? name : '_OTHER');
        observed.span.setStatus({ code: SpanStatusCode.ERROR });
        observed.span.end();
      }
      throw error;
    }
  };

  meter.resolve = decoratedResolve;
  meter.resolveNow = decoratedResolveNow;
  return () => {
    if (meter.resolve === decoratedResolve) meter.resolve = originalResolve;
    if (meter.resolveNow === decoratedResolveNow) meter.resolveNow = originalResolveNow;
  };
}
