// Span attribute keys are the sender's data: a key named `__proto__` is an attribute like any other,
// never a way to make other attributes appear (in a plain object, a `__proto__` key whose value is a
// key-value list became the map's prototype, and its entries were read as the span's attributes).
//
// Of the attributes, only those metering reads are decoded; any other, and any array or key-value list,
// is skipped by its length, however many values it holds.
import { gzipSync } from 'node:zlib';
import protobuf from 'protobufjs/light.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness, T0 } from '../../../../test/support/api.js';
import { openTestStore, STORE_KINDS } from '../../../../test/support/stores.js';
import { createProject } from '../bootstrap.js';
import { createApp } from '../server.js';
import type { Store } from '../store/types.js';
import { attributionOf, hasUsage, isMeteringAttribute, roleOf, usageOf } from './traces-genai.js';
import { decodeRequest, decodeResponse, NOT_SCALAR, type OtlpSpan } from './traces-otlp.js';

const attribute = (key: string, value: unknown) => ({ key, value });

describe('OTLP attribute keys', () => {
  let api: ApiHarness;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore('sqlite');
    cleanup = opened.cleanup;
    api = await apiHarness(opened.store);
    await api.call('PUT', '/v1/tiers/default', { body: { base_fee: '0.01' } });
  });
  afterEach(async () => cleanup());

  it('reads a __proto__ attribute as an attribute, not as the prototype of the others', async () => {
    const smuggled = {
      kvlistValue: {
        values: [
          attribute('agentmeter.customer_id', { stringValue: 'cus_smuggled' }),
          attribute('gen_ai.usage.output_tokens', { intValue: '999' }),
        ],
      },
    };
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [attribute('__proto__', smuggled)] },
          scopeSpans: [
            {
              scope: { name: '@traceloop/instrumentation-openai' },
              spans: [
                {
                  traceId: '0af7651916cd43dd8448eb211c80319c',
                  spanId: '00f067aa0ba902b7',
                  name: 'chat gpt-4o-mini',
                  kind: 3,
                  endTimeUnixNano: `${T0 - 60_000}000000`,
                  attributes: [
                    attribute('__proto__', smuggled),
                    attribute('gen_ai.provider.name', { stringValue: 'openai' }),
                    attribute('gen_ai.usage.input_tokens', { intValue: '12' }),
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const answer = await api.call('POST', '/v1/traces', { body });
    expect(answer.status).toBe(200);
    const [event, ...rest] = (await api.call('GET', '/v1/events')).body.data;
    expect(rest).toEqual([]);
    expect([event.customer_id, event.tokens.input, event.tokens.output]).toEqual([null, 12, 0]);
  });
});

/** A `KeyValue` whose value is an `arrayValue` of `count` empty `AnyValue`s, as span attribute field 9. */
function arrayAttribute(writer: protobuf.Writer, key: string, count: number): void {
  writer.uint32((9 << 3) | 2).fork();
  writer.uint32(10).string(key);
  writer.uint32(18).fork();
  // ArrayValue { repeated AnyValue values = 1 }: each element a tag and a zero length.
  writer.uint32((5 << 3) | 2).bytes(Buffer.alloc(count * 2, Uint8Array.from([0x0a, 0x00])));
  writer.ldelim();
  writer.ldelim();
}

function scalarAttribute(writer: protobuf.Writer, key: string, value: string | number): void {
  writer.uint32((9 << 3) | 2).fork();
  writer.uint32(10).string(key);
  writer.uint32(18).fork();
  if (typeof value === 'string') writer.uint32(10).string(value);
  else writer.uint32(24).int64(value);
  writer.ldelim();
  writer.ldelim();
}

/** One model-call span (12 input, 7 output tokens) that also carries the given array attributes. */
function spanWithArrays(arrays: [key: string, count: number][]): Uint8Array {
  const writer = protobuf.Writer.create();
  writer.uint32(10).fork(); // resource_spans
  writer.uint32(18).fork(); // scope_spans
  writer.uint32(18).fork(); // span
  writer.uint32(10).bytes(Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex'));
  writer.uint32(18).bytes(Buffer.from('00f067aa0ba902b7', 'hex'));
  writer.uint32(48).int32(3);
  writer.uint32(65).fixed64((T0 - 60_000) * 1_000_000);
  scalarAttribute(writer, 'gen_ai.provider.name', 'openai');
  for (const [key, count] of arrays) arrayAttribute(writer, key, count);
  scalarAttribute(writer, 'gen_ai.usage.input_tokens', 12);
  scalarAttribute(writer, 'gen_ai.usage.output_tokens', 7);
  writer.ldelim();
  writer.ldelim();
  writer.ldelim();
  return writer.finish();
}

/** Runs `work`, counting the varints protobufjs's Reader reads meanwhile (tags and lengths included). */
async function countingVarints<T>(work: () => Promise<T>): Promise<{ result: T; varints: number }> {
  const prototype = protobuf.Reader.prototype;
  const original = prototype.uint32;
  let varints = 0;
  prototype.uint32 = function (this: protobuf.Reader) {
    varints++;
    return original.call(this);
  };
  try {
    return { result: await work(), varints };
  } finally {
    prototype.uint32 = original;
  }
}

describe('OTLP attributes metering does not read', () => {
  it('skips an array of 2,000,000 values without reading one of its elements, under any key', async () => {
    const body = spanWithArrays([
      ['app.payload', 2_000_000],
      ['gen_ai.response.id', 2_000_000],
    ]);
    const { result, varints } = await countingVarints(() => decodeRequest(body, 'protobuf'));
    // A few dozen tags and lengths for the whole body; reading the arrays took two per element.
    expect(varints).toBeLessThan(100);
    const [span, ...rest] = result.spans;
    expect(rest).toEqual([]);
    expect({ ...span?.attributes }).toEqual({
      'gen_ai.provider.name': 'openai',
      'gen_ai.response.id': NOT_SCALAR,
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 7,
    });
  });

  it('keeps the same attributes from OTLP/JSON: metering keys with scalar values, arrays and lists as present but unread', async () => {
    const body = {
      resourceSpans: [
        {
          resource: {
            attributes: [
              attribute('service.name', { stringValue: 'bot' }),
              attribute('host.name', { stringValue: 'h1' }),
              attribute('agentmeter.customer_id', { arrayValue: { values: [{ stringValue: 'cus_1' }] } }),
            ],
          },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '0af7651916cd43dd8448eb211c80319c',
                  spanId: '00f067aa0ba902b7',
                  attributes: [
                    attribute('gen_ai.provider.name', { stringValue: 'openai' }),
                    attribute('gen_ai.prompt.0.content', { stringValue: 'hello' }),
                    attribute('app.payload', { arrayValue: { values: [{}, {}, {}] } }),
                    attribute('gen_ai.response.id', { kvlistValue: { values: [] } }),
                    attribute('gen_ai.usage.input_tokens', { intValue: '12' }),
                    attribute('gen_ai.usage.output_tokens', { intValue: 7 }),
                    attribute('ai.usage.tokens', { doubleValue: 1.5 }),
                    attribute('gen_ai.usage.reasoning_tokens', { bytesValue: 'AQI=' }),
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const { spans } = await decodeRequest(new TextEncoder().encode(JSON.stringify(body)), 'json');
    expect({ ...spans[0]?.resource }).toEqual({
      'service.name': 'bot',
      'agentmeter.customer_id': NOT_SCALAR,
    });
    expect({ ...spans[0]?.attributes }).toEqual({
      'gen_ai.provider.name': 'openai',
      'gen_ai.response.id': NOT_SCALAR,
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 7,
      'ai.usage.tokens': 1.5,
      'gen_ai.usage.reasoning_tokens': undefined,
    });
  });

  it('keeps every attribute the metering rules read, on a span and on its resource', () => {
    const read = new Set<string>();
    const recording = (values: Record<string, unknown>) =>
      new Proxy(values, {
        get(target, key, receiver) {
          if (typeof key === 'string') read.add(key);
          return Reflect.get(target, key, receiver);
        },
      });
    // Spans that take each rule down each of its branches.
    const attributeSets: Record<string, unknown>[] = [
      {},
      { 'gen_ai.usage.input_tokens': 1 },
      {
        'ai.model.provider': 'openai.chat',
        'ai.usage.promptTokens': 1,
        'ai.operationId': 'ai.embed.doEmbed',
      },
      { 'openinference.span.kind': 'EMBEDDING', 'llm.token_count.prompt': 1, 'llm.provider': 'openai' },
      { 'gen_ai.operation.name': 'chat', 'gen_ai.usage.output_tokens': 1 },
    ];
    for (const values of attributeSets) {
      const span: OtlpSpan = {
        name: 'chat',
        kind: 2,
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: '00f067aa0ba902b7',
        parentSpanId: undefined,
        startMs: 0,
        endMs: 0,
        statusCode: 0,
        attributes: recording(values),
        resource: recording({}),
        scope: 'app',
      };
      roleOf(span);
      hasUsage(span);
      const usage = usageOf(span);
      attributionOf(span, usage?.operation ?? 'chat');
    }
    expect(read.size).toBeGreaterThan(40);
    expect([...read].filter((key) => !isMeteringAttribute(key))).toEqual([]);
  });
});

describe.each(STORE_KINDS)('POST /v1/traces with arrays of millions of values, on %s', (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    store = opened.store;
    cleanup = opened.cleanup;
  });
  afterEach(async () => cleanup());

  it('answers an export whose span holds 16,000,000 array values (32 MB inflated, 31 KB gzip) and meters the span', async () => {
    const { adminKey } = await createProject(store, { adminKey: 'admin-key-array-attributes-xyz', now: T0 });
    const app = createApp({ store, now: () => T0, validateResponses: true, rateLimit: false });
    const call = (path: string, init: RequestInit = {}) =>
      app.request(path, {
        ...init,
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json', ...init.headers },
      });
    const tier = await call('/v1/tiers/default', {
      method: 'PUT',
      body: JSON.stringify({ base_fee: '0.01' }),
    });
    expect(tier.status).toBeLessThan(300);
    const body = gzipSync(spanWithArrays([['app.payload', 16_000_000]]));
    expect(body.length).toBeLessThan(64 * 1024);
    const response = await call('/v1/traces', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
    });
    expect(response.status).toBe(200);
    expect(decodeResponse(new Uint8Array(await response.arrayBuffer()))).toEqual({});
    const events = ((await (await call('/v1/events')).json()) as { data: { tokens: object }[] }).data;
    expect(events.map((event) => event.tokens)).toMatchObject([{ input: 12, output: 7 }]);
  }, 120_000);
});
