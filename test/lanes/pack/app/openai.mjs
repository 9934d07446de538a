// @agentmeter/openai as its README shows it: one plain and one streamed chat completion.

import { withMeter } from '@agentmeter/openai';
import { createMeter } from '@agentmeter/sdk';
import OpenAI from 'openai';

const meter = createMeter();
const openai = withMeter(
  new OpenAI({ apiKey: 'sk-fake', baseURL: `${process.env.FAKE_URL}/v1`, maxRetries: 0 }),
  meter,
  { agent_id: 'pack-openai', action: 'answer' },
);
const completion = await openai.chat.completions.create({
  model: 'gpt-pack',
  messages: [{ role: 'user', content: 'Say hello (tokens 123 45)' }],
});
if (!(openai instanceof OpenAI)) throw new Error('the wrapped client is not an OpenAI');
const streamed = withMeter(
  new OpenAI({ apiKey: 'sk-fake', baseURL: `${process.env.FAKE_URL}/v1`, maxRetries: 0 }),
  meter,
  { agent_id: 'pack-openai-stream', action: 'answer' },
);
let text = '';
const stream = await streamed.chat.completions.create({
  model: 'gpt-pack',
  stream: true,
  messages: [{ role: 'user', content: 'Say hello (tokens 17 5)' }],
});
for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
await meter.shutdown();
console.log(`openai: ${completion.choices[0].message.content} / streamed: ${text}`);
