// Links many events hold: a wrapper running with no instrumentation inside a long agent span names that
// span as the call of every event it meters, and every usage-less span under one parent holds that
// parent's last-resort key. A write reads only the few holders of each link it names that its decision
// can act on (oldest first), so it costs the same after 20 events or 20,000, and decides exactly as it
// would reading them all.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness, T0 } from '../../../test/support/api.js';
import { eventRow } from '../../../test/support/event-rows.js';
import { openTestStore, STORE_KINDS } from '../../../test/support/stores.js';
import { type LinkHolder, planLinks } from './call-links.js';
import { HOLDERS_POSTGRES, HOLDERS_SQLITE } from './store/sql.js';
import type { EventRow } from './store/types.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const AGENT = 'a000000000000001';
const hex = (n: number, digits: number) => n.toString(16).padStart(digits, '0');
const spanId = (n: number) => `b${hex(n, 15)}`;
/** A unique provider response id (one that links records of a call). */
const responseId = (n: number) => `chatcmpl-${hex(n, 8)}ZyXwVuTsRqPoNm`;

type Attribute = { key: string; value: { stringValue: string } | { intValue: string } };
const str = (key: string, value: string): Attribute => ({ key, value: { stringValue: value } });
const int = (key: string, value: number): Attribute => ({ key, value: { intValue: String(value) } });

/** An OpenLLMetry-style chat span: with usage and a response id, or traced without either (a stream). */
function chatSpan(id: string, parent: string, options: { responseId?: string; noUsage?: boolean } = {}) {
  return {
    traceId: TRACE,
    spanId: id,
    parentSpanId: parent,
    name: 'chat gpt-4o-mini',
    kind: 3,
    startTimeUnixNano: `${T0 - 2000}000000`,
    endTimeUnixNano: `${T0 - 1000}000000`,
    attributes: [
      str('gen_ai.operation.name', 'chat'),
      str('gen_ai.provider.name', 'openai'),
      str('gen_ai.request.model', 'gpt-4o-mini'),
      ...(options.noUsage
        ? []
        : [int('gen_ai.usage.input_tokens', 100), int('gen_ai.usage.output_tokens', 10)]),
      ...(options.responseId === undefined ? [] : [str('gen_ai.response.id', options.responseId)]),
    ],
  };
}

const meterEvent = (eventId: string, call: Record<string, string | boolean>) => ({
  event_id: eventId,
  agent_id: 'bot',
  action: 'chat',
  model: 'gpt-4o-mini',
  provider: 'openai',
  tokens_input: 100,
  tokens_output: 10,
  call,
});

