// One charge per model call across /v1/meter and /v1/traces, on both stores: a meter event and a span
// naming the same call (its span, or a provider response id that cannot repeat) are charged once, by
// the meter event; calls whose ids repeat (Ollama's counter, a constant test id) are never merged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness, T0 } from '../../../test/support/api.js';
import { freshSchema, TEST_DATABASE_URL } from '../../../test/support/postgres.js';
import { openTestStore, STORE_KINDS, type StoreKind } from '../../../test/support/stores.js';
import { createApp, openStore } from './server.js';
import type { Store } from './store/types.js';

const TIER = { base_fee: '0.01', token_rate_input: '0.003', token_rate_output: '0.015' };
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const END_NANOS = `${T0 - 1000}000000`;

const hex = (n: number, digits: number) => n.toString(16).padStart(digits, '0');
const traceOf = (n: number) => `${hex(n + 1, 8)}${TRACE.slice(8)}`;
const spanOf = (n: number) => `a${hex(n + 1, 15)}`;

type Attribute = { key: string; value: { stringValue: string } | { intValue: string } };
const str = (key: string, value: string): Attribute => ({ key, value: { stringValue: value } });
const int = (key: string, value: number): Attribute => ({ key, value: { intValue: String(value) } });

interface SpanSpec {
  traceId?: string;
  spanId: string;
  parentSpanId?: string;
  responseId?: string;
  input?: number;
  output?: number;
  customer?: string;
  /** An agent span around calls: no usage of its own. */
  agent?: boolean;
  /** A model call traced without token counts (a streamed call, for some instrumentations). */
  noUsage?: boolean;
  /** `gen_ai.operation.name` of a call span (default chat). */
  operation?: string;
}

/** One OTLP/JSON span: a chat call reporting usage (an OpenLLMetry-style client span), or an agent span. */
function span(spec: SpanSpec) {
  const attributes = spec.agent
    ? [str('gen_ai.operation.name', 'invoke_agent')]
    : [
        str('gen_ai.operation.name', spec.operation ?? 'chat'),
        str('gen_ai.provider.name', 'openai'),
        str('gen_ai.request.model', 'gpt-4o-mini'),
        ...(spec.noUsage
          ? []
          : [
              int('gen_ai.usage.input_tokens', spec.input ?? 100),
              int('gen_ai.usage.output_tokens', spec.output ?? 10),
            ]),
        ...(spec.responseId === undefined ? [] : [str('gen_ai.response.id', spec.responseId)]),
        ...(spec.customer === undefined ? [] : [str('agentmeter.customer_id', spec.customer)]),
      ];
  return {
    traceId: spec.traceId ?? TRACE,
    spanId: spec.spanId,
    ...(spec.parentSpanId ? { parentSpanId: spec.parentSpanId } : {}),
    name: spec.agent ? 'invoke_agent bot' : 'chat gpt-4o-mini',
    kind: spec.agent ? 1 : 3,
    startTimeUnixNano: `${T0 - 2000}000000`,
    endTimeUnixNano: END_NANOS,
    attributes,
  };
}

const exportBody = (spans: ReturnType<typeof span>[]) => ({
  resourceSpans: [
    {
      resource: { attributes: [str('service.name', 'bot')] },
      scopeSpans: [{ scope: { name: 'test-instrumentation' }, spans }],
    },
  ],
});

/** What a wrapper sends for the call: its own counts and attribution, and the call's links. */
const meterEvent = (
  eventId: string,
  call: Record<string, string | boolean>,
  extra: Record<string, unknown> = {},
) => ({
  event_id: eventId,
  agent_id: 'bot',
  action: 'chat',
  model: 'gpt-4o-mini',
  provider: 'openai',
  tokens_input: 120,
  tokens_output: 12,
  call,
  ...extra,
});

type Call = ApiHarness['call'];

async function exportSpans(call: Call, spans: ReturnType<typeof span>[]) {
  const response = await call('POST', '/v1/traces', { body: exportBody(spans) });
  expect(response.status).toBe(200);
  return response.body as { partialSuccess?: { rejectedSpans?: string; errorMessage?: string } };
}

