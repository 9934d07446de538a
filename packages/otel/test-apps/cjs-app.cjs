// A plain CommonJS app that knows nothing of agentmeter: run with `node --import @agentmeter/otel/register`.
const OpenAI = require('openai');
const { Anthropic } = require('@anthropic-ai/sdk');

async function main() {
  const openai = new OpenAI({
    apiKey: 'sk-not-a-real-key',
    baseURL: process.env.MOCK_OPENAI_URL,
    maxRetries: 0,
  });
  const completion = await openai.chat.completions.create({
    model: 'gpt-4.1-mini',
    messages: [{ role: 'user', content: 'Say hello' }],
  });
  const copy = openai.withOptions({ timeout: 5000 });
  const second = await copy.chat.completions.create({
    model: 'gpt-4.1-mini',
    messages: [{ role: 'user', content: 'Again' }],
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
  console.log(JSON.stringify({ openai: [completion.id, second.id], anthropic: message.id }));
}

main();
