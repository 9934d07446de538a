import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Attributes, context, SpanKind, type TracerProvider, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ledgerRow, ledgerTokens } from '../../../../test/support/ledger-rows.js';
import { openTestStore } from '../../../../test/support/stores.js';
import { SCENARIOS } from '../../../otel/src/test-spans.js';
import { createProject } from '../bootstrap.js';
import { createApp, openStore } from '../server.js';
import { decodeResponse } from './traces-otlp.js';

const ADMIN_KEY = 'admin-key-traces-route-test-xyz';
const TIER = { base_fee: '0.001', token_rate_input: '0.003', token_rate_output: '0.015' };

/** Real SDK spans: what a scenario's instrumentation would hand an exporter. */
function record(emit: (provider: TracerProvider) => void, service = 'support-bot'): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  emit(provider);
  return exporter.getFinishedSpans();
}

const allScenarios = (provider: TracerProvider) => {
  for (const scenario of SCENARIOS) scenario.emit(provider);
};

let cleanup: () => Promise<void>;
let app: ReturnType<typeof createApp>;
beforeEach(async () => {
  const opened = await openTestStore('sqlite');
  cleanup = opened.cleanup;
  await createProject(opened.store, { adminKey: ADMIN_KEY });
  app = createApp({
    store: opened.store,
    validateResponses: true,
    rateLimit: false,
    onError: (error) => {
      throw error;
    },
  });
});
afterEach(() => cleanup());

