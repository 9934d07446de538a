import { generateText, wrapLanguageModel } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { createRecordingMeter, expectEveryMeterClean } from '../../../test/support/recording-meter.js';
import { expectIntegrationError, REFUSED_FRAMEWORK_OPTIONS } from '../../../test/support/refused-options.js';
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

  it('reports a per-call key it does not know (customerId), naming the one meant, and meters the call', async () => {
    const errors: unknown[] = [];
    const { meter, model } = setup({ onError: (error) => errors.push(error) });
    await meter.withContext({ customer_id: 'cus_ctx' }, () =>
      generateText({ model, prompt: 'hey', providerOptions: { agentmeter: { customerId: 'cus_typo' } } }),
    );
    expect(errors).toMatchObject([
      {
        code: 'invalid_provider_option',
        field: 'providerOptions.agentmeter.customerId',
        message:
          'Unknown option `providerOptions.agentmeter.customerId`; did you mean `providerOptions.agentmeter.customer_id`?',
      },
    ]);
    expect(meter.events.map((event) => [event.customer_id, event.tokens_input])).toEqual([['cus_ctx', 3]]);
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
    ...REFUSED_FRAMEWORK_OPTIONS,
    [
      { ...defaults, providerOptions: {} },
      'providerOptions',
      'Unknown option `providerOptions`. Known options: `agent_id`, `action`, `customer_id`, `tier`, `metadata`, `onError`, `meterErrors`.',
    ],
  ])('refuses %j naming `%s`', (options, field, message) => {
    expectIntegrationError(() => meterMiddleware(meter, options as never), AiSdkMeterError, {
      code: 'invalid_option',
      field,
      message,
    });
  });

  it('refuses something that is not a Meter as invalid_meter', () => {
    expectIntegrationError(() => meterMiddleware(null as never, defaults), AiSdkMeterError, {
      code: 'invalid_meter',
      field: 'meter',
      message:
        'Expected `meter` to be an agentmeter Meter (with `track()` and `currentContext()`), got null.',
    });
  });
});
