// A ledger written before call links (schema version 3) upgrades in place: its events count as they
// did (not usage_missing, not superseded), and new writes link calls from then on.
import { describe, expect, it } from 'vitest';
import { eventRow } from '../../../test/support/event-rows.js';
import { openTestStore, STORE_KINDS, type StoreKind } from '../../../test/support/stores.js';
import { linkKeys } from './call-links.js';
import type { Store } from './store/types.js';

const OLD_EVENT = `INSERT INTO events (project_id, event_id, body_hash, ts, received_at, agent_id, action, customer_id,
  tokens_input, tokens_output, tokens_cached_input, tokens_cache_write, tokens_reasoning, tier_id, tier_version, currency,
  base_amount, token_amount, outcome_amount, outcome_state, pending_bonus)
  VALUES ('proj_old', 'otel:old', 'h', 1000, 1000, 'bot', 'chat', 'cus', 10, 5, 0, 0, 0, 'default', 1, 'USD',
  1000000000000, 0, 0, 'none', 0)`;

const meterRow = (eventId: string, links: string[]) =>
  eventRow(eventId, { agentId: 'bot', baseAmount: 2_000_000_000_000n, links, source: 'meter' });

describe.each(STORE_KINDS)('upgrading a version-3 ledger to call links, on %s', (kind) => {
  it('keeps every old event counted and links new writes', async () => {
    const { store, cleanup } = await openTestStore(kind, {
      upgradeFrom: { version: 3, statements: [OLD_EVENT] },
    });
    try {
      expect(await store.getEvent('proj_old', 'otel:old')).toMatchObject({
        usageMissing: false,
        supersededBy: null,
      });
      const window = { from: 0, to: 10_000 };
      expect((await store.usage('proj_old', window, [], 2_000))[0]).toMatchObject({
        calls: 1,
        usageMissing: 0,
      });
      // An old event whose id names no span gets no link: a new meter event cannot replace it.
      await store.insertEvents('proj_old', [meterRow('wrapper-new', ['span:a:b'])]);
      expect((await store.getEvent('proj_old', 'otel:old'))?.supersededBy).toBeNull();
      expect((await store.usage('proj_old', window, [], 2_000))[0]?.calls).toBe(2);
      await store.migrate(); // another replica starting: nothing runs twice
    } finally {
      await cleanup();
    }
  });
});

// Span charges recorded before call links hold no links: upgrading gives each one not replaced yet the
// span link its id names (`otel:<trace>:<span>`), so a meter event naming that span after the upgrade
// replaces its charge rather than being charged on top of it.
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const spanCharge = (
  eventId: string,
  supersededBy: string | null,
) => `INSERT INTO events (project_id, event_id,
  body_hash, ts, received_at, agent_id, action, customer_id, tokens_input, tokens_output, tokens_cached_input,
  tokens_cache_write, tokens_reasoning, tier_id, tier_version, currency, base_amount, token_amount, outcome_amount,
  outcome_state, pending_bonus, superseded_by)
  VALUES ('proj_old', '${eventId}', 'h', 1000, 1000, 'bot', 'chat', 'cus', 10, 5, 0, 0, 0, 'default', 1, 'USD',
  1000000000000, 0, 0, 'none', 0, ${supersededBy === null ? 'NULL' : `'${supersededBy}'`})`;

/** A ledger at the schema version before the backfill, holding `statements`; then opened (and upgraded). */
async function ledgerBeforeBackfill(
  kind: StoreKind,
  statements: string[],
): Promise<{ store: Store; links: () => Promise<string[]>; done: () => Promise<void> }> {
  const { store, query, cleanup } = await openTestStore(kind, { upgradeFrom: { version: 5, statements } });
  const links = async () =>
    (
      await query('SELECT project_id, link_key, event_id, source FROM call_links ORDER BY event_id, link_key')
    ).map((row) => `${row['project_id']} ${row['link_key']} ${row['event_id']} ${row['source']}`);
  return { store, links, done: cleanup };
}

describe.each(STORE_KINDS)('upgrading span charges recorded before call links, on %s', (kind) => {
  it('links each to its span, so a meter event naming the span replaces its charge', async () => {
    const old = `otel:${TRACE}:00f067aa0ba902b7`;
    const replaced = `otel:${TRACE}:1111111111111111`;
    const linked = `otel:${TRACE}:2222222222222222`;
    const { store, links, done } = await ledgerBeforeBackfill(kind, [
      spanCharge(old, null),
      // Replaced already (by a meter event written since call links): no link to give.
      spanCharge(replaced, 'wrapper-earlier'),
      // Recorded since call links, holding its link already: left as it is.
      spanCharge(linked, null),
      `INSERT INTO call_links (project_id, link_key, event_id, source)
        VALUES ('proj_old', 'span:${TRACE}:2222222222222222', '${linked}', 'span')`,
      // Ids that are not a span charge's: left alone.
      spanCharge('otel:old', null),
      spanCharge(`otel:${TRACE.toUpperCase()}:00F067AA0BA902B7`, null),
      spanCharge(`otel:${TRACE}:00f067aa0ba902b7:extra`, null),
      spanCharge(`xotel:${TRACE}:00f067aa0ba902b7`, null),
    ]);
    try {
      expect(await links()).toEqual([
        `proj_old span:${TRACE}:00f067aa0ba902b7 ${old} span`,
        `proj_old span:${TRACE}:2222222222222222 ${linked} span`,
      ]);
      const window = { from: 0, to: 10_000 };
      const calls = async () => (await store.usage('proj_old', window, [], 2_000))[0]?.calls;
      // Seven charges, one replaced already.
      expect(await calls()).toBe(6);
      // The link a meter event naming that span carries, as /v1/meter makes it.
      const named = linkKeys({ trace_id: TRACE, span_id: '00f067aa0ba902b7' });
      expect(named).toEqual([`span:${TRACE}:00f067aa0ba902b7`]);
      const [outcome] = await store.insertEvents('proj_old', [meterRow('wrapper-new', named)]);
      expect(outcome).toEqual({ inserted: true });
      expect((await store.getEvent('proj_old', old))?.supersededBy).toBe('wrapper-new');
      // The span's charge left the totals and the meter event took its place: one call, counted once.
      expect(await calls()).toBe(6);
      expect((await store.getEvent('proj_old', replaced))?.supersededBy).toBe('wrapper-earlier');
      // Another replica starting: the backfill does not run twice, and nothing changes.
      await store.migrate();
      expect(await calls()).toBe(6);
      expect((await links()).length).toBe(3);
    } finally {
      await done();
    }
  });
});
