import { APIUserAbortError } from '@anthropic-ai/sdk';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  createClient,
  deltaUsage,
  jsonResponse,
  messageBody,
  REQUEST,
  sseResponse,
  textStreamEvents,
  usageBody,
} from './test-fixtures.js';
import { createSpyMeter, drain, meteredClient, OPTIONS, tokens, useAnthropicServer } from './test-support.js';
import { withMeter } from './with-meter.js';

const { answer } = useAnthropicServer();

describe('stream ends early', () => {
  // message_start, content_block_start, ping and the first text delta come at once; the rest
  // (output_tokens 50, message_stop) only later, so a caller that stops early never sees it.
  const partial = textStreamEvents({
    id: 'msg_01partial1Xq7Lk2Vb9Tz',
    startUsage: usageBody({ input_tokens: 200, cache_read_input_tokens: 800, output_tokens: 1 }),
    deltaUsages: [deltaUsage({ output_tokens: 50 })],
  });
  const hold = (request: Request) => sseResponse(partial, { holdFrom: 4, signal: request.signal });
  const hanging = () => partial.slice(0, 4);

  it('meters what is known, once, marked incomplete, when the caller breaks out of the loop', async () => {
    // Fake timers, so that every timer and immediate anything scheduled can be run to the end before
    // the "only once" check: a second record queued on any of them would be there.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const { meter, client } = meteredClient();
    let sawAbort: () => void = () => {};
    const serverSawAbort = new Promise<void>((resolve) => {
      sawAbort = resolve;
    });
    answer((_, request) => {
      request.signal.addEventListener('abort', () => sawAbort(), { once: true });
      return hold(request);
    });

    const stream = await client.messages.create({ ...REQUEST, stream: true });
    for await (const event of stream) {
      if (event.type === 'content_block_delta') break;
    }

    expect(stream.controller.signal.aborted).toBe(true);
    expect(meter.events).toHaveLength(1);
    expect(tokens(meter.events[0])).toEqual({ input: 1000, cached: 800, output: 1 });
    expect(meter.events[0]?.metadata).toEqual({ 'agentmeter.usage_incomplete': true });
    // Nothing more, once the call has ended everywhere: the abort reached the server (which ends
    // the body) and every timer queued since has run; then one more call on the same client is read
    // to its end and metered as a call of its own. (`trackCalls`, not `events`: the test Meter drops
    // a second event with the same id, so only the count of track() calls shows one.)
    await serverSawAbort;
    await vi.runAllTimersAsync();
    expect(meter.trackCalls).toBe(1);
    answer(() =>
      sseResponse(
        textStreamEvents({
          id: 'msg_01fence1Xq7Lk2Vb9Tz',
          startUsage: usageBody({ input_tokens: 3, output_tokens: 1 }),
          deltaUsages: [{ output_tokens: 2 }],
        }),
      ),
    );
    await drain(await client.messages.create({ ...REQUEST, stream: true }));
    await vi.runAllTimersAsync();
    expect(meter.events.map((event) => event.metadata)).toEqual([
      { 'agentmeter.usage_incomplete': true },
      undefined,
    ]);
    expect(meter.trackCalls).toBe(2);
  });

  it('meters what is known when the caller aborts through stream.controller', async () => {
    const { meter, client } = meteredClient();
    answer((_, request) => hold(request));

    const stream = await client.messages.create({ ...REQUEST, stream: true });
    const seen: string[] = [];
    for await (const event of stream) {
      seen.push(event.type);
      if (event.type === 'content_block_delta') stream.controller.abort();
    }

    expect(seen).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
    expect(meter.events).toHaveLength(1);
    expect(tokens(meter.events[0])).toEqual({ input: 1000, cached: 800, output: 1 });
    expect(meter.events[0]?.metadata).toEqual({ 'agentmeter.usage_incomplete': true });
  });

  it('meters what is known, typed aborted, when the caller aborts through the request signal', async () => {
    const { meter, client } = meteredClient();
    answer((_, request) => hold(request));
    const abort = new AbortController();

    const stream = await client.messages.create({ ...REQUEST, stream: true }, { signal: abort.signal });
    const seen: string[] = [];
    // The SDK ends the caller's loop quietly on an abort.
    for await (const event of stream) {
      seen.push(event.type);
      if (event.type === 'content_block_delta') abort.abort();
    }

    expect(seen).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
    expect(meter.events).toHaveLength(1);
    expect(tokens(meter.events[0])).toEqual({ input: 1000, cached: 800, output: 1 });
    expect(meter.events[0]?.metadata).toEqual({
      'agentmeter.usage_incomplete': true,
      'agentmeter.error_type': 'aborted',
    });
  });

  it('meters an aborted messages.stream() once', async () => {
    const { meter, client } = meteredClient();
    answer((_, request) => hold(request));

    const stream = client.messages.stream(REQUEST);
    stream.on('text', () => stream.abort());

    await expect(stream.finalMessage()).rejects.toBeInstanceOf(APIUserAbortError);
    expect(stream.aborted).toBe(true);
    expect(meter.events).toHaveLength(1);
    expect(tokens(meter.events[0])).toEqual({ input: 1000, cached: 800, output: 1 });
    // `stream.abort()` is the caller's abort, through the signal the helper sends its request with.
    expect(meter.events[0]?.metadata).toEqual({
      'agentmeter.usage_incomplete': true,
      'agentmeter.error_type': 'aborted',
    });
  });

  it('meters the usage known before an error event, with its error type', async () => {
    const { meter, client } = meteredClient();
    const events = [
      ...hanging(),
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    ];
    answer(() => sseResponse(events));

    const stream = await client.messages.create({ ...REQUEST, stream: true });
    await expect(drain(stream)).rejects.toThrow('Overloaded');

    expect(meter.events).toHaveLength(1);
    expect(tokens(meter.events[0])).toEqual({ input: 1000, cached: 800, output: 1 });
    expect(meter.events[0]?.metadata).toEqual({
      'agentmeter.usage_incomplete': true,
      'agentmeter.error_type': 'overloaded_error',
    });
  });
});

