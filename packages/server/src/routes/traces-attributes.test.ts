// Span attribute keys are the sender's data: a key named `__proto__` is an attribute like any other,
// never a way to make other attributes appear (in a plain object, a `__proto__` key whose value is a
// key-value list became the map's prototype, and its entries were read as the span's attributes).
//
// Of the attributes, only those metering reads are decoded; any other, and any array or key-value list,
// is skipped by its length, however many values it holds.
import { gzipSync } from 'node:zlib';
import { RULE_ATTRIBUTES, usageOf } from '@agentmeter/genai-spans';
import protobuf from 'protobufjs/light.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness, T0 } from '../../../../test/support/api.js';
import { openTestStore, STORE_KINDS } from '../../../../test/support/stores.js';
import type { Store } from '../store/types.js';
import { tracesApp, writeKeyValue } from './otlp-test-writer.js';
import { attributionOf, isMeteringAttribute } from './traces-genai.js';
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

const scalarAttribute = (writer: protobuf.Writer, key: string, value: string | number) =>
  writeKeyValue(writer, 9, key, value);

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

  it('keeps every attribute the metering rules and attribution read, on a span and on its resource', () => {
    // The rules' own list is checked against what they read in @agentmeter/genai-spans.
    expect(RULE_ATTRIBUTES.filter((key) => !isMeteringAttribute(key))).toEqual([]);
    const read = new Set<string>();
    const recording = (values: Record<string, unknown>) =>
      new Proxy(values, {
        get(target, key, receiver) {
          if (typeof key === 'string') read.add(key);
          return Reflect.get(target, key, receiver);
        },
      });
    const span: OtlpSpan = {
      name: 'chat',
      kind: 2,
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: '00f067aa0ba902b7',
      parentSpanId: undefined,
      startMs: 0,
      endMs: 0,
      statusCode: 0,
      attributes: recording({}),
      resource: recording({}),
      scope: 'app',
    };
    attributionOf(span, 'chat');
    expect([...read].sort()).toEqual([
      'agentmeter.action',
      'agentmeter.agent_id',
      'agentmeter.customer_id',
      'gen_ai.agent.name',
      'service.name',
    ]);
    expect([...read].filter((key) => !isMeteringAttribute(key))).toEqual([]);
  });

  it('keeps the keys that make a span without usage a model call: OpenInference’s embedding model, OpenLLMetry’s request type', async () => {
    const writer = protobuf.Writer.create();
    writer.uint32(10).fork(); // resource_spans
    writer.uint32(18).fork(); // scope_spans
    for (const [spanId, attributes] of [
      [
        '00f067aa0ba902b7',
        [
          ['openinference.span.kind', 'EMBEDDING'],
          ['embedding.model_name', 'text-embedding-3-small'],
        ],
      ],
      [
        '00f067aa0ba902b8',
        [
          ['gen_ai.system', 'Cohere'],
          ['llm.request.type', 'chat'],
        ],
      ],
    ] as const) {
      writer.uint32(18).fork(); // span
      writer.uint32(10).bytes(Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex'));
      writer.uint32(18).bytes(Buffer.from(spanId, 'hex'));
      writer.uint32(48).int32(3);
      writer.uint32(65).fixed64((T0 - 60_000) * 1_000_000);
      for (const [key, value] of attributes) scalarAttribute(writer, key, value);
      writer.ldelim();
    }
    writer.ldelim();
    writer.ldelim();
    const { spans } = await decodeRequest(writer.finish(), 'protobuf');
    expect(spans.map((span) => ({ ...span.attributes }))).toEqual([
      { 'openinference.span.kind': 'EMBEDDING', 'embedding.model_name': 'text-embedding-3-small' },
      { 'gen_ai.system': 'Cohere', 'llm.request.type': 'chat' },
    ]);
    expect(
      spans.map((span) => {
        const usage = usageOf(span);
        return [usage?.operation, usage?.requestModel, usage?.usageMissing, usage?.inputTokens];
      }),
    ).toEqual([
      ['embeddings', 'text-embedding-3-small', true, 0],
      ['chat', undefined, true, 0],
    ]);
  });
});

