// Regressions an outside review found in the in-process layer rules (repeating or absent ids, the last
// resort): each asserted the right number of events and failed on the code before its fix.
import { recordUsage } from '@agentmeter/sdk/integration';
import { createTestMeter } from '@agentmeter/sdk/testing';
import { describe, expect, it } from 'vitest';
import { chatUsage as usage } from '../../../test/support/normalized-usage.js';
import { AgentmeterSpanProcessor } from './span-processor.js';
import { otelHarness } from './test-otel.js';

const SpanKind = { CLIENT: 2 } as const;
const attribution = { agent_id: 'bot', action: 'answer' };

describe('F1: repeating/absent-id claims merge concurrent unrelated calls', () => {
  it('a LangChain call over an UNWRAPPED client is hidden by an unrelated wrapped call that ran concurrently', () => {
    const meter = createTestMeter();
    const t0 = Date.now();
    // request A: LangChain ChatOpenAI (its own unwrapped client) starts at t0 ...
    // request B (another HTTP request of the same server): a withMeter-wrapped client, started t0+1, done.
    recordUsage(meter, usage('chatcmpl-123', { startedAt: t0 + 1 }), attribution, { layer: 'provider' });
    // request A's callback ends: same provider, same constant id, started before B.
    const id = recordUsage(meter, usage('chatcmpl-123', { startedAt: t0, inputTokens: 5000 }), attribution, {
      layer: 'framework',
    });
    // Two real calls, two provider requests: expect two events.
    expect(id, 'LangChain call was swallowed by an unrelated wrapped call').toBeDefined();
    expect(meter.events).toHaveLength(2);
  });

  it('same with no response id at all (servers that send none)', () => {
    const meter = createTestMeter();
    const t0 = Date.now();
    recordUsage(meter, usage(undefined, { startedAt: t0 + 1 }), attribution, { layer: 'provider' });
    recordUsage(meter, usage(undefined, { startedAt: t0, inputTokens: 5000 }), attribution, {
      layer: 'framework',
    });
    expect(meter.events).toHaveLength(2);
  });
});

describe('F2: AgentmeterSpanProcessor claims a wrapped call of another client', () => {
  it('a span of an instrumented (unwrapped) client, no response id, is not metered when any wrapped call started after it', async () => {
    const meter = createTestMeter();
    const processor = new AgentmeterSpanProcessor(meter);
    const otel = otelHarness([processor]);
    try {
      const tracer = otel.tracerProvider.getTracer('@traceloop/instrumentation-openai', '0.27.0');
      // client X (instrumented, not wrapped) embeddings/chat call starts
      const span = tracer.startSpan('chat gpt-4o-mini', {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.provider.name': 'openai',
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': 'gpt-4o-mini',
        },
      });
      await new Promise((r) => setTimeout(r, 5));
      // client Y (wrapped with withMeter, no instrumentation on it) makes an unrelated call meanwhile
      recordUsage(
        meter,
        usage(undefined, { startedAt: Date.now(), inputTokens: 10, outputTokens: 1 }),
        attribution,
        { layer: 'provider' },
      );
      span.setAttribute('gen_ai.usage.input_tokens', 4000);
      span.setAttribute('gen_ai.usage.output_tokens', 900);
      span.end();
      await processor.forceFlush();
      // two provider calls → two events
      expect(meter.events.map((e) => e.tokens_input)).toEqual([10, 4000]);
    } finally {
      await otel.shutdown();
    }
  });
});

describe('F3: in-process last resort is greedy: a usage_missing span takes a callback record of another call', () => {
  it('callback(A 1200/300) then span B (streamed, no usage) then span A (1200/300) under the same parent', () => {
    const meter = createTestMeter();
    const trace = 'e'.repeat(31) + '1';
    const parent = '9'.repeat(15) + '1';
    // LangChain callback for call A (its OpenLLMetry span comes later)
    recordUsage(meter, usage(undefined, { traceId: trace, parentSpanId: parent }), attribution, {
      layer: 'framework',
    });
    // span of call B: a streamed raw call of an instrumented client (no usage), same parent, LangChain never saw it
    recordUsage(
      meter,
      usage(undefined, {
        traceId: trace,
        spanId: 'b'.repeat(16),
        parentSpanId: parent,
        inputTokens: 0,
        outputTokens: 0,
        usageMissing: true,
      }),
      attribution,
      { layer: 'framework' },
    );
    // span of call A with its counts
    recordUsage(
      meter,
      usage(undefined, { traceId: trace, spanId: 'a'.repeat(16), parentSpanId: parent }),
      attribution,
      { layer: 'framework' },
    );
    // Truth: A = 1200/300 once, B = usage_missing once.
    const shape = meter.events.map((e) =>
      e.usage_missing ? 'missing' : `${e.tokens_input}/${e.tokens_output}`,
    );
    expect(shape.sort()).toEqual(['1200/300', 'missing']);
  });
});

const usageWithId = (extra: Parameters<typeof usage>[1]) => usage('chatcmpl-123', extra);
it('two concurrent LangChain calls, each over a wrapped client (README: "over a wrapped client: exact counts"), cross-claim: 3 events for 2 calls', () => {
  const meter = createTestMeter();
  const t0 = Date.now() - 100;
  // L1 starts t0, its wrapped call W1 starts t0+1; L2 starts t0+2, its wrapped call W2 starts t0+3. W2 finishes first.
  recordUsage(
    meter,
    usageWithId({ startedAt: t0 + 3, inputTokens: 2 }),
    { agent_id: 'bot', action: 'chat' },
    { layer: 'provider' },
  ); // W2
  recordUsage(
    meter,
    usageWithId({ startedAt: t0 + 1, inputTokens: 1 }),
    { agent_id: 'bot', action: 'chat' },
    { layer: 'provider' },
  ); // W1
  recordUsage(
    meter,
    usageWithId({ startedAt: t0, inputTokens: 1 }),
    { agent_id: 'bot', action: 'chat' },
    { layer: 'framework' },
  ); // L1's callback claims W2
  recordUsage(
    meter,
    usageWithId({ startedAt: t0 + 2, inputTokens: 2 }),
    { agent_id: 'bot', action: 'chat' },
    { layer: 'framework' },
  ); // L2 finds nothing
  expect(meter.events.map((e) => e.tokens_input)).toEqual([2, 1]);
});
