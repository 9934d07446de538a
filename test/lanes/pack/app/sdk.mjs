// The plain SDK: a Meter with a durable outbox (the package's `#outbox-files` import, resolved in the
// installed package) tracks one event; `@agentmeter/sdk/testing` prices one offline.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMeter } from '@agentmeter/sdk';
import { createTestMeter } from '@agentmeter/sdk/testing';

const meter = createMeter({ outbox: { dir: mkdtempSync(join(tmpdir(), 'agentmeter-outbox-')) } });
meter.track({
  agent_id: 'pack-sdk',
  action: 'answer',
  customer_id: 'acme',
  provider: 'openai',
  model: 'gpt-pack',
  tokens_input: 1200,
  tokens_output: 300,
});
await meter.persisted();
const { sent, failed, pending } = await meter.shutdown();
if (sent !== 1 || failed !== 0 || pending !== 0)
  throw new Error(`shutdown: ${JSON.stringify({ sent, failed, pending })}`);

const test = createTestMeter({ tier: { base_fee: '0.002', token_rate_output: '0.03' } });
test.track({ agent_id: 'a', action: 'b', customer_id: 'acme', tokens_output: 1000 });
if (test.total('acme') !== '0.032') throw new Error(`createTestMeter total: ${test.total('acme')}`);
console.log('sdk: tracked through the outbox and delivered; the test meter priced 0.032');