/** The app over a store, with a project, its admin key and a tier: raw requests, and the ledger. */
async function appOver(store: Store) {
  const { call } = await tracesApp(store, { base_fee: '0.01' }, T0);
  return {
    send: (body: RequestInit['body'], headers: Record<string, string>) =>
      call('/v1/traces', { method: 'POST', body, headers }),
    async events() {
      const page = (await (await call('/v1/events')).json()) as {
        data: { customer_id: string | null; agent_id: string; tokens: { input: number; output: number } }[];
      };
      return page.data;
    },
  };
}

const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const TRACE = '0af7651916cd43dd8448eb211c80319c';

/** A span of TRACE with string attributes given as raw bytes (so they may be bad UTF-8). */
function protobufExport(
  resource: [string, Uint8Array][],
  spans: { id: string; parent?: string; input: number; attributes: [string, Uint8Array][] }[],
): Uint8Array {
  const writer = protobuf.Writer.create();
  const keyValue = (field: number, key: string, value: Uint8Array | number) =>
    writeKeyValue(writer, field, key, value);
  writer.uint32(10).fork(); // resource_spans
  writer.uint32(10).fork(); // resource
  for (const [key, value] of resource) keyValue(1, key, value);
  writer.ldelim();
  writer.uint32(18).fork(); // scope_spans
  for (const span of spans) {
    writer.uint32(18).fork();
    writer.uint32(10).bytes(Buffer.from(TRACE, 'hex'));
    writer.uint32(18).bytes(Buffer.from(span.id, 'hex'));
    if (span.parent) writer.uint32(34).bytes(Buffer.from(span.parent, 'hex'));
    writer.uint32(48).int32(3);
    writer.uint32(65).fixed64((T0 - 60_000) * 1_000_000);
    keyValue(9, 'gen_ai.provider.name', Buffer.from('openai'));
    keyValue(9, 'gen_ai.usage.input_tokens', span.input);
    for (const [key, value] of span.attributes) keyValue(9, key, value);
    writer.ldelim();
  }
  writer.ldelim();
  writer.ldelim();
  return writer.finish();
}

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part))));

