// Fuzzing POST /v1/traces with span graphs a sender can make up: parent links anywhere (a span its own
// parent, cycles of any length, parents in another trace or not sent at all), spans without valid ids,
// one export or several (in any order, or all at once, some sent again), exports the store refuses now
// and then (sent again until taken), and exports around the span limit. The route must always answer
// with a truthful ExportTraceServiceResponse, never meter a span that has a usage-reporting descendant
// in its export (a span on a parent cycle counts as having no parent), never meter both a call and a
// span around it when their exports came in an order that let it know, and record exactly what it
// answers. FUZZ_TRACES_SEED and FUZZ_TRACES_RUNS override the run.
import { createApp, createProject, type Store } from '@agentmeter/server';
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

/** The keys of the spans of one export that are on a parent cycle there (they count as having no parent). */
function onCycleIn(spans: readonly FuzzSpan[]): Set<string> {
  const parentOf = new Map(
    spans.filter((span) => !span.broken).map((span) => [keyOf(span), parentKeyOf(span)]),
  );
  const cycle = new Set<string>();
  for (const key of parentOf.keys()) {
    const seen = new Set<string>();
    for (let at = parentOf.get(key); at !== undefined && parentOf.has(at); at = parentOf.get(at)) {
      if (at === key) cycle.add(key);
      if (at === key || seen.has(at)) break;
      seen.add(at);
    }
  }
  return cycle;
}

/**
 * The keys of the spans of one export that have a usage-reporting descendant there: written plainly, a
 * walk up from every span that reports usage, where a span on a parent cycle has no parent.
 */
