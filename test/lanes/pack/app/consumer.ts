// A TypeScript consumer, typechecked against the installed tarballs' declarations under
// `moduleResolution` node16 and bundler. The `@ts-expect-error` lines prove the types are real: an
// entry point whose types failed to resolve would be `any`, and those lines would then be errors.

import { meterMiddleware } from '@agentmeter/ai-sdk';
import { withMeter as withAnthropicMeter } from '@agentmeter/anthropic';
import { createClient, type LedgerEvent } from '@agentmeter/client';
import { AgentmeterCallbackHandler } from '@agentmeter/langchain';
import { withMeter } from '@agentmeter/openai';
import { AgentmeterSpanProcessor, instrumentMeter } from '@agentmeter/otel';
import { meter as autoMeter } from '@agentmeter/otel/register';
import { compileTier, formatMoney, type Money, priceEvent } from '@agentmeter/pricing';
import { createMeter, type Meter } from '@agentmeter/sdk';
import { type NormalizedUsage, recordUsage } from '@agentmeter/sdk/integration';
import { createTestMeter } from '@agentmeter/sdk/testing';
import { type RunningServer, startServer } from '@agentmeter/server';
import { createOpenAI } from '@ai-sdk/openai';
import Anthropic from '@anthropic-ai/sdk';
import { ChatOpenAI } from '@langchain/openai';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createProgram } from 'agentmeter';
import { generateText, wrapLanguageModel } from 'ai';
import OpenAI from 'openai';

export async function consumer(): Promise<void> {
  const meter: Meter = createMeter({ apiKey: 'key', baseUrl: 'http://127.0.0.1:1' });
  // @ts-expect-error flushAt is a number
  createMeter({ flushAt: 'soon' });

  const openai: OpenAI = withMeter(new OpenAI({ apiKey: 'sk' }), meter, { agent_id: 'a', action: 'b' });
  // @ts-expect-error agent_id is a string
  withMeter(new OpenAI({ apiKey: 'sk' }), meter, { agent_id: 1, action: 'b' });
  const completion = await openai.chat.completions.create({ model: 'm', messages: [] });
  const tokens: number | undefined = completion.usage?.prompt_tokens;

  const anthropic: Anthropic = withAnthropicMeter(new Anthropic({ apiKey: 'sk' }), meter, {
    agent_id: 'a',
    action: 'b',
  });
  await anthropic.messages.create({ model: 'm', max_tokens: 1, messages: [] });

  const handler = new AgentmeterCallbackHandler(meter, { agent_id: 'a', action: 'b' });
  await new ChatOpenAI({ model: 'm' }).invoke('hi', { callbacks: [handler] });

  const model = wrapLanguageModel({
    model: createOpenAI({ apiKey: 'sk' }).chat('m'),
    middleware: meterMiddleware(meter, { agent_id: 'a', action: 'b' }),
  });
  await generateText({ model, prompt: 'hi' });

  const telemetry = instrumentMeter(meter);
  new BasicTracerProvider({ spanProcessors: [new AgentmeterSpanProcessor(meter)] });
  await telemetry.shutdown();
  autoMeter?.track({ agent_id: 'a', action: 'b' });

  const client = createClient({ baseUrl: 'http://127.0.0.1:1', apiKey: 'key' });
  const { data } = await client.GET('/v1/events', {});
  const first: LedgerEvent | undefined = data?.data[0];
  // @ts-expect-error the ledger's token counts are numbers
  const wrong: string | undefined = first?.tokens.input;

  const total: Money = priceEvent(compileTier({ base_fee: '0.01' }), { action: 'b' }).total;
  const shown: string = formatMoney(total);

  const test = createTestMeter();
  const sum: string = test.total('acme');

  // The integration subpath resolves with its own declarations.
  const usage = { provider: 'openai', operation: 'chat' } as NormalizedUsage;
  const recorded: string | undefined = recordUsage(test, usage, {}, { layer: 'provider' });
  // @ts-expect-error the layer is one of 'provider' | 'framework' | 'spans'
  recordUsage(test, usage, {}, { layer: 'outer' });

  const server: RunningServer = await startServer({ port: 0, dbPath: ':memory:' });
  await server.close();
  createProgram().name();
  console.log(tokens, wrong, shown, sum, recorded);
}
