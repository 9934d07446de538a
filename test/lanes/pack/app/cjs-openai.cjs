// A CommonJS app: require() of the ES-module packages (Node 20.19+), one wrapped call.
const OpenAI = require('openai');
const { withMeter } = require('@agentmeter/openai');
const { createMeter } = require('@agentmeter/sdk');

async function main() {
  const meter = createMeter();
  const openai = withMeter(
    new OpenAI({ apiKey: 'sk-fake', baseURL: `${process.env.FAKE_URL}/v1`, maxRetries: 0 }),
    meter,
    { agent_id: 'pack-cjs-openai', action: 'answer' },
  );
  await openai.chat.completions.create({
    model: 'gpt-pack',
    messages: [{ role: 'user', content: 'Say hello (tokens 90 21)' }],
  });
  await meter.shutdown();
  console.log('cjs: one wrapped call through require()');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
