import { APIConnectionError, APIUserAbortError, RateLimitError } from '@anthropic-ai/sdk';
import { delay, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createClient, jsonResponse, REQUEST, sseResponse } from './test-fixtures.js';
import {
  createSpyMeter,
  messageReply,
  meteredClient,
  OPTIONS,
  streamedReply,
  useAnthropicServer,
} from './test-support.js';
import { withMeter } from './with-meter.js';

const { answer } = useAnthropicServer();

const rateLimited = () =>
  jsonResponse(
    {
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit' },
    },
    429,
  );
const overloadedFirst = () =>
  sseResponse([{ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }]);
const answered = (id: string) => messageReply(id, { input_tokens: 4, output_tokens: 2 });

/**
 * Asserts "nothing else was recorded" at a point where an event would certainly be there. The wrapper
 * records a call by the time the caller has its result (the meterErrors test below reads the events
 * right after the rejections, with no wait); one more successful call on the same client, whose event
 * is there once it returns, is the fence: the earlier calls' responses settled before it was even sent.
 */
async function expectOnlyAfterFence(
  client: ReturnType<typeof createClient>,
  meter: ReturnType<typeof createSpyMeter>,
  before: unknown[][],
) {
  answer(() => answered('msg_01fence1Xq7Lk2Vb9Tz'));
  await client.messages.create(REQUEST);
  expect(meter.events.map((event) => [event.tokens_input, event.tokens_output, event.metadata])).toEqual([
    ...before,
    [4, 2, undefined],
  ]);
  expect(meter.trackCalls).toBe(before.length + 1);
}

describe('a call the provider fails', () => {
  it('meters nothing by default, and the caller gets the SDK error unchanged', async () => {
    const { meter, client } = meteredClient();
    answer(rateLimited);

    await expect(client.messages.create(REQUEST)).rejects.toBeInstanceOf(RateLimitError);
    answer(rateLimited);
    await expect(client.messages.stream(REQUEST).finalMessage()).rejects.toBeInstanceOf(RateLimitError);
    answer(overloadedFirst);
    await expect(async () => {
      for await (const _ of await client.messages.create({ ...REQUEST, stream: true })) {
        // nothing arrives
      }
    }).rejects.toThrow('Overloaded');

    expect(meter.events).toEqual([]);
    await expectOnlyAfterFence(client, meter, []);
  });

  it('with meterErrors, records one zero-token event per failed call, with the error type', async () => {
    const { meter, client } = meteredClient({ ...OPTIONS, meterErrors: true });

    answer(rateLimited);
    await expect(client.messages.create(REQUEST)).rejects.toBeInstanceOf(RateLimitError);
    answer(rateLimited);
    await expect(client.messages.stream(REQUEST).finalMessage()).rejects.toBeInstanceOf(RateLimitError);
    answer(() => HttpResponse.error());
    await expect(client.messages.create(REQUEST)).rejects.toBeInstanceOf(APIConnectionError);
    answer(overloadedFirst);
    await expect(async () => {
      for await (const _ of await client.messages.create({ ...REQUEST, stream: true })) {
        // nothing arrives
      }
    }).rejects.toThrow('Overloaded');

    // No wait: each failure is recorded by the time the caller has its rejection.
    expect(
      meter.events.map((event) => [event.tokens_input, event.tokens_output, event.model, event.metadata]),
    ).toEqual([
      // Answered 429: nothing billed, so zero is the complete count.
      [0, 0, 'claude-haiku-4-5', { 'agentmeter.error_type': 'rate_limit_error' }],
      [0, 0, 'claude-haiku-4-5', { 'agentmeter.error_type': 'rate_limit_error' }],
      // Never answered: its tokens are not known.
      [
        0,
        0,
        'claude-haiku-4-5',
        { 'agentmeter.usage_incomplete': true, 'agentmeter.error_type': 'connection_error' },
      ],
      [
        0,
        0,
        'claude-haiku-4-5',
        { 'agentmeter.usage_incomplete': true, 'agentmeter.error_type': 'overloaded_error' },
      ],
    ]);
    expect(new Set(meter.events.map((event) => event.event_id)).size).toBe(4);
  });

  it('with meterErrors, records a request aborted before any response once, incomplete, as aborted', async () => {
    const { meter, client } = meteredClient({ ...OPTIONS, meterErrors: true });
    // The API never answers: only the caller's abort ends the call.
    answer(async () => {
      await delay('infinite');
      return HttpResponse.json({});
    });
    const abort = new AbortController();
    const call = client.messages.create(REQUEST, { signal: abort.signal });
    abort.abort();
    await expect(call).rejects.toBeInstanceOf(APIUserAbortError);

    expect(meter.events.map((event) => [event.tokens_input, event.tokens_output, event.metadata])).toEqual([
      [0, 0, { 'agentmeter.usage_incomplete': true, 'agentmeter.error_type': 'aborted' }],
    ]);
  });

  it('with meterErrors, records an HTTP error without a body type by its status, complete', async () => {
    const { meter, client } = meteredClient({ ...OPTIONS, meterErrors: true });
    answer(() => new HttpResponse(null, { status: 529 }));
    await expect(client.messages.create(REQUEST)).rejects.toThrow();

    expect(meter.events.map((event) => [event.tokens_input, event.metadata])).toEqual([
      [0, { 'agentmeter.error_type': '529' }],
    ]);
  });

  it('meters a successful call once even with meterErrors on', async () => {
    const { meter, client } = meteredClient({ ...OPTIONS, meterErrors: true });
    answer(() => answered('msg_01ok1Xq7Lk2Vb9Tz'));

    await client.messages.create(REQUEST);

    await expectOnlyAfterFence(client, meter, [[4, 2, undefined]]);
  });
});

describe('a failure on our side', () => {
  it('never reaches the caller: a meter that throws is reported to onError', async () => {
    const meter = createSpyMeter();
    const failure = new Error('queue exploded');
    meter.track = () => {
      throw failure;
    };
    const reported: unknown[] = [];
    const client = withMeter(createClient(), meter, { ...OPTIONS, onError: (error) => reported.push(error) });
    answer(() => answered('msg_01fail1Xq7Lk2Vb9Tz'));
    const message = await client.messages.create(REQUEST);
    answer(() => streamedReply('msg_01fail2Xq7Lk2Vb9Tz', { input_tokens: 3 }, 5));

    const final = await client.messages.stream(REQUEST).finalMessage();

    expect(message.id).toBe('msg_01fail1Xq7Lk2Vb9Tz');
    expect(final.usage.output_tokens).toBe(5);
    expect(reported).toEqual([failure, failure]);
  });

  it('passes the caller’s own error out of the loop unchanged, and meters the call once', async () => {
    const { meter, client } = meteredClient();
    answer(() => streamedReply('msg_01usererror1Xq7Lk2Vb9Tz', { input_tokens: 9 }, 5));
    const mine = new Error('my handler failed');

    await expect(async () => {
      for await (const event of await client.messages.create({ ...REQUEST, stream: true })) {
        if (event.type === 'content_block_delta') throw mine;
      }
    }).rejects.toBe(mine);

    expect(meter.events.map((event) => [event.tokens_input, event.tokens_output, event.metadata])).toEqual([
      [9, 1, { 'agentmeter.usage_incomplete': true }],
    ]);
  });
});