describe.each(STORE_KINDS)('POST /v1/traces with attributes metering reads, on %s', (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    store = opened.store;
    cleanup = opened.cleanup;
  });
  afterEach(async () => cleanup());

  it('answers an export whose span holds 16,000,000 array values (32 MB inflated, 31 KB gzip) and meters the span', async () => {
    const { send, events } = await appOver(store);
    const body = gzipSync(spanWithArrays([['app.payload', 16_000_000]]));
    expect(body.length).toBeLessThan(64 * 1024);
    const response = await send(body, { ...PROTOBUF, 'content-encoding': 'gzip' });
    expect(response.status).toBe(200);
    expect(decodeResponse(new Uint8Array(await response.arrayBuffer()))).toEqual({});
    expect((await events()).map((event) => event.tokens)).toMatchObject([{ input: 12, output: 7 }]);
  }, 120_000);

  it('refuses OTLP/JSON spans whose customer id holds a lone surrogate, instead of metering two customers as one', async () => {
    const { send, events } = await appOver(store);
    const span = (id: string, input: number, customer?: string, parent?: string) => ({
      traceId: TRACE,
      spanId: id,
      ...(parent ? { parentSpanId: parent } : {}),
      kind: 3,
      endTimeUnixNano: `${T0 - 60_000}000000`,
      attributes: [
        attribute('gen_ai.provider.name', { stringValue: 'openai' }),
        attribute('gen_ai.usage.input_tokens', { intValue: String(input) }),
        ...(customer === undefined ? [] : [attribute('agentmeter.customer_id', { stringValue: customer })]),
      ],
    });
    const body = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [attribute('service.name', { stringValue: 'bot' })] },
          scopeSpans: [
            {
              spans: [
                span('00000000000000a1', 1, 'cus_\ud800'),
                span('00000000000000a2', 2, 'cus_\udc00'),
                span('00000000000000a3', 3, 'cus_\ud83d\ude00'),
                // A sum over a refused call is not metered in its place.
                span('00000000000000b1', 50),
                span('00000000000000b2', 40, 'cus_\udfff', '00000000000000b1'),
              ],
            },
          ],
        },
        {
          resource: { attributes: [attribute('service.name', { stringValue: 'bot_\udbff' })] },
          scopeSpans: [{ spans: [span('00000000000000c1', 4, 'cus_ok')] }],
        },
      ],
    });
    expect(body).toContain('cus_\\ud800');
    const response = await send(body, { 'content-type': 'application/json' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      partialSuccess: {
        rejectedSpans: '4',
        errorMessage:
          'invalid_attribute: the span attribute "agentmeter.customer_id" is not valid Unicode (bytes that are not UTF-8, or a lone surrogate) (×3); ' +
          'invalid_attribute: the resource attribute "service.name" is not valid Unicode (bytes that are not UTF-8, or a lone surrogate)',
      },
    });
    expect((await events()).map((event) => [event.customer_id, event.tokens.input])).toEqual([
      ['cus_\ud83d\ude00', 3],
    ]);
  });

  it('refuses protobuf spans whose customer id, or whose resource’s service name, is not UTF-8', async () => {
    const { send, events } = await appOver(store);
    const body = protobufExport(
      [['service.name', bytes('bot')]],
      [
        { id: '00000000000000a1', input: 1, attributes: [['agentmeter.customer_id', bytes('cus_', [0xff])]] },
        { id: '00000000000000a2', input: 2, attributes: [['agentmeter.customer_id', bytes('cus_', [0xfe])]] },
        // A lone surrogate written as UTF-8 (CESU-8), which is not UTF-8 either.
        {
          id: '00000000000000a3',
          input: 3,
          attributes: [['agentmeter.customer_id', bytes('cus_', [0xed, 0xa0, 0x80])]],
        },
        { id: '00000000000000a4', input: 4, attributes: [['agentmeter.customer_id', bytes('cus_ü')]] },
        // Bad bytes in an attribute metering does not read change nothing.
        { id: '00000000000000a5', input: 5, attributes: [['gen_ai.prompt.0.content', bytes('hi', [0xff])]] },
      ],
    );
    const response = await send(body, PROTOBUF);
    expect(response.status).toBe(200);
    expect(decodeResponse(new Uint8Array(await response.arrayBuffer()))).toEqual({
      partialSuccess: {
        rejectedSpans: '3',
        errorMessage:
          'invalid_attribute: the span attribute "agentmeter.customer_id" is not valid Unicode (bytes that are not UTF-8, or a lone surrogate) (×3)',
      },
    });
    const metered = (await events()).map((event) => [event.customer_id, event.tokens.input]);
    expect(metered.sort((a, b) => Number(a[1]) - Number(b[1]))).toEqual([
      ['cus_ü', 4],
      [null, 5],
    ]);
    const badResource = protobufExport(
      [['service.name', bytes('bot', [0xc3])]],
      [{ id: '00000000000000b1', input: 6, attributes: [] }],
    );
    const refused = await send(badResource, PROTOBUF);
    expect(decodeResponse(new Uint8Array(await refused.arrayBuffer())).partialSuccess).toEqual({
      rejectedSpans: '1',
      errorMessage:
        'invalid_attribute: the resource attribute "service.name" is not valid Unicode (bytes that are not UTF-8, or a lone surrogate)',
    });
    expect(await events()).toHaveLength(2);
  });

  it('refuses an OTLP/JSON body that is not UTF-8 with a 400 naming the body, recording nothing', async () => {
    const { send, events } = await appOver(store);
    const json = new TextEncoder().encode(
      `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${TRACE}","spanId":"00000000000000a1","attributes":[{"key":"gen_ai.usage.input_tokens","value":{"intValue":"1"}},{"key":"agentmeter.customer_id","value":{"stringValue":"cus_#"}}]}]}]}]}`,
    );
    const body = Uint8Array.from(json, (byte) => (byte === 0x23 ? 0xff : byte));
    const response = await send(body, { 'content-type': 'application/json' });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { code: string; errors: { field: string }[] };
    expect([problem.code, problem.errors.map((error) => error.field)]).toEqual(['validation_error', ['/']]);
    expect(await events()).toEqual([]);
  });
});
