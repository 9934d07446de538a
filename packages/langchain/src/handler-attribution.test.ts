import { InMemoryCache } from '@langchain/core/caches';
import { awaitAllCallbacks } from '@langchain/core/callbacks/promises';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRecordingMeter, expectEveryMeterClean } from '../../../test/support/recording-meter.js';
import { expectIntegrationError, REFUSED_FRAMEWORK_OPTIONS } from '../../../test/support/refused-options.js';
import { createAnthropicServer, jsonResponse, messageBody } from '../../anthropic/src/test-fixtures.js';
import { LangChainMeterError } from './errors.js';
import { AgentmeterCallbackHandler } from './handler.js';
import { chatAnthropic, lastUserText } from './test-support/chat-models.js';

const { server, answer } = createAnthropicServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());
afterEach(expectEveryMeterClean);

const defaults = { agent_id: 'support-bot', action: 'answer' };

/**
 * A ChatAnthropic whose API answers every prompt; the input token count is the prompt's length, so
 * each call is recognizable.
 */
function echoModel(options: { cache?: InMemoryCache } = {}) {
  let calls = 0;
  answer((body) => {
    calls += 1;
    return jsonResponse(
      messageBody({
        id: `msg_01echo${calls}Xq7Lk2Vb9Tz`,
        model: 'claude-haiku-4-5',
        usage: { input_tokens: lastUserText(body).length, output_tokens: 2 },
        content: [{ type: 'text', text: 'ok', citations: null }],
      }),
    );
  });
  return { model: chatAnthropic({ model: 'claude-haiku-4-5', ...options }), calls: () => calls };
}

describe('attribution', () => {
  it('applies run metadata over meter.withContext over the handler options, through a chain', async () => {
    const meter = createRecordingMeter();
    const handler = new AgentmeterCallbackHandler(meter, {
      ...defaults,
      customer_id: 'cus_default',
      tier: 'pro',
      metadata: { app: 'help' },
    });
    const chain = ChatPromptTemplate.fromMessages([['human', '{question}']]).pipe(echoModel().model);

    await chain.invoke({ question: 'a' }, { callbacks: [handler] });
    await meter.withContext({ customer_id: 'cus_ctx', action: 'triage' }, () =>
      chain.invoke({ question: 'bb' }, { callbacks: [handler] }),
    );
    await meter.withContext({ customer_id: 'cus_ctx' }, () =>
      chain.invoke(
        { question: 'ccc' },
        {
          callbacks: [handler],
          metadata: { agentmeter_customer_id: 'cus_run', agentmeter_tier: 'enterprise' },
        },
      ),
    );

    expect(
      meter.events.map((event) => [event.tokens_input, event.customer_id, event.action, event.tier]),
    ).toEqual([
      [1, 'cus_default', 'answer', 'pro'],
      [2, 'cus_ctx', 'triage', 'pro'],
      [3, 'cus_run', 'answer', 'enterprise'],
    ]);
    expect(
      meter.events.every((event) => event.metadata?.['app'] === 'help' && event.agent_id === 'support-bot'),
    ).toBe(true);
  });

  it('reports invalid run metadata as a typed error naming the key, and still meters the call', async () => {
    const meter = createRecordingMeter();
    const errors: unknown[] = [];
    const handler = new AgentmeterCallbackHandler(meter, {
      ...defaults,
      onError: (error) => errors.push(error),
    });
    await meter.withContext({ customer_id: 'cus_ctx' }, () =>
      echoModel().model.invoke('hey', { callbacks: [handler], metadata: { agentmeter_customer_id: 42 } }),
    );
    expect(errors).toHaveLength(1);
    expect(LangChainMeterError.isInstance(errors[0])).toBe(true);
    expect(errors[0]).toMatchObject({
      code: 'invalid_metadata',
      field: 'metadata.agentmeter_customer_id',
      message:
        'Expected `metadata.agentmeter_customer_id` to be a string of 1 to 128 characters without control characters, got 42.',
    });
    expect(meter.events.map((event) => [event.customer_id, event.tokens_input])).toEqual([['cus_ctx', 3]]);
  });

  it('reports an agentmeter_ run-metadata key it does not know, naming the one meant; other keys are the app’s', async () => {
    const meter = createRecordingMeter();
    const errors: unknown[] = [];
    const handler = new AgentmeterCallbackHandler(meter, {
      ...defaults,
      onError: (error) => errors.push(error),
    });
    await meter.withContext({ customer_id: 'cus_ctx' }, () =>
      echoModel().model.invoke('hey', {
        callbacks: [handler],
        metadata: { agentmeter_customerId: 'cus_typo', app_customerId: 'not ours' },
      }),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      code: 'invalid_metadata',
      field: 'metadata.agentmeter_customerId',
      message:
        'Unknown option `metadata.agentmeter_customerId`; did you mean `metadata.agentmeter_customer_id`?',
    });
    expect(meter.events.map((event) => [event.customer_id, event.tokens_input])).toEqual([['cus_ctx', 3]]);
  });

  it('meters nothing for an answer served from the LangChain cache', async () => {
    const meter = createRecordingMeter();
    const { model, calls } = echoModel({ cache: new InMemoryCache() });
    const handler = new AgentmeterCallbackHandler(meter, defaults);
    await model.invoke('same question', { callbacks: [handler] });
    await model.invoke('same question', { callbacks: [handler] });
    expect(calls()).toBe(1);
    expect(meter.events.map((event) => event.tokens_input)).toEqual([13]);
  });

  it('never lets a failing meter break the model call', async () => {
    const meter = createRecordingMeter();
    meter.track = () => {
      throw new Error('meter is down');
    };
    const errors: unknown[] = [];
    const handler = new AgentmeterCallbackHandler(meter, {
      ...defaults,
      onError: (error) => errors.push(error),
    });
    const answer = await echoModel().model.invoke('hi', { callbacks: [handler] });
    expect(answer.content).toBe('ok');
    expect(errors.map((error) => (error as Error).message)).toEqual(['meter is down']);
  });

  it('meters a call once when the same handler is attached to the model and to the call', async () => {
    const meter = createRecordingMeter();
    const handler = new AgentmeterCallbackHandler(meter, defaults);
    answer(() =>
      jsonResponse(
        messageBody({
          id: 'msg_01twiceXq7Lk2Vb9Tz',
          model: 'claude-haiku-4-5',
          usage: { input_tokens: 6, output_tokens: 1 },
        }),
      ),
    );
    const model = chatAnthropic({ model: 'claude-haiku-4-5', callbacks: [handler] });
    await model.invoke('twice', { callbacks: [handler] });
    expect(meter.events.map((event) => event.tokens_input)).toEqual([6]);
  });

  it('keeps its meter and options through LangChain copy()', async () => {
    const meter = createRecordingMeter();
    const copy = new AgentmeterCallbackHandler(meter, { ...defaults, customer_id: 'cus_copy' }).copy();
    await echoModel().model.invoke('four', { callbacks: [copy] });
    expect(meter.events.map((event) => [event.customer_id, event.tokens_input])).toEqual([['cus_copy', 4]]);
  });
});

