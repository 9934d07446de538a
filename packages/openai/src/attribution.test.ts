// Who a call is billed to: defaults, context, concurrency, stacked layers, privacy.
import { deriveEventId, runOuterLayer, wasMeteredByProvider } from '@agentmeter/sdk/integration';
import { describe, expect, it } from 'vitest';
import { CONTENT_LIMIT } from './content.js';
import { CHAT_ID, chatHandler, eachWithOwnId, newClient, settle, usage, VERSIONS } from './test-fixtures.js';
import { responsesHandler, responseUsage } from './test-fixtures-responses.js';
import { createRecordingMeter, eventsOf, useMockServer } from './test-support.js';
import { withMeter } from './with-meter.js';

const server = useMockServer();

const DEFAULTS = { agent_id: 'support-bot', action: 'answer' };
const messages = [{ role: 'user' as const, content: 'My secret order number is 4417.' }];

describe.each(VERSIONS)('attribution with $version', ({ OpenAI: Client }) => {
  it('bills 100 concurrent calls, each in its own customer context, to the right customer', async () => {
    // Each request carries its index; the server answers with that many extra prompt tokens, after a
    // delay that reorders the responses.
    server.use(
      chatHandler(async (body) => {
        const index = Number(String(body.messages?.[0]?.content).replace('call ', ''));
        await new Promise((resolve) => setTimeout(resolve, (index * 7) % 13));
        return { id: `${CHAT_ID}_${index}`, usage: usage(100 + index, index) };
      }),
    );
    const meter = createRecordingMeter();
    const openai = withMeter(newClient(Client), meter, DEFAULTS);
    await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        meter.withContext({ customer_id: `cus_${index}` }, async () => {
          const stream = index % 2 === 0;
          const content = `call ${index}`;
          if (!stream)
            return openai.chat.completions.create({
              model: 'gpt-4.1',
              messages: [{ role: 'user', content }],
            });
          const chunks = await openai.chat.completions.create({
            model: 'gpt-4.1',
            messages: [{ role: 'user', content }],
            stream: true,
          });
          for await (const _ of chunks) {
            // drain
          }
        }),
      ),
    );
    await settle();
    expect(eventsOf(meter)).toHaveLength(100);
    const byCustomer = new Map(eventsOf(meter).map((event) => [event.customer_id, event]));
    expect(byCustomer.size).toBe(100);
    for (let index = 0; index < 100; index++) {
      const event = byCustomer.get(`cus_${index}`);
      expect([event?.tokens_input, event?.tokens_output]).toEqual([100 + index, index]);
      expect(event?.event_id).toBe(deriveEventId('openai', `${CHAT_ID}_${index}`, 'support-bot', 'answer'));
    }
  });

  it('takes the context at call time over the wrapper defaults, even when the stream is read elsewhere', async () => {
    server.use(chatHandler({ usage: usage(5, 2) }));
    const meter = createRecordingMeter();
    const openai = withMeter(newClient(Client), meter, {
      ...DEFAULTS,
      customer_id: 'cus_default',
      tier: 'pro',
      metadata: { env: 'test', team: 'a' },
    });
    const stream = await meter.withContext(
      { customer_id: 'cus_ctx', action: 'summarize', metadata: { team: 'b' } },
      () => openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true }),
    );
    await meter.withContext({ customer_id: 'cus_other' }, async () => {
      for await (const _ of stream) {
        // drained under another context
      }
    });
    await openai.chat.completions.create({ model: 'gpt-4.1', messages });
    await settle();
    expect(
      eventsOf(meter).map(({ customer_id, action, tier, metadata, event_id }) => ({
        customer_id,
        action,
        tier,
        metadata,
        event_id,
      })),
    ).toEqual([
      {
        customer_id: 'cus_ctx',
        action: 'summarize',
        tier: 'pro',
        metadata: { env: 'test', team: 'b' },
        event_id: deriveEventId('openai', CHAT_ID, 'support-bot', 'summarize'),
      },
      {
        customer_id: 'cus_default',
        action: 'answer',
        tier: 'pro',
        metadata: { env: 'test', team: 'a' },
        event_id: deriveEventId('openai', CHAT_ID, 'support-bot', 'answer'),
      },
    ]);
  });

  it('marks an enclosing outer layer (plain and streamed) before the caller resumes', async () => {
    server.use(chatHandler({ usage: usage(5, 2) }), responsesHandler({ usage: responseUsage(9, 4) }));
    const meter = createRecordingMeter();
    const openai = withMeter(newClient(Client), meter, DEFAULTS);
    const plain = await runOuterLayer(async (scope) => {
      await openai.chat.completions.create({ model: 'gpt-4.1', messages });
      return { metered: scope.innerMetered, ids: [...scope.responseIds] };
    });
    expect(plain).toEqual({ metered: true, ids: [CHAT_ID] });
    const streamed = await runOuterLayer(async (scope) => {
      const stream = await openai.responses.create({ model: 'gpt-4.1', input: 'hi', stream: true });
      const before = scope.innerMetered;
      for await (const _ of stream) {
        // drain
      }
      return { before, after: scope.innerMetered };
    });
    expect(streamed).toEqual({ before: false, after: true });
    const untouched = runOuterLayer((scope) => scope.innerMetered);
    expect(untouched).toBe(false);
    expect(wasMeteredByProvider(CHAT_ID)).toBe(true);
    expect(eventsOf(meter)).toHaveLength(2);
  });

  it('sends no prompt or completion text by default', async () => {
    server.use(chatHandler(eachWithOwnId({ content: 'Order 4417 ships tomorrow.', usage: usage(5, 2) })));
    const meter = createRecordingMeter();
    const openai = withMeter(newClient(Client), meter, DEFAULTS);
    await openai.chat.completions.create({ model: 'gpt-4.1', messages });
    const stream = await openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    for await (const _ of stream) {
      // drain
    }
    await settle();
    expect(eventsOf(meter)).toHaveLength(2);
    expect(JSON.stringify(eventsOf(meter))).not.toMatch(/4417/);
  });

  it('with captureContent, puts truncated prompt and completion text into metadata only', async () => {
    const long = 'x'.repeat(CONTENT_LIMIT + 500);
    server.use(chatHandler(eachWithOwnId({ content: long, usage: usage(5, 2) })));
    const meter = createRecordingMeter();
    const openai = withMeter(newClient(Client), meter, { ...DEFAULTS, captureContent: true });
    await openai.chat.completions.create({ model: 'gpt-4.1', messages });
    const stream = await openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    for await (const _ of stream) {
      // drain
    }
    await settle();
    const expected = {
      'agentmeter.prompt': JSON.stringify(messages),
      'agentmeter.completion': `${'x'.repeat(CONTENT_LIMIT)}…`,
    };
    expect(eventsOf(meter).map((event) => event.metadata)).toEqual([expected, expected]);
  });

  it('with captureContent, keeps the metadata within the 8 KiB limit whatever the text', async () => {
    const wide = '€"'.repeat(CONTENT_LIMIT);
    server.use(chatHandler(eachWithOwnId({ content: wide, usage: usage(5, 2) })));
    const meter = createRecordingMeter();
    const metadata = { notes: 'n'.repeat(5000) };
    const openai = withMeter(newClient(Client), meter, { ...DEFAULTS, captureContent: true, metadata });
    await openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: wide }] });
    await settle();
    const [event] = eventsOf(meter);
    expect(new TextEncoder().encode(JSON.stringify(event?.metadata)).length).toBeLessThanOrEqual(8192);
    expect(event?.metadata?.['notes']).toBe(metadata.notes);
    expect(String(event?.metadata?.['agentmeter.completion'])).toMatch(/^(€")+€?…$/);
    expect(String(event?.metadata?.['agentmeter.prompt'])).toMatch(/^\[\{"role":"user","content":"(€\\")+/);
  });

  it('meters a client made with withOptions(), and wrapping twice still meters once', async () => {
    server.use(chatHandler({ usage: usage(5, 2) }));
    const first = createRecordingMeter();
    const second = createRecordingMeter();
    const wrapped = withMeter(newClient(Client), first, DEFAULTS);
    const rewrapped = withMeter(wrapped, second, { agent_id: 'other', action: 'answer' });
    await wrapped.withOptions({ timeout: 5000 }).chat.completions.create({ model: 'gpt-4.1', messages });
    await rewrapped.chat.completions.create({ model: 'gpt-4.1', messages });
    await settle();
    expect(eventsOf(first).map((event) => event.agent_id)).toEqual(['support-bot']);
    expect(eventsOf(second).map((event) => event.agent_id)).toEqual(['other']);
  });
});
