import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentmeterCallbackHandler } from '@agentmeter/langchain';
import { withMeter } from '@agentmeter/openai';
import { createMeter, type PricedEvent } from '@agentmeter/sdk';
import { type NormalizedUsage, onUsage } from '@agentmeter/sdk/integration';
import { startServer } from '@agentmeter/server';
import { awaitAllCallbacks } from '@langchain/core/callbacks/promises';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import OpenAI from 'openai';
import { ExampleChatOpenAI } from './chat-model.js';
import { startMockOpenAI } from './mock-openai.js';

export interface CallReport {
  label: string;
  customer: string | undefined;
  /** Which layer metered the call: the LangChain handler or the openai client wrapper. */
  agent: string | undefined;
  usage: NormalizedUsage;
  /** The meter event the call became: its price is looked up by it. */
  eventId: string;
  price: PricedEvent | undefined;
}

const ADMIN_KEY = 'am_admin_example_langchain';
/** $0.01 per call, then per million tokens: $2.50 input, $1.25 cache reads, $10 output. */
const TIER = {
  base_fee: '0.01',
  token_rate_input: '2.5',
  token_rate_cached_input: '1.25',
  token_rate_output: '10',
  token_unit: 1_000_000,
  currency: 'USD',
};

/**
 * Starts a mock OpenAI endpoint and an in-process agentmeter server, runs a LangChain chat model
 * with the handler attached (plain, cached, streamed with reasoning, a chain with per-run
 * customer metadata, and a model whose client is also wrapped by @agentmeter/openai), and returns
 * each metered call's usage and the server's price.
 */
export async function runExample(): Promise<CallReport[]> {
  const mock = await startMockOpenAI();
  const directory = mkdtempSync(join(tmpdir(), 'agentmeter-example-langchain-'));
  const metering = await startServer({ port: 0, dbPath: join(directory, 'meter.db'), adminKey: ADMIN_KEY });
  const meter = createMeter({ apiKey: ADMIN_KEY, baseUrl: metering.url });
  const reports: CallReport[] = [];
  const labels: string[] = [];
  const stopObserving = onUsage((usage, event) => {
    reports.push({
      label: labels.at(-1) ?? '',
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

    const model = new ExampleChatOpenAI({
      client: new OpenAI({ apiKey: 'sk-example', baseURL: mock.url }),
      model: 'gpt-4o',
    });
    // The one line: a handler, attached with `callbacks: [handler]`.
    const handler = new AgentmeterCallbackHandler(meter, { agent_id: 'support-bot', action: 'answer' });

    labels.push('invoke');
    await meter.withContext({ customer_id: 'cus_acme' }, () =>
      model.invoke('hello there', { callbacks: [handler] }),
    );

    labels.push('invoke, prompt cache');
    await meter.withContext({ customer_id: 'cus_acme' }, () =>
      model.invoke('cached context', { callbacks: [handler] }),
    );

    labels.push('stream, reasoning');
    await meter.withContext({ customer_id: 'cus_globex' }, async () => {
      for await (const _ of await model.stream('think hard', { callbacks: [handler] })) {
        // a UI would render each chunk here
      }
    });

    labels.push('chain, run metadata');
    const chain = ChatPromptTemplate.fromMessages([['human', 'hello {name}']]).pipe(model);
    await chain.invoke(
      { name: 'Ada' },
      { callbacks: [handler], metadata: { agentmeter_customer_id: 'cus_initech' } },
    );

    labels.push('client also wrapped');
    const wrappedClient = withMeter(new OpenAI({ apiKey: 'sk-example', baseURL: mock.url }), meter, {
      agent_id: 'openai-layer',
      action: 'answer',
    });
    const stacked = new ExampleChatOpenAI({ client: wrappedClient, model: 'gpt-4o' });
    await meter.withContext({ customer_id: 'cus_acme' }, () =>
      stacked.invoke('hello again', { callbacks: [handler] }),
    );

    // Serverless: wait for LangChain's background handlers, then send the events.
    await awaitAllCallbacks();
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

/** One line per metered call: what was used and what it cost. */
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
  return `${report.label.padEnd(22)} ${String(report.customer).padEnd(12)} ${String(report.agent).padEnd(13)} ${tokens.padEnd(40)} ${cost}`;
}
