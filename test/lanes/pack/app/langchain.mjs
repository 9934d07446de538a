// @agentmeter/langchain's callback handler on a real ChatOpenAI.
import { AgentmeterCallbackHandler } from '@agentmeter/langchain';
import { createMeter } from '@agentmeter/sdk';
import { ChatOpenAI } from '@langchain/openai';

const meter = createMeter();
const handler = new AgentmeterCallbackHandler(meter, { agent_id: 'pack-langchain', action: 'answer' });
const model = new ChatOpenAI({
  model: 'gpt-pack',
  apiKey: 'sk-fake',
  maxRetries: 0,
  configuration: { baseURL: `${process.env.FAKE_URL}/v1` },
});
const answer = await model.invoke('Say hello (tokens 31 9)', { callbacks: [handler] });
await meter.shutdown();
console.log(`langchain: ${answer.content}`);
