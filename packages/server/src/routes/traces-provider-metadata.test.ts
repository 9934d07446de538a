// The AI SDK's provider metadata on OTLP spans sent to POST /v1/traces. ai 5 (and ai 6 with a V2
// provider) records a step's Anthropic input without the cache, and Google's output without the
// reasoning; the provider's own counts are only in the span's JSON copy of the provider metadata
// (`ai.response.providerMetadata`). The server bills those calls as the provider does, and metadata the
// sender got wrong (not JSON, huge, not UTF-8) is ignored: the span is still metered by its own counts.
import { usageOf } from '@agentmeter/genai-spans';
import protobuf from 'protobufjs/light.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { T0 } from '../../../../test/support/api.js';
import { openTestStore, STORE_KINDS } from '../../../../test/support/stores.js';
import { type AnthropicCache, anthropicV2Metadata } from '../../../ai-sdk/src/test-support/v2-model.js';
import type { Store } from '../store/types.js';
import { otlpJsonExport, tracesApp, writeKeyValue } from './otlp-test-writer.js';
import { decodeRequest, decodeResponse } from './traces-otlp.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const METADATA = 'ai.response.providerMetadata';
/** The longest metadata the rules read, in UTF-16 code units. */
const METADATA_MAX = 65_536;

type Value = string | number | Uint8Array;
interface StepSpan {
  spanId: string;
  attributes: [string, Value][];
}

/** The metadata attribute of an Anthropic step, as ai 5 records it: @ai-sdk/anthropic 2's metadata as JSON. */
const anthropicMetadata = (cache: AnthropicCache) => JSON.stringify(anthropicV2Metadata(cache));

const googleMetadata = JSON.stringify({
  google: {
    groundingMetadata: null,
    safetyRatings: null,
    usageMetadata: {
      cachedContentTokenCount: 1_000,
      thoughtsTokenCount: 600,
      promptTokenCount: 1_200,
      candidatesTokenCount: 80,
      totalTokenCount: 1_880,
    },
  },
});

/**
 * One ai 5 step span (the attributes metering reads, as ai 5.0.277 writes them): a generated step carries
 * the provider's input and output counts only, a streamed step adds the total, the cache reads and the
 * reasoning.
 */
function step(
  spanId: string,
  provider: 'anthropic.messages' | 'google.generative-ai',
  streamed: boolean,
  usage: { input: number; output: number; cacheRead?: number; reasoning?: number },
  metadata: Value | undefined,
): StepSpan {
  const operation = streamed ? 'ai.streamText.doStream' : 'ai.generateText.doGenerate';
  const model = provider === 'anthropic.messages' ? 'claude-haiku-4-5' : 'gemini-2.5-flash';
  const counts: [string, Value][] = streamed
    ? [
        ['ai.usage.inputTokens', usage.input],
        ['ai.usage.outputTokens', usage.output],
        ['ai.usage.totalTokens', usage.input + usage.output + (usage.reasoning ?? 0)],
        ...(usage.reasoning === undefined
          ? []
          : [['ai.usage.reasoningTokens', usage.reasoning] as [string, Value]]),
        ...(usage.cacheRead === undefined
          ? []
          : [['ai.usage.cachedInputTokens', usage.cacheRead] as [string, Value]]),
      ]
    : [
        ['ai.usage.promptTokens', usage.input],
        ['ai.usage.completionTokens', usage.output],
      ];
  return {
    spanId,
    attributes: [
      ['ai.operationId', operation],
      ['ai.model.provider', provider],
      ['ai.model.id', model],
      ['gen_ai.system', provider],
      ['gen_ai.request.model', model],
      ['ai.response.id', `resp_${spanId}`],
      ['ai.response.model', model],
      ...(metadata === undefined ? [] : [[METADATA, metadata] as [string, Value]]),
      ...counts,
      ['gen_ai.usage.input_tokens', usage.input],
      ['gen_ai.usage.output_tokens', usage.output],
    ],
  };
}

/** An Anthropic step of ai 5 (through @ai-sdk/anthropic 2) with its metadata, or with `metadata` instead. */
const anthropicStep = (spanId: string, streamed: boolean, cache: AnthropicCache, metadata?: Value) =>
  step(
    spanId,
    'anthropic.messages',
    streamed,
    { input: cache.input, output: 90, cacheRead: cache.read },
    metadata ?? anthropicMetadata(cache),
  );

