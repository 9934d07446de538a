import type { EventRow } from '@agentmeter/server';

/**
 * A ledger row as the store takes it, for tests that write to a store directly: one call of 10 input
 * and 5 output tokens by agent `agent` for customer `cus`, on tier `default` version 1, charged a
 * base fee of 0.001 USD and nothing else, with no outcome, metadata or call links. A test passes as
 * overrides the values it asserts on, so they stand where the reader looks.
 */
export function eventRow(eventId: string, overrides: Partial<EventRow> = {}): EventRow {
  return {
    eventId,
    bodyHash: `hash-${eventId}`,
    timestamp: 1_000,
    receivedAt: 1_000,
    agentId: 'agent',
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
    baseAmount: 1_000_000_000n,
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
    ...overrides,
  };
}
