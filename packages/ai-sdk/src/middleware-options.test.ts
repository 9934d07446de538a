import { generateText, wrapLanguageModel } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { createRecordingMeter, expectEveryMeterClean } from '../../../test/support/recording-meter.js';
import { AiSdkMeterError } from './errors.js';
import { meterMiddleware } from './middleware.js';
import { mockModel } from './test-support/mock-model.js';
import { textResult, v3Usage } from './test-support/parts.js';
import type { MeterMiddlewareOptions } from './types.js';

afterEach(expectEveryMeterClean);

const defaults = { agent_id: 'support-bot', action: 'answer' };

function setup(options: Partial<MeterMiddlewareOptions> = {}) {
  const meter = createRecordingMeter();
  let calls = 0;
  const model = wrapLanguageModel({
    model: mockModel({
      doGenerate: async ({ prompt }) => {
        calls += 1;
        const size = JSON.stringify(prompt).match(/"text":"([^"]*)"/)?.[1]?.length ?? 0;
        return textResult('ok', v3Usage({ input: size, output: 1 }), { id: `r${calls}`, modelId: 'm' });
      },
    }),
    middleware: meterMiddleware(meter, { ...defaults, ...options }),
  });
  return { meter, model };
}

describe('attribution', () => {
  it('applies providerOptions.agentmeter over meter.withContext over the middleware options', async () => {
    const { meter, model } = setup({ customer_id: 'cus_default', tier: 'pro', metadata: { app: 'help' } });
    await generateText({ model, prompt: 'a' });
    await meter.withContext({ customer_id: 'cus_ctx', action: 'triage' }, () =>
      generateText({ model, prompt: 'bb' }),
    );
    await meter.withContext({ customer_id: 'cus_ctx' }, () =>
      generateText({
        model,
        prompt: 'ccc',
        providerOptions: { agentmeter: { customer_id: 'cus_call', tier: 'enterprise' } },
      }),
    );
    expect(
      meter.events.map((event) => [event.tokens_input, event.customer_id, event.action, event.tier]),
    ).toEqual([
      [1, 'cus_default', 'answer', 'pro'],
      [2, 'cus_ctx', 'triage', 'pro'],
      [3, 'cus_call', 'answer', 'enterprise'],
    ]);
    expect(meter.events.every((event) => event.metadata?.['app'] === 'help')).toBe(true);
  });

  it('reports an invalid per-call value as a typed error naming it, and still meters the call', async () => {
    const errors: unknown[] = [];
    const { meter, model } = setup({ onError: (error) => errors.push(error) });
    await meter.withContext({ customer_id: 'cus_ctx' }, () =>
      generateText({ model, prompt: 'hey', providerOptions: { agentmeter: { tier: 'Gold' } } }),
    );
    expect(AiSdkMeterError.isInstance(errors[0])).toBe(true);
    expect(errors).toMatchObject([
      {
        code: 'invalid_provider_option',
        field: 'providerOptions.agentmeter.tier',
        message:
          'Expected `providerOptions.agentmeter.tier` to be a tier id (lower-case letters, digits and `_.-`, up to 64 characters), got "Gold".',
      },
    ]);
    expect(meter.events.map((event) => [event.customer_id, event.tier, event.tokens_input])).toEqual([
      ['cus_ctx', undefined, 3],
    ]);
  });

  it('never lets a failing meter break the model call', async () => {
    const errors: unknown[] = [];
    const { meter, model } = setup({ onError: (error) => errors.push(error) });
    meter.track = () => {
      throw new Error('meter is down');
    };
    const result = await generateText({ model, prompt: 'hi' });
    expect(result.text).toBe('ok');
    expect(errors.map((error) => (error as Error).message)).toEqual(['meter is down']);
  });
});

describe('options', () => {
  const meter = createRecordingMeter();
  it.each([
    [
      { action: 'a' },
      'agent_id',
      'Expected `agent_id` to be a string of 1 to 128 characters without control characters, got undefined.',
    ],
    [
      { agent_id: 'a', action: 7 },
      'action',
      'Expected `action` to be a string of 1 to 128 characters without control characters, got 7.',
    ],
    [
      { ...defaults, customer_id: 'a\nb' },
      'customer_id',
      'Expected `customer_id` to be a string of 1 to 128 characters without control characters, got "a\\nb".',
    ],
    [
      { ...defaults, tier: 'Pro' },
      'tier',
      'Expected `tier` to be a tier id (lower-case letters, digits and `_.-`, up to 64 characters), got "Pro".',
    ],
    [
      { ...defaults, tier: 'p'.repeat(65) },
      'tier',
      `Expected \`tier\` to be a tier id (lower-case letters, digits and \`_.-\`, up to 64 characters), got "${'p'.repeat(40)}…".`,
    ],
    [{ ...defaults, metadata: 'x' }, 'metadata', 'Expected `metadata` to be a plain object, got "x".'],
    [{ ...defaults, onError: 1 }, 'onError', 'Expected `onError` to be a function, got 1.'],
    [{ ...defaults, meterErrors: 'no' }, 'meterErrors', 'Expected `meterErrors` to be a boolean, got "no".'],
    // A typo is refused, not dropped: the charge would lose its customer.
    [
      { ...defaults, customerId: 'cus_42' },
      'customerId',
      'Unknown option `customerId`; did you mean `customer_id`?',
    ],
    [
      { ...defaults, providerOptions: {} },
      'providerOptions',
      'Unknown option `providerOptions`. Known options: `agent_id`, `action`, `customer_id`, `tier`, `metadata`, `onError`, `meterErrors`.',
    ],
  ])('refuses %j naming `%s`', (options, field, message) => {
    const attempt = () => meterMiddleware(meter, options as never);
    expect(attempt).toThrow(
      expect.objectContaining({ name: 'AiSdkMeterError', code: 'invalid_option', message }),
    );
    try {
      attempt();
    } catch (error) {
      expect(AiSdkMeterError.isInstance(error) && error.field).toBe(field);
    }
  });

  it('refuses something that is not a Meter as invalid_meter', () => {
    expect(() => meterMiddleware(null as never, defaults)).toThrow(
      expect.objectContaining({
        name: 'AiSdkMeterError',
        code: 'invalid_meter',
        field: 'meter',
        message:
          'Expected `meter` to be an agentmeter Meter (with `track()` and `currentContext()`), got null.',
      }),
    );
  });
});
