import { recordUsage, runOuterLayer, wasMeteredByProvider } from '@agentmeter/sdk/integration';
import { describe, expect, it } from 'vitest';
import { REQUEST } from './test-fixtures.js';
import { messageReply, meteredClient, streamedReply, useAnthropicServer } from './test-support.js';

const { answer } = useAnthropicServer();

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('concurrent calls', () => {
  it('bills 100 interleaved calls, each in its own customer context, to the right customer', async () => {
    const { meter, client } = meteredClient();
    // The answer depends on the call: input 1000 + n, cache read n, output n. Replies come back out
    // of order (a delay that varies with n), streams and plain calls mixed.
    answer(async (body) => {
      const n = Number(String((body['messages'] as { content: string }[])[0]?.content).replace('call ', ''));
      await delay((n * 7) % 13);
      const usage = { input_tokens: 1000 + n, cache_read_input_tokens: n, output_tokens: n };
      const id = `msg_01conc${n}Xq7Lk2Vb9Tz`;
      return body['stream'] === true ? streamedReply(id, usage, n) : messageReply(id, usage);
    });

    await Promise.all(
      Array.from({ length: 100 }, (_, n) =>
        meter.withContext({ customer_id: `cus_${n}` }, async () => {
          const request = { ...REQUEST, messages: [{ role: 'user' as const, content: `call ${n}` }] };
          if (n % 3 === 0) return client.messages.create(request);
          if (n % 3 === 1) return client.messages.stream(request).finalMessage();
          const stream = await client.messages.create({ ...request, stream: true });
          await delay(n % 5);
          for await (const _ of stream) {
            // consumed
          }
        }),
      ),
    );

    expect(meter.events).toHaveLength(100);
    const byCustomer = new Map(meter.events.map((event) => [event.customer_id, event]));
    expect(byCustomer.size).toBe(100);
    for (let n = 0; n < 100; n++) {
      const event = byCustomer.get(`cus_${n}`);
      expect(event?.event_id).toMatch(new RegExp(`^anthropic:msg_01conc${n}Xq7Lk2Vb9Tz:`));
      expect([event?.tokens_input, event?.tokens_cached_input, event?.tokens_output]).toEqual([
        1000 + 2 * n,
        n === 0 ? undefined : n,
        n === 0 ? 0 : n,
      ]);
    }
  });
});

describe('stacked layers', () => {
  it('marks the enclosing outer-layer scope, so a framework layer does not meter the call again', async () => {
    const { meter, client } = meteredClient();
    answer(() => messageReply('msg_01layer1Xq7Lk2Vb9Tz', { input_tokens: 70, output_tokens: 30 }));

    const { scope, message } = await runOuterLayer(async (scope) => ({
      scope,
      message: await client.messages.create(REQUEST),
    }));

    expect(scope.innerMetered).toBe(true);
    expect([...scope.responseIds]).toEqual(['msg_01layer1Xq7Lk2Vb9Tz']);
    expect(wasMeteredByProvider(message.id)).toBe(true);
    // A framework layer reporting the same call afterwards is deduplicated.
    const again = recordUsage(
      meter,
      {
        provider: 'anthropic',
        operation: 'chat',
        responseId: message.id,
        inputTokens: 70,
        outputTokens: 30,
        cachedInputTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
        complete: true,
        streamed: false,
      },
      {},
      { layer: 'framework', scope },
    );
    expect(again).toBeUndefined();
    expect(meter.events.map((event) => [event.tokens_input, event.tokens_output])).toEqual([[70, 30]]);
  });

  it('marks the scope for a stream consumed inside it, and leaves a scope with no provider call unmarked', async () => {
    const { meter, client } = meteredClient();
    answer(() => streamedReply('msg_01layer2Xq7Lk2Vb9Tz', { input_tokens: 15 }, 9));

    const streamed = await runOuterLayer(async (scope) => {
      await client.messages.stream(REQUEST).finalMessage();
      return scope;
    });
    const empty = await runOuterLayer(async (scope) => scope);

    expect(streamed.innerMetered).toBe(true);
    expect([...streamed.responseIds]).toEqual(['msg_01layer2Xq7Lk2Vb9Tz']);
    expect(empty.innerMetered).toBe(false);
    expect(meter.events.map((event) => [event.tokens_input, event.tokens_output])).toEqual([[15, 9]]);
  });
});
