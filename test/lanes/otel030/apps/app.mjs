// An ES module app that knows nothing of agentmeter, with its own OpenTelemetry SDK 3 (telemetry.mjs):
// one OpenAI and one Anthropic call, then the ids and the spans the app's SDK received, once the Meter
// has delivered its events (so agentmeter's spans carry their price).
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

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
const { meter } = await import('@agentmeter/otel/register');
await meter.flush();
const spans = globalThis.appSpans.getFinishedSpans().map((span) => ({
  scope: span.instrumentationScope.name,
  name: span.name,
  price: span.attributes['agentmeter.price.total'],
}));
console.log(JSON.stringify({ openai: completion.id, anthropic: message.id, spans }));
