// An app that knows nothing of agentmeter, run with `node --import @agentmeter/otel/register`: its plain
// OpenAI and Anthropic clients are metered, into a Meter that drains on exit.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

const openai = new OpenAI({ apiKey: 'sk-fake', baseURL: `${process.env.FAKE_URL}/v1`, maxRetries: 0 });
await openai.chat.completions.create({
  model: 'gpt-pack',
  messages: [{ role: 'user', content: 'Say hello (tokens 55 8)' }],
});
const anthropic = new Anthropic({ apiKey: 'sk-ant-fake', baseURL: process.env.FAKE_URL, maxRetries: 0 });
await anthropic.messages.create({
  model: 'claude-pack',
  max_tokens: 64,
  messages: [{ role: 'user', content: 'Say hello (tokens 12 4)' }],
});
console.log('otel register: two unwrapped calls made');