/** A Google step of ai 5 (through @ai-sdk/google 2). */
const googleStep = (spanId: string, streamed: boolean) =>
  step(
    spanId,
    'google.generative-ai',
    streamed,
    { input: 1_200, output: 80, cacheRead: 1_000, reasoning: 600 },
    googleMetadata,
  );

const endNanos = `${T0 - 60_000}000000`;

/** The spans as an OTLP/JSON export (string values as strings: bytes are not JSON). */
function jsonExport(spans: StepSpan[]): string {
  return otlpJsonExport(
    'ai',
    spans.map((span) => ({
      traceId: TRACE,
      spanId: span.spanId,
      name: span.attributes[0]?.[1],
      kind: 1,
      startTimeUnixNano: endNanos,
      endTimeUnixNano: endNanos,
      attributes: span.attributes.map(([key, value]) => ({
        key,
        value:
          typeof value === 'number'
            ? { intValue: String(value) }
            : { stringValue: typeof value === 'string' ? value : Buffer.from(value).toString() },
      })),
    })),
  );
}

/** The spans as a binary OTLP export (a `Uint8Array` value: its raw bytes, which may be bad UTF-8). */
function protobufExport(spans: StepSpan[]): Uint8Array {
  const writer = protobuf.Writer.create();
  writer.uint32(10).fork(); // resource_spans
  writer.uint32(10).fork(); // resource
  writeKeyValue(writer, 1, 'service.name', 'support-bot');
  writer.ldelim();
  writer.uint32(18).fork(); // scope_spans
  writer.uint32(10).fork().uint32(10).string('ai').ldelim(); // scope
  for (const span of spans) {
    writer.uint32(18).fork();
    writer.uint32(10).bytes(Buffer.from(TRACE, 'hex'));
    writer.uint32(18).bytes(Buffer.from(span.spanId, 'hex'));
    writer.uint32(48).int32(1);
    writer.uint32(57).fixed64((T0 - 60_000) * 1_000_000);
    writer.uint32(65).fixed64((T0 - 60_000) * 1_000_000);
    for (const [key, value] of span.attributes) writeKeyValue(writer, 9, key, value);
    writer.ldelim();
  }
  writer.ldelim();
  writer.ldelim();
  return writer.finish();
}

const FORMATS = {
  json: { type: 'application/json', encode: jsonExport },
  protobuf: { type: 'application/x-protobuf', encode: protobufExport },
} as const;

/** Per 1,000 tokens: cached input a tenth of the input rate, cache writes 1.25 times it (Anthropic's ratios). */
const TIER = {
  base_fee: '0.001',
  token_rate_input: '0.003',
  token_rate_output: '0.015',
  token_rate_cached_input: '0.0003',
  token_rate_cache_write: '0.00375',
};

/** The app over a store, with a project and the tier: exports, and the ledger's rows. */
async function appOver(store: Store) {
  const { call } = await tracesApp(store, TIER, T0);
  return {
    /** Sends the spans in `format`; the answer's partial success, if any. */
    async send(format: keyof typeof FORMATS, spans: StepSpan[]) {
      const { type, encode } = FORMATS[format];
      const response = await call('/v1/traces', {
        method: 'POST',
        body: encode(spans),
        headers: { 'content-type': type },
      });
      expect(response.status).toBe(200);
      const body =
        format === 'json'
          ? ((await response.json()) as { partialSuccess?: unknown })
          : decodeResponse(new Uint8Array(await response.arrayBuffer()));
      return body.partialSuccess;
    },
    /** The ledger: span id, tokens (input, output, cached, written, reasoning), total price. */
    async rows() {
      const page = (await (await call('/v1/events?limit=100')).json()) as {
        data: {
          event_id: string;
          provider: string;
          tokens: {
            input: number;
            output: number;
            cached_input: number;
            cache_write: number;
            reasoning: number;
          };
          price: { total: string };
        }[];
      };
      return page.data
        .map((row) => ({
          id: row.event_id.split(':')[2],
          provider: row.provider,
          tokens: [
            row.tokens.input,
            row.tokens.output,
            row.tokens.cached_input,
            row.tokens.cache_write,
            row.tokens.reasoning,
          ],
          total: row.price.total,
        }))
        .sort((a, b) => String(a.id).localeCompare(String(b.id)));
    },
  };
}

const ABOVE: AnthropicCache = { input: 400, read: 9_000, write: 3_000 };
const BELOW: AnthropicCache = { input: 5_000, read: 1_000, write: 0 };
const WRITES: AnthropicCache = { input: 800, read: 0, write: 2_500 };

