// A ledger written before call links (schema version 3) upgrades in place: its events count as they
// did (not usage_missing, not superseded), and new writes link calls from then on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freshSchema, TEST_DATABASE_URL } from '../../../test/support/postgres.js';
import { STORE_KINDS } from '../../../test/support/stores.js';
import { linkKeys } from './call-links.js';
import { openStore } from './server.js';
import { MIGRATIONS } from './store/schema.js';
import type { EventRow, Store } from './store/types.js';

const OLD_EVENT = `INSERT INTO events (project_id, event_id, body_hash, ts, received_at, agent_id, action, customer_id,
  tokens_input, tokens_output, tokens_cached_input, tokens_cache_write, tokens_reasoning, tier_id, tier_version, currency,
  base_amount, token_amount, outcome_amount, outcome_state, pending_bonus)
  VALUES ('proj_old', 'otel:old', 'h', 1000, 1000, 'bot', 'chat', 'cus', 10, 5, 0, 0, 0, 'default', 1, 'USD',
  1000000000000, 0, 0, 'none', 0)`;

const meterRow = (eventId: string, links: string[]): EventRow => ({
  eventId,
  bodyHash: `hash-${eventId}`,
  timestamp: 1_000,
  receivedAt: 1_000,
  agentId: 'bot',
  action: 'chat',
  customerId: 'cus',
  model: null,
  provider: null,
  tokensInput: 10,
  tokensOutput: 5,
  tokensCachedInput: 0,
  tokensCacheWrite: 0,
  tokensReasoning: 0,
  tierId: 'default',
  tierVersion: 1,
  currency: 'USD',
  baseAmount: 2_000_000_000_000n,
  tokenAmount: 0n,
  outcomeAmount: 0n,
  outcome: null,
  outcomeState: 'none',
  pendingBonus: 0n,
  expiresAt: null,
  resolvedAt: null,
  resolutionAmount: 0n,
  resolutionMetadata: null,
  metadata: null,
  links,
  source: 'meter',
});

describe.each(STORE_KINDS)('upgrading a version-3 ledger to call links, on %s', (kind) => {
  it('keeps every old event counted and links new writes', async () => {
    const before = MIGRATIONS.filter((migration) => migration.version <= 3);
    let store: Store;
    let done: () => Promise<void>;
    if (kind === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'agentmeter-migrate-links-'));
      const path = join(dir, 'old.db');
      const old = new Database(path);
      old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
      for (const migration of before) {
        old.exec(migration.sqlite);
        old
          .prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, 1)')
          .run(migration.version);
      }
      old.exec(OLD_EVENT);
      old.close();
      store = await openStore({ dbPath: path });
      done = async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      };
    } else {
      const { schema, drop } = await freshSchema('migrate_links');
      const old = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
      await old.connect();
      await old.query(
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
      );
      for (const migration of before) {
        await old.query(migration.postgres);
        await old.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 1)', [
          migration.version,
        ]);
      }
      await old.query(OLD_EVENT);
      await old.end();
      store = await openStore({ databaseUrl: TEST_DATABASE_URL, schema });
      done = async () => {
        await store.close();
        await drop();
      };
    }
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
      await done();
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
  kind: 'sqlite' | 'postgres',
  statements: string[],
): Promise<{ store: Store; links: () => Promise<string[]>; done: () => Promise<void> }> {
  const before = MIGRATIONS.filter((migration) => migration.version <= 5);
  const LINKS = 'SELECT project_id, link_key, event_id, source FROM call_links ORDER BY event_id, link_key';
  const show = (row: Record<string, unknown>) =>
    `${row['project_id']} ${row['link_key']} ${row['event_id']} ${row['source']}`;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'agentmeter-migrate-span-links-'));
    const path = join(dir, 'old.db');
    const old = new Database(path);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    for (const migration of before) {
      old.exec(migration.sqlite);
      old.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, 1)').run(migration.version);
    }
    for (const statement of statements) old.exec(statement);
    old.close();
    const store = await openStore({ dbPath: path });
    return {
      store,
      links: async () => {
        const reader = new Database(path, { readonly: true });
        try {
          return (reader.prepare(LINKS).all() as Record<string, unknown>[]).map(show);
        } finally {
          reader.close();
        }
      },
      done: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const { schema, drop } = await freshSchema('migrate_span_links');
  const connect = async () => {
    const client = new pg.Client({
      connectionString: TEST_DATABASE_URL,
      options: `-c search_path=${schema}`,
    });
    await client.connect();
    return client;
  };
  const old = await connect();
  await old.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
  for (const migration of before) {
    await old.query(migration.postgres);
    await old.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 1)', [
      migration.version,
    ]);
  }
  for (const statement of statements) await old.query(statement);
  await old.end();
  const store = await openStore({ databaseUrl: TEST_DATABASE_URL, schema });
  return {
    store,
    links: async () => {
      const reader = await connect();
      try {
        return (await reader.query(LINKS)).rows.map(show);
      } finally {
        await reader.end();
      }
    },
    done: async () => {
      await store.close();
      await drop();
    },
  };
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
