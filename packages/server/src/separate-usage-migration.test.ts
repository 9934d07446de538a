// A ledger written before separately billed usage was recorded (schema version 4) upgrades in place:
// its events read back with none of it, price and sum as they did, and new events keep it.
import { describe, expect, it } from 'vitest';
import { eventRow } from '../../../test/support/event-rows.js';
import { openTestStore, STORE_KINDS } from '../../../test/support/stores.js';

// Written as a version-4 server wrote it: a usage_missing span superseded by nothing, 10 + 5 tokens.
const OLD_EVENT = `INSERT INTO events (project_id, event_id, body_hash, ts, received_at, agent_id, action, customer_id,
  tokens_input, tokens_output, tokens_cached_input, tokens_cache_write, tokens_reasoning, tier_id, tier_version, currency,
  base_amount, token_amount, outcome_amount, outcome_state, pending_bonus, usage_missing)
  VALUES ('proj_old', 'old-1', 'h', 1000, 1000, 'bot', 'chat', 'cus', 10, 5, 2, 3, 1, 'default', 1, 'USD',
  1000000000000, 70000000000, 0, 'none', 0, 0)`;

const newRow = eventRow('new-1', {
  timestamp: 1_500,
  receivedAt: 1_500,
  agentId: 'bot',
  tokensInput: 100,
  tokensOutput: 50,
  tokensCachedInput: 10,
  tokensCacheWrite: 20,
  tokensCacheWrite1h: 15,
  tokensAudioInput: 30,
  tokensAudioOutput: 40,
  webSearchRequests: 2,
  baseAmount: 1_000_000_000_000n,
  tokenAmount: 5n,
});

describe.each(STORE_KINDS)('upgrading a version-4 ledger to separately billed usage, on %s', (kind) => {
  it('reads old events with none of it, counts them as before, and keeps it for new ones', async () => {
    const { store, cleanup } = await openTestStore(kind, {
      upgradeFrom: { version: 4, statements: [OLD_EVENT] },
    });
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
      await cleanup();
    }
  });
});