describe.each(STORE_KINDS)('POST /v1/traces bills ai 5 steps by their provider metadata, on %s', (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    store = opened.store;
    cleanup = opened.cleanup;
  });
  afterEach(async () => cleanup());

  it.each(['json', 'protobuf'] as const)(
    'Anthropic with the cache read and written, Google with the reasoning, generated and streamed (%s)',
    async (format) => {
      const { send, rows } = await appOver(store);
      const spans = [false, true].flatMap((streamed) => {
        const at = streamed ? 'b' : 'a';
        return [
          anthropicStep(`00000000000001${at}1`, streamed, ABOVE),
          anthropicStep(`00000000000001${at}2`, streamed, BELOW),
          anthropicStep(`00000000000001${at}3`, streamed, WRITES),
          googleStep(`00000000000001${at}4`, streamed),
        ];
      });
      expect(await send(format, spans)).toBeUndefined();
      // Anthropic bills the uncached input, the cache reads and the writes, each at its rate: 12,400 input
      // tokens = 400 uncached (0.0012) + 9,000 read (0.0027) + 3,000 written (0.01125); 90 output
      // (0.00135); the base fee (0.001). Google's 680 output tokens are its 80 and the 600 of reasoning
      // (0.0102); of its 1,200 input tokens 1,000 are cached (0.0003 + 200 uncached, 0.0006).
      const billed = (streamed: boolean) => {
        const at = streamed ? 'b' : 'a';
        return [
          {
            id: `00000000000001${at}1`,
            provider: 'anthropic',
            tokens: [12_400, 90, 9_000, 3_000, 0],
            total: '0.0175',
          },
          {
            id: `00000000000001${at}2`,
            provider: 'anthropic',
            tokens: [6_000, 90, 1_000, 0, 0],
            total: '0.01765',
          },
          {
            id: `00000000000001${at}3`,
            provider: 'anthropic',
            tokens: [3_300, 90, 0, 2_500, 0],
            total: '0.014125',
          },
          {
            id: `00000000000001${at}4`,
            provider: 'google',
            tokens: [1_200, 680, 1_000, 0, 600],
            total: '0.0121',
          },
        ];
      };
      expect(await rows()).toEqual([...billed(false), ...billed(true)]);
    },
  );

  it.each(['json', 'protobuf'] as const)(
    'meters a step whose metadata is not JSON, no object, or over 65,536 characters by its own counts (%s)',
    async (format) => {
      const { send, rows } = await appOver(store);
      const metadata = anthropicMetadata(ABOVE);
      const odd = [
        metadata.slice(0, -1),
        'not json',
        '["anthropic"]',
        `{"anthropic": {"usage": {"input_tokens": "lots", "cache_read_input_tokens": -9000}}}`,
        metadata + ' '.repeat(METADATA_MAX + 1 - metadata.length),
        // Over 2 MB (a JSON body holds at most 4 MiB).
        metadata + ' '.repeat(2_500_000),
      ];
      const spans = odd.map((value, index) => anthropicStep(`00000000000002a${index}`, false, ABOVE, value));
      // At 65,536 characters the metadata is still read.
      spans.push(
        anthropicStep(
          '00000000000002b0',
          false,
          ABOVE,
          metadata + ' '.repeat(METADATA_MAX - metadata.length),
        ),
      );
      expect(await send(format, spans)).toBeUndefined();
      // Its own counts: 400 input (0.0012), 90 output (0.00135), the base fee.
      const own = (index: number) => ({
        id: `00000000000002a${index}`,
        provider: 'anthropic',
        tokens: [400, 90, 0, 0, 0],
        total: '0.00355',
      });
      expect(await rows()).toEqual([
        ...odd.map((_value, index) => own(index)),
        {
          id: '00000000000002b0',
          provider: 'anthropic',
          tokens: [12_400, 90, 9_000, 3_000, 0],
          total: '0.0175',
        },
      ]);
    },
    60_000,
  );

  it('meters a step whose metadata is not valid Unicode instead of refusing it (bad UTF-8; a lone surrogate in JSON)', async () => {
    const { send, rows } = await appOver(store);
    const metadata = anthropicMetadata(ABOVE);
    const cut = metadata.indexOf('"stopSequence"');
    // Bad bytes inside a string of the metadata: the counts are still there to read.
    const badUtf8 = Buffer.concat([
      Buffer.from(`${metadata.slice(0, cut)}"note":"`),
      Buffer.from([0xff, 0xed, 0xa0, 0x80]),
      Buffer.from(`",${metadata.slice(cut)}`),
    ]);
    // Bad bytes that spoil a key: the count is not found, the step is metered by its own.
    const badKey = Buffer.from(
      metadata.replace('cache_read_input_tokens', 'cache_read_input_toke\u00ff'),
      'latin1',
    );
    expect(
      await send('protobuf', [anthropicStep('00000000000003a1', false, ABOVE, badUtf8)]),
    ).toBeUndefined();
    expect(await send('protobuf', [anthropicStep('00000000000003a2', false, ABOVE, badKey)])).toBeUndefined();
    const loneSurrogate = `${metadata.slice(0, cut)}"note":"\ud800",${metadata.slice(cut)}`;
    expect(
      await send('json', [anthropicStep('00000000000003a3', false, ABOVE, loneSurrogate)]),
    ).toBeUndefined();
    expect(await rows()).toEqual([
      {
        id: '00000000000003a1',
        provider: 'anthropic',
        tokens: [12_400, 90, 9_000, 3_000, 0],
        total: '0.0175',
      },
      // 3,400 input: the 400 (0.0012) and the 3,000 written (0.01125), the reads' key spoilt.
      {
        id: '00000000000003a2',
        provider: 'anthropic',
        tokens: [3_400, 90, 0, 3_000, 0],
        total: '0.0148',
      },
      {
        id: '00000000000003a3',
        provider: 'anthropic',
        tokens: [12_400, 90, 9_000, 3_000, 0],
        total: '0.0175',
      },
    ]);
  });
});

