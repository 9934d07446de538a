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
