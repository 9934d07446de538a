// Two instances of the SDK's modules in one process, as an application gets with two copies of the
// package installed: every registry the layers consult is the process's, so they still meet.
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chatUsage as usage } from '../../../test/support/normalized-usage.js';
import type { NormalizedUsage, UsageListener } from './integration.js';
import { SHARED_STATE_KEY } from './shared-state.js';
import { createTestMeter } from './testing.js';

type Sdk = typeof import('./integration.js');

/** A fresh instance of the SDK's modules: nothing module-scoped is shared with the earlier ones. */
async function freshCopy(): Promise<Sdk> {
  vi.resetModules();
  return import('./integration.js');
}

const attribution = { agent_id: 'bot', action: 'answer' };
let app: Sdk;
let nested: Sdk;

beforeAll(async () => {
  app = await freshCopy();
  nested = await freshCopy();
});

describe('two instances of the SDK in one process', () => {
  it('are distinct module instances', () => {
    expect(app.recordUsage).not.toBe(nested.recordUsage);
    expect(app.runOuterLayer).not.toBe(nested.runOuterLayer);
  });

  it('a usage listener registered through one sees the calls metered through the other, until it unsubscribes', () => {
    const meter = createTestMeter();
    const seen: string[] = [];
    const stop = app.onUsage((_usage, event) => seen.push(event.event_id));
    const id = nested.recordUsage(meter, usage(undefined), attribution, { layer: 'provider' });
    expect(seen).toEqual([id]);
    stop();
    nested.recordUsage(meter, usage(undefined), attribution, { layer: 'provider' });
    expect(seen).toHaveLength(1);
  });

  it("an outer layer's scope opened by one sees a provider wrapper metering through the other", async () => {
    const meter = createTestMeter();
    const framework = { ...usage('chatcmpl-123'), provider: 'openai.chat' };
    await app.runOuterLayer(async (scope) => {
      await Promise.resolve();
      nested.recordUsage(meter, usage('chatcmpl-123'), attribution, { layer: 'provider' });
      expect(scope.innerMetered).toBe(true);
      expect(app.recordUsage(meter, framework, attribution, { layer: 'framework', scope })).toBeUndefined();
    });
    expect(meter.events).toHaveLength(1);
  });

  it('a callback layer asking one finds the unique and the repeating ids the other metered, each claimed once', () => {
    const meter = createTestMeter();
    const unique = 'chatcmpl-Sh4r3dR3g1stryAcr0ssC0p1es';
    nested.recordUsage(meter, usage(unique), attribution, { layer: 'provider' });
    expect(app.wasMeteredByProvider(unique)).toBe(true);
    expect(app.recordUsage(meter, usage(unique), attribution, { layer: 'framework' })).toBeUndefined();

    const startedAt = Date.now();
    nested.recordUsage(meter, usage('chatcmpl-9', { startedAt }), attribution, { layer: 'provider' });
    const heard: NormalizedUsage = usage('chatcmpl-9', { startedAt });
    expect(app.recordUsage(meter, heard, attribution, { layer: 'framework' })).toBeUndefined();
    expect(app.recordUsage(meter, heard, attribution, { layer: 'framework' })).toBeDefined();
    expect(meter.events).toHaveLength(3);
  });

  it('a callback record through one and a span of the same call through the other are one event', () => {
    const meter = createTestMeter();
    const under = { traceId: 'e'.repeat(32), parentSpanId: `9${'f'.repeat(15)}` };
    app.recordUsage(meter, usage(undefined, under), attribution, { layer: 'framework' });
    expect(
      nested.recordUsage(meter, usage(undefined, { ...under, spanId: 'a'.repeat(16) }), attribution, {
        layer: 'spans',
      }),
    ).toBeUndefined();
    expect(meter.events).toHaveLength(1);
  });
});

describe('call scopes across two instances', () => {
  const contextManager = new AsyncLocalStorageContextManager();
  const tracer = new BasicTracerProvider().getTracer('shared-state-test');
  beforeAll(() => {
    contextManager.enable();
    context.setGlobalContextManager(contextManager);
  });
  afterAll(() => {
    context.disable();
    contextManager.disable();
  });

  it('a client observed through one records its span for a call scope opened through the other', async () => {
    const client = { fetch: async (url: string, _init?: unknown) => url };
    app.observeClientFetch(client);
    // The other instance sees the client as observed already (the marker is process-wide) and leaves it.
    nested.observeClientFetch(client);
    const scope = { span: undefined as { traceId: string; spanId: string } | undefined };
    let sent: { traceId: string; spanId: string } | undefined;
    const { fetchOptions } = nested.withCallScope(undefined, scope) as { fetchOptions: object };
    await tracer.startActiveSpan('openai.chat', async (span) => {
      sent = { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
      await client.fetch('https://provider/v1/chat', { ...fetchOptions });
      span.end();
    });
    expect(sent).toBeDefined();
    expect(scope.span).toEqual(sent);
  });
});

describe('the shared object', () => {
  it('lives under one versioned Symbol.for key, not enumerable on globalThis', () => {
    expect(SHARED_STATE_KEY).toBe(Symbol.for('agentmeter.sdk.shared-state.v1'));
    expect(Object.getOwnPropertyDescriptor(globalThis, SHARED_STATE_KEY)?.enumerable).toBe(false);
  });

  it('created by an earlier release with fewer fields, is adopted and completed, its listeners kept', async () => {
    const previous = Object.getOwnPropertyDescriptor(globalThis, SHARED_STATE_KEY);
    const heard: string[] = [];
    const listener: UsageListener = (_usage, event) => heard.push(event.event_id);
    const older = { usageListeners: new Set([listener]) };
    Object.defineProperty(globalThis, SHARED_STATE_KEY, { value: older, configurable: true });
    try {
      const later = await freshCopy();
      const id = later.recordUsage(createTestMeter(), usage(undefined), attribution, { layer: 'provider' });
      expect(heard).toEqual([id]);
      expect(Object.keys(older).sort()).toEqual([
        'callScopes',
        'layerScopes',
        'recentProviderIds',
        'repeatingCalls',
        'underFromCallbacks',
        'underFromSpans',
        'usageListeners',
      ]);
    } finally {
      if (previous) Object.defineProperty(globalThis, SHARED_STATE_KEY, previous);
    }
  });
});
