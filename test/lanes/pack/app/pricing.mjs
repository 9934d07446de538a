// The pricing engine on its own: exact decimals, no server.
import { compileTier, formatMoney, priceEvent } from '@agentmeter/pricing';

const tier = compileTier({
  base_fee: '0.002',
  token_rate_input: '0.003',
  token_rate_output: '0.006',
  token_unit: 1000,
});
const price = priceEvent(tier, { action: 'answer', tokens_input: 1000, tokens_output: 500 });
if (typeof price.total !== 'bigint' || formatMoney(price.total) !== '0.008') {
  throw new Error(`priceEvent: ${formatMoney(price.total)}`);
}
console.log(`pricing: 1000 in + 500 out = ${formatMoney(price.total)}`);