describe('a call answered without any usage', () => {
  // Anthropic always sends usage; servers speaking its API may not. The call happened and its
  // tokens are unknown: it is metered, marked usage_missing, never silently dropped.
  const noUsage = (id: string) =>
    textStreamEvents({ id, startUsage: undefined, deltaUsages: [], text: ['Hi'] });

  it('marks a stream that ends without usage usage_missing', async () => {
    const { meter, client } = meteredClient();
    answer(() => sseResponse(noUsage('msg_01NoUsageEndXq7Lk2Vb9Tz')));
    await drain(await client.messages.create({ ...REQUEST, stream: true }));
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({ tokens_input: 0, tokens_output: 0, usage_missing: true });
  });

  it('marks a stream broken off before any usage usage_missing', async () => {
    const { meter, client } = meteredClient();
    answer((_, request) =>
      sseResponse(noUsage('msg_01NoUsageBreakXq7Lk2Vb9Tz'), { holdFrom: 2, signal: request.signal }),
    );
    const stream = await client.messages.create({ ...REQUEST, stream: true });
    for await (const event of stream) {
      if (event.type === 'content_block_start') break;
    }
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({ tokens_input: 0, usage_missing: true });
    expect(meter.events[0]?.metadata).toEqual({ 'agentmeter.usage_incomplete': true });
  });

  it('marks a whole message without usage usage_missing', async () => {
    const { meter, client } = meteredClient();
    const body = messageBody({
      id: 'msg_01NoUsagePlainXq7Lk2Vb9Tz',
      usage: { input_tokens: 0, output_tokens: 0 },
    });
    delete body['usage'];
    answer(() => jsonResponse(body));
    await client.messages.create(REQUEST);
    expect(meter.events).toHaveLength(1);
    expect(meter.events[0]).toMatchObject({ tokens_input: 0, tokens_output: 0, usage_missing: true });
  });

  it('keeps a call with usage, even all zeros, and a rejected one, free of the mark', async () => {
    const meter = createSpyMeter();
    const client = withMeter(createClient(), meter, { ...OPTIONS, meterErrors: true });
    answer(() =>
      jsonResponse(
        messageBody({ id: 'msg_01ZeroUsageXq7Lk2Vb9Tz', usage: { input_tokens: 0, output_tokens: 0 } }),
      ),
    );
    await client.messages.create(REQUEST);
    answer(() =>
      jsonResponse({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 529),
    );
    await expect(client.messages.create(REQUEST)).rejects.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(meter.events).toHaveLength(2);
    expect(meter.events.map((event) => event.usage_missing)).toEqual([undefined, undefined]);
  });
});