describe.each(STORE_KINDS)('links many events hold, on %s', (kind) => {
  let api: ApiHarness;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    cleanup = opened.cleanup;
    api = await apiHarness(opened.store);
    const tier = { base_fee: '0.01', token_rate_input: '0.003', token_rate_output: '0.015' };
    expect((await api.call('PUT', '/v1/tiers/default', { body: tier })).status).toBeLessThan(300);
  });
  afterEach(async () => cleanup());

  const exportSpans = async (spans: ReturnType<typeof chatSpan>[]) => {
    const body = {
      resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'x' }, spans }] }],
    };
    const response = await api.call('POST', '/v1/traces', { body });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.partialSuccess?.rejectedSpans ?? '0').toBe('0');
  };
  const meterBatch = async (events: unknown[]) => {
    const response = await api.call('POST', '/v1/meter/batch', { body: { events } });
    expect(response.body.summary, JSON.stringify(response.body)).toMatchObject({ rejected: 0 });
  };
  const meter = async (event: unknown) => {
    const response = await api.call('POST', '/v1/meter', { body: event });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
  };
  const calls = async () => ((await api.call('GET', '/v1/usage')).body.totals[0]?.calls ?? 0) as number;
  const event = async (id: string) => (await api.call('GET', `/v1/events/${id}`)).body;
  /** Holder rows the store read during `write`. */
  const holdersReadBy = async (write: () => Promise<unknown>) => {
    const before = api.store.linkHoldersRead;
    await write();
    return api.store.linkHoldersRead - before;
  };

  it('a caller span 2,000 wrapper events name: spans of calls under it and later meter events decide as the rules say, each write reading a few holders', async () => {
    // A wrapper with no instrumentation: every event names the agent span as its call's span.
    for (const from of [0, 1000])
      await meterBatch(
        Array.from({ length: 1000 }, (_, i) =>
          meterEvent(`w-${from + i}`, { response_id: responseId(from + i), trace_id: TRACE, span_id: AGENT }),
        ),
      );
    expect(await calls()).toBe(2000);

    // An instrumentation's spans: one of a metered call (its response id), one of a call no wrapper
    // metered, and a call span whose own ids are those every event names (held by meter events: linked).
    const read = await holdersReadBy(() =>
      exportSpans([
        chatSpan(spanId(1), AGENT, { responseId: responseId(5) }),
        chatSpan(spanId(2), AGENT, { responseId: responseId(9000) }),
        chatSpan(AGENT, spanId(99), { responseId: responseId(9500) }),
      ]),
    );
    expect((await api.call('GET', `/v1/events/otel:${TRACE}:${spanId(1)}`)).status).toBe(404);
    expect((await api.call('GET', `/v1/events/otel:${TRACE}:${AGENT}`)).status).toBe(404);
    expect(await event(`otel:${TRACE}:${spanId(2)}`)).toMatchObject({ superseded_by: null });
    expect(await calls()).toBe(2001);
    expect(read).toBeLessThanOrEqual(4);

    // The wrapper's event for the second call (its id, the agent span) supersedes that span's charge,
    // and only it: the 2,000 events holding the agent span are meter events, never replaced.
    const supersedes = await holdersReadBy(() =>
      meter(meterEvent('w-late', { response_id: responseId(9000), trace_id: TRACE, span_id: AGENT })),
    );
    expect(await event(`otel:${TRACE}:${spanId(2)}`)).toMatchObject({ superseded_by: 'w-late' });
    expect(await calls()).toBe(2001);
    expect(supersedes).toBeLessThanOrEqual(4);

    // One more call under the agent span: charged on its own, replacing nothing.
    const alone = await holdersReadBy(() =>
      meter(meterEvent('w-next', { response_id: responseId(9001), trace_id: TRACE, span_id: AGENT })),
    );
    expect(await calls()).toBe(2002);
    expect(alone).toBeLessThanOrEqual(4);
  }, 120_000);

  it('300 usage-less span charges under one parent: a streamed callback event supersedes the oldest standing one, one for one, and new spans read none of them', async () => {
    const parent = spanId(100);
    const spans = Array.from({ length: 300 }, (_, i) => chatSpan(spanId(101 + i), parent, { noUsage: true }));
    await exportSpans(spans);
    expect(await calls()).toBe(300);
    const spanEvent = (i: number) => `otel:${TRACE}:${spanId(101 + i)}`;
    // Which charge is oldest is the order the export stored them in, as the ledger lists them (newest first).
    const ledger = (await api.call('GET', '/v1/events?limit=1000')).body.data as { event_id: string }[];
    const byAge = ledger.map((entry) => entry.event_id).reverse();
    expect([...byAge].sort()).toEqual(spans.map((_, i) => spanEvent(i)).sort());

    const streamed = { trace_id: TRACE, parent_span_id: parent, streamed: true };
    const first = await holdersReadBy(() => meter(meterEvent('lc-1', streamed)));
    expect(await event(byAge[0] as string)).toMatchObject({ superseded_by: 'lc-1' });
    expect(await event(byAge[1] as string)).toMatchObject({ superseded_by: null });
    expect(await calls()).toBe(300);
    expect(first).toBeLessThanOrEqual(4);

    // A call that was not streamed takes no usage-less span: it is charged on its own.
    await meter(meterEvent('lc-2', { trace_id: TRACE, parent_span_id: parent }));
    expect(await calls()).toBe(301);
    // The next streamed one takes the next oldest.
    await meter(meterEvent('lc-3', streamed));
    expect(await event(byAge[1] as string)).toMatchObject({ superseded_by: 'lc-3' });
    expect(await event(byAge[2] as string)).toMatchObject({ superseded_by: null });
    expect(await calls()).toBe(301);

    // Another export of 300 usage-less spans under the same parent: all charged, and none of the 298
    // standing ones is read (no meter row of the write could take one).
    const again = await holdersReadBy(() =>
      exportSpans(
        Array.from({ length: 300 }, (_, i) => chatSpan(spanId(1001 + i), parent, { noUsage: true })),
      ),
    );
    expect(await calls()).toBe(601);
    expect(again).toBeLessThanOrEqual(2);
  }, 120_000);

  it('300 streamed callback events waiting under one parent: each span arriving takes one still waiting, one for one', async () => {
    const parent = spanId(200);
    await meterBatch(
      Array.from({ length: 300 }, (_, i) =>
        meterEvent(`lc-${hex(300 - i, 4)}`, { trace_id: TRACE, parent_span_id: parent, streamed: true }),
      ),
    );
    expect(await calls()).toBe(300);
    // Two spans traced without counts and one with the callbacks' counts: three calls the callbacks
    // metered, none charged again.
    const read = await holdersReadBy(() =>
      exportSpans([
        chatSpan(spanId(201), parent, { noUsage: true }),
        chatSpan(spanId(202), parent, { noUsage: true }),
        chatSpan(spanId(203), parent),
      ]),
    );
    expect(await calls()).toBe(300);
    expect(read).toBeLessThanOrEqual(12);
    // Each took one event: a fourth span takes a fourth.
    await exportSpans([chatSpan(spanId(204), parent)]);
    expect(await calls()).toBe(300);
    for (const n of [201, 202, 203, 204])
      expect((await api.call('GET', `/v1/events/otel:${TRACE}:${spanId(n)}`)).status).toBe(404);
    // 296 still wait: of 297 spans more, 296 take one each and one is charged.
    await exportSpans(Array.from({ length: 297 }, (_, i) => chatSpan(spanId(301 + i), parent)));
    expect(await calls()).toBe(301);
  }, 120_000);
});

