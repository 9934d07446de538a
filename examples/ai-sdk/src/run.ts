import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { meterMiddleware } from '@agentmeter/ai-sdk';
import { withMeter } from '@agentmeter/openai';
import { createMeter, type PricedEvent } from '@agentmeter/sdk';
import { type NormalizedUsage, onUsage } from '@agentmeter/sdk/integration';
import { startServer } from '@agentmeter/server';
import { generateText, jsonSchema, stepCountIs, streamText, tool, wrapLanguageModel } from 'ai';
import OpenAI from 'openai';
import { ExampleOpenAIChatModel } from './chat-model.js';
import { startMockOpenAI } from './mock-openai.js';

export interface CallReport {
  label: string;
  customer: string | undefined;
  /** Which layer metered the call: the AI SDK middleware or the openai client wrapper. */
  agent: string | undefined;
  usage: NormalizedUsage;
  /** The meter event the call became: its price is looked up by it. */
  eventId: string;
  price: PricedEvent | undefined;
}

const ADMIN_KEY = 'am_admin_example_ai_sdk';
/** $0.01 per call, then per million tokens: $2.50 input, $1.25 cache reads, $10 output. */
const TIER = {
  base_fee: '0.01',
  token_rate_input: '2.5',
  token_rate_cached_input: '1.25',
  token_rate_output: '10',
  token_unit: 1_000_000,
  currency: 'USD',
};

const weather = tool({
  description: 'The current weather in a city.',
  inputSchema: jsonSchema<{ city: string }>({
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
  }),
  execute: async ({ city }) => ({ city, celsius: 3 }),
});

/**
 * Starts a mock OpenAI endpoint and an in-process agentmeter server, runs an AI SDK model wrapped
 * with the middleware (generateText, a prompt-cache hit, streamText with reasoning, a two-step tool
 * run, and a model whose client is also wrapped by @agentmeter/openai), and returns each metered
 * step's usage and the server's price.
 */
export async function runExample(): Promise<CallReport[]> {
  const mock = await startMockOpenAI();
  const directory = mkdtempSync(join(tmpdir(), 'agentmeter-example-ai-sdk-'));
  const metering = await startServer({ port: 0, dbPath: join(directory, 'meter.db'), adminKey: ADMIN_KEY });
  const meter = createMeter({ apiKey: ADMIN_KEY, baseUrl: metering.url });
  const reports: CallReport[] = [];
  let label = '';
  const stopObserving = onUsage((usage, event) => {
    reports.push({
      label,
      customer: event.customer_id,
      agent: event.agent_id,
      usage,
      eventId: event.event_id,
      price: undefined,
    });
  });
  try {
    const tier = await fetch(`${metering.url}/v1/tiers/default`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(TIER),
    });
    if (!tier.ok) throw new Error(`Could not set the tier: ${tier.status} ${await tier.text()}`);
    const prices = new Map<string, PricedEvent>();
    meter.on('priced', (events) => {
      for (const event of events) prices.set(event.event_id, event);
    });

    // The one line: the model, wrapped with the metering middleware.
    const model = wrapLanguageModel({
      model: new ExampleOpenAIChatModel(new OpenAI({ apiKey: 'sk-example', baseURL: mock.url }), 'gpt-4o'),
      middleware: meterMiddleware(meter, { agent_id: 'support-bot', action: 'answer' }),
    });

    label = 'generateText';
    await meter.withContext({ customer_id: 'cus_acme' }, () =>
      generateText({ model, prompt: 'hello there' }),
    );

    label = 'generateText, prompt cache';
    await meter.withContext({ customer_id: 'cus_acme' }, () =>
      generateText({ model, prompt: 'cached context' }),
    );

    label = 'streamText, reasoning';
    await meter.withContext({ customer_id: 'cus_globex' }, async () => {
      const result = streamText({ model, prompt: 'think hard' });
      for await (const _ of result.textStream) {
        // a UI would render each delta here
      }
    });

    label = 'tool run (one per step)';
    await generateText({
      model,
      prompt: 'weather in Oslo?',
      tools: { weather },
      stopWhen: stepCountIs(3),
      providerOptions: { agentmeter: { customer_id: 'cus_initech' } },
    });

    label = 'client also wrapped';
    const wrappedClient = withMeter(new OpenAI({ apiKey: 'sk-example', baseURL: mock.url }), meter, {
      agent_id: 'openai-layer',
      action: 'answer',
    });
    const stacked = wrapLanguageModel({
      model: new ExampleOpenAIChatModel(wrappedClient, 'gpt-4o'),
      middleware: meterMiddleware(meter, { agent_id: 'support-bot', action: 'answer' }),
    });
    await meter.withContext({ customer_id: 'cus_acme' }, () =>
      generateText({ model: stacked, prompt: 'hello again' }),
    );

    await meter.flush();
    for (const report of reports) {
      report.price = prices.get(report.eventId);
    }
    return reports;
  } finally {
    stopObserving();
    await meter.shutdown({ timeoutMs: 5_000 });
    await metering.close();
    await mock.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** One line per metered step: what was used and what it cost. */
export function formatReport(report: CallReport): string {
  const { usage, price } = report;
  const tokens = [
    `in ${usage.inputTokens}`,
    usage.cachedInputTokens ? `cached ${usage.cachedInputTokens}` : '',
    `out ${usage.outputTokens}`,
    usage.reasoningTokens ? `reasoning ${usage.reasoningTokens}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const cost = price ? `${price.price.total} ${price.currency}` : 'not priced';
  return `${report.label.padEnd(27)} ${String(report.customer).padEnd(12)} ${String(report.agent).padEnd(13)} ${tokens.padEnd(40)} ${cost}`;
}
