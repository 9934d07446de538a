// Fuzzing POST /v1/traces with span graphs a sender can make up: parent links anywhere (a span its own
// parent, cycles of any length, parents in another trace or not sent at all), spans without valid ids,
// one export or several (in any order, or all at once), and exports around the span limit. The route
// must always answer 200 with a truthful ExportTraceServiceResponse, meter each span at most once, never
// meter a span that has a usage-reporting descendant in its export (a span on a parent cycle counts as
// having no parent), and record exactly what it answers. FUZZ_TRACES_SEED and FUZZ_TRACES_RUNS override
// the run.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SPANS_PER_EXPORT } from '../../packages/server/src/routes/traces-otlp.js';
import { type ApiHarness, apiHarness, T0 } from '../support/api.js';
import { openTestStore, STORE_KINDS } from '../support/stores.js';

const SEED = Number(process.env['FUZZ_TRACES_SEED'] ?? 20261203);
const RUNS = Number(process.env['FUZZ_TRACES_RUNS'] ?? 300);
const TRACES = ['0af7651916cd43dd8448eb211c80319c', '1bf7651916cd43dd8448eb211c80319d'];
const END_NANOS = `${T0 - 60_000}000000`;

interface FuzzSpan {
  trace: number;
  id: number;
  /** Another span's id (its own included), a span never sent (`0`), or none. */
  parent: number | undefined;
  /** Reports `gen_ai.usage.input_tokens`. */
  usage: boolean;
  /** A tool span (an aggregate: reports usage as a sum, never metered) rather than a model call. */
  tool: boolean;
  /** Sent without a valid span id. */
  broken: boolean;
}

const spanHex = (id: number) => (id === 0 ? 'ffffffffffffffff' : id.toString(16).padStart(16, '0'));
const keyOf = (span: { trace: number; id: number }) => `${TRACES[span.trace]}:${spanHex(span.id)}`;
const parentKeyOf = (span: FuzzSpan) =>
  span.parent === undefined ? undefined : `${TRACES[span.trace]}:${spanHex(span.parent)}`;

/** Up to 24 spans with distinct ids, parents drawn from the same ids (so cycles are common). */
const graphArbitrary = fc.integer({ min: 1, max: 24 }).chain((count) =>
  fc.tuple(
    ...Array.from({ length: count }, (_, index) =>
      fc.record({
        trace: fc.integer({ min: 0, max: 1 }),
        id: fc.constant(index + 1),
        parent: fc.option(fc.integer({ min: 0, max: count }), { nil: undefined, freq: 4 }),
        usage: fc.boolean(),
        tool: fc.integer({ min: 0, max: 9 }).map((n) => n < 3),
        broken: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
      }),
    ),
  ),
);

function exportBody(spans: readonly FuzzSpan[]): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'fuzz-bot' } }] },
        scopeSpans: [
          {
            scope: { name: '@traceloop/instrumentation-openai' },
            spans: spans.map((span) => ({
              traceId: TRACES[span.trace],
              spanId: span.broken ? 'not-an-id' : spanHex(span.id),
              ...(span.parent === undefined ? {} : { parentSpanId: spanHex(span.parent) }),
              name: span.tool ? 'execute_tool lookup' : 'chat gpt-4o-mini',
              kind: 3,
              endTimeUnixNano: END_NANOS,
              attributes: [
                ...(span.tool
                  ? [{ key: 'gen_ai.operation.name', value: { stringValue: 'execute_tool' } }]
                  : []),
                { key: 'gen_ai.provider.name', value: { stringValue: 'openai' } },
                ...(span.usage
                  ? [{ key: 'gen_ai.usage.input_tokens', value: { intValue: String(span.id) } }]
                  : []),
              ],
            })),
          },
        ],
      },
    ],
  });
}

/**
 * The keys of the spans of one export that have a usage-reporting descendant there: written plainly, a
 * walk up from every span that reports usage, where a span on a parent cycle has no parent.
 */
function coveredIn(spans: readonly FuzzSpan[]): Set<string> {
  const readable = spans.filter((span) => !span.broken);
  const parentOf = new Map(readable.map((span) => [keyOf(span), parentKeyOf(span)]));
  const onCycle = (key: string) => {
    const seen = new Set<string>();
    for (let at = parentOf.get(key); at !== undefined && parentOf.has(at); at = parentOf.get(at)) {
      if (at === key) return true;
      if (seen.has(at)) return false;
      seen.add(at);
    }
    return false;
  };
  const covered = new Set<string>();
  for (const span of readable) {
    if (!span.usage) continue;
    const self = keyOf(span);
    if (onCycle(self)) continue;
    for (let at = parentOf.get(self); at !== undefined && parentOf.has(at); at = parentOf.get(at)) {
      covered.add(at);
      if (onCycle(at)) break;
    }
  }
  return covered;
}

const isCall = (span: FuzzSpan) => !span.broken && span.usage && !span.tool;

