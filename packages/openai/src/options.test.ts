import { IntegrationError } from '@agentmeter/sdk/integration';
import OpenAI from 'openai';
import OpenAI5 from 'openai-v5';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { OpenAIMeterError } from './errors.js';
import { CHAT_ID, chatHandler, newClient, settle, usage } from './test-fixtures.js';
import { createRecordingMeter, fakeTimers, runQueuedTimers, useMockServer } from './test-support.js';
import { withMeter } from './with-meter.js';

const server = useMockServer();

const DEFAULTS = { agent_id: 'support-bot', action: 'answer' };
const messages = [{ role: 'user' as const, content: 'My secret order number is 4417.' }];

describe('withMeter() arguments', () => {
  const meter = createRecordingMeter();
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: 'http://127.0.0.1:9/v1' });

  it('returns the same client type', () => {
    const wrapped = withMeter(client, meter, DEFAULTS);
    expectTypeOf(wrapped).toEqualTypeOf<OpenAI>();
    expect(wrapped).toBeInstanceOf(OpenAI);
    const v5 = withMeter(new OpenAI5({ apiKey: 'sk-test' }), meter, DEFAULTS);
    expectTypeOf(v5).toEqualTypeOf<OpenAI5>();
    expect(v5).toBeInstanceOf(OpenAI5);
  });

  it.each([
    [
      { action: 'answer' },
      'agent_id',
      'Expected `agent_id` to be a string of 1 to 128 characters without control characters, got undefined.',
    ],
    [
      { agent_id: '', action: 'answer' },
      'agent_id',
      'Expected `agent_id` to be a string of 1 to 128 characters without control characters, got "".',
    ],
    [
      { agent_id: 'a', action: 'x\u0007' },
      'action',
      'Expected `action` to be a string of 1 to 128 characters without control characters, got "x\\u0007".',
    ],
    [
      { ...DEFAULTS, customer_id: 42 },
      'customer_id',
      'Expected `customer_id` to be a string of 1 to 128 characters without control characters, got 42.',
    ],
    [
      { ...DEFAULTS, tier: 'p'.repeat(129) },
      'tier',
      `Expected \`tier\` to be a tier id (lower-case letters, digits and \`_.-\`, up to 64 characters), got "${'p'.repeat(40)}…".`,
    ],
    [
      { ...DEFAULTS, tier: 'Pro Tier' },
      'tier',
      'Expected `tier` to be a tier id (lower-case letters, digits and `_.-`, up to 64 characters), got "Pro Tier".',
    ],
    [{ ...DEFAULTS, metadata: [] }, 'metadata', 'Expected `metadata` to be a plain object, got an array.'],
    [
      { ...DEFAULTS, captureContent: 'yes' },
      'captureContent',
      'Expected `captureContent` to be a boolean, got "yes".',
    ],
    [{ ...DEFAULTS, meterErrors: 1 }, 'meterErrors', 'Expected `meterErrors` to be a boolean, got 1.'],
    [{ ...DEFAULTS, streamUsage: null }, 'streamUsage', 'Expected `streamUsage` to be a boolean, got null.'],
    [{ ...DEFAULTS, onError: 'log' }, 'onError', 'Expected `onError` to be a function, got "log".'],
    [
      { ...DEFAULTS, customerId: 'c' },
      'customerId',
      'Unknown option `customerId`; did you mean `customer_id`?',
    ],
    [
      { ...DEFAULTS, stream_usage: false },
      'stream_usage',
      'Unknown option `stream_usage`; did you mean `streamUsage`?',
    ],
    [
      { ...DEFAULTS, foo: 1 },
      'foo',
      'Unknown option `foo`. Known options: `agent_id`, `action`, `customer_id`, `tier`, `metadata`, `onError`, `captureContent`, `meterErrors`, `streamUsage`.',
    ],
  ])('rejects %j naming %s', (options, field, message) => {
    expect(() => withMeter(client, meter, options as never)).toThrow(
      expect.objectContaining({ name: 'OpenAIMeterError', code: 'invalid_option', field, message }),
    );
  });

  it('refuses what the server would refuse (tier id, 64 metadata keys, identifier length), as the other integrations do', () => {
    // A tier id is the contract's TierId, not any Identifier: upper case, spaces and 65 characters are refused.
    for (const tier of ['Pro', 'pro tier', 'p'.repeat(65)]) {
      expect(() => withMeter(client, meter, { ...DEFAULTS, tier })).toThrow(
        expect.objectContaining({ code: 'invalid_option', field: 'tier' }),
      );
    }
    expect(() => withMeter(client, meter, { ...DEFAULTS, tier: 'p'.repeat(64) })).not.toThrow();
    expect(() => withMeter(client, meter, { ...DEFAULTS, tier: 'enterprise_v2.1-eu' })).not.toThrow();
    // Identifier lengths are counted in characters, as the server counts them, not in UTF-16 units.
    expect(() => withMeter(client, meter, { agent_id: '😀'.repeat(128), action: 'answer' })).not.toThrow();
    expect(() => withMeter(client, meter, { agent_id: '😀'.repeat(129), action: 'answer' })).toThrow(
      expect.objectContaining({ field: 'agent_id' }),
    );
    const keys = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, 1]));
    expect(() => withMeter(client, meter, { ...DEFAULTS, metadata: keys(64) })).not.toThrow();
    expect(() => withMeter(client, meter, { ...DEFAULTS, metadata: keys(65) })).toThrow(
      expect.objectContaining({
        code: 'invalid_option',
        field: 'metadata',
        message: 'Expected `metadata` to have at most 64 keys, got 65.',
      }),
    );
  });

  it('never lets a throwing meter reach the caller: the error goes to onError', async () => {
    server.use(chatHandler({ usage: usage(5, 2) }));
    const broken = createRecordingMeter();
    const failure = new Error('queue exploded');
    const reported: unknown[] = [];
    const openai = withMeter(
      newClient(OpenAI),
      {
        ...broken,
        track: () => {
          throw failure;
        },
      },
      { ...DEFAULTS, onError: (error) => reported.push(error) },
    );
    const completion = await openai.chat.completions.create({ model: 'gpt-4.1', messages });
    expect(completion.id).toBe(CHAT_ID);
    await settle();
    expect(reported).toEqual([failure]);
  });

  it('meters a create() that returns a plain promise of a completion, without a warning', async () => {
    const warnings: unknown[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args.join(' '));
    const recording = createRecordingMeter();
    try {
      const fake = {
        chat: {
          completions: {
            create: async () => ({ id: 'x', usage: { prompt_tokens: 1, completion_tokens: 2 } }),
          },
        },
      };
      const wrapped = withMeter(fake, recording, DEFAULTS);
      expect(await wrapped.chat.completions.create()).toEqual({
        id: 'x',
        usage: { prompt_tokens: 1, completion_tokens: 2 },
      });
      await wrapped.chat.completions.create();
      await settle();
    } finally {
      console.warn = warn;
    }
    expect(warnings).toEqual([]);
    expect(recording.events.map((event) => [event.tokens_input, event.tokens_output])).toEqual([
      [1, 2],
      [1, 2],
    ]);
  });

  it('warns once, saying why, when create() returns something that cannot be metered', async () => {
    fakeTimers();
    const warnings: unknown[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args.join(' '));
    const recording = createRecordingMeter();
    try {
      // Two calls answered 42, then one answered a completion with usage: the control that a call
      // this fake answers is metered by the time its timers have run.
      const answers: unknown[] = [42, 42, { object: 'chat.completion', usage: usage(5, 2) }];
      const fake = { chat: { completions: { create: () => answers.shift() } } };
      const wrapped = withMeter(fake, recording, DEFAULTS);
      expect(wrapped.chat.completions.create()).toBe(42);
      wrapped.chat.completions.create();
      // Nothing, once every timer queued since has run (track() calls counted).
      await runQueuedTimers();
      expect(recording.trackCalls).toBe(0);
      wrapped.chat.completions.create();
      await runQueuedTimers();
      expect(recording.events.map((event) => [event.tokens_input, event.tokens_output])).toEqual([[5, 2]]);
      expect(recording.trackCalls).toBe(1);
    } finally {
      console.warn = warn;
    }
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0])).toMatch(
      /chat\.completions\.create\(\) returned number: neither a promise, nor a stream of chunks/,
    );
    expect(String(warnings[0])).not.toMatch(/version/);
  });

  it('rejects a missing meter as invalid_meter and a missing client as invalid_client', () => {
    expect(() => withMeter(client, {} as never, DEFAULTS)).toThrow(
      expect.objectContaining({
        name: 'OpenAIMeterError',
        code: 'invalid_meter',
        field: 'meter',
        message:
          'Expected `meter` to be an agentmeter Meter (with `track()` and `currentContext()`), got an object.',
      }),
    );
    expect(() => withMeter(undefined as never, meter, DEFAULTS)).toThrow(
      expect.objectContaining({
        name: 'OpenAIMeterError',
        code: 'invalid_client',
        field: 'client',
        message: 'Expected `client` to be an OpenAI client, got undefined.',
      }),
    );
  });

  it('throws an OpenAIMeterError that isInstance() recognizes, also from another copy of the package', () => {
    let thrown: unknown;
    try {
      withMeter(client, meter, { ...DEFAULTS, customerId: 'c' } as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(OpenAIMeterError);
    expect(OpenAIMeterError.isInstance(thrown)).toBe(true);
    expect(IntegrationError.isInstance(thrown)).toBe(true);
    const copy = Object.assign(new Error('x'), { [Symbol.for('agentmeter.openai.error')]: true });
    expect(OpenAIMeterError.isInstance(copy)).toBe(true);
    expect(OpenAIMeterError.isInstance(new Error('x'))).toBe(false);
  });
});
