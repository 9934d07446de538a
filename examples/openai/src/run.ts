import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withMeter } from '@agentmeter/openai';
import { createMeter, type PricedEvent } from '@agentmeter/sdk';
import { type NormalizedUsage, onUsage } from '@agentmeter/sdk/integration';
import { startServer } from '@agentmeter/server';
import OpenAI from 'openai';
import { startMockOpenAI } from './mock-openai.js';

export interface CallReport {
  label: string;
  customer: string | undefined;
  usage: NormalizedUsage;
  eventId: string;
  price: PricedEvent | undefined;
}

const ADMIN_KEY = 'am_admin_example_openai';
/** $0.001 per call, then per million tokens: $2 input, $0.50 cached input, $8 output. */
const TIER = {
  base_fee: '0.001',
  token_rate_input: '2',
  token_rate_cached_input: '0.5',
  token_rate_output: '8',
  token_unit: 1_000_000,
  currency: 'USD',
};

/**
 * Starts a mock OpenAI endpoint and an in-process agentmeter server, makes six metered calls with
 * the real client (chat, cached chat, a streamed reasoning chat, a streamed response, embeddings, and
 * a stream broken off early), and returns each call's usage and the server's price.
 */
export async function runExample(): Promise<CallReport[]> {
  const mock = await startMockOpenAI();
  const directory = mkdtempSync(join(tmpdir(), 'agentmeter-example-openai-'));
  const metering = await startServer({ port: 0, dbPath: join(directory, 'meter.db'), adminKey: ADMIN_KEY });
  const meter = createMeter({ apiKey: ADMIN_KEY, baseUrl: metering.url });
  const reports: CallReport[] = [];
  let label = '';
  const stopObserving = onUsage((usage, event) => {
    reports.push({ label, customer: event.customer_id, usage, eventId: event.event_id, price: undefined });
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

    // The one line: the same client, same type, every model call metered.
    const openai = withMeter(new OpenAI({ apiKey: 'sk-example', baseURL: mock.url }), meter, {
      agent_id: 'support-bot',
      action: 'answer',
    });
    const say = (content: string) => [{ role: 'user' as const, content }];

    await meter.withContext({ customer_id: 'cus_acme' }, async () => {
      label = 'chat.completions.create';
      await openai.chat.completions.create({ model: 'gpt-4.1', messages: say('hello there') });
      label = 'chat.completions.create, cached';
      await openai.chat.completions.create({ model: 'gpt-4.1', messages: say('cached context') });
    });

    await meter.withContext({ customer_id: 'cus_globex' }, async () => {
      label = 'chat stream, reasoning';
      const stream = await openai.chat.completions.create({
        model: 'o4-mini',
        messages: say('think hard'),
        stream: true,
      });
      for await (const _ of stream) {
        // a real app would print the deltas
      }
      label = 'responses.stream';
      await openai.responses.stream({ model: 'gpt-4.1', input: 'hello again' }).finalResponse();
      label = 'embeddings.create';
      await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha beta', 'gamma'] });
      label = 'chat stream broken off early';
      let chunks = 0;
      for await (const _ of await openai.chat.completions.create({
        model: 'gpt-4.1',
        messages: say('hello world'),
        stream: true,
      })) {
        if (++chunks === 2) break;
      }
    });

    await meter.flush();
    for (const report of reports) report.price = prices.get(report.eventId);
    return reports;
  } finally {
    stopObserving();
    await meter.shutdown({ timeoutMs: 5_000 });
    await metering.close();
    await mock.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** One line per call: what was used and what it cost. */
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
  const partial = usage.complete ? '' : ' (partial)';
  return `${report.label.padEnd(32)} ${String(report.customer).padEnd(11)} ${tokens.padEnd(40)} ${cost}${partial}`;
}