// Store-level: the oldest holder wins a tie, whatever the ids' order, and the reads are bounded index ranges.
const row = (eventId: string, source: 'meter' | 'span', links: string[]) =>
  eventRow(eventId, { agentId: 'bot', customerId: null, provider: 'openai', links, source });

describe.each(STORE_KINDS)('reading the holders of a link, on %s', (kind) => {
  it('a span linked to a key many meter events hold goes to the oldest of them, not the first by id', async () => {
    const { store, cleanup } = await openTestStore(kind);
    try {
      // Ids in the opposite order of their age.
      const ids = Array.from({ length: 50 }, (_, i) => `w-${hex(999 - i, 3)}`);
      await store.insertEvents(
        'p',
        ids.map((id) => row(id, 'meter', ['span:t:agent'])),
      );
      const [outcome] = await store.insertEvents('p', [row('otel:t:agent', 'span', ['span:t:agent'])]);
      expect(outcome).toEqual({ inserted: false, status: 'linked', existing: ids[0] });
    } finally {
      await cleanup();
    }
  });

  it('each read is an index range in age order that stops at its limit: no sort, no scan of the holders', async () => {
    const { store, query, cleanup } = await openTestStore(kind);
    try {
      for (let from = 0; from < 2000; from += 500)
        await store.insertEvents(
          'p',
          Array.from({ length: 500 }, (_, i) => row(`w-${from + i}`, 'meter', ['span:t:agent'])),
        );
      await store.insertEvents(
        'p',
        Array.from({ length: 300 }, (_, i) =>
          row(`s-${i}`, 'span', [`span:t:s${i}`, 'under:t:p:openai:missing']),
        ),
      );
      if (kind === 'sqlite') {
        const plan = (
          await query(`EXPLAIN QUERY PLAN ${HOLDERS_SQLITE}`, ['p', 'span:t:agent', 'meter', 1, 1])
        )
          .map((step) => String(step['detail']))
          .join('\n');
        expect(plan).toContain(
          'USING COVERING INDEX call_links_holders (project_id=? AND link_key=? AND source=?)',
        );
        expect(plan).not.toContain('TEMP B-TREE');
        expect(plan).not.toMatch(/SCAN (l|call_links)\b/);
      } else {
        await query('ANALYZE call_links');
        await query('ANALYZE events');
        // As a meter write naming the agent span, and a callback event naming the parent: rows read from
        // call_links, summed over every scan of it in the executed plan.
        // One key of each kind, so each scan runs once and its row count is exact (not a mean per loop).
        const [explained] = await query(`EXPLAIN (ANALYZE, FORMAT JSON) ${HOLDERS_POSTGRES}`, [
          'p',
          ['span:t:agent'],
          ['under:t:p:openai:missing'],
          [0],
          [1],
        ]);
        let linkRows = 0;
        let sorts = 0;
        const walk = (node: Record<string, unknown>) => {
          if (node['Relation Name'] === 'call_links')
            linkRows +=
              (Number(node['Actual Rows']) + Number(node['Rows Removed by Filter'] ?? 0)) *
              Number(node['Actual Loops']);
          if (String(node['Node Type']).includes('Sort')) sorts++;
          for (const child of (node['Plans'] as Record<string, unknown>[] | undefined) ?? []) walk(child);
        };
        const json = explained?.['QUERY PLAN'] as [{ Plan: Record<string, unknown> }];
        walk(json[0].Plan);
        expect(sorts).toBe(0);
        expect(linkRows).toBeGreaterThan(0);
        expect(linkRows).toBeLessThanOrEqual(4);
      }
      const before = store.linkHoldersRead;
      await store.insertEvents('p', [
        row('m-new', 'meter', ['span:t:agent']),
        row('lc-new', 'meter', ['under:t:p:openai:10/5', 'under:t:p:openai:missing']),
      ]);
      expect(store.linkHoldersRead - before).toBeLessThanOrEqual(4);
      expect((await store.getEvent('p', 's-0'))?.supersededBy).toBe('lc-new');
    } finally {
      await cleanup();
    }
  }, 120_000);

  it('upgrading: links written before carry their events’ age, so the oldest holder still wins', async () => {
    // Three meter events holding one span link, ids in the opposite order of their age.
    const events = ['w-c', 'w-b', 'w-a']
      .map(
        (id) => `INSERT INTO events (project_id, event_id, body_hash, ts, received_at, agent_id, action,
      tokens_input, tokens_output, tokens_cached_input, tokens_cache_write, tokens_reasoning, tier_id, tier_version,
      currency, base_amount, token_amount, outcome_amount, outcome_state, pending_bonus)
      VALUES ('p', '${id}', 'h', 1000, 1000, 'bot', 'chat', 10, 5, 0, 0, 0, 'default', 1, 'USD', 0, 0, 0, 'none', 0);
    INSERT INTO call_links (project_id, link_key, event_id, source) VALUES ('p', 'span:t:agent', '${id}', 'meter');`,
      )
      .join('\n');
    const { store, query, cleanup } = await openTestStore(kind, {
      upgradeFrom: { version: 6, statements: [events] },
    });
    try {
      const links = await query(
        'SELECT l.event_id, l.event_seq, e.seq FROM call_links l JOIN events e ON e.event_id = l.event_id ORDER BY e.seq',
      );
      expect(links.map((link) => [link['event_id'], String(link['event_seq'])])).toEqual(
        links.map((link) => [link['event_id'], String(link['seq'])]),
      );
      const [outcome] = await store.insertEvents('p', [row('otel:t:agent', 'span', ['span:t:agent'])]);
      expect(outcome).toEqual({ inserted: false, status: 'linked', existing: 'w-c' });
      // A new link row carries its event's age as well.
      await store.insertEvents('p', [row('w-d', 'meter', ['span:t:agent', 'id:chatcmpl-d'])]);
      const [added] = await query(
        `SELECT l.event_seq, e.seq FROM call_links l JOIN events e ON e.event_id = l.event_id
         WHERE l.link_key = 'id:chatcmpl-d'`,
      );
      expect(String(added?.['event_seq'])).toBe(String(added?.['seq']));
      await store.migrate(); // another replica starting: nothing runs twice
    } finally {
      await cleanup();
    }
  });
});

