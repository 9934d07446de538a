// Meters a few agent calls, a pending outcome and its resolution, and prints what each one cost.
//
//   AGENTMETER_URL=http://127.0.0.1:8787 AGENTMETER_API_KEY=<ingest key> node examples/basic/dist/index.js
import { createMeter, type PricedEvent } from '@agentmeter/sdk';

// apiKey and baseUrl come from AGENTMETER_API_KEY and AGENTMETER_URL.
const meter = createMeter({
  onError: (error) => console.error(`agentmeter ${error.code}: ${error.message}`, error.ids),
});

// Every batch the server acknowledges comes back priced.
meter.on('priced', (events: PricedEvent[]) => {
  for (const event of events) {
    console.log(
      `  ${event.event_id}  ${event.price.total} ${event.currency}  (tier ${event.tier}, ${event.status})`,
    );
  }
});

// One wrapper line per request: everything metered inside bills this customer, as this agent.
await meter.withContext({ customer_id: 'acme-corp', agent_id: 'support-bot' }, async () => {
  // Sent now; the response carries the price.
  const answer = await meter.trackNow({
    action: 'answer',
    model: 'gpt-4o-mini',
    tokens_input: 1200,
    tokens_output: 350,
  });
  console.log(
    `trackNow(): ${answer.event_id} cost ${answer.price.total} ${answer.currency}`,
    answer.price_breakdown,
  );

  // Queued and batched: track() returns at once with the event id.
  console.log('track() × 3, delivered in one batch:');
  for (const tokens of [800, 1600, 2400])
    meter.track({ action: 'classify', tokens_input: tokens, tokens_output: 20 });

  // An outcome decided later: base and tokens are charged now, the bonus only on success.
  const ticket = meter.track({
    action: 'resolve-ticket',
    tokens_input: 3000,
    tokens_output: 900,
    outcome: 'pending',
  });
  meter.resolve(ticket, 'success');
  await meter.flush();

  // resolveNow() answers with what the resolution charged (a replay here: it is already resolved).
  const resolved = await meter.resolveNow(ticket, 'success');
  console.log(
    `outcome ${resolved.outcome_id}: ${resolved.status}, bonus ${resolved.outcome.charged} ${resolved.currency}`,
  );
});

const result = await meter.shutdown();
console.log(`sent ${result.sent}, failed ${result.failed}, pending ${result.pending}`);
