// End to end: generateText / streamText → meterMiddleware → the real Meter → the real server
// (in-process, SQLite file) → the server's price.
import { generateText, jsonSchema, stepCountIs, streamText, tool, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { useMeteringServer } from '../../../test/support/metering-server.js';
import { meterMiddleware } from './middleware.js';
import { streamOf, textParts, textResult, toolCallResult, v3Usage } from './test-support/parts.js';

const metering = useMeteringServer('ai-sdk');

describe('end to end', () => {
  it('prices a cached call, each step of a tool run and a streamed call exactly as the tier says', async () => {
    const { meter, priced, admin } = metering;
    const model = wrapLanguageModel({
      model: new MockLanguageModelV3({
        provider: 'anthropic.messages',
        modelId: 'claude-sonnet-4-5',
        doGenerate: [
          textResult(
            'ok',
            v3Usage({ input: 12_200, cacheRead: 9000, cacheWrite: 3000, output: 500, reasoning: 120 }),
            {
              id: 'msg_ai_e2e_cachedK7wQ2xZp9LrT4mNb',
              modelId: 'claude-sonnet-4-5',
            },
          ),
          toolCallResult('lookup', { q: 'x' }, v3Usage({ input: 100, output: 20 }), {
            id: 'msg_ai_e2e_step1K7wQ2xZp9LrT4mNb',
            modelId: 'claude-sonnet-4-5',
          }),
          textResult('done', v3Usage({ input: 230, output: 15 }), {
            id: 'msg_ai_e2e_step2K7wQ2xZp9LrT4mNb',
            modelId: 'claude-sonnet-4-5',
          }),
        ],
        doStream: {
          stream: streamOf(
            textParts(['o', 'k'], v3Usage({ input: 30, output: 2 }), {
              id: 'msg_ai_e2e_streamK7wQ2xZp9LrT4mNb',
              modelId: 'claude-sonnet-4-5',
            }),
          ),
        },
      }),
      middleware: meterMiddleware(meter, { agent_id: 'support-bot', action: 'reply' }),
    });

    await meter.withContext({ customer_id: 'cus_acme' }, async () => {
      await generateText({ model, prompt: 'cached' });
      await generateText({
        model,
        prompt: 'tools',
        tools: {
          lookup: tool({
            inputSchema: jsonSchema<{ q: string }>({ type: 'object' }),
            execute: async () => 'found',
          }),
        },
        stopWhen: stepCountIs(3),
      });
    });
    await streamText({
      model,
      prompt: 'stream',
      providerOptions: { agentmeter: { customer_id: 'cus_globex' } },
    }).consumeStream();
    await meter.flush();

    // 0.01 + 200×3/1M + 9000×0.3/1M + 3000×3.75/1M + 500×15/1M = 0.01 + 0.0006 + 0.0027 + 0.01125 + 0.0075
    // 0.01 + 100×3/1M + 20×15/1M; 0.01 + 230×3/1M + 15×15/1M; 0.01 + 30×3/1M + 2×15/1M
    const totals = Object.fromEntries(
      priced.map((event) => [event.event_id.split(':')[1], event.price.total]),
    );
    expect(totals).toEqual({
      msg_ai_e2e_cachedK7wQ2xZp9LrT4mNb: '0.03205',
      msg_ai_e2e_step1K7wQ2xZp9LrT4mNb: '0.0106',
      msg_ai_e2e_step2K7wQ2xZp9LrT4mNb: '0.010915',
      msg_ai_e2e_streamK7wQ2xZp9LrT4mNb: '0.01012',
    });

    const ledger = (await (await admin('/v1/events?limit=10')).json()) as {
      data: { event_id: string; customer_id: string; tokens: Record<string, number> }[];
    };
    const rows = new Map(ledger.data.map((row) => [row.event_id.split(':')[1], row]));
    expect(rows.get('msg_ai_e2e_cachedK7wQ2xZp9LrT4mNb')).toMatchObject({
      customer_id: 'cus_acme',
      tokens: { input: 12_200, cached_input: 9000, cache_write: 3000, output: 500, reasoning: 120 },
    });
    expect(rows.get('msg_ai_e2e_streamK7wQ2xZp9LrT4mNb')).toMatchObject({
      customer_id: 'cus_globex',
      tokens: { input: 30, output: 2 },
    });
  });
});