describe.each(STORE_KINDS)('hostile span graphs on POST /v1/traces, on %s', (kind) => {
  let api: ApiHarness;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const opened = await openTestStore(kind);
    cleanup = opened.cleanup;
    api = await apiHarness(opened.store);
  });
  afterAll(async () => cleanup());

  /** A project of its own for one generated case: nothing remembered from other cases. */
  async function freshProject() {
    const { adminKey } = await api.otherProject();
    const tier = await api.call('PUT', '/v1/tiers/default', { key: adminKey, body: { base_fee: '0.001' } });
    expect(tier.status).toBeLessThan(300);
    const send = (spans: readonly FuzzSpan[]) =>
      api.call('POST', '/v1/traces', { key: adminKey, body: exportBody(spans) });
    const ledger = async () => {
      const page = await api.call('GET', '/v1/events?limit=1000', { key: adminKey });
      return (page.body.data as { event_id: string; tokens: { input: number } }[]).map((row) => ({
        id: row.event_id,
        input: row.tokens.input,
      }));
    };
    return { send, ledger };
  }

  it('one export: meters exactly the model calls without a usage-reporting descendant, once each, as answered', async () => {
    await fc.assert(
      fc.asyncProperty(graphArbitrary, async (spans) => {
        const { send, ledger } = await freshProject();
        const response = await send(spans);
        expect(response.status).toBe(200);
        const broken = spans.filter((span) => span.broken).length;
        expect(response.body).toEqual(
          broken === 0
            ? {}
            : {
                partialSuccess: {
                  rejectedSpans: String(broken),
                  errorMessage: `invalid_span: no valid traceId or spanId${broken > 1 ? ` (×${broken})` : ''}`,
                },
              },
        );
        const rows = await ledger();
        const ids = rows.map((row) => row.id);
        expect(new Set(ids).size).toBe(ids.length);
        const covered = coveredIn(spans);
        const metered = new Set(ids.map((id) => id.replace(/^otel:/, '')));
        for (const key of covered)
          expect(metered.has(key), `${key} has a usage-reporting descendant`).toBe(false);
        const expected = spans.filter((span) => isCall(span) && !covered.has(keyOf(span))).map(keyOf);
        expect([...metered].sort()).toEqual(expected.sort());
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }, 300_000);

  it('several exports, one after the other or all at once: at most one event per span, never a sum over a call of its export, as answered', async () => {
    const arbitrary = graphArbitrary.chain((spans) =>
      fc.record({
        spans: fc.constant(spans),
        parts: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: spans.length, maxLength: spans.length }),
        together: fc.boolean(),
        resend: fc.boolean(),
      }),
    );
    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ spans, parts, together, resend }) => {
        const { send, ledger } = await freshProject();
        const exports = [0, 1, 2]
          .map((part) => spans.filter((_, index) => parts[index] === part))
          .filter((part) => part.length > 0);
        if (resend) exports.push(spans);
        const calls = new Map(spans.filter(isCall).map((span) => [keyOf(span), span]));
        const check = (part: readonly FuzzSpan[], response: Awaited<ReturnType<typeof send>>) => {
          expect(response.status).toBe(200);
          const broken = part.filter((span) => span.broken).length;
          expect(Number(response.body.partialSuccess?.rejectedSpans ?? 0)).toBe(broken);
        };
        if (together) {
          const responses = await Promise.all(exports.map((part) => send(part)));
          for (const [index, part] of exports.entries())
            check(part, responses[index] as (typeof responses)[number]);
        } else {
          // One after the other: what each export added to the ledger is checked against that export.
          let before = new Set<string>();
          for (const part of exports) {
            check(part, await send(part));
            const now = new Set((await ledger()).map((row) => row.id));
            const added = [...now].filter((id) => !before.has(id));
            for (const key of coveredIn(part)) expect(added).not.toContain(`otel:${key}`);
            for (const id of added) expect(part.map((span) => `otel:${keyOf(span)}`)).toContain(id);
            before = now;
          }
        }
        const rows = await ledger();
        const ids = rows.map((row) => row.id);
        expect(new Set(ids).size).toBe(ids.length);
        for (const row of rows) {
          const span = calls.get(row.id.replace(/^otel:/, ''));
          expect(span, `${row.id} is a model call that reports usage`).toBeDefined();
          expect(row.input).toBe(span?.id);
        }
      }),
      { numRuns: Math.ceil(RUNS / 2), seed: SEED + 1 },
    );
  }, 300_000);

  it(`span counts around the limit of ${MAX_SPANS_PER_EXPORT} per export: read up to it, the rest answered as rejected`, async () => {
    const span = (index: number, usage: boolean) =>
      `{"traceId":"${TRACES[0]}","spanId":"${spanHex(index + 1)}","name":"chat","endTimeUnixNano":"${END_NANOS}"${
        usage
          ? `,"attributes":[{"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"${index + 1}"}}]`
          : ''
      }}`;
    /** `count` spans, the last two reporting usage. */
    const body = (count: number) =>
      `{"resourceSpans":[{"scopeSpans":[{"scope":{"name":"app"},"spans":[${Array.from(
        { length: count },
        (_, index) => span(index, index >= count - 2),
      ).join(',')}]}]}]}`;
    for (const count of [MAX_SPANS_PER_EXPORT, MAX_SPANS_PER_EXPORT + 1]) {
      const { adminKey } = await api.otherProject();
      await api.call('PUT', '/v1/tiers/default', { key: adminKey, body: { base_fee: '0.001' } });
      const response = await api.call('POST', '/v1/traces', { key: adminKey, body: body(count) });
      expect(response.status).toBe(200);
      const over = count - MAX_SPANS_PER_EXPORT;
      expect(response.body).toEqual(
        over === 0
          ? {}
          : {
              partialSuccess: {
                rejectedSpans: String(over),
                errorMessage: `too_many_spans: an export is read up to its first ${MAX_SPANS_PER_EXPORT} spans; the ${over} after them were not read (send smaller batches)`,
              },
            },
      );
      const rows = (await api.call('GET', '/v1/events?limit=1000', { key: adminKey })).body.data as {
        tokens: { input: number };
      }[];
      // The calls among the spans read, and none of those after them.
      const read = [count - 1, count].filter((position) => position <= MAX_SPANS_PER_EXPORT);
      expect(rows.map((row) => row.tokens.input).sort((a, b) => a - b)).toEqual(read);
    }
  }, 120_000);
});
