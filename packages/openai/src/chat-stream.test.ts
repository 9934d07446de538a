// Chat calls that do not end well: early break, abort, stream errors, rejected requests.
import { delay, HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { chatChunks, chatHandler, chatStall, newClient, settle, usage, VERSIONS } from './test-fixtures.js';
import { BASE_URL } from './test-fixtures-http.js';
import { errorHandler } from './test-fixtures-responses.js';
import {
  CHAT,
  createRecordingMeter,
  eventsOf,
  fakeTimers,
  meteredClient,
  runQueuedTimers,
  useMockServer,
} from './test-support.js';
import { withMeter } from './with-meter.js';

const server = useMockServer();

const { options: DEFAULTS, messages, eventId } = CHAT;

describe.each(VERSIONS)('chat streams broken off and errors with $version', ({ OpenAI }) => {
  const setup = () => meteredClient(OpenAI, DEFAULTS);

  it('meters an early break once, marked incomplete, and stops the request', async () => {
    server.use(chatHandler({ usage: usage(25, 7) }));
    const { meter, openai } = setup();
    const stream = await openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    for await (const _ of stream) break;
    expect(stream.controller.signal.aborted).toBe(true);
    await settle();
    expect(eventsOf(meter)).toEqual([CHAT.usageMissingEvent()]);
  });

  it('meters an aborted stream (AbortController) once, with what is known', async () => {
    const chunks = chatChunks({ usage: usage(25, 7) }, true).slice(0, 2);
    // The server sends two chunks and then stalls, as a slow generation does.
    server.use(chatStall(chunks));
    const { meter, openai } = setup();
    const abort = new AbortController();
    const stream = await openai.chat.completions.create(
      { model: 'gpt-4.1', messages, stream: true },
      { signal: abort.signal },
    );
    const seen = [];
    for await (const chunk of stream) {
      seen.push(chunk);
      if (seen.length === 2) abort.abort();
    }
    await settle();
    expect(seen).toHaveLength(2);
    expect(eventsOf(meter)).toHaveLength(1);
    expect(eventsOf(meter)[0]).toMatchObject({
      tokens_input: 0,
      tokens_output: 0,
      event_id: eventId(),
      usage_missing: true,
    });
    // The caller's abort is typed as such (a `break` is not: see above).
    expect(eventsOf(meter)[0]?.metadata).toEqual({
      'agentmeter.usage_incomplete': true,
      'agentmeter.error_type': 'aborted',
    });
  });

  it('meters a stream aborted before it was read', async () => {
    server.use(chatStall(chatChunks({ usage: usage(25, 7) }, true).slice(0, 1)));
    const { meter, openai } = setup();
    const stream = await openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    stream.controller.abort();
    await settle();
    expect(eventsOf(meter)).toHaveLength(1);
    expect(eventsOf(meter)[0]).toMatchObject({
      tokens_input: 0,
      usage_missing: true,
      metadata: { 'agentmeter.usage_incomplete': true },
    });
    for await (const _ of stream) {
      // the SDK ends an aborted stream quietly
    }
    expect(eventsOf(meter)).toHaveLength(1);
  });

  it('meters a stream broken by an error event, marked with the error type', async () => {
    const chunks = chatChunks({ usage: usage(25, 7) }, true).slice(0, 2);
    server.use(
      chatStall(
        [...chunks, { error: { message: 'The server had an error', type: 'server_error' } }] as never,
        false,
      ),
    );
    const { meter, openai } = setup();
    const stream = await openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    const seen: unknown[] = [];
    await expect(async () => {
      for await (const chunk of stream) seen.push(chunk);
    }).rejects.toThrow('The server had an error');
    await settle();
    expect(seen).toHaveLength(2);
    expect(eventsOf(meter)).toHaveLength(1);
    expect(eventsOf(meter)[0]?.usage_missing).toBe(true);
    // The error event's own type, as for a rejected request, not the SDK's class name.
    expect(eventsOf(meter)[0]?.metadata).toEqual({
      'agentmeter.usage_incomplete': true,
      'agentmeter.error_type': 'server_error',
    });
  });

  it('meters nothing for a rejected request by default', async () => {
    fakeTimers();
    server.use(errorHandler('/chat/completions', 429, 'rate_limit_exceeded', 'Rate limit reached'));
    const { meter, openai } = setup();
    await expect(openai.chat.completions.create({ model: 'gpt-4.1', messages })).rejects.toThrow(
      /Rate limit reached/,
    );
    await expect(
      openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true }),
    ).rejects.toThrow(/Rate limit reached/);
    // Checked where a failure's event would be: the meterErrors twin below reads both right here.
    expect(meter.trackCalls).toBe(0);
    // And once every timer queued since has run, behind a fence: one more call on the same client,
    // answered and metered, sent only after the rejected ones had settled. Its event alone is there
    // (track() calls counted, so a late or second record of anything earlier would show).
    await runQueuedTimers();
    expect(meter.trackCalls).toBe(0);
    server.use(chatHandler({ id: 'chatcmpl-fence', usage: usage(3, 1) }));
    await openai.chat.completions.create({ model: 'gpt-4.1', messages });
    await runQueuedTimers();
    expect(eventsOf(meter).map((event) => [event.tokens_input, event.tokens_output, event.metadata])).toEqual(
      [[3, 1, undefined]],
    );
    expect(meter.trackCalls).toBe(1);
  });

  it('meters a zero-token event with the error type for a rejected request when asked', async () => {
    server.use(errorHandler('/chat/completions', 429, 'rate_limit_exceeded', 'Rate limit reached'));
    const meter = createRecordingMeter();
    const openai = withMeter(newClient(OpenAI), meter, { ...DEFAULTS, meterErrors: true });
    await expect(openai.chat.completions.create({ model: 'gpt-4.1', messages })).rejects.toThrow();
    await expect(
      openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true }),
    ).rejects.toThrow();
    // No wait: each failure is recorded by the time the caller has its rejection.
    expect(eventsOf(meter)).toHaveLength(2);
    // The provider answered 429: it billed nothing, so zero tokens is the complete count; the
    // error type is the API's own (`error.type` of the body), as in every agentmeter integration.
    expect(eventsOf(meter)[1]).toMatchObject({
      tokens_input: 0,
      tokens_output: 0,
      metadata: { 'agentmeter.error_type': 'rate_limit_exceeded' },
    });
    expect(eventsOf(meter)[0]).toMatchObject({
      tokens_input: 0,
      tokens_output: 0,
      model: 'gpt-4.1',
      metadata: { 'agentmeter.error_type': 'rate_limit_exceeded' },
    });
    expect(eventsOf(meter)[0]?.metadata).not.toHaveProperty(['agentmeter.usage_incomplete']);
    // A rejected call used no tokens: zero is its count, not a missing one.
    expect(eventsOf(meter)[0]?.usage_missing).toBeUndefined();
    // No response id: the Meter mints a fresh id (a UUIDv7).
    expect(eventsOf(meter)[0]?.event_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  });
  it('with meterErrors, meters a request answered 429 without a body type by its status, complete', async () => {
    server.use(http.post(`${BASE_URL}/chat/completions`, () => new HttpResponse(null, { status: 429 })));
    const meter = createRecordingMeter();
    const openai = withMeter(newClient(OpenAI), meter, { ...DEFAULTS, meterErrors: true });
    await expect(openai.chat.completions.create({ model: 'gpt-4.1', messages })).rejects.toThrow();
    expect(eventsOf(meter)).toHaveLength(1);
    expect(eventsOf(meter)[0]).toMatchObject({
      tokens_input: 0,
      metadata: { 'agentmeter.error_type': '429' },
    });
    expect(eventsOf(meter)[0]?.metadata).not.toHaveProperty(['agentmeter.usage_incomplete']);
  });

  it('with meterErrors, meters a request aborted before any response once, incomplete, as aborted', async () => {
    // The server never answers: only the caller's abort ends the call.
    server.use(
      http.post(`${BASE_URL}/chat/completions`, async () => {
        await delay('infinite');
        return HttpResponse.json({});
      }),
    );
    const meter = createRecordingMeter();
    const openai = withMeter(newClient(OpenAI), meter, { ...DEFAULTS, meterErrors: true });
    const abort = new AbortController();
    const call = openai.chat.completions.create({ model: 'gpt-4.1', messages }, { signal: abort.signal });
    abort.abort();
    await expect(call).rejects.toThrow();
    await settle();
    expect(eventsOf(meter)).toHaveLength(1);
    expect(eventsOf(meter)[0]).toMatchObject({
      tokens_input: 0,
      tokens_output: 0,
      metadata: { 'agentmeter.usage_incomplete': true, 'agentmeter.error_type': 'aborted' },
    });
  });
});
