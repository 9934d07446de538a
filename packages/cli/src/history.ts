import type { SimulateResponse } from '@agentmeter/client';
import { type Connection, request } from './api.js';
import { FILTER_LABELS } from './commands/usage.js';
import type { HistoryFacts } from './decide.js';

export interface HistoryFilter {
  from: string;
  to: string;
  customer_id?: string;
  agent_id?: string;
}

/** Most ledger events read to answer the framework (newest first); the simulation itself sees all. */
export const MAX_SCANNED_EVENTS = 100_000;

export interface HistoryAnalysis {
  simulation: SimulateResponse;
  facts: HistoryFacts;
  /** True when the ledger had more events than were read for the facts. */
  truncated: boolean;
}

export const HISTORY_LABELS = {
  '/history/from': '--from-history <from>',
  '/history/to': '--from-history <to>',
  '/history/customer_id': '--customer',
  '/history/agent_id': '--agent',
  ...Object.fromEntries(Array.from({ length: 20 }, (_, index) => [`/tiers/${index}`, '--tier'])),
  ...FILTER_LABELS,
};

/** The ledger's facts (outcomes, tokens per call) for a period and filter, page by page. */
export async function scanHistory(
  connection: Connection,
  filter: HistoryFilter,
): Promise<{ facts: HistoryFacts; truncated: boolean }> {
  const facts: HistoryFacts = { calls: 0, outcomeCalls: 0, successes: 0, tokensPerCall: [] };
  let cursor: string | undefined;
  let truncated = false;
  for (;;) {
    const page = await request(
      connection,
      connection.client.GET('/v1/events', {
        params: { query: { ...filter, limit: 1000, ...(cursor ? { cursor } : {}) } },
      }),
      { ...FILTER_LABELS, 'query.from': '--from-history <from>', 'query.to': '--from-history <to>' },
    );
    for (const event of page.data) {
      facts.calls += 1;
      if (event.outcome_status !== 'none') facts.outcomeCalls += 1;
      if (event.outcome_status === 'success') facts.successes += 1;
      const tokens = event.tokens.input + event.tokens.output;
      if (tokens > 0) facts.tokensPerCall.push(tokens);
    }
    if (!page.next_cursor) break;
    if (facts.calls >= MAX_SCANNED_EVENTS) {
      truncated = true;
      break;
    }
    cursor = page.next_cursor;
  }
  facts.tokensPerCall.sort((a, b) => a - b);
  return { facts, truncated };
}

/** Reprices the period's real events under `tiers` (default: the four reference models) and reads its facts. */
export async function analyzeHistory(
  connection: Connection,
  filter: HistoryFilter,
  tiers: string[] = [],
): Promise<HistoryAnalysis> {
  const simulation = await request(
    connection,
    connection.client.POST('/v1/simulate', {
      body: { history: filter, ...(tiers.length > 0 ? { tiers } : {}) },
    }),
    HISTORY_LABELS,
  );
  const { facts, truncated } = await scanHistory(connection, filter);
  return { simulation, facts, truncated };
}
