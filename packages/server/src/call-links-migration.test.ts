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
      // An old span charge holds no links: a new meter event naming its span cannot replace it.
      await store.insertEvents('proj_old', [meterRow('wrapper-new', ['span:a:b'])]);
      expect((await store.getEvent('proj_old', 'otel:old'))?.supersededBy).toBeNull();
      expect((await store.usage('proj_old', window, [], 2_000))[0]?.calls).toBe(2);
      await store.migrate(); // another replica starting: nothing runs twice
    } finally {
      await done();
    }
  });
});
