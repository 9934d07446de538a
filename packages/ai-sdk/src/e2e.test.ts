// End to end: generateText / streamText → meterMiddleware → the real Meter → the real server
// (in-process, SQLite file) → the server's price.
import { generateText, jsonSchema, stepCountIs, streamText, tool, wrapLanguageModel } from 'ai';
import { describe, expect, it } from 'vitest';
import { PER_MILLION_TIER, useMeteringServer } from '../../../test/support/metering-server.js';
import { meterMiddleware } from './middleware.js';
import { mockModel, RAW_USAGE } from './test-support/mock-model.js';
import { streamOf, textParts, textResult, toolCallResult, v3Usage } from './test-support/parts.js';

// Usage billed apart: 1-hour cache writes at twice the input rate, $10 per thousand web searches,
// and audio at $40 (input) and $80 (output) per million tokens.
const metering = useMeteringServer('ai-sdk', {
  ...PER_MILLION_TIER,
  token_rate_cache_write_1h: '6',
  web_search_request_fee: '0.01',
  token_rate_audio_input: '40',
  token_rate_audio_output: '80',
});

describe('end to end', () => {
  it('prices a cached call, each step of a tool run and a streamed call exactly as the tier says', async () => {
    const { meter, priced, admin } = metering;
    const model = wrapLanguageModel({
      model: mockModel({
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

  it("prices web searches and 1-hour cache writes at the tier's fee and rates", async () => {
    const { meter, priced, admin } = metering;
    const anthropicUsage = {
      input_tokens: 2100,
      output_tokens: 640,
      cache_creation_input_tokens: 5000,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 4000 },
      server_tool_use: { web_search_requests: 3, web_fetch_requests: 0 },
    };
    const searching = wrapLanguageModel({
      model: mockModel({
        provider: 'anthropic.messages',
        modelId: 'claude-sonnet-4-5',
        doGenerate: {
          ...textResult(
            'found',
            { ...v3Usage({ input: 7100, cacheWrite: 5000, output: 640 }), raw: anthropicUsage },
            { id: 'msg_ai_e2e_searchK7wQ2xZp9LrT4mNb', modelId: 'claude-sonnet-4-5' },
          ),
          providerMetadata: { anthropic: { usage: anthropicUsage, cacheCreationInputTokens: 5000 } },
        },
      }),
      middleware: meterMiddleware(meter, { agent_id: 'research-bot', action: 'search' }),
    });

    await generateText({ model: searching, prompt: 'search' });
    await meter.flush();

    // 0.01 + 2100×3/1M + 1000×3.75/1M (5-minute writes) + 4000×6/1M (1-hour writes) + 640×15/1M
    //      + 3 × 0.01 = 0.01 + 0.0063 + 0.00375 + 0.024 + 0.0096 + 0.03 = 0.08365
    const totals = Object.fromEntries(
      priced.map((event) => [event.event_id.split(':')[1], event.price.total]),
    );
    expect(totals['msg_ai_e2e_searchK7wQ2xZp9LrT4mNb']).toBe('0.08365');

    const ledger = (await (await admin('/v1/events?limit=20')).json()) as {
      data: { event_id: string; tokens: Record<string, number> }[];
    };
    const rows = new Map(ledger.data.map((row) => [row.event_id.split(':')[1], row]));
    expect(rows.get('msg_ai_e2e_searchK7wQ2xZp9LrT4mNb')?.tokens).toMatchObject({
      input: 7100,
      cache_write: 5000,
      cache_write_1h: 4000,
      web_search_requests: 3,
    });
  });

  // The audio counts come from the provider's raw usage (`usage.raw`), which models hand middleware from
  // the V3 specification on (ai 6 and 7); ai 5's V2 models have no such field.
  it.runIf(RAW_USAGE)("prices audio at the tier's rates", async () => {
    const { meter, priced, admin } = metering;
    const raw = {
      prompt_tokens: 57,
      completion_tokens: 1612,
      total_tokens: 1669,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 41 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 1390 },
    };
    const speaking = wrapLanguageModel({
      model: mockModel({
        provider: 'voice-gateway.chat',
        modelId: 'gpt-4o-audio-preview',
        doStream: {
          stream: streamOf(
            textParts(
              ['H', 'i'],
              { ...v3Usage({ input: 57, output: 1612 }), raw },
              {
                id: 'chatcmpl-ai-e2e-audioK7wQ2xZp9LrT4mNb',
                modelId: 'gpt-4o-audio-preview',
              },
            ),
          ),
        },
      }),
      middleware: meterMiddleware(meter, { agent_id: 'voice-bot', action: 'answer' }),
    });

    await streamText({ model: speaking, prompt: 'hello' }).consumeStream();
    await meter.flush();

    // 0.01 + 16×3/1M + 41×40/1M (audio in) + 222×15/1M + 1390×80/1M (audio out)
    //      = 0.01 + 0.000048 + 0.00164 + 0.00333 + 0.1112 = 0.126218
    const totals = Object.fromEntries(
      priced.map((event) => [event.event_id.split(':')[1], event.price.total]),
    );
    expect(totals['chatcmpl-ai-e2e-audioK7wQ2xZp9LrT4mNb']).toBe('0.126218');

    const ledger = (await (await admin('/v1/events?limit=20')).json()) as {
      data: { event_id: string; tokens: Record<string, number> }[];
    };
    const rows = new Map(ledger.data.map((row) => [row.event_id.split(':')[1], row]));
    expect(rows.get('chatcmpl-ai-e2e-audioK7wQ2xZp9LrT4mNb')?.tokens).toMatchObject({
      input: 57,
      output: 1612,
      audio_input: 41,
      audio_output: 1390,
    });
  });
});
