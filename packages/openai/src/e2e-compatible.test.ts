// End to end with OpenAI-compatible servers: the real openai client over real HTTP → withMeter → the
// real Meter → the real server (in-process, SQLite). Ids that repeat are charged once per call with
// the exact tokens, and a stream without usage arrives as a usage_missing call.
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useMeteringServer } from '../../../test/support/metering-server.js';
import { resetStreamOptionsMemory } from './stream-options.js';
import { type CompatibleServer, startCompatibleServer, sumCounts } from './test-fixtures-compatible.js';
import { withMeter } from './with-meter.js';

const metering = useMeteringServer('openai-compatible', {
  base_fee: '0.002',
  token_rate_input: '0.003',
  token_rate_output: '0.003',
  token_unit: 1000,
  currency: 'USD',
});

let servers: CompatibleServer[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

interface UsageTotals {
  calls: number;
  usage_missing_events: number;
  tokens: { input: number; output: number };
}

async function totalsFor(agent: string): Promise<UsageTotals | undefined> {
  const response = await metering.admin(`/v1/usage?agent_id=${agent}`);
  expect(response.status).toBe(200);
  const report = (await response.json()) as { totals: UsageTotals[] };
  return report.totals[0];
}

describe('OpenAI-compatible servers, at the agentmeter server', () => {
  it('charges 300 Ollama-style calls (ids `chatcmpl-<n % 999>`) once each, with their exact tokens', async () => {
    const server = await startCompatibleServer({ ids: 'ollama' });
    servers.push(server);
    const agent = 'ollama-agent';
    const openai = withMeter(
      new OpenAI({ apiKey: 'sk-local', baseURL: server.baseURL, maxRetries: 0 }),
      metering.meter,
      { agent_id: agent, action: 'answer' },
    );
    for (let i = 0; i < 300; i++) {
      const messages = [{ role: 'user' as const, content: `question ${i}` }];
      if (i % 3 === 0) {
        for await (const _ of await openai.chat.completions.create({
          model: 'llama3',
          messages,
          stream: true,
        })) {
          // drain
        }
      } else await openai.chat.completions.create({ model: 'llama3', messages });
    }
    await metering.meter.flush();
    const [input, output] = sumCounts(server.answered);
    expect(await totalsFor(agent)).toMatchObject({
      calls: 300,
      usage_missing_events: 0,
      tokens: { input, output },
    });
  });

  it('charges a stream of a server refusing stream_options as one usage_missing call', async () => {
    resetStreamOptionsMemory();
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const server = await startCompatibleServer({ refuseStreamOptions: true });
    servers.push(server);
    const agent = 'refusing-agent';
    const openai = withMeter(
      new OpenAI({ apiKey: 'sk-local', baseURL: server.baseURL, maxRetries: 0 }),
      metering.meter,
      { agent_id: agent, action: 'answer' },
    );
    for (const content of ['one', 'two']) {
      for await (const _ of await openai.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content }],
        stream: true,
      })) {
        // drain
      }
    }
    await metering.meter.flush();
    expect(await totalsFor(agent)).toMatchObject({
      calls: 2,
      usage_missing_events: 2,
      tokens: { input: 0, output: 0 },
    });
  });
});
