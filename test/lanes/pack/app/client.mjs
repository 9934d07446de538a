// The typed API client: meters one event and reads it back.
import { createClient } from '@agentmeter/client';

const client = createClient({ baseUrl: process.env.AGENTMETER_URL, apiKey: process.env.AGENTMETER_API_KEY });
const { data, error } = await client.POST('/v1/meter', {
  body: {
    agent_id: 'pack-client',
    action: 'answer',
    provider: 'anthropic',
    model: 'claude-pack',
    tokens_input: 40,
    tokens_output: 2,
  },
});
if (error) throw new Error(`POST /v1/meter: ${JSON.stringify(error)}`);
console.log(`client: metered ${data.event_id}, charged ${data.price_charged}`);