// Every decision and every change to the ledger equals what the same write decides given every stored
// holder of its links (oldest first): random writes of meter events and spans sharing a few links.
describe.each(STORE_KINDS)('bounded reads decide as reading every holder, on %s', (kind) => {
  interface ModelEvent {
    seq: number;
    source: 'meter' | 'span';
    supersededBy: string | null;
  }

  /** A seeded generator (mulberry32), so a failure replays. */
  const random = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  for (const seed of [1, 2, 3, 4]) {
    it(`seed ${seed}`, async () => {
      const { store, query, cleanup } = await openTestStore(kind);
      const next = random(seed);
      const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] as T;
      const events = new Map<string, ModelEvent>();
      const links = new Map<string, Map<string, 'meter' | 'span'>>();
      let seq = 0;
      let meters = 0;
      const under = (parent: string, counts: string) => `under:t:${parent}:openai:${counts}`;
      let fresh = 1000;
      const generate = (): EventRow => {
        const counts = pick(['10/5', '20/5']);
        if (next() < 0.5) {
          const id = next() < 0.05 && meters > 0 ? `m-${Math.floor(next() * meters)}` : `m-${meters++}`;
          const keys: string[] = [];
          if (next() < 0.4) keys.push(`id:r${Math.floor(next() * 12)}`);
          if (next() < 0.5)
            keys.push(
              `span:t:${pick(['agent', 'agent', 'other'])}`,
              ...(next() < 0.3 ? [`span:t:s${Math.floor(next() * 30)}`] : []),
            );
          else {
            const meterParent = next() < 0.85 ? 'p1' : 'p2';
            keys.push(under(meterParent, counts));
            if (next() < 0.6) keys.push(under(meterParent, 'missing'));
          }
          return row(id, 'meter', keys);
        }
        const span = Math.floor(next() * 60);
        const keys: string[] = [];
        const unique = next() < 0.4;
        // A response id some meter event may name, or one only this span has.
        if (unique) keys.push(next() < 0.5 ? `id:r${Math.floor(next() * 12)}` : `id:q${fresh++}`);
        keys.push(`span:t:s${span}`);
        // Few spans under p1 and few callback events under p2: both sides get several waiting on one key.
        const spanParent = next() < 0.85 ? 'p2' : 'p1';
        if (!unique && next() < 0.8) keys.push(under(spanParent, next() < 0.5 ? 'missing' : counts));
        return row(`otel:t:s${span}`, 'span', keys);
      };
      const heldBy = (eventId: string, prefix: string) =>
        [...links]
          .filter(([linkKey, held]) => linkKey.startsWith(prefix) && held.has(eventId))
          .map(([k]) => k);
      /**
       * A write where an exact match takes or replaces a holder of a last-resort key that a later row of
       * the same write looks in: a span naming by id a callback event that waits under a parent, then a
       * span under that parent; or a meter event naming a span charge that waits under a parent, then a
       * callback event under it.
       */
      const exactThenLastResort = (): EventRow[] | undefined => {
        // The oldest of two or more waiting on one key, that an exact link names.
        const waiting: [string, ModelEvent, string][] = [];
        for (const [linkKey, held] of links) {
          if (!linkKey.startsWith('under:')) continue;
          for (const source of ['meter', 'span'] as const) {
            const standing = [...held]
              .filter(([id, from]) => from === source && events.get(id)?.supersededBy === null)
              .map(([id]) => [id, events.get(id) as ModelEvent] as const)
              .sort((a, b) => a[1].seq - b[1].seq);
            const [oldest] = standing;
            if (
              standing.length >= 2 &&
              oldest &&
              heldBy(oldest[0], source === 'meter' ? 'id:' : 'span:').length > 0
            )
              waiting.push([oldest[0], oldest[1], linkKey]);
          }
        }
        if (waiting.length === 0) return undefined;
        const [eventId, held, lastResort] = pick(waiting);
        const exact = pick(heldBy(eventId, held.source === 'meter' ? 'id:' : 'span:'));
        const group = lastResort.slice(0, lastResort.lastIndexOf(':') + 1);
        if (held.source === 'meter') {
          const a = fresh++;
          const b = fresh++;
          return [
            row(`otel:t:s${a}`, 'span', [exact, `span:t:s${a}`]),
            row(`otel:t:s${b}`, 'span', [`span:t:s${b}`, lastResort]),
          ];
        }
        const counts = lastResort.endsWith(':missing') ? `${group}${pick(['10/5', '20/5'])}` : lastResort;
        return [
          row(`m-${meters++}`, 'meter', [exact]),
          row(`m-${meters++}`, 'meter', [counts, `${group}missing`]),
        ];
      };
      /**
       * Writes after which two span charges hold one span link (a span exported again with another
       * response id, each id naming a different charge), then a meter event naming it: it replaces both.
       */
      const twoChargesOneSpan = (): EventRow[][] | undefined => {
        const named = [...events].filter(
          ([eventId, held]) =>
            held.source === 'span' && held.supersededBy === null && heldBy(eventId, 'id:').length > 0,
        );
        if (named.length < 2) return undefined;
        const [a, b] = [pick(named), pick(named)];
        if (!a || !b || a[0] === b[0]) return undefined;
        const span = fresh++;
        const idOf = (eventId: string) => pick(heldBy(eventId, 'id:'));
        return [
          [row(`otel:t:s${span}`, 'span', [idOf(a[0]), `span:t:s${span}`])],
          [row(`otel:t:s${span}`, 'span', [idOf(b[0]), `span:t:s${span}`])],
          [row(`m-${meters++}`, 'meter', [`span:t:s${span}`])],
        ];
      };
      /**
       * Two instrumentations' spans of one call (one response id), a wrapper's event naming the first
       * span, then the second span exported again: the event that replaced the first one charges it.
       */
      const secondSpanAfterReplaced = (): EventRow[][] => {
        const [a, b, id] = [fresh++, fresh++, `id:q${fresh++}`];
        return [
          [row(`otel:t:s${a}`, 'span', [id, `span:t:s${a}`])],
          [row(`otel:t:s${b}`, 'span', [id, `span:t:s${b}`])],
          [row(`m-${meters++}`, 'meter', [`span:t:s${a}`])],
          [row(`otel:t:s${b}`, 'span', [id, `span:t:s${b}`])],
        ];
      };
      const queued: EventRow[][] = [];
      try {
        for (let write = 0; write < 200; write++) {
          if (queued.length === 0 && next() < 0.05) queued.push(...(twoChargesOneSpan() ?? []));
          if (queued.length === 0 && next() < 0.03) queued.push(...secondSpanAfterReplaced());
          const rows = queued.shift() ?? (next() < 0.3 ? exactThenLastResort() : undefined) ?? [];
          if (rows.length === 0 || next() < 0.5)
            for (let more = Math.floor(next() * 4); more >= 0; more--) rows.push(generate());
          // What the write decides given every stored holder of its links, oldest first.
          const keys = new Set(rows.flatMap((r) => r.links ?? []));
          const holders: LinkHolder[] = [];
          for (const linkKey of keys)
            for (const [eventId, source] of links.get(linkKey) ?? [])
              holders.push({
                linkKey,
                eventId,
                source,
                supersededBy: events.get(eventId)?.supersededBy ?? null,
              });
          holders.sort((a, b) => (events.get(a.eventId)?.seq ?? 0) - (events.get(b.eventId)?.seq ?? 0));
          const stored = new Set(rows.filter((r) => events.has(r.eventId)).map((r) => r.eventId));
          const plan = planLinks(rows, stored, holders);

          const outcomes = await store.insertEvents('p', rows);
          const context = `write ${write}: ${JSON.stringify(rows.map((r) => [r.eventId, r.links]))}`;
          outcomes.forEach((outcome, index) => {
            const decision = plan.decisions[index];
            if (decision?.kind === 'linked')
              expect(outcome, context).toEqual({
                inserted: false,
                status: 'linked',
                existing: decision.existing,
              });
            else expect(outcome.inserted, context).toBe(decision?.kind === 'insert');
          });

          // The model carries the plan out as the stores do.
          plan.decisions.forEach((decision, index) => {
            const r = rows[index] as EventRow;
            if (decision.kind === 'insert')
              events.set(r.eventId, {
                seq: seq++,
                source: r.source ?? 'meter',
                supersededBy: decision.supersededBy,
              });
          });
          for (const link of plan.links) {
            if (!events.has(link.eventId)) continue;
            if (!links.has(link.linkKey)) links.set(link.linkKey, new Map());
            const held = links.get(link.linkKey) as Map<string, 'meter' | 'span'>;
            if (!held.has(link.eventId)) held.set(link.eventId, link.source);
          }
          for (const link of plan.unlink) links.get(link.linkKey)?.delete(link.eventId);
          for (const eventId of plan.unlinkUnderOf)
            for (const [linkKey, held] of links) if (linkKey.startsWith('under:')) held.delete(eventId);
          for (const change of plan.supersede) {
            const held = events.get(change.eventId);
            if (held && held.supersededBy === null) held.supersededBy = change.by;
          }

          const storedLinks = (
            await query('SELECT link_key, event_id FROM call_links ORDER BY link_key, event_id')
          )
            .map((link) => `${link['link_key']} ${link['event_id']}`)
            .sort();
          const modelLinks = [...links]
            .flatMap(([linkKey, held]) => [...held.keys()].map((eventId) => `${linkKey} ${eventId}`))
            .sort();
          expect(storedLinks, context).toEqual(modelLinks);
          const superseded = (
            await query('SELECT event_id, superseded_by FROM events WHERE superseded_by IS NOT NULL')
          )
            .map((e) => `${e['event_id']}>${e['superseded_by']}`)
            .sort();
          const modelSuperseded = [...events]
            .filter(([, e]) => e.supersededBy !== null)
            .map(([id, e]) => `${id}>${e.supersededBy}`)
            .sort();
          expect(superseded, context).toEqual(modelSuperseded);
        }
        expect(events.size).toBeGreaterThan(100);
      } finally {
        await cleanup();
      }
    }, 120_000);
  }
});