function coveredIn(spans: readonly FuzzSpan[]): Set<string> {
  const readable = spans.filter((span) => !span.broken);
  const parentOf = new Map(readable.map((span) => [keyOf(span), parentKeyOf(span)]));
  const cycle = onCycleIn(spans);
  const onCycle = (key: string) => cycle.has(key);
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

/**
 * Up to 20 spans whose parents come before them (or were never sent), split into up to three exports
 * sent innermost first, as spans end: a span's export is never later than its parent's.
 */
const forestArbitrary = fc.integer({ min: 1, max: 20 }).chain((count) =>
  fc
    .tuple(
      ...Array.from({ length: count }, (_, index) =>
        fc.record({
          trace: fc.integer({ min: 0, max: 1 }),
          id: fc.constant(index + 1),
          parent: fc.option(fc.integer({ min: 0, max: index }), { nil: undefined, freq: 4 }),
          usage: fc.boolean(),
          tool: fc.integer({ min: 0, max: 9 }).map((n) => n < 3),
          broken: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
          part: fc.integer({ min: 0, max: 2 }),
        }),
      ),
    )
    .map((spans) => {
      const parts = new Map<number, number>();
      for (const span of spans) {
        const parentPart = span.parent === undefined ? undefined : parts.get(span.parent);
        parts.set(span.id, Math.min(span.part, parentPart ?? 2));
      }
      const exports = [0, 1, 2].map((part) => spans.filter((span) => parts.get(span.id) === part));
      return exports.filter((part) => part.length > 0) as FuzzSpan[][];
    }),
);

/**
 * The calls of spans sent innermost first that are metered: those without a usage-reporting descendant
 * among all the spans sent (a walk up from every span that reports usage; a span sent without a valid id
 * links nothing).
 */
function meteredOfForest(spans: readonly FuzzSpan[]): string[] {
  const readable = spans.filter((span) => !span.broken);
  const parentOf = new Map(readable.map((span) => [keyOf(span), parentKeyOf(span)]));
  const covered = new Set<string>();
  for (const span of readable) {
    if (!span.usage) continue;
    for (let at = parentOf.get(keyOf(span)); at !== undefined && parentOf.has(at); at = parentOf.get(at))
      covered.add(at);
  }
  return readable.filter((span) => isCall(span) && !covered.has(keyOf(span))).map(keyOf);
}

/**
 * Pairs of metered spans, a call and a span around it, that exports sent one after the other must never
 * leave both metered. Each span is decided in the first export that holds it; a span's parent link counts
 * unless the span is on a parent cycle in that export. Walking up from a call to a span around it, the
 * outer span cannot be metered when every span of the way came in the same export as the one below it or
 * a later one (each export marks what the next must skip); nor when the call came after the outer span
 * and every span of the way in the same export as the one above it or a later one, the span just below
 * the outer one strictly later (spans under a span metered earlier are the same call). Other orders leave
 * the route nothing to know the nesting by when it decides.
 */
function doubleCharges(exports: readonly (readonly FuzzSpan[])[], metered: ReadonlySet<string>): string[] {
  const first = new Map<string, number>();
  const parentOf = new Map<string, string | undefined>();
  const cut = new Set<string>();
  for (const [index, part] of exports.entries()) {
    const cycle = onCycleIn(part);
    for (const span of part) {
      const key = keyOf(span);
      if (span.broken || first.has(key)) continue;
      first.set(key, index);
      parentOf.set(key, parentKeyOf(span));
      if (cycle.has(key)) cut.add(key);
    }
  }
  const found: string[] = [];
  for (const call of metered) {
    const way = [call];
    for (let at = call; !cut.has(at); ) {
      const parent = parentOf.get(at);
      if (parent === undefined || !first.has(parent) || way.includes(parent)) break;
      way.push(parent);
      at = parent;
      if (!metered.has(parent)) continue;
      const order = way.map((key) => first.get(key) as number);
      const upward = order.every((value, step) => step === 0 || (order[step - 1] as number) <= value);
      const downward =
        order.every((value, step) => step === 0 || (order[step - 1] as number) >= value) &&
        (order[order.length - 2] as number) > (order[order.length - 1] as number);
      if (upward || downward) found.push(`${call} and ${parent} around it (exports ${order.join(', ')})`);
    }
  }
  return found;
}

describe.each(STORE_KINDS)('hostile span graphs on POST /v1/traces, on %s', (kind) => {
  let api: ApiHarness;
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const opened = await openTestStore(kind);
    cleanup = opened.cleanup;
    store = opened.store;
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
        const metered = rows.map((row) => row.id.replace(/^otel:/, ''));
        const covered = coveredIn(spans);
        for (const key of covered)
          expect(metered.includes(key), `${key} has a usage-reporting descendant`).toBe(false);
        const expected = spans.filter((span) => isCall(span) && !covered.has(keyOf(span))).map(keyOf);
        expect(metered.sort()).toEqual(expected.sort());
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }, 300_000);

  it('several exports, one after the other or all at once, some sent again: never a sum over a call of its export, never a call and a span around it when the order told, as answered', async () => {
    const arbitrary = graphArbitrary.chain((spans) =>
      fc.record({
        spans: fc.constant(spans),
        parts: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: spans.length, maxLength: spans.length }),
        together: fc.boolean(),
        // Sent again at the end: nothing, every span, or some of them (a sender's retry of a batch).
        resend: fc.constantFrom('none', 'all', 'some'),
        again: fc.array(fc.boolean(), { minLength: spans.length, maxLength: spans.length }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ spans, parts, together, resend, again }) => {
        const { send, ledger } = await freshProject();
        const exports = [0, 1, 2]
          .map((part) => spans.filter((_, index) => parts[index] === part))
          .filter((part) => part.length > 0);
        if (resend === 'all') exports.push(spans);
        const some = spans.filter((_, index) => again[index]);
        if (resend === 'some' && some.length > 0) exports.push(some);
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
        for (const row of rows) {
          const span = calls.get(row.id.replace(/^otel:/, ''));
          expect(span, `${row.id} is a model call that reports usage`).toBeDefined();
          expect(row.input).toBe(span?.id);
        }
        const metered = new Set(rows.map((row) => row.id.replace(/^otel:/, '')));
        if (together) {
          // In whatever order they were decided, a span was metered in an export where it had no
          // usage-reporting descendant.
          for (const key of metered) {
            const holding = exports.filter((part) =>
              part.some((span) => !span.broken && keyOf(span) === key),
            );
            expect(
              holding.some((part) => !coveredIn(part).has(key)),
              `${key} has a usage-reporting descendant in every export that holds it`,
            ).toBe(true);
          }
        } else expect(doubleCharges(exports, metered)).toEqual([]);
      }),
      { numRuns: Math.ceil(RUNS / 2), seed: SEED + 1 },
    );
  }, 300_000);

  it('exports the store now and then refuses (503, sent again until taken), some sent again after a 200: each call metered once, never a span around one', async () => {
    // The store refuses a write ("database is locked") when the case's plan says so, write by write.
    let plan: boolean[] = [];
    const flaky = new Proxy(store, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (key !== 'insertEvents') return typeof value === 'function' ? value.bind(target) : value;
        return async (...args: unknown[]) => {
          if (plan.shift()) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
          return (value as (...rest: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const app = createApp({
      store: flaky,
      now: () => T0,
      validateResponses: true,
      rateLimit: false,
      onError: () => {},
    });
    const arbitrary = fc.record({
      exports: forestArbitrary,
      refusals: fc.array(
        fc.integer({ min: 0, max: 9 }).map((n) => n < 4),
        { maxLength: 12 },
      ),
      again: fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ exports, refusals, again }) => {
        plan = [...refusals];
        const { adminKey } = await createProject(store, {
          adminKey: `admin-key-flaky-${Math.random().toString(36).slice(2)}-xyz`,
          now: T0,
        });
        const request = (path: string, init: RequestInit = {}) =>
          app.request(path, {
            ...init,
            headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
          });
        const tier = await request('/v1/tiers/default', {
          method: 'PUT',
          body: JSON.stringify({ base_fee: '0.001' }),
        });
        expect(tier.status).toBeLessThan(300);
        /** Sends an export until it is taken, as an OTLP sender retries a 503. */
        const deliver = async (part: readonly FuzzSpan[]) => {
          for (let attempt = 0; ; attempt++) {
            const response = await request('/v1/traces', { method: 'POST', body: exportBody(part) });
            if (response.status === 200) return;
            expect(response.status).toBe(503);
            expect(attempt).toBeLessThan(refusals.length);
          }
        };
        for (const part of exports) await deliver(part);
        for (const index of again) {
          const part = exports[index];
          if (part) await deliver(part);
        }
        const page = (await (await request('/v1/events?limit=1000')).json()) as {
          data: { event_id: string; tokens: { input: number } }[];
        };
        const metered = page.data.map((row) => row.event_id.replace(/^otel:/, ''));
        expect(metered.sort()).toEqual(meteredOfForest(exports.flat()).sort());
      }),
      { numRuns: Math.ceil(RUNS / 2), seed: SEED + 2 },
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
