// ai 7 with @ai-sdk/otel registered: its GenAI spans (invoke_agent > agent_step > chat, and
// embeddings > embeddings) are metered one charge per model call, with the provider's counts, whether
// they reach agentmeter through AgentmeterSpanProcessor in process, through the real OTLP exporter to
// /v1/traces, or both at once — on SQLite and on PostgreSQL. The app runs on Node 22 (ai 7 needs it);
// the server runs where it is supported, on the machine's Node (AGENTMETER_SERVER_NODE, set by .ci/run).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { meterMiddleware } from '@agentmeter/ai-sdk';
import { AgentmeterSpanProcessor } from '@agentmeter/otel';
import { createMeter, type Meter } from '@agentmeter/sdk';
import { createOpenAI } from '@ai-sdk/openai';
import { OpenTelemetry } from '@ai-sdk/otel';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { embed, generateText, registerTelemetry, streamText, wrapLanguageModel } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../support/postgres.js';
import { type ServerProcess, startServerProcess } from '../../support/processes.js';
import { STORE_KINDS } from '../../support/stores.js';
import { providerFetch } from './provider.js';

registerTelemetry(new OpenTelemetry());
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

/**
 * One tracer provider for the file: @ai-sdk/otel keeps the tracer it first gets, so the provider stays
 * registered and each test routes its spans to the processors it is about.
 */
const routed: SpanProcessor[] = [];
const router: SpanProcessor = {
  onStart: (span, parent) => {
    for (const processor of routed) processor.onStart(span, parent);
  },
  onEnd: (span) => {
    for (const processor of routed) processor.onEnd(span);
  },
  forceFlush: async () => {
    await Promise.all(routed.map((processor) => processor.forceFlush()));
  },
  shutdown: async () => {},
};
trace.setGlobalTracerProvider(
  new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'ai7-bot' }),
    spanProcessors: [router],
  }),
);

interface LedgerEvent {
  event_id: string;
  tokens: { input: number; output: number };
}

/**
 * Four model calls: two generateText, one streamText, one embed, each traced by ai 7 through @ai-sdk/otel;
 * with `middleware`, the chat model is also metered by @agentmeter/ai-sdk's middleware.
 */
async function fourCalls(processors: SpanProcessor[], middleware?: Meter): Promise<void> {
  routed.push(...processors);
  try {
    const openai = createOpenAI({ apiKey: 'test', fetch: providerFetch });
    const telemetry = { isEnabled: true };
    const chat = middleware
      ? wrapLanguageModel({
          model: openai.chat('gpt-4o-mini'),
          // ai 7 runs the middleware (a v3 language-model middleware) as it is; its TypeScript types
          // still name ai 6's spec, hence the cast.
          middleware: meterMiddleware(middleware, { agent_id: 'ai7-bot', action: 'chat' }) as never,
        })
      : openai.chat('gpt-4o-mini');
    await generateText({ model: chat, prompt: 'a', experimental_telemetry: telemetry });
    await generateText({ model: chat, prompt: 'b', experimental_telemetry: telemetry });
    const stream = streamText({ model: chat, prompt: 'c', experimental_telemetry: telemetry });
    await stream.text;
    await embed({
      model: openai.embedding('text-embedding-3-small'),
      value: 'd',
      experimental_telemetry: telemetry,
    });
    await router.forceFlush();
  } finally {
    routed.length = 0;
    await Promise.all(processors.map((processor) => processor.shutdown()));
  }
}

describe.each(STORE_KINDS)('ai 7 + @ai-sdk/otel spans on %s', (kind) => {
  let server: ServerProcess;
  let cleanup: () => Promise<void>;
  const adminKey = 'am_admin_lane_ai7_Q3v9xK2mP7rT4wZ8nB5cF1hJ6';
  let ingestKey: string;
  let meter: Meter;
  const seen = new Set<string>();

  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    });

  /** The events charged since the last call. */
  async function newEvents(): Promise<LedgerEvent[]> {
    const response = await admin('/v1/events?limit=100');
    const { data } = (await response.json()) as { data: LedgerEvent[] };
    const fresh = data.filter((event) => !seen.has(event.event_id));
    for (const event of fresh) seen.add(event.event_id);
    return fresh;
  }

  const exporter = () =>
    // The batching processor, as deployed: a call's spans go in one export. (Each span alone, the embeddings
    // call's outer span, which has no counts, may be decided before its inner span with the counts
    // arrives; see the design note's limits.)
    new BatchSpanProcessor(
      new OTLPTraceExporter({
        url: `${server.url}/v1/traces`,
        headers: { Authorization: `Bearer ${ingestKey}` },
      }),
    );

  beforeAll(async () => {
    const env: Record<string, string> = { AGENTMETER_ADMIN_KEY: adminKey };
    if (kind === 'postgres') {
      const database = await freshDatabase('lane_ai7');
      env['DATABASE_URL'] = database.url;
      env['AGENTMETER_KEY_SECRET'] = 'lane-ai7-key-secret-0123456789-abcdefghij';
      cleanup = database.drop;
    } else {
      const directory = mkdtempSync(join(tmpdir(), 'agentmeter-lane-ai7-'));
      env['AGENTMETER_DB'] = join(directory, 'agentmeter.db');
      cleanup = async () => rmSync(directory, { recursive: true, force: true });
    }
    server = await startServerProcess(env, process.env['AGENTMETER_SERVER_NODE'] ?? process.execPath);
    const created = await admin('/v1/keys', {
      method: 'POST',
      body: JSON.stringify({ scope: 'ingest', name: 'otlp' }),
    });
    ingestKey = ((await created.json()) as { key: string }).key;
    meter = createMeter({ apiKey: adminKey, baseUrl: server.url, flushIntervalMs: 60_000 });
  });
  afterAll(async () => {
    await meter?.shutdown({ timeoutMs: 5_000 });
    await server?.stop();
    await cleanup?.();
  });

  const expectFourCalls = (events: LedgerEvent[]) => {
    expect(events.map((event) => `${event.tokens.input}/${event.tokens.output}`).sort()).toEqual([
      '1200/300',
      '1200/300',
      '1200/300',
      '8/0',
    ]);
  };

  it('through AgentmeterSpanProcessor: 4 calls, 4 charges', async () => {
    await fourCalls([new AgentmeterSpanProcessor(meter)]);
    await meter.flush();
    expectFourCalls(await newEvents());
  });

  it('through the OTLP exporter to /v1/traces: 4 calls, 4 charges', async () => {
    await fourCalls([exporter()]);
    expectFourCalls(await newEvents());
  });

  it('the AI SDK middleware on ai 7, with the same spans exported and processed: still 4 charges', async () => {
    await fourCalls([new AgentmeterSpanProcessor(meter), exporter()], meter);
    await meter.flush();
    expectFourCalls(await newEvents());
  });

  it('through both at once: still 4 charges, one per call', async () => {
    await fourCalls([new AgentmeterSpanProcessor(meter), exporter()]);
    await meter.flush();
    expectFourCalls(await newEvents());
  });
});
