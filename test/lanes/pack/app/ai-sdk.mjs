// @agentmeter/ai-sdk's middleware on a real AI SDK model.

import { meterMiddleware } from '@agentmeter/ai-sdk';
import { createMeter } from '@agentmeter/sdk';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, wrapLanguageModel } from 'ai';

const meter = createMeter();
const provider = createOpenAI({ apiKey: 'sk-fake', baseURL: `${process.env.FAKE_URL}/v1` });
const model = wrapLanguageModel({
  model: provider.chat('gpt-pack'),
  middleware: meterMiddleware(meter, { agent_id: 'pack-ai-sdk', action: 'answer' }),
});
const { text } = await generateText({ model, prompt: 'Say hello (tokens 64 16)', maxRetries: 0 });
await meter.shutdown();
console.log(`ai-sdk: ${text}`);
