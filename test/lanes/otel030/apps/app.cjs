// A CommonJS app that knows nothing of agentmeter, with its own OpenTelemetry SDK 3 (telemetry.cjs): one
// OpenAI call; the Meter drains as the process exits.
const OpenAI = require('openai');

const openai = new OpenAI({
  apiKey: 'sk-not-a-real-key',
  baseURL: process.env.MOCK_OPENAI_URL,
  maxRetries: 0,
});
openai.chat.completions
  .create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Say hello' }] })
  .then((completion) => console.log(JSON.stringify({ openai: completion.id })));
