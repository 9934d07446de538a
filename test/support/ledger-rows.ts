/**
 * An event as `GET /v1/events` lists it, reduced to what metering tests assert on: who and what it bills,
 * the provider and model, the token counts and the total price.
 */
export function ledgerRow(row: any) {
  return {
    event_id: row.event_id,
    agent_id: row.agent_id,
    action: row.action,
    customer_id: row.customer_id,
    provider: row.provider,
    model: row.model,
    tokens: row.tokens,
    total: row.price.total,
  };
}

/** A ledger row's `tokens`: the counts given, every other count zero. */
export function ledgerTokens(counts: { input: number; output: number } & Record<string, number>) {
  return {
    cached_input: 0,
    cache_write: 0,
    reasoning: 0,
    cache_write_1h: 0,
    audio_input: 0,
    audio_output: 0,
    web_search_requests: 0,
    ...counts,
  };
}
