// End to end: the real openai client (its HTTP answered by msw) → withMeter → the real Meter → the
// real server (in-process, SQLite file) → the price the server charged, for openai v6 and v5.
import { onUsage } from '@agentmeter/sdk/integration';
import { describe, expect, it } from 'vitest';
import { useMeteringServer } from '../../../test/support/metering-server.js';
import { chatHandler, newClient, usage, VERSIONS } from './test-fixtures.js';
import { embeddingsHandler, responsesHandler, responseUsage } from './test-fixtures-responses.js';
import { useMockServer } from './test-support.js';
import { withMeter } from './with-meter.js';

const metering = useMeteringServer('openai', {
  base_fee: '0.002',
  token_rate_input: '0.003',
  token_rate_cached_input: '0.0015',
  token_rate_output: '0.003',
  // Audio is billed apart from text: only events that carry audio counts meet these rates.
  token_rate_audio_input: '0.04',
  token_rate_audio_output: '0.08',
  token_unit: 1000,
  currency: 'USD',
});
const openaiServer = useMockServer();

describe.each(VERSIONS)('end to end with $version', ({ version, OpenAI }) => {
  it('prices chat, streamed chat, a streamed response and embeddings exactly as the tier says', async () => {
    const { meter, admin } = metering;
    const tag = version.replace(/\W/g, '');
    const ids: string[] = [];
    const stop = onUsage((_, event) => ids.push(event.event_id));
    const openai = withMeter(newClient(OpenAI), meter, { agent_id: 'support-bot', action: 'answer' });
    const messages = [{ role: 'user' as const, content: 'Hello' }];
    try {
      openaiServer.use(
        chatHandler((body) =>
          body.stream
            ? {
                id: `chatcmpl-e2e-streamed-${tag}-0123456789`,
                usage: usage(2006, 300, { cached: 1920, reasoning: 192 }),
              }
            : { id: `chatcmpl-e2e-plain-${tag}-0123456789`, usage: usage(1200, 300) },
        ),
        responsesHandler({ id: `resp_e2e_${tag}_0123456789abcdef`, usage: responseUsage(36, 87) }),
        embeddingsHandler(8),
      );
      await meter.withContext({ customer_id: 'cus_acme' }, async () => {
        await openai.chat.completions.create({ model: 'gpt-4.1', messages });
        const stream = await openai.chat.completions.create({ model: 'o4-mini', messages, stream: true });
        for await (const _ of stream) {
          // drain
        }
      });
      await meter.withContext({ customer_id: 'cus_globex' }, async () => {
        await openai.responses.stream({ model: 'gpt-4.1', input: 'Hello' }).finalResponse();
        await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'Hello' });
      });
      await meter.flush();
    } finally {
      stop();
    }

    expect(ids).toHaveLength(4);
    const priced = new Map(metering.priced.map((event) => [event.event_id, event]));
    // base 0.002, then per 1,000 tokens 0.003 (uncached input and output) and 0.0015 (cached input):
    // plain:      0.002 + (1200 + 300) × 0.003 / 1000                     = 0.0065
    // streamed:   0.002 + (86 × 0.003 + 1920 × 0.0015 + 300 × 0.003) / 1000 = 0.006038
    // response:   0.002 + (36 + 87) × 0.003 / 1000                        = 0.002369
    // embeddings: 0.002 + 8 × 0.003 / 1000                                = 0.002024
    expect(ids.map((id) => priced.get(id)?.price.total)).toEqual([
      '0.0065',
      '0.006038',
      '0.002369',
      '0.002024',
    ]);
    expect(ids.map((id) => priced.get(id)?.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);

    const ledger = (await (await admin('/v1/events?limit=100')).json()) as {
      data: { event_id: string; customer_id: string; model: string; tokens: Record<string, number> }[];
    };
    const rows = new Map(ledger.data.map((row) => [row.event_id, row]));
    expect(ids.map((id) => rows.get(id)?.customer_id)).toEqual([
      'cus_acme',
      'cus_acme',
      'cus_globex',
      'cus_globex',
    ]);
    expect(rows.get(ids[1]!)).toMatchObject({
      tokens: { input: 2006, cached_input: 1920, output: 300, reasoning: 192 },
    });
    expect(rows.get(ids[3]!)).toMatchObject({
      model: 'text-embedding-3-small',
      tokens: { input: 8, output: 0 },
    });
  });

  it("prices a spoken answer's audio at the tier's audio rates, plain and streamed", async () => {
    const { meter, admin } = metering;
    const tag = version.replace(/\W/g, '');
    const ids: string[] = [];
    const stop = onUsage((_, event) => ids.push(event.event_id));
    const openai = withMeter(newClient(OpenAI), meter, { agent_id: 'voice-bot', action: 'answer' });
    const messages = [{ role: 'user' as const, content: 'Hello' }];
    try {
      openaiServer.use(
        chatHandler((body) => ({
          id: `chatcmpl-e2e-audio-${body.stream ? 'streamed' : 'plain'}-${tag}-0123456789`,
          usage: usage(57, 1612, { audioInput: 41, audioOutput: 1390 }),
        })),
      );
      await openai.chat.completions.create({ model: 'gpt-4o-audio-preview', messages });
      const stream = await openai.chat.completions.create({
        model: 'gpt-4o-audio-preview',
        messages,
        stream: true,
      });
      for await (const _ of stream) {
        // drain
      }
      await meter.flush();
    } finally {
      stop();
    }

    expect(ids).toHaveLength(2);
    const priced = new Map(metering.priced.map((event) => [event.event_id, event]));
    // 0.002 + (16 text input × 0.003 + 41 audio input × 0.04 + 222 text output × 0.003
    //          + 1390 audio output × 0.08) / 1000 = 0.002 + 113.554 / 1000 = 0.115554
    // (without the audio rates it would be 0.002 + 1669 × 0.003 / 1000 = 0.007007)
    expect(ids.map((id) => priced.get(id)?.price.total)).toEqual(['0.115554', '0.115554']);

    const ledger = (await (await admin('/v1/events?limit=100')).json()) as {
      data: { event_id: string; tokens: Record<string, number> }[];
    };
    const rows = new Map(ledger.data.map((row) => [row.event_id, row]));
    for (const id of ids) {
      expect(rows.get(id)?.tokens).toMatchObject({
        input: 57,
        output: 1612,
        audio_input: 41,
        audio_output: 1390,
      });
    }
  });
});
