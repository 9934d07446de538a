// @agentmeter/anthropic as its README shows it.

import { withMeter } from '@agentmeter/anthropic';
import { createMeter } from '@agentmeter/sdk';
import Anthropic from '@anthropic-ai/sdk';

const meter = createMeter();
const anthropic = withMeter(
  new Anthropic({ apiKey: 'sk-ant-fake', baseURL: process.env.FAKE_URL, maxRetries: 0 }),
  meter,
  { agent_id: 'pack-anthropic', action: 'reply' },
);
const message = await anthropic.messages.create({
  model: 'claude-pack',
  max_tokens: 64,
  messages: [{ role: 'user', content: 'Say hello (tokens 210 33)' }],
});
await meter.shutdown();
console.log(`anthropic: ${message.content[0].text}`);
