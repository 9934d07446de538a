import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatUsage as usage } from '../../../test/support/normalized-usage.js';
import {
  activeSpanContext,
  type CallScope,
  isUniqueResponseId,
  observeClientFetch,
  withCallScope,
} from './call-identity.js';
import { recordUsage, runOuterLayer, wasMeteredByProvider } from './layers.js';
import { createTestMeter } from './testing.js';
import type { NormalizedUsage } from './usage.js';

describe('isUniqueResponseId', () => {
  it.each([
    'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT', // OpenAI
    'msg_01XFDUDYJgAACzvnptvVoYEL', // Anthropic
    'msg_bdrk_01XFDUDYJgAACzvnptvVoYEL', // Anthropic on Bedrock
    `resp_${'67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b'}`, // Responses API
    'chatcmpl-9f3c0a1e2b7d4c5e8a6b1d0f3e2c7a94', // vLLM: 32 hex digits
    'gen-1733212345-AbCdEf1234567890abcd', // OpenRouter
    '0f8fad5b-d9cb-469f-a165-70867728950e', // a bare UUID
  ])('%s identifies one call', (id) => {
    expect(isUniqueResponseId(id)).toBe(true);
  });

  it.each([
    'chatcmpl-123', // test servers and proxies, every call
    'chatcmpl-0',
    'chatcmpl-998', // Ollama counts 0..998 and wraps
    'msg_123',
    'chatcmpl-1733212345123456', // digits only: a counter or a timestamp
    'chatcmpl-aaaaaaaaaaaaaaaaaaaa', // a placeholder
    'chatcmpl-abcabcabcabcabcabcab', // 3 distinct characters
    '',
  ])('%j may repeat', (id) => {
    expect(isUniqueResponseId(id)).toBe(false);
  });
});

