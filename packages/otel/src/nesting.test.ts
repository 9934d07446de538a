import { createTestMeter } from '@agentmeter/sdk/testing';
import { SpanKind } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { AgentmeterSpanProcessor } from './span-processor.js';
import type { FinishedSpan } from './types.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';

function finished(spanId: string, parentSpanId: string | undefined, input: number): FinishedSpan {
  const now = Date.now();
  const time: [number, number] = [Math.floor(now / 1000), (now % 1000) * 1e6];
  return {
    name: 'chat gpt-4o-mini',
    kind: SpanKind.CLIENT,
    spanContext: () => ({ traceId: TRACE, spanId, traceFlags: 1 }),
    parentSpanContext: parentSpanId ? { traceId: TRACE, spanId: parentSpanId, traceFlags: 1 } : undefined,
    startTime: time,
    endTime: time,
    status: { code: 0 },
    attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': input },
    resource: { attributes: { 'service.name': 'support-bot' } },
    instrumentationScope: { name: '@traceloop/instrumentation-openai' },
  };
}

describe('AgentmeterSpanProcessor with spans whose parents form a cycle', () => {
  it('meters a span that is its own parent, and each of two spans that are each other’s parent, once', async () => {
    const meter = createTestMeter({ tier: { base_fee: '0.001' } });
    const processor = new AgentmeterSpanProcessor(meter);
    processor.onEnd(finished('00000000000000a1', '00000000000000a1', 3));
    processor.onEnd(finished('00000000000000b1', '00000000000000b2', 5));
    processor.onEnd(finished('00000000000000b2', '00000000000000b1', 7));
    await processor.forceFlush();
    expect(meter.errors).toEqual([]);
    expect(meter.events.map((event) => event.tokens_input).sort()).toEqual([3, 5, 7]);
    await processor.shutdown();
  });
});