describe('serverless', () => {
  it('has every event queued once the call resolves; awaitAllCallbacks() then drains the other handlers', async () => {
    const meter = createRecordingMeter();
    const handler = new AgentmeterCallbackHandler(meter, defaults);
    // LangChain runs handlers in the background unless LANGCHAIN_CALLBACKS_BACKGROUND=false; this
    // one is awaited, so withContext attribution holds and the event exists when invoke() resolves.
    expect(process.env['LANGCHAIN_CALLBACKS_BACKGROUND']).toBeUndefined();
    const backgroundEnds: string[] = [];
    const background = {
      handleLLMEnd: async (_output: unknown, runId: string) => {
        await new Promise((resolve) => setImmediate(resolve));
        backgroundEnds.push(runId);
      },
    };
    await meter.withContext({ customer_id: 'cus_lambda' }, () =>
      echoModel().model.invoke('five!', { callbacks: [handler, background] }),
    );
    expect(meter.events.map((event) => [event.customer_id, event.tokens_input])).toEqual([['cus_lambda', 5]]);
    await awaitAllCallbacks();
    expect(backgroundEnds).toHaveLength(1);
  });
});

describe('options', () => {
  const meter = createRecordingMeter();
  it.each([
    ...REFUSED_FRAMEWORK_OPTIONS,
    [
      { ...defaults, captureContent: true },
      'captureContent',
      'Unknown option `captureContent`. Known options: `agent_id`, `action`, `customer_id`, `tier`, `metadata`, `onError`, `meterErrors`.',
    ],
  ])('refuses %j naming `%s`', (options, field, message) => {
    expectIntegrationError(
      () => new AgentmeterCallbackHandler(meter, options as never),
      LangChainMeterError,
      { code: 'invalid_option', field, message },
    );
  });

  it('refuses something that is not a Meter as invalid_meter', () => {
    expectIntegrationError(() => new AgentmeterCallbackHandler({} as never, defaults), LangChainMeterError, {
      code: 'invalid_meter',
      field: 'meter',
      message:
        'Expected `meter` to be an agentmeter Meter (with `track()` and `currentContext()`), got an object.',
    });
  });
});
