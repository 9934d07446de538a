import { withMeter } from '@agentmeter/openai';
import { deriveEventId } from '@agentmeter/sdk/integration';
import OpenAI from 'openai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CHAT_ID,
  CHAT_MODEL,
  chatHandler,
  createMockServer,
  embeddingsHandler,
  newClient,
  usage,
} from '../../openai/src/test-fixtures.js';
import { DURATION_BUCKETS, TOKEN_BUCKETS } from './semconv.js';
import { histogram, instrumentedTestMeter, points, useProviderMock } from './test-otel.js';
import type { SemconvVersion } from './types.js';

const server = createMockServer();
const cleanups = useProviderMock(server);
afterEach(() => {
  vi.unstubAllEnvs();
});

const DEFAULTS = { agent_id: 'support-bot', action: 'answer' };
const TIER = { base_fee: '0.002', token_rate_input: '0.003', token_rate_output: '0.015' };
const messages = [{ role: 'user' as const, content: 'Say hello.' }];

function setup(semconv?: SemconvVersion) {
  const { otel, meter } = instrumentedTestMeter(TIER, semconv ? { semconv } : {}, cleanups);
  return { otel, meter, openai: withMeter(newClient(OpenAI), meter, DEFAULTS) };
}

/** Two chat calls on one model and one embeddings call. */
async function workload(openai: OpenAI) {
  let call = 0;
  server.use(
    chatHandler(() =>
      ++call === 1
        ? { id: `${CHAT_ID}1`, usage: usage(19, 10) }
        : { id: `${CHAT_ID}2`, usage: usage(2006, 300, { cached: 1920, cacheWrite: 64, reasoning: 192 }) },
    ),
    embeddingsHandler(8),
  );
  await openai.chat.completions.create({ model: 'gpt-4.1', messages });
  await openai.chat.completions.create({ model: 'gpt-4.1', messages });
  await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
}

const CHAT = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'gpt-4.1',
  'gen_ai.response.model': CHAT_MODEL,
  'server.address': 'api.openai.com',
  'server.port': 443,
};
const EMBEDDINGS = {
  'gen_ai.operation.name': 'embeddings',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': 'text-embedding-3-small',
  'gen_ai.response.model': 'text-embedding-3-small',
  'server.address': 'api.openai.com',
  'server.port': 443,
};

describe('GenAI client metrics, v1.41 (the default)', () => {
  it('records gen_ai.client.token.usage by token type with the conventions’ bucket boundaries', async () => {
    const { otel, openai } = setup();
    await workload(openai);
    const metrics = await otel.metrics();
    const tokens = metrics.get('gen_ai.client.token.usage');
    expect(tokens?.descriptor).toMatchObject({ unit: '{token}' });
    expect(points(tokens).map(({ attributes, value }) => ({ attributes, ...histogram(value) }))).toEqual([
      {
        attributes: { ...CHAT, 'gen_ai.token.type': 'input' },
        boundaries: TOKEN_BUCKETS,
        count: 2,
        sum: 2025,
      },
      {
        attributes: { ...CHAT, 'gen_ai.token.type': 'output' },
        boundaries: TOKEN_BUCKETS,
        count: 2,
        sum: 310,
      },
      {
        attributes: { ...EMBEDDINGS, 'gen_ai.token.type': 'input' },
        boundaries: TOKEN_BUCKETS,
        count: 1,
        sum: 8,
      },
    ]);
    const duration = metrics.get('gen_ai.client.operation.duration');
    expect(duration?.descriptor).toMatchObject({ unit: 's' });
    expect(points(duration).map(({ attributes, value }) => [attributes, histogram(value).count])).toEqual([
      [CHAT, 2],
      [EMBEDDINGS, 1],
    ]);
    expect(histogram(points(duration)[0]?.value).boundaries).toEqual(DURATION_BUCKETS);
    expect([...metrics.keys()].filter((name) => name.startsWith('gen_ai.client.inference'))).toEqual([]);
  });

  it('counts money charged by component, in the currency, and calls by outcome status', async () => {
    const { otel, meter, openai } = setup();
    server.use(chatHandler({ usage: usage(19, 10) }));
    await openai.chat.completions.create({ model: 'gpt-4.1', messages });
    // An event tracked by hand (no model call): charged too, with what is known of it.
    meter.track({ agent_id: 'support-bot', action: 'resolve_ticket', outcome: 'success' });
    let metrics = await otel.metrics();
    expect(metrics.get('agentmeter.charge')).toBeUndefined();
    await meter.flush();
    metrics = await otel.metrics();
    const charge = metrics.get('agentmeter.charge');
    expect(charge?.descriptor).toMatchObject({ unit: 'USD' });
    const call = {
      'agentmeter.currency': 'USD',
      'gen_ai.provider.name': 'openai',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4.1',
      'agentmeter.agent_id': 'support-bot',
      'agentmeter.action': 'answer',
    };
    expect(points(charge)).toEqual(
      [
        { attributes: { ...call, 'agentmeter.price.component': 'base' }, value: 0.002 },
        { attributes: { ...call, 'agentmeter.price.component': 'tokens' }, value: 0.000207 },
        { attributes: { ...call, 'agentmeter.price.component': 'outcome' }, value: 0 },
        { attributes: { 'agentmeter.currency': 'USD', 'agentmeter.price.component': 'base' }, value: 0.002 },
        { attributes: { 'agentmeter.currency': 'USD', 'agentmeter.price.component': 'tokens' }, value: 0 },
        { attributes: { 'agentmeter.currency': 'USD', 'agentmeter.price.component': 'outcome' }, value: 0 },
      ].sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes))),
    );
    expect(points(metrics.get('agentmeter.calls'))).toEqual([
      {
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4.1',
          'agentmeter.outcome.status': 'none',
          'agentmeter.agent_id': 'support-bot',
          'agentmeter.action': 'answer',
        },
        value: 1,
      },
    ]);
    expect(meter.priceOf(deriveEventId('openai', CHAT_ID, 'support-bot', 'answer'))?.price.tokens).toBe(
      '0.000207',
    );
  });
});

