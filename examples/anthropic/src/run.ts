import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withMeter } from '@agentmeter/anthropic';
import { createMeter, type PricedEvent } from '@agentmeter/sdk';
import { type NormalizedUsage, onUsage } from '@agentmeter/sdk/integration';
import { startServer } from '@agentmeter/server';
import Anthropic from '@anthropic-ai/sdk';
import { startMockAnthropic } from './mock-anthropic.js';

export interface CallReport {
  label: string;
  customer: string | undefined;
  usage: NormalizedUsage;
  /** The meter event the call became: its price is looked up by it. */
  eventId: string;
  price: PricedEvent | undefined;
}

const ADMIN_KEY = 'am_admin_example_anthropic';
/** $0.01 per call, then per million tokens: $3 input, $0.30 cache reads, $3.75 cache writes, $15 output. */
const TIER = {
  base_fee: '0.01',
  token_rate_input: '3',
  token_rate_cached_input: '0.3',
  token_rate_cache_write: '3.75',
  token_rate_output: '15',
  token_unit: 1_000_000,
  currency: 'USD',
};

/**
 * Starts a mock Anthropic endpoint and an in-process agentmeter server, makes four metered calls
 * with the real client (plain, cached, streamed with thinking, a stream broken off early), and
 * returns each call's usage and the server's price.
 */
export async function runExample(): Promise<CallReport[]> {
  const mock = await startMockAnthropic();
  const directory = mkdtempSync(join(tmpdir(), 'agentmeter-example-anthropic-'));
  const metering = await startServer({ port: 0, dbPath: join(directory, 'meter.db'), adminKey: ADMIN_KEY });
  const meter = createMeter({ apiKey: ADMIN_KEY, baseUrl: metering.url });
  const reports: CallReport[] = [];
  const stopObserving = onUsage((usage, event) => {
    reports.push({
      label: '',
      customer: event.customer_id,
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

    // The one line: the same client, same type, every Messages call metered.
    const client = withMeter(new Anthropic({ apiKey: 'sk-ant-example', baseURL: mock.url }), meter, {
      agent_id: 'support-bot',
      action: 'reply',
    });
    const ask = (content: string) => ({
      model: 'claude-haiku-4-5',
      max_tokens: 1024,
      messages: [{ role: 'user' as const, content }],
    });
    const labels: string[] = [];

    labels.push('messages.create');
    await meter.withContext({ customer_id: 'cus_acme' }, () => client.messages.create(ask('hello there')));

    labels.push('messages.create, prompt cache');
    await meter.withContext({ customer_id: 'cus_acme' }, () => client.messages.create(ask('cached context')));

    labels.push('messages.stream, thinking');
    await meter.withContext({ customer_id: 'cus_globex' }, () =>
      client.messages.stream(ask('think hard')).finalMessage(),
    );

    labels.push('stream broken off after 2 words');
    await meter.withContext({ customer_id: 'cus_globex' }, async () => {
      let words = 0;
      for await (const event of await client.messages.create({ ...ask('hello again'), stream: true })) {
        if (event.type === 'content_block_delta' && ++words === 2) break;
      }
    });

    await meter.flush();
    reports.forEach((report, index) => {
      report.label = labels[index] ?? '';
      report.price = prices.get(report.eventId);
    });
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
    usage.cacheWriteTokens ? `cache-write ${usage.cacheWriteTokens}` : '',
    `out ${usage.outputTokens}`,
    usage.reasoningTokens ? `reasoning ${usage.reasoningTokens}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const cost = price ? `${price.price.total} ${price.currency}` : 'not priced';
  const partial = usage.complete ? '' : ' (partial)';
  return `${report.label.padEnd(34)} ${String(report.customer).padEnd(11)} ${tokens.padEnd(52)} ${cost}${partial}`;
}