describe('the span of a call', () => {
  const contextManager = new AsyncLocalStorageContextManager();
  const provider = new BasicTracerProvider();
  const tracer = provider.getTracer('call-identity-test');

  beforeAll(() => {
    contextManager.enable();
    context.setGlobalContextManager(contextManager);
  });
  afterAll(() => {
    context.disable();
    contextManager.disable();
  });

  it('is undefined outside any span, and the active span inside one', async () => {
    expect(activeSpanContext()).toBeUndefined();
    await tracer.startActiveSpan('outer', async (span) => {
      await Promise.resolve();
      expect(activeSpanContext()).toEqual({
        traceId: span.spanContext().traceId,
        spanId: span.spanContext().spanId,
      });
      span.end();
    });
  });

  it('ignores an invalid (all-zero) span context', () => {
    const invalid = trace.wrapSpanContext({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 });
    context.with(trace.setSpan(context.active(), invalid), () => {
      expect(activeSpanContext()).toBeUndefined();
    });
  });

  it('an observed client fetch records the span its request is sent in, for the call in flight only', async () => {
    const seen: string[] = [];
    const client = {
      fetch: async (url: string, _init?: unknown) => {
        seen.push(url);
        return url;
      },
    };
    observeClientFetch(client);
    observeClientFetch(client); // observing twice observes once
    const scope: CallScope = { span: undefined };
    let inner: { traceId: string; spanId: string } | undefined;
    await tracer.startActiveSpan('caller', async (caller) => {
      // The wrapper adds the scope to the call's request options; the provider client spreads their
      // `fetchOptions` into the init of the request it sends.
      const { fetchOptions } = withCallScope(undefined, scope) as { fetchOptions: object };
      // An instrumentation opens its call span around the SDK method; the request goes out inside it.
      await tracer.startActiveSpan('openai.chat', async (span) => {
        inner = { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
        await client.fetch('https://provider/v1/chat', { method: 'POST', ...fetchOptions });
        span.end();
      });
      caller.end();
    });
    expect(scope.span).toEqual(inner);
    expect(seen).toEqual(['https://provider/v1/chat']);

    // A request outside a call scope passes through and records nothing anywhere.
    const other: CallScope = { span: undefined };
    await tracer.startActiveSpan('elsewhere', async (span) => {
      await client.fetch('https://provider/v1/models');
      span.end();
    });
    expect(other.span).toBeUndefined();
    expect(seen).toHaveLength(2);
  });
});

describe('recordUsage with ids that repeat', () => {
  const attribution = { agent_id: 'bot', action: 'answer' };

  it('5 calls answered `chatcmpl-123` are 5 events with ids of their own, not 1', () => {
    const meter = createTestMeter();
    for (let call = 0; call < 5; call++)
      recordUsage(meter, usage('chatcmpl-123'), attribution, { layer: 'provider' });
    expect(meter.events).toHaveLength(5);
    expect(new Set(meter.events.map((event) => event.event_id)).size).toBe(5);
    expect(meter.events.every((event) => event.call?.response_id === undefined)).toBe(true);
  });

  it('300 Ollama-style ids (chatcmpl-<n % 999> from a restarted counter) are 300 events', () => {
    const meter = createTestMeter();
    for (let call = 0; call < 300; call++)
      recordUsage(meter, usage(`chatcmpl-${call % 7}`), attribution, { layer: 'framework' });
    expect(meter.events).toHaveLength(300);
  });

  it('a unique id keys the event and is sent as its link; the call span too', () => {
    const meter = createTestMeter();
    const id = 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT';
    recordUsage(
      meter,
      usage(id, { traceId: 'a'.repeat(31) + 'b', spanId: 'c'.repeat(15) + 'd' }),
      attribution,
      { layer: 'provider' },
    );
    recordUsage(meter, usage(id), attribution, { layer: 'provider' }); // an application retry: a replay
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]?.call).toEqual({
      response_id: id,
      trace_id: `${'a'.repeat(31)}b`,
      span_id: `${'c'.repeat(15)}d`,
    });
  });

  it('a wrapped call answered `chatcmpl-123` does not hide later calls of another layer with that id', () => {
    const meter = createTestMeter();
    for (let call = 0; call < 5; call++)
      recordUsage(meter, usage('chatcmpl-123'), attribution, { layer: 'provider' });
    // Later, a framework layer (e.g. LangChain over an unwrapped client) makes its own 5 calls.
    const later = Date.now() + 1;
    for (let call = 0; call < 5; call++) {
      recordUsage(meter, usage('chatcmpl-123', { startedAt: later }), attribution, { layer: 'framework' });
    }
    expect(meter.events).toHaveLength(10);
  });

  it('a framework layer above a wrapped call with a repeating id meters it once: each provider call claimed once', () => {
    const meter = createTestMeter();
    const id = 'chatcmpl-77';
    for (let call = 0; call < 3; call++) {
      const startedAt = Date.now();
      recordUsage(meter, usage(id, { startedAt }), attribution, { layer: 'provider' });
      // The framework layer hears of it afterwards, e.g. a LangChain callback, with its own start time.
      expect(wasMeteredByProvider(usage(id, { startedAt }))).toBe(true);
      expect(wasMeteredByProvider(usage(id, { startedAt }))).toBe(false);
    }
    expect(meter.events).toHaveLength(3);
  });

  it('a provider call with no id is claimed once by a framework call it ran inside, never by a later one', () => {
    const meter = createTestMeter();
    const startedAt = Date.now();
    recordUsage(meter, usage(undefined, { startedAt }), attribution, { layer: 'provider' });
    // A callback layer above it (LangChain) hears of the same call with no id either.
    expect(
      recordUsage(meter, usage(undefined, { startedAt }), attribution, { layer: 'framework' }),
    ).toBeUndefined();
    // The claim is spent: another framework call now is a call of its own.
    expect(
      recordUsage(meter, usage(undefined, { startedAt }), attribution, { layer: 'framework' }),
    ).toBeDefined();
    // A provider call made before a framework call started is not inside it.
    recordUsage(meter, usage(undefined, { startedAt }), attribution, { layer: 'provider' });
    expect(
      recordUsage(meter, usage(undefined, { startedAt: Date.now() + 5 }), attribution, {
        layer: 'framework',
      }),
    ).toBeDefined();
    expect(meter.events).toHaveLength(4);
  });

  it('an outer layer scope still settles a wrapped call whatever its id', () => {
    const meter = createTestMeter();
    runOuterLayer((scope) => {
      recordUsage(meter, usage(undefined), attribution, { layer: 'provider' });
      expect(
        recordUsage(meter, usage(undefined), attribution, { layer: 'framework', scope }),
      ).toBeUndefined();
    });
    expect(meter.events).toHaveLength(1);
  });

  it('usage_missing reaches the event', () => {
    const meter = createTestMeter();
    recordUsage(
      meter,
      usage(undefined, { inputTokens: 0, outputTokens: 0, usageMissing: true, complete: false }),
      attribution,
      { layer: 'provider' },
    );
    expect(meter.events[0]).toMatchObject({ usage_missing: true, tokens_input: 0, tokens_output: 0 });
  });
});

