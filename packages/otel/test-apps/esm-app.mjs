// A plain ESM app that knows nothing of agentmeter: run with `node --import @agentmeter/otel/register`.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { AzureOpenAI } from 'openai';

const openai = new OpenAI({
  apiKey: 'sk-not-a-real-key',
  baseURL: process.env.MOCK_OPENAI_URL,
  maxRetries: 0,
});
const completion = await openai.chat.completions.create({
  model: 'gpt-4.1',
  messages: [{ role: 'user', content: 'Say hello' }],
});
const anthropic = new Anthropic({
  apiKey: 'sk-ant-not-a-real-key',
  baseURL: process.env.MOCK_ANTHROPIC_URL,
  maxRetries: 0,
});
const message = await anthropic.messages.create({
  model: 'claude-haiku-4-5',
  max_tokens: 64,
  messages: [{ role: 'user', content: 'Say hello' }],
});
console.log(
  JSON.stringify({
    openai: completion.id,
    anthropic: message.id,
    instanceOf: openai instanceof OpenAI && anthropic instanceof Anthropic,
    azureIsSubclass: AzureOpenAI.prototype instanceof OpenAI,
  }),
);
