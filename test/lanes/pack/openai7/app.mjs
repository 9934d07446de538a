// The acceptance app: `npm install openai @agentmeter/openai @agentmeter/sdk` got the newest openai
// (7, which needs Node 22); one wrapped call is metered with the fake provider's exact counts.

import { withMeter } from '@agentmeter/openai';
import { createMeter } from '@agentmeter/sdk';
import OpenAI from 'openai';
import { VERSION } from 'openai/version';

const meter = createMeter();
const openai = withMeter(
  new OpenAI({ apiKey: 'sk-fake', baseURL: `${process.env.FAKE_URL}/v1`, maxRetries: 0 }),
  meter,
  { agent_id: 'pack-openai7', action: 'answer' },
);
const completion = await openai.chat.completions.create({
  model: 'gpt-pack',
  messages: [{ role: 'user', content: 'Say hello (tokens 123 45)' }],
});
const { sent, failed } = await meter.shutdown();
if (sent !== 1 || failed !== 0) throw new Error(`shutdown: sent ${sent}, failed ${failed}`);
console.log(`openai ${VERSION} on Node ${process.versions.node}: ${completion.choices[0].message.content}`);