describe('the provider metadata as the decoder keeps it', () => {
  const read = async (format: keyof typeof FORMATS, metadata: Value) => {
    const body = FORMATS[format].encode([anthropicStep('00000000000004a1', false, ABOVE, metadata)]);
    const { spans } = await decodeRequest(
      typeof body === 'string' ? new TextEncoder().encode(body) : body,
      format,
    );
    expect(spans).toHaveLength(1);
    return spans[0]!;
  };

  it('keeps up to 65,536 characters, however many bytes they take, and drops longer metadata', async () => {
    // "€" takes three bytes in UTF-8: 65,536 of them are 196,608 bytes, still read; one more is not.
    const euros = (count: number) => `{"anthropic":{"usage":{"input_tokens":1}},"x":"${'€'.repeat(count)}"}`;
    const longest = euros(METADATA_MAX - 49);
    expect(longest).toHaveLength(METADATA_MAX);
    expect(Buffer.byteLength(longest)).toBeGreaterThan(3 * (METADATA_MAX - 100));
    for (const format of ['json', 'protobuf'] as const) {
      expect((await read(format, longest)).attributes[METADATA]).toBe(longest);
      expect((await read(format, euros(METADATA_MAX - 48))).attributes[METADATA]).toBeUndefined();
    }
  });

  it('drops protobuf metadata whose bytes say it is too long without decoding it', async () => {
    // Every UTF-8 decoding the decoder does goes through TextDecoder: the longest input it was given.
    const prototype = TextDecoder.prototype as { decode(input?: ArrayBufferView, options?: unknown): string };
    const decode = prototype.decode;
    let longest = 0;
    prototype.decode = function (this: unknown, input?: ArrayBufferView, options?: unknown) {
      longest = Math.max(longest, input?.byteLength ?? 0);
      return decode.call(this, input, options);
    };
    try {
      const span = await read('protobuf', 'x'.repeat(5_000_000));
      expect(span.attributes[METADATA]).toBeUndefined();
      expect(usageOf(span)?.inputTokens).toBe(400);
    } finally {
      prototype.decode = decode;
    }
    expect(longest).toBeGreaterThan(0);
    expect(longest).toBeLessThan(1_000);
  });

  it('keeps metadata that is not valid Unicode as decoded leniently, and the span meterable', async () => {
    const span = await read('protobuf', Buffer.from([0x7b, 0xff, 0x7d]));
    expect([span.attributes[METADATA], span.invalid]).toEqual(['{\ufffd}', undefined]);
    const json = await read('json', '{"a":"\ud800"}');
    expect([json.attributes[METADATA], json.invalid]).toEqual(['{"a":"\ud800"}', undefined]);
    // A leading byte order mark is text, as JSON keeps it.
    expect((await read('protobuf', '\ufeff{}')).attributes[METADATA]).toBe('\ufeff{}');
    expect(usageOf(span)?.inputTokens).toBe(400);
  });
});
