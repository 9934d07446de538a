// A ledger written before separately billed usage was recorded (schema version 4) upgrades in place:
// its events read back with none of it, price and sum as they did, and new events keep it.
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

// Written as a version-4 server wrote it: a usage_missing span superseded by nothing, 10 + 5 tokens.
const OLD_EVENT = `INSERT INTO events (project_id, event_id, body_hash, ts, received_at, agent_id, action, customer_id,
  tokens_input, tokens_output, tokens_cached_input, tokens_cache_write, tokens_reasoning, tier_id, tier_version, currency,
  base_amount, token_amount, outcome_amount, outcome_state, pending_bonus, usage_missing)
  VALUES ('proj_old', 'old-1', 'h', 1000, 1000, 'bot', 'chat', 'cus', 10, 5, 2, 3, 1, 'default', 1, 'USD',
  1000000000000, 70000000000, 0, 'none', 0, 0)`;

const newRow: EventRow = {
  eventId: 'new-1',
  bodyHash: 'hash-new-1',
  timestamp: 1_500,
  receivedAt: 1_500,
  agentId: 'bot',
  action: 'chat',
  customerId: 'cus',
  model: null,
  provider: null,
  tokensInput: 100,
  tokensOutput: 50,
  tokensCachedInput: 10,
  tokensCacheWrite: 20,
  tokensReasoning: 0,
  tokensCacheWrite1h: 15,
  tokensAudioInput: 30,
  tokensAudioOutput: 40,
  webSearchRequests: 2,
  tierId: 'default',
  tierVersion: 1,
  currency: 'USD',
  baseAmount: 1_000_000_000_000n,
  tokenAmount: 5n,
  outcomeAmount: 0n,
  outcome: null,
  outcomeState: 'none',
  pendingBonus: 0n,
  expiresAt: null,
  resolvedAt: null,
  resolutionAmount: 0n,
  resolutionMetadata: null,
  metadata: null,
};

async function versionFourStore(
  kind: 'sqlite' | 'postgres',
): Promise<{ store: Store; done: () => Promise<void> }> {
  const before = MIGRATIONS.filter((migration) => migration.version <= 4);
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'agentmeter-migrate-separate-'));
    const path = join(dir, 'old.db');
    const old = new Database(path);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    for (const migration of before) {
      old.exec(migration.sqlite);
      old.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, 1)').run(migration.version);
    }
    old.exec(OLD_EVENT);
    old.close();
    const store = await openStore({ dbPath: path });
    return {
      store,
      done: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const { schema, drop } = await freshSchema('migrate_separate');
  const old = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
  await old.connect();
  await old.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
  for (const migration of before) {
    await old.query(migration.postgres);
    await old.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 1)', [
      migration.version,
    ]);
  }
  await old.query(OLD_EVENT);
  await old.end();
  const store = await openStore({ databaseUrl: TEST_DATABASE_URL, schema });
  return {
    store,
    done: async () => {
      await store.close();
      await drop();
    },
  };
}

describe.each(STORE_KINDS)('upgrading a version-4 ledger to separately billed usage, on %s', (kind) => {
  it('reads old events with none of it, counts them as before, and keeps it for new ones', async () => {
    const { store, done } = await versionFourStore(kind);
    try {
      expect(await store.getEvent('proj_old', 'old-1')).toMatchObject({
        tokensInput: 10,
        tokensCacheWrite: 3,
        tokensCacheWrite1h: 0,
        tokensAudioInput: 0,
        tokensAudioOutput: 0,
        webSearchRequests: 0,
        tokenAmount: 70_000_000_000n,
      });
      const window = { from: 0, to: 10_000 };
      expect((await store.usage('proj_old', window, [], 2_000))[0]).toMatchObject({
        calls: 1,
        tokensInput: 10,
        tokensCacheWrite1h: 0,
        tokensAudioInput: 0,
        tokensAudioOutput: 0,
        webSearchRequests: 0,
        tokenAmount: 70_000_000_000n,
      });

      await store.insertEvents('proj_old', [newRow]);
      expect(await store.getEvent('proj_old', 'new-1')).toMatchObject({
        tokensCacheWrite1h: 15,
        tokensAudioInput: 30,
        tokensAudioOutput: 40,
        webSearchRequests: 2,
      });
      expect((await store.usage('proj_old', window, [], 2_000))[0]).toMatchObject({
        calls: 2,
        tokensInput: 110,
        tokensCacheWrite: 23,
        tokensCacheWrite1h: 15,
        tokensAudioInput: 30,
        tokensAudioOutput: 40,
        webSearchRequests: 2,
        tokenAmount: 70_000_000_005n,
      });
      expect(await store.invoice('proj_old', 'cus', 0, 10_000)).toMatchObject([
        { calls: 2, tokens: 165, webSearchRequests: 2 },
      ]);
      // The history the simulator reprices, oldest first.
      const scanned = await store.scanEvents('proj_old', window, 0, 10);
      expect(
        scanned.map((event) => [event.eventId, event.tokensAudioInput, event.webSearchRequests]),
      ).toEqual([
        ['old-1', 0, 0],
        ['new-1', 30, 2],
      ]);
      await store.migrate(); // another replica starting: nothing runs twice
      expect((await store.usage('proj_old', window, [], 2_000))[0]?.calls).toBe(2);
    } finally {
      await done();
    }
  });
});