describe('the last resort in one process: a callback layer and a span of the same call', () => {
  const attribution = { agent_id: 'bot', action: 'answer' };
  const trace = 'e'.repeat(32);
  let parents = 0;
  /** A fresh parent span per test: records are remembered for minutes. */
  const freshParent = () => `${(++parents).toString(16).padStart(4, '0')}${'f'.repeat(12)}`;
  const callback = (parent: string, extra: Partial<NormalizedUsage> = {}) =>
    usage(undefined, { traceId: trace, parentSpanId: parent, ...extra });
  const span = (parent: string, spanId: string, extra: Partial<NormalizedUsage> = {}) =>
    usage(undefined, { traceId: trace, spanId, parentSpanId: parent, ...extra });

  it('callback first, then the span under its span with the same counts: one event', () => {
    const meter = createTestMeter();
    const parent = freshParent();
    recordUsage(meter, callback(parent), attribution, { layer: 'framework' });
    expect(
      recordUsage(meter, span(parent, 'a'.repeat(16)), attribution, { layer: 'framework' }),
    ).toBeUndefined();
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]?.call).toEqual({ trace_id: trace, parent_span_id: parent });
  });

  it('span first, then the callback; a span traced without counts matches too', () => {
    const meter = createTestMeter();
    const parent = freshParent();
    recordUsage(
      meter,
      span(parent, 'b'.repeat(16), { inputTokens: 0, outputTokens: 0, usageMissing: true }),
      attribution,
      { layer: 'framework' },
    );
    expect(
      recordUsage(meter, callback(parent, { streamed: true }), attribution, { layer: 'framework' }),
    ).toBeUndefined();
    expect(meter.events).toHaveLength(1);
  });

  it('one for one; other counts, another parent or another provider are other calls', () => {
    const meter = createTestMeter();
    const parent = freshParent();
    recordUsage(meter, callback(parent), attribution, { layer: 'framework' });
    recordUsage(meter, callback(parent), attribution, { layer: 'framework' });
    for (const spanId of ['1', '2', '3'])
      recordUsage(meter, span(parent, spanId.repeat(16)), attribution, { layer: 'framework' });
    expect(meter.events).toHaveLength(3); // two calls seen by both layers, one by the span layer only
    // A later callback record under the same span takes the span left over: still one event per call.
    recordUsage(meter, callback(parent), attribution, { layer: 'framework' });
    expect(meter.events).toHaveLength(3);
    recordUsage(meter, callback(parent), attribution, { layer: 'framework' });
    expect(meter.events).toHaveLength(4);
    recordUsage(meter, span(parent, '4'.repeat(16), { inputTokens: 1201 }), attribution, {
      layer: 'framework',
    });
    recordUsage(meter, span(freshParent(), '5'.repeat(16)), attribution, { layer: 'framework' });
    recordUsage(meter, span(parent, '6'.repeat(16), { provider: 'anthropic' }), attribution, {
      layer: 'framework',
    });
    expect(meter.events).toHaveLength(7);
  });
});
