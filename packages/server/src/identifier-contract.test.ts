import { isIdentifier, isTierId } from '@agentmeter/pricing';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiHarness, type ContractApi, contractApi, T0 } from '../../../test/support/api.js';
import { openTestStore, STORE_KINDS } from '../../../test/support/stores.js';
import { schemaValidator } from './contract.js';

// The SDK, the OpenTelemetry span processor and `/v1/traces` check identifiers with the pricing
// package's predicates before the server's JSON Schema validation (Ajv) ever sees them: where the two
// disagree, a value passes one and is refused (or silently replaced) by the other. These properties
// hold them to the same answer on any string, whatever its characters and length.

const identifierSchema = schemaValidator('Identifier');
const tierIdSchema = schemaValidator('TierId');

/** One UTF-16 piece: the characters whose counting or refusing differs between naive checks. */
const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('a', 'Z', '0', '_', '.', '-', ' ', 'é', '東') },
  // C0 controls, DEL, and the C1 range and its neighbours (allowed by the contract).
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xa0 }).map((code) => String.fromCharCode(code)) },
  // Outside the BMP: one code point, two UTF-16 units.
  {
    weight: 3,
    arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((code) => String.fromCodePoint(code)),
  },
  // A lone surrogate, high or low.
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) },
);

/** Strings of any of those pieces, their lengths gathered around the limits (64, 128 code points). */
const candidate = fc.oneof(
  fc.array(piece, { maxLength: 8 }).map((pieces) => pieces.join('')),
  fc
    .tuple(
      fc.constantFrom('a', '😀', 'é', 'a😀'),
      fc.integer({ min: 0, max: 140 }),
      fc.array(piece, { maxLength: 3 }),
    )
    .map(([fill, count, tail]) => fill.repeat(count) + tail.join('')),
  fc.array(piece, { minLength: 50, maxLength: 150 }).map((pieces) => pieces.join('')),
);

describe('the shared Identifier and TierId predicates agree with the server contract (Ajv)', () => {
  it('isIdentifier answers as the `Identifier` schema on any string', () => {
    fc.assert(
      fc.property(candidate, (value) => {
        expect(isIdentifier(value)).toBe(identifierSchema(value));
      }),
      { numRuns: 5000 },
    );
  });

  it('isTierId answers as the `TierId` schema on any string', () => {
    const tierLike = fc.oneof(
      candidate,
      fc
        .tuple(
          fc.string({
            unit: fc.constantFrom('a', 'z', '0', '9', '_', '.', '-', 'A', '😀', '\n'),
            maxLength: 70,
          }),
          fc.integer({ min: 0, max: 70 }),
        )
        .map(([text, count]) => 'a'.repeat(count) + text),
    );
    fc.assert(
      fc.property(tierLike, (value) => {
        expect(isTierId(value)).toBe(tierIdSchema(value));
      }),
      { numRuns: 5000 },
    );
  });

  it('the edges themselves: 128 and 129 code points of astral characters, control characters, lone surrogates', () => {
    const edges = [
      '😀'.repeat(128),
      '😀'.repeat(129),
      '😀'.repeat(100), // 200 UTF-16 units, 100 characters: an Identifier
      `${'a'.repeat(127)}😀`,
      `${'a'.repeat(128)}😀`,
      '\ud800',
      `a\udc00b`,
      'a\u0000',
      '\u007f',
      '\u0080',
      '',
    ];
    for (const value of edges)
      expect(isIdentifier(value), JSON.stringify(value)).toBe(identifierSchema(value));
    expect(identifierSchema('😀'.repeat(100))).toBe(true);
  });
});

describe.each(STORE_KINDS)('/v1/traces attributes a span by the same Identifier rule (%s)', (kind) => {
  let api: ContractApi;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    cleanup = opened.cleanup;
    api = contractApi(await apiHarness(opened.store));
    await api.call('PUT', '/v1/tiers/default', { body: { base_fee: '0.01' } });
  });
  afterEach(async () => cleanup());

  const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const chatSpan = (spanId: string, attributes: { key: string; value: { stringValue: string } }[]) => ({
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId,
    name: 'chat gpt-4o-mini',
    kind: 3,
    startTimeUnixNano: `${T0 - 2000}000000`,
    endTimeUnixNano: `${T0 - 1000}000000`,
    attributes: [
      str('gen_ai.operation.name', 'chat'),
      str('gen_ai.provider.name', 'openai'),
      str('gen_ai.request.model', 'gpt-4o-mini'),
      { key: 'gen_ai.usage.input_tokens', value: { intValue: '100' } },
      { key: 'gen_ai.usage.output_tokens', value: { intValue: '10' } },
      ...attributes,
    ],
  });

  it('keeps an agent id of 100 astral characters (200 UTF-16 units) and falls back past 129', async () => {
    const emoji100 = '😀'.repeat(100);
    const response = await api.call('POST', '/v1/traces', {
      body: {
        resourceSpans: [
          {
            resource: { attributes: [str('service.name', 'bot')] },
            scopeSpans: [
              {
                scope: { name: 'test-instrumentation' },
                spans: [
                  chatSpan('a000000000000001', [str('agentmeter.agent_id', emoji100)]),
                  chatSpan('a000000000000002', [str('agentmeter.agent_id', '😀'.repeat(129))]),
                ],
              },
            ],
          },
        ],
      },
    });
    expect(response.status).toBe(200);
    const ledger = (await api.call('GET', '/v1/events?limit=10')).body.data;
    expect(ledger.map((event) => event.agent_id).sort()).toEqual(['bot', emoji100].sort());
  });
});