async function api(method: string, path: string, body?: unknown) {
  const response = await app.request(path, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

function exportSpans(body: Uint8Array, headers: Record<string, string>, key: string | null = ADMIN_KEY) {
  return app.request('/v1/traces', {
    method: 'POST',
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body,
  });
}

const JSON_TYPE = { 'content-type': 'application/json' };
const PROTOBUF = { 'content-type': 'application/x-protobuf' };

async function ledger() {
  const { body } = await api('GET', '/v1/events?limit=100');
  return (body.data as any[]).map(ledgerRow).sort((a, b) => String(a.model).localeCompare(String(b.model)));
}

/**
 * One call traced twice: a LangChain span (`outer`'s attributes) over the OpenAI span of its request
 * (`inner`'s), the inner one ending first.
 */
function nestedCall(provider: TracerProvider, outer: Attributes, inner: Attributes): void {
  const parent = provider
    .getTracer('@traceloop/instrumentation-langchain')
    .startSpan('chat gpt-4o', { kind: SpanKind.CLIENT, attributes: outer });
  provider
    .getTracer('@traceloop/instrumentation-openai')
    .startSpan(
      'chat gpt-4o',
      { kind: SpanKind.CLIENT, attributes: inner },
      trace.setSpan(context.active(), parent),
    )
    .end();
  parent.end();
}

/** The ledger rows the four instrumentation scenarios must produce: one per model call. */
const EXPECTED = [
  {
    agent_id: 'support-bot',
    action: 'chat',
    customer_id: null,
    provider: 'anthropic',
    model: 'claude-sonnet-4-5-20250929',
    tokens: ledgerTokens({ input: 4212, output: 50, cached_input: 3000, cache_write: 1200 }),
    total: '0.014386',
  },
  {
    agent_id: 'support-bot',
    action: 'chat',
    customer_id: null,
    provider: 'openai',
    model: 'gpt-4o-mini-2024-07-18',
    tokens: ledgerTokens({ input: 30, output: 8 }),
    total: '0.00121',
  },
  {
    agent_id: 'support-bot',
    action: 'chat',
    customer_id: null,
    provider: 'openai',
    model: 'gpt-4o-mini-2024-07-18',
    tokens: ledgerTokens({ input: 45, output: 12 }),
    total: '0.001315',
  },
  {
    agent_id: 'support-bot',
    action: 'chat',
    customer_id: null,
    provider: 'openai',
    model: 'o4-mini-2025-04-16',
    tokens: ledgerTokens({ input: 1500, output: 320, cached_input: 1024, reasoning: 256 }),
    total: '0.0103',
  },
  // OpenInference's embeddings span records no counts: still a call, charged the base fee alone.
  {
    agent_id: 'support-bot',
    action: 'embeddings',
    customer_id: null,
    provider: 'openai',
    model: 'text-embedding-3-small',
    tokens: ledgerTokens({ input: 0, output: 0 }),
    total: '0.001',
  },
];

const withoutIds = (rows: Awaited<ReturnType<typeof ledger>>) =>
  rows.map(({ event_id, ...row }) => row).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('POST /v1/traces', () => {
  beforeEach(async () => {
    expect((await api('PUT', '/v1/tiers/default', TIER)).status).toBeLessThan(300);
  });

  it('meters the model calls of an OTLP/JSON export once each, with ids from trace and span', async () => {
    const spans = record(allScenarios);
    const response = await exportSpans(JsonTraceSerializer.serializeRequest(spans)!, JSON_TYPE);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({});
    const rows = await ledger();
    expect(withoutIds(rows)).toEqual(
      [...EXPECTED].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
    const metered = new Set(rows.map((row) => row.event_id));
    const callSpans = spans.filter((span) =>
      metered.has(`otel:${span.spanContext().traceId}:${span.spanContext().spanId}`),
    );
    expect(callSpans.map((span) => span.instrumentationScope.name).sort()).toEqual([
      '@arizeai/openinference-instrumentation-openai',
      '@arizeai/openinference-instrumentation-openai',
      '@traceloop/instrumentation-anthropic',
      '@traceloop/instrumentation-openai',
      '@traceloop/instrumentation-openai',
    ]);
  });

  it('meters the same from binary protobuf, gzip-encoded as the collector sends it, and answers in protobuf', async () => {
    const spans = record(allScenarios);
    const body = ProtobufTraceSerializer.serializeRequest(spans)!;
    const response = await exportSpans(gzipSync(body), { ...PROTOBUF, 'content-encoding': 'gzip' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-protobuf');
    const answer = new Uint8Array(await response.arrayBuffer());
    expect(decodeResponse(answer)).toEqual({});
    expect(ProtobufTraceSerializer.deserializeResponse(answer)).toEqual({});
    expect(withoutIds(await ledger())).toEqual(
      [...EXPECTED].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
  });

  it('never charges an export sent again', async () => {
    const spans = record(allScenarios);
    const json = JsonTraceSerializer.serializeRequest(spans)!;
    const protobuf = ProtobufTraceSerializer.serializeRequest(spans)!;
    await exportSpans(json, JSON_TYPE);
    const before = await api('GET', '/v1/usage');
    for (const [body, headers] of [
      [json, JSON_TYPE],
      [protobuf, PROTOBUF],
    ] as const) {
      const response = await exportSpans(body, headers);
      expect(response.status).toBe(200);
    }
    expect((await ledger()).length).toBe(5);
    expect((await api('GET', '/v1/usage')).body).toEqual(before.body);
  });

  it('meters a parent arriving in a later export than its metered child not at all', async () => {
    const spans = record((provider) =>
      nestedCall(
        provider,
        { 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 11 },
        { 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 11 },
      ),
    );
    for (const span of spans) {
      const response = await exportSpans(JsonTraceSerializer.serializeRequest([span])!, JSON_TYPE);
      expect(await response.json()).toEqual({});
    }
    expect((await ledger()).map((row) => row.tokens.input)).toEqual([11]);
  });

  it('meters a call once when its outer span arrives before its inner one (spans exported out of order)', async () => {
    const spans = record((provider) =>
      nestedCall(
        provider,
        { 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 21 },
        { 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 22 },
      ),
    );
    for (const span of [...spans].reverse()) {
      await exportSpans(JsonTraceSerializer.serializeRequest([span])!, JSON_TYPE);
    }
    expect((await ledger()).map((row) => row.tokens.input)).toEqual([21]);
  });

  it('takes attribution from agentmeter.* on the span, then the resource', async () => {
    const spans = record((provider) => {
      const tracer = provider.getTracer('app');
      for (const attributes of [
        { 'agentmeter.customer_id': 'acme', 'agentmeter.action': 'triage' },
        { 'gen_ai.agent.name': 'planner' },
      ]) {
        tracer
          .startSpan('chat m', {
            kind: SpanKind.CLIENT,
            attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 1, ...attributes },
          })
          .end();
      }
    }, 'resource-agent');
    await exportSpans(JsonTraceSerializer.serializeRequest(spans)!, JSON_TYPE);
    const rows = (await ledger()).map(({ agent_id, action, customer_id }) => ({
      agent_id,
      action,
      customer_id,
    }));
    expect(rows.sort((a, b) => a.agent_id.localeCompare(b.agent_id))).toEqual([
      { agent_id: 'planner', action: 'chat', customer_id: null },
      { agent_id: 'resource-agent', action: 'triage', customer_id: 'acme' },
    ]);
  });
});

describe('POST /v1/traces answers per OTLP', () => {
  it('counts spans it could not meter in partialSuccess, in JSON and in protobuf, and meters the rest', async () => {
    const old = Date.now() - 40 * 86_400_000;
    const spans = record((provider) => {
      const tracer = provider.getTracer('@traceloop/instrumentation-openai');
      for (const [input, time] of [
        [5, old],
        [6, undefined],
      ] as const) {
        tracer
          .startSpan('chat gpt-4o', {
            kind: SpanKind.CLIENT,
            ...(time ? { startTime: time } : {}),
            attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': input },
          })
          .end(time);
      }
    });
    const json = await exportSpans(JsonTraceSerializer.serializeRequest(spans)!, JSON_TYPE);
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual({
      partialSuccess: {
        rejectedSpans: '1',
        errorMessage: 'timestamp_too_old: The timestamp is more than 35 days in the past.',
      },
    });
    const protobuf = await exportSpans(ProtobufTraceSerializer.serializeRequest(spans)!, PROTOBUF);
    const answer = ProtobufTraceSerializer.deserializeResponse(new Uint8Array(await protobuf.arrayBuffer()));
    expect(answer.partialSuccess?.rejectedSpans).toBe(1);
    expect(answer.partialSuccess?.errorMessage).toMatch(/^timestamp_too_old/);
    expect((await ledger()).map((row) => row.tokens.input)).toEqual([6]);
  });

  it('remembers nothing of an export the store refused, so the sender’s retry meters it', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'agentmeter-traces-refused-'));
    const store = await openStore({ dbPath: join(directory, 'meter.db') });
    try {
      const { adminKey } = await createProject(store, { adminKey: 'admin-key-refused-store-xyz' });
      let refuse = true;
      const flaky = new Proxy(store, {
        get(target, key, receiver) {
          if (key === 'insertEvents' && refuse) {
            return async () => {
              refuse = false;
              throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
            };
          }
          const value = Reflect.get(target, key, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const flakyApp = createApp({ store: flaky, rateLimit: false, onError: () => {} });
      const body = ProtobufTraceSerializer.serializeRequest(
        record((provider) => SCENARIOS[0]!.emit(provider)),
      )!;
      const send = () =>
        flakyApp.request('/v1/traces', {
          method: 'POST',
          headers: { authorization: `Bearer ${adminKey}`, ...PROTOBUF },
          body,
        });
      const refused = await send();
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect((await send()).status).toBe(200);
      const { data } = (await (
        await flakyApp.request('/v1/events', { headers: { authorization: `Bearer ${adminKey}` } })
      ).json()) as { data: { tokens: { input: number } }[] };
      expect(data.map((row) => row.tokens.input)).toEqual([45]);
    } finally {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('counts spans without a valid trace or span id as rejected', async () => {
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bot' } }] },
          scopeSpans: [
            {
              scope: { name: 'x' },
              spans: [
                { traceId: 'not-hex', spanId: '0102030405060708', name: 'chat' },
                {
                  traceId: '0102030405060708090a0b0c0d0e0f10',
                  spanId: '0102030405060708',
                  name: 'plain span',
                },
              ],
            },
          ],
        },
      ],
    };
    const response = await exportSpans(new TextEncoder().encode(JSON.stringify(body)), JSON_TYPE);
    expect(await response.json()).toEqual({
      partialSuccess: { rejectedSpans: '1', errorMessage: 'invalid_span: no valid traceId or spanId' },
    });
  });

  it('drops an attribute nested 20,000 deep and still meters the span', async () => {
    const deep = `${'{"kvlistValue":{"values":[{"key":"k","value":'.repeat(20_000)}{"intValue":"1"}${'}]}}'.repeat(20_000)}`;
    const body = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","endTimeUnixNano":"${Date.now()}000000","attributes":[{"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"9"}},{"key":"deep","value":${deep}}]}]}]}]}`;
    const response = await exportSpans(new TextEncoder().encode(body), JSON_TYPE);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    expect((await ledger()).map((row) => row.tokens.input)).toEqual([9]);
  });

  it('refuses what is not OTLP with a problem naming the field', async () => {
    const cases: [Uint8Array, Record<string, string>, number, string][] = [
      [new TextEncoder().encode('{}'), { 'content-type': 'text/plain' }, 415, 'unsupported_media_type'],
      [new TextEncoder().encode('{'), JSON_TYPE, 400, 'invalid_json'],
      [new TextEncoder().encode('{"resourceSpans": 3}'), JSON_TYPE, 400, 'invalid_body'],
      [new Uint8Array([0x0a, 0xff, 0xff]), PROTOBUF, 400, 'invalid_protobuf'],
      [new TextEncoder().encode('{}'), { ...JSON_TYPE, 'content-encoding': 'gzip' }, 400, 'invalid_body'],
      [
        new TextEncoder().encode('{}'),
        { ...JSON_TYPE, 'content-encoding': 'br' },
        415,
        'unsupported_media_type',
      ],
    ];
    for (const [body, headers, status, code] of cases) {
      const response = await exportSpans(body, headers);
      expect({ status: response.status, code: ((await response.json()) as { code: string }).code }).toEqual({
        status,
        code,
      });
    }
    const anonymous = await exportSpans(new TextEncoder().encode('{}'), JSON_TYPE, null);
    expect(anonymous.status).toBe(401);
  });
});