describe('OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental', () => {
  it('emits the newest draft names only: inference counters by modality, cache_write on the span', async () => {
    vi.stubEnv('OTEL_SEMCONV_STABILITY_OPT_IN', 'http, gen_ai_latest_experimental');
    const { otel, meter, openai } = setup();
    await workload(openai);
    await meter.flush();
    const metrics = await otel.metrics();
    expect([...metrics.keys()].sort()).toEqual([
      'agentmeter.calls',
      'agentmeter.charge',
      'gen_ai.client.embeddings.duration',
      'gen_ai.client.embeddings.operation.input_tokens',
      'gen_ai.client.inference.duration',
      'gen_ai.client.inference.operation.input_tokens',
      'gen_ai.client.inference.operation.output_tokens',
      'gen_ai.client.inference.usage.cache_read.input_tokens',
      'gen_ai.client.inference.usage.cache_write.input_tokens',
      'gen_ai.client.inference.usage.input_tokens',
      'gen_ai.client.inference.usage.output_tokens',
      'gen_ai.client.inference.usage.reasoning.output_tokens',
    ]);
    const byModality = { ...CHAT, 'gen_ai.token.modality': 'unknown' };
    expect(points(metrics.get('gen_ai.client.inference.usage.input_tokens'))).toEqual([
      { attributes: byModality, value: 2025 },
    ]);
    expect(points(metrics.get('gen_ai.client.inference.usage.cache_write.input_tokens'))).toEqual([
      { attributes: byModality, value: 64 },
    ]);
    expect(points(metrics.get('gen_ai.client.inference.usage.reasoning.output_tokens'))).toEqual([
      { attributes: byModality, value: 192 },
    ]);
    const perOperation = points(metrics.get('gen_ai.client.inference.operation.output_tokens'));
    expect(perOperation.map(({ attributes, value }) => ({ attributes, ...histogram(value) }))).toEqual([
      { attributes: CHAT, boundaries: TOKEN_BUCKETS, count: 2, sum: 310 },
    ]);
    expect(
      points(metrics.get('gen_ai.client.embeddings.operation.input_tokens')).map(({ value }) =>
        histogram(value),
      ),
    ).toEqual([{ boundaries: TOKEN_BUCKETS, count: 1, sum: 8 }]);
    const spans = otel
      .spans()
      .filter((span) => span.attributes['gen_ai.usage.cache_write.input_tokens'] === 64);
    expect(spans).toHaveLength(1);
    expect(spans[0]?.attributes).not.toHaveProperty('gen_ai.usage.cache_creation.input_tokens');
  });

  it('is off for any other value', async () => {
    vi.stubEnv('OTEL_SEMCONV_STABILITY_OPT_IN', 'gen_ai_latest_experimental/dup');
    const { otel, openai } = setup();
    await workload(openai);
    const names = [...(await otel.metrics()).keys()];
    expect(names).toContain('gen_ai.client.token.usage');
    expect(names).not.toContain('gen_ai.client.inference.duration');
  });
});