async function meter(call: Call, body: unknown) {
  const response = await call('POST', '/v1/meter', { body });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

const ledgerIds = async (call: Call) =>
  ((await call('GET', '/v1/events?limit=1000')).body.data as { event_id: string }[])
    .map((event) => event.event_id)
    .sort();

async function usageTotals(call: Call) {
  const { body } = await call('GET', '/v1/usage');
  return body.totals[0] ?? { calls: 0, usage_missing_events: 0, amounts: { total: '0.00' } };
}

describe.each(STORE_KINDS)('one charge per model call across /v1/meter and /v1/traces, on %s', (kind) => {
  let api: ApiHarness;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    cleanup = opened.cleanup;
    api = await apiHarness(opened.store);
    expect((await api.call('PUT', '/v1/tiers/default', { body: TIER })).status).toBeLessThan(300);
  });
  afterEach(async () => cleanup());

  it('a span arriving after the meter event of its call is not charged', async () => {
    const charged = await meter(api.call, meterEvent('wrapper-1', { trace_id: TRACE, span_id: spanOf(1) }));
    const answer = await exportSpans(api.call, [span({ spanId: spanOf(1) })]);
    expect(answer.partialSuccess?.rejectedSpans ?? '0').toBe('0');
    expect(await ledgerIds(api.call)).toEqual(['wrapper-1']);
    expect((await api.call('GET', `/v1/events/otel:${TRACE}:${spanOf(1)}`)).status).toBe(404);
    const totals = await usageTotals(api.call);
    expect([totals.calls, totals.amounts.total]).toEqual([1, charged.price.total]);
  });

  it('a span charged by an earlier server version (its event written without call links) is not rejected when sent again', async () => {
    // An earlier version wrote a span's event under the same id, with a body that had no `call`.
    await meter(api.call, {
      event_id: `otel:${TRACE}:${spanOf(40)}`,
      agent_id: 'bot',
      action: 'chat',
      provider: 'openai',
      tokens_input: 100,
      tokens_output: 10,
    });
    const answer = await exportSpans(api.call, [span({ spanId: spanOf(40) })]);
    expect(answer.partialSuccess?.rejectedSpans ?? '0').toBe('0');
    expect((await usageTotals(api.call)).calls).toBe(1);
  });

  it('the last resort: an event naming only the span its call started under takes one span under it, one for one', async () => {
    const agent = spanOf(50);
    // A LangChain callback metered two calls made under the agent span; their ids repeat (`chatcmpl-123`).
    for (const id of ['lc-1', 'lc-2'])
      await meter(
        api.call,
        meterEvent(id, { trace_id: TRACE, parent_span_id: agent }, { tokens_input: 100, tokens_output: 10 }),
      );
    // The instrumentation's spans of those two calls, plus a third call under the agent span that no
    // callback saw (other counts), and one traced without counts that no callback saw either.
    await exportSpans(api.call, [
      span({ spanId: spanOf(51), parentSpanId: agent, responseId: 'chatcmpl-123' }),
      span({ spanId: spanOf(52), parentSpanId: agent, responseId: 'chatcmpl-123' }),
      span({ spanId: spanOf(53), parentSpanId: agent, responseId: 'chatcmpl-123', input: 700 }),
    ]);
    expect(await ledgerIds(api.call)).toEqual(['lc-1', 'lc-2', `otel:${TRACE}:${spanOf(53)}`]);
    // Span first, then the callback's event: the span's charge is superseded.
    // A streamed call's span without counts (as OpenLLMetry records streams), then its callback's event.
    await exportSpans(api.call, [span({ spanId: spanOf(54), parentSpanId: agent, noUsage: true })]);
    await meter(api.call, {
      ...meterEvent('lc-3', { trace_id: TRACE, parent_span_id: agent }),
      call: { trace_id: TRACE, parent_span_id: agent, streamed: true },
    });
    expect(await ledgerIds(api.call)).toEqual(['lc-1', 'lc-2', 'lc-3', `otel:${TRACE}:${spanOf(53)}`]);
    // A fourth callback event finds nothing left to take: it is a call of its own.
    await meter(api.call, meterEvent('lc-4', { trace_id: TRACE, parent_span_id: agent }));
    expect((await usageTotals(api.call)).calls).toBe(5);
  });

  it('the last resort never takes a second span: a callback event naming its call by id supersedes that span only', async () => {
    const agent = spanOf(60);
    const idA = 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT';
    // Call A (chat, unique id) and call B (embeddings traced without counts) under one agent span.
    await exportSpans(api.call, [
      span({ spanId: spanOf(61), parentSpanId: agent, responseId: idA, input: 120, output: 12 }),
      span({ spanId: spanOf(62), parentSpanId: agent, noUsage: true, operation: 'embeddings' }),
    ]);
    await meter(
      api.call,
      meterEvent('lc-A', { response_id: idA, trace_id: TRACE, parent_span_id: agent, streamed: true }),
    );
    expect(await ledgerIds(api.call)).toEqual(['lc-A', `otel:${TRACE}:${spanOf(62)}`]);
  });

  it('a meter event arriving after its span supersedes the span charge: only the meter event counts, everywhere', async () => {
    const responseId = 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT';
    const spanEvent = `otel:${TRACE}:${spanOf(2)}`;
    await exportSpans(api.call, [span({ spanId: spanOf(2), responseId, customer: 'cus_1', input: 5000 })]);
    const before = await usageTotals(api.call);
    expect(before.calls).toBe(1);
    // The wrapper names the call by its response id alone (it ran with no OpenTelemetry context).
    const charged = await meter(
      api.call,
      meterEvent('wrapper-2', { response_id: responseId }, { customer_id: 'cus_1', outcome: 'success' }),
    );

    expect(await ledgerIds(api.call)).toEqual(['wrapper-2']);
    const totals = await usageTotals(api.call);
    expect([totals.calls, totals.tokens.input, totals.amounts.total]).toEqual([1, 120, charged.price.total]);
    const invoice = (await api.call('GET', '/v1/invoices/preview?customer_id=cus_1')).body;
    expect(invoice.total).toBe(charged.price.total);
    expect(invoice.lines.find((line: { component: string }) => line.component === 'base').quantity).toBe(1);
    const history = await api.call('POST', '/v1/simulate', {
      body: { history: { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' }, tiers: ['default'] },
    });
    expect([history.status, history.body.calls, history.body.tokens.input]).toEqual([200, 1, 120]);

    // The span's charge stays in the ledger, readable, marked with what replaced it.
    const superseded = await api.call('GET', `/v1/events/${spanEvent}`);
    expect(superseded.status).toBe(200);
    expect(superseded.body).toMatchObject({
      event_id: spanEvent,
      superseded_by: 'wrapper-2',
      customer_id: 'cus_1',
    });
    const kept = await api.call('GET', '/v1/events/wrapper-2');
    expect(kept.body).toMatchObject({ superseded_by: null, usage_missing: false });
  });

  it('a batch of meter events naming charged spans supersedes them; each item stays accepted, a resend a duplicate', async () => {
    await exportSpans(api.call, [span({ spanId: spanOf(40) }), span({ spanId: spanOf(41) })]);
    const body = {
      events: [
        meterEvent('batch-40', { trace_id: TRACE, span_id: spanOf(40) }),
        meterEvent('batch-41', { trace_id: TRACE, span_id: spanOf(41) }),
      ],
    };
    const first = await api.call('POST', '/v1/meter/batch', { body });
    expect(first.body.summary).toEqual({ accepted: 2, duplicate: 0, rejected: 0 });
    const again = await api.call('POST', '/v1/meter/batch', { body });
    expect(again.body.summary).toEqual({ accepted: 0, duplicate: 2, rejected: 0 });
    expect(await ledgerIds(api.call)).toEqual(['batch-40', 'batch-41']);
    expect((await usageTotals(api.call)).calls).toBe(2);
  });

  it('a call seen by only one side is charged by it', async () => {
    await meter(api.call, meterEvent('wrapper-3', { trace_id: TRACE, span_id: spanOf(3) }));
    await exportSpans(api.call, [span({ spanId: spanOf(4), responseId: 'msg_01XFDUDYJgAACzvnptvVoYEL' })]);
    expect(await ledgerIds(api.call)).toEqual([`otel:${TRACE}:${spanOf(4)}`, 'wrapper-3']);
    expect((await usageTotals(api.call)).calls).toBe(2);
  });

  it('a span export sent again is not charged again, before or after the meter event of its call', async () => {
    const spans = [span({ spanId: spanOf(5) })];
    await exportSpans(api.call, spans);
    expect((await exportSpans(api.call, spans)).partialSuccess?.rejectedSpans ?? '0').toBe('0');
    expect((await usageTotals(api.call)).calls).toBe(1);
    await meter(api.call, meterEvent('wrapper-5', { trace_id: TRACE, span_id: spanOf(5) }));
    expect((await exportSpans(api.call, spans)).partialSuccess?.rejectedSpans ?? '0').toBe('0');
    expect(await ledgerIds(api.call)).toEqual(['wrapper-5']);
    expect((await usageTotals(api.call)).calls).toBe(1);
  });

  it('two spans of one call (the same unique response id, two instrumentations) are charged once', async () => {
    const responseId = 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b';
    await exportSpans(api.call, [
      span({ traceId: traceOf(1), spanId: spanOf(6), responseId }),
      span({ traceId: traceOf(2), spanId: spanOf(7), responseId }),
    ]);
    expect((await usageTotals(api.call)).calls).toBe(1);
    // The wrapper's event names the call by the second span only: it still replaces the one charge.
    await meter(api.call, meterEvent('wrapper-6', { trace_id: traceOf(2), span_id: spanOf(7) }));
    expect(await ledgerIds(api.call)).toEqual(['wrapper-6']);
    expect((await usageTotals(api.call)).calls).toBe(1);
  });

  it('five calls answered with the same short id (chatcmpl-123) are five charges', async () => {
    await exportSpans(
      api.call,
      [0, 1, 2, 3, 4].map((n) =>
        span({ traceId: traceOf(n), spanId: spanOf(n), responseId: 'chatcmpl-123' }),
      ),
    );
    expect((await usageTotals(api.call)).calls).toBe(5);
    // A meter event naming the id (and nothing else) replaces none of them.
    await meter(api.call, meterEvent('wrapper-123', { response_id: 'chatcmpl-123' }));
    expect((await usageTotals(api.call)).calls).toBe(6);
  });

  it("300 calls answered with Ollama's counting ids, cycling round, are 300 charges", async () => {
    const spans = Array.from({ length: 300 }, (_, n) =>
      span({ traceId: traceOf(n), spanId: spanOf(n), responseId: `chatcmpl-${n % 100}` }),
    );
    const answer = await exportSpans(api.call, spans.slice(0, 150));
    expect(answer.partialSuccess?.rejectedSpans ?? '0').toBe('0');
    await exportSpans(api.call, spans.slice(150));
    expect((await usageTotals(api.call)).calls).toBe(300);
  });

  it('a meter event linked to a span that is not a model call changes nothing', async () => {
    const agentSpan = spanOf(10);
    // The wrapper ran inside the agent's span (no instrumentation span around the call).
    await meter(api.call, meterEvent('wrapper-10', { trace_id: TRACE, span_id: agentSpan }));
    await exportSpans(api.call, [
      span({ spanId: agentSpan, agent: true }),
      span({ spanId: spanOf(11), parentSpanId: agentSpan }),
    ]);
    expect(await ledgerIds(api.call)).toEqual([`otel:${TRACE}:${spanOf(11)}`, 'wrapper-10']);
    const other = await meter(api.call, meterEvent('wrapper-12', { trace_id: TRACE, span_id: agentSpan }));
    expect(other.replayed).toBe(false);
    expect((await api.call('GET', `/v1/events/otel:${TRACE}:${spanOf(11)}`)).body.superseded_by).toBeNull();
    expect((await usageTotals(api.call)).calls).toBe(3);
  });

  it('a span not charged because its call was metered still counts as metered for spans under it sent later', async () => {
    const outer = spanOf(20);
    const inner = spanOf(21);
    await meter(api.call, meterEvent('wrapper-20', { trace_id: TRACE, span_id: outer }));
    // The call's span first (charged by the wrapper already), then, in a later export, a span inside
    // it reporting the same usage (a second instrumentation of the same call).
    await exportSpans(api.call, [span({ spanId: outer })]);
    await exportSpans(api.call, [span({ spanId: inner, parentSpanId: outer })]);
    expect(await ledgerIds(api.call)).toEqual(['wrapper-20']);
  });

  it('usage_missing: priced by the base fee, counted in usage, refused with token counts', async () => {
    const seen = await meter(api.call, {
      agent_id: 'bot',
      action: 'chat',
      event_id: 'stream-1',
      usage_missing: true,
    });
    expect(seen.price.total).toBe('0.01');
    await meter(api.call, { agent_id: 'bot', action: 'chat', event_id: 'counted-1', tokens_input: 10 });
    const totals = await usageTotals(api.call);
    expect([totals.calls, totals.usage_missing_events]).toEqual([2, 1]);
    const grouped = (await api.call('GET', '/v1/usage?group_by=action')).body.groups;
    expect(grouped.map((group: { usage_missing_events: number }) => group.usage_missing_events)).toEqual([1]);
    expect((await api.call('GET', '/v1/events/stream-1')).body.usage_missing).toBe(true);

    for (const field of [
      'tokens_input',
      'tokens_output',
      'tokens_cached_input',
      'tokens_cache_write',
      'tokens_reasoning',
    ]) {
      const refused = await api.call('POST', '/v1/meter', {
        body: { agent_id: 'bot', action: 'chat', usage_missing: true, [field]: 1 },
      });
      expect([refused.status, refused.body.code, refused.body.errors?.[0]?.field]).toEqual([
        400,
        'validation_error',
        `/${field}`,
      ]);
    }
    const batch = await api.call('POST', '/v1/meter/batch', {
      body: { events: [{ agent_id: 'bot', action: 'chat', usage_missing: true, tokens_output: 3 }] },
    });
    expect(batch.body.results[0]).toMatchObject({ status: 'rejected', error: { field: '/tokens_output' } });
    // Zero counts say the same thing: accepted.
    await meter(api.call, { agent_id: 'bot', action: 'chat', usage_missing: true, tokens_input: 0 });
    expect((await usageTotals(api.call)).usage_missing_events).toBe(2);
  });

  it('a model-call span without token counts is charged by the base fee as usage_missing, until its meter event replaces it', async () => {
    const spanEvent = `otel:${TRACE}:${spanOf(30)}`;
    await exportSpans(api.call, [span({ spanId: spanOf(30), noUsage: true })]);
    const missing = await api.call('GET', `/v1/events/${spanEvent}`);
    expect(missing.body).toMatchObject({
      usage_missing: true,
      tokens: { input: 0, output: 0 },
      price: { total: '0.01' },
      superseded_by: null,
    });
    let totals = await usageTotals(api.call);
    expect([totals.calls, totals.usage_missing_events, totals.amounts.total]).toEqual([1, 1, '0.01']);
    // The wrapper saw the stream's usage: its event, with the counts, is the one charge.
    const charged = await meter(api.call, meterEvent('wrapper-30', { trace_id: TRACE, span_id: spanOf(30) }));
    totals = await usageTotals(api.call);
    expect([totals.calls, totals.usage_missing_events, totals.tokens.input, totals.amounts.total]).toEqual([
      1,
      0,
      120,
      charged.price.total,
    ]);
  });

  it('a model-call span without counts around another one without counts is one usage_missing charge, the inner', async () => {
    const outer = spanOf(31);
    const inner = spanOf(32);
    await exportSpans(api.call, [
      span({ spanId: outer, noUsage: true }),
      span({ spanId: inner, parentSpanId: outer, noUsage: true }),
    ]);
    expect(await ledgerIds(api.call)).toEqual([`otel:${TRACE}:${inner}`]);
    expect((await usageTotals(api.call)).usage_missing_events).toBe(1);
  });

  it('refuses a call whose links are malformed, naming the field, and records nothing', async () => {
    for (const [call, field] of [
      [{ span_id: spanOf(1) }, '/call/trace_id'],
      [{ trace_id: TRACE }, '/call/span_id'],
      [{ trace_id: '0'.repeat(32), span_id: spanOf(1) }, '/call/trace_id'],
      [{ trace_id: TRACE, span_id: '0'.repeat(16) }, '/call/span_id'],
      [{ trace_id: TRACE.toUpperCase(), span_id: spanOf(1) }, '/call/trace_id'],
      [{ response_id: 'chatcmpl-\u0007bell' }, '/call/response_id'],
      [{ response_id: '' }, '/call/response_id'],
      [{ response_id: 'x'.repeat(201) }, '/call/response_id'],
      [{ request_id: 'abc' }, '/call/request_id'],
    ] as const) {
      const refused = await api.call('POST', '/v1/meter', { body: meterEvent('bad', call as never) });
      expect([JSON.stringify(call), refused.status, refused.body.errors?.[0]?.field]).toEqual([
        JSON.stringify(call),
        400,
        field,
      ]);
    }
    expect(await ledgerIds(api.call)).toEqual([]);
  });
});

/** Two stores over one database: two server replicas. */
async function twoReplicas(
  kind: StoreKind,
): Promise<{ stores: [Store, Store]; cleanup: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'agentmeter-replicas-'));
    const dbPath = join(dir, 'agentmeter.db');
    const first = await openStore({ dbPath });
    const second = await openStore({ dbPath });
    return {
      stores: [first, second],
      cleanup: async () => {
        await first.close();
        await second.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const { schema, drop } = await freshSchema();
  const first = await openStore({ databaseUrl: TEST_DATABASE_URL, schema });
  const second = await openStore({ databaseUrl: TEST_DATABASE_URL, schema });
  return {
    stores: [first, second],
    cleanup: async () => {
      await first.close();
      await second.close();
      await drop();
    },
  };
}

describe.each(STORE_KINDS)('call links across replicas, on %s', (kind) => {
  let replicas: Awaited<ReturnType<typeof twoReplicas>>;
  afterEach(async () => replicas.cleanup());

  it('two spans of one call sent to two replicas (or one replica before and after a restart) are charged once', async () => {
    replicas = await twoReplicas(kind);
    const api = await apiHarness(replicas.stores[0]);
    await api.call('PUT', '/v1/tiers/default', { body: TIER });
    const app = createApp({
      store: replicas.stores[1],
      now: () => api.clock.now,
      rateLimit: false,
      validateResponses: true,
    });
    const other: Call = async (method, path, { body } = {}) => {
      const response = await app.request(path, {
        method,
        headers: { authorization: `Bearer ${api.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json(), headers: response.headers };
    };
    const responseId = 'chatcmpl-9f3c2a7b1e4d4c0a8b6f5e2d1c0b9a87';
    await exportSpans(api.call, [span({ traceId: traceOf(1), spanId: spanOf(1), responseId })]);
    await exportSpans(other, [span({ traceId: traceOf(2), spanId: spanOf(2), responseId })]);
    expect((await usageTotals(api.call)).calls).toBe(1);
    // And the wrapper's event, sent to the second replica, replaces that one charge.
    await meter(other, meterEvent('wrapper-r', { response_id: responseId }));
    expect(await ledgerIds(api.call)).toEqual(['wrapper-r']);
  });
});
