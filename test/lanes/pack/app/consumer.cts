// A CommonJS TypeScript consumer (`module: nodenext`, TypeScript 5.8+): in a .cts file these imports
// compile to require() of the ES-module packages, typed. The `@ts-expect-error` lines prove the types
// are real.
import { withMeter } from '@agentmeter/openai';
import { createMeter, type Meter } from '@agentmeter/sdk';
import { OpenAI } from 'openai';

export async function consumer(): Promise<void> {
  const meter: Meter = createMeter({ apiKey: 'key' });
  // @ts-expect-error flushAt is a number
  createMeter({ flushAt: 'soon' });
  const openai: OpenAI = withMeter(new OpenAI({ apiKey: 'sk' }), meter, { agent_id: 'a', action: 'b' });
  // @ts-expect-error action is required
  withMeter(new OpenAI({ apiKey: 'sk' }), meter, { agent_id: 'a' });
  await openai.chat.completions.create({ model: 'm', messages: [] });
}
