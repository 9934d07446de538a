import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RULE_ATTRIBUTES } from './attributes.js';
import type { SpanView } from './span.js';
import { hasUsage, isModelCall, nestingNodeOf, roleOf, usageOf } from './usage.js';

const CLIENT = 2;
const INTERNAL = 0;

function span(attributes: Record<string, unknown>, more: Partial<SpanView> = {}): SpanView {
  return {
    name: 'span',
    kind: CLIENT,
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: '00f067aa0ba902b7',
    parentSpanId: undefined,
    startMs: 0,
    endMs: 1,
    statusCode: 0,
    attributes,
    resource: {},
    scope: 'app',
    ...more,
  };
}

describe('roleOf', () => {
  it.each([
    ['a span of @agentmeter/otel', {}, { scope: '@agentmeter/otel' }, 'own'],
    ['a span an agentmeter layer marked', { 'agentmeter.event_id': 'evt_1' }, {}, 'own'],
    ['a workflow operation', { 'gen_ai.operation.name': 'invoke_workflow' }, {}, 'aggregate'],
    ['a tool operation', { 'gen_ai.operation.name': 'execute_tool' }, {}, 'aggregate'],
    ['an agent run in process', { 'gen_ai.operation.name': 'invoke_agent' }, { kind: INTERNAL }, 'aggregate'],
    ['a call to a remote agent (a client span)', { 'gen_ai.operation.name': 'invoke_agent' }, {}, 'call'],
    ['an OpenInference chain', { 'openinference.span.kind': 'CHAIN' }, {}, 'aggregate'],
    ['an OpenInference LLM span, in any case', { 'openinference.span.kind': 'llm' }, {}, 'call'],
    ['an OpenLLMetry task', { 'traceloop.span.kind': 'task' }, {}, 'aggregate'],
    ['the AI SDK’s call over its steps', { 'ai.operationId': 'ai.generateText' }, {}, 'aggregate'],
    ['the AI SDK’s provider call', { 'ai.operationId': 'ai.generateText.doGenerate' }, {}, 'call'],
    ['a chat span', { 'gen_ai.operation.name': 'chat' }, {}, 'call'],
  ] as const)('%s: %s', (_name, attributes, more, role) => {
    expect(roleOf(span(attributes, more))).toBe(role);
  });
});

describe('isModelCall and nestingNodeOf', () => {
  it('a marker of one call and a provider or model make a call without usage; either alone does not', () => {
    expect(isModelCall(span({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-5' }))).toBe(
      true,
    );
    expect(isModelCall(span({ 'llm.request.type': 'completion', 'gen_ai.system': 'Cohere' }))).toBe(true);
    expect(isModelCall(span({ 'gen_ai.operation.name': 'chat' }))).toBe(false);
    expect(isModelCall(span({ 'gen_ai.provider.name': 'anthropic', 'http.request.method': 'GET' }))).toBe(
      false,
    );
  });

  it('a workflow with usage reports usage for nesting but is never a call', () => {
    const workflow = span({ 'traceloop.span.kind': 'workflow', 'gen_ai.usage.input_tokens': 10 });
    expect(hasUsage(workflow)).toBe(true);
    expect(nestingNodeOf(workflow)).toMatchObject({ usage: true, call: false });
    expect(nestingNodeOf(span({ 'gen_ai.usage.output_tokens': 1 }, { parentSpanId: 'p' }))).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: '00f067aa0ba902b7',
      parentSpanId: 'p',
      usage: true,
      call: true,
    });
  });
});

describe('usageOf', () => {
  it('reads the first spelling present, normalized: the AI SDK’s provider id, counts sent as strings, models, errors', () => {
    expect(
      usageOf(
        span(
          {
            'ai.model.provider': 'openai.chat',
            'ai.operationId': 'ai.streamText.doStream',
            'ai.usage.promptTokens': '120',
            'gen_ai.usage.output_tokens': 30,
            'ai.usage.completionTokens': 999,
            'gen_ai.usage.cache_read_input_tokens': 200,
            'gen_ai.usage.reasoning_tokens': 40,
            'ai.model.id': 'gpt-5',
            'ai.response.model': 'gpt-5-2025-08-07',
            'ai.response.id': 'resp_1',
          },
          { statusCode: 2 },
        ),
      ),
    ).toEqual({
      provider: 'openai',
      operation: 'chat',
      requestModel: 'gpt-5',
      responseModel: 'gpt-5-2025-08-07',
      responseId: 'resp_1',
      inputTokens: 120,
      outputTokens: 30,
      // The subsets never exceed their totals.
      cachedInputTokens: 120,
      cacheWriteTokens: 0,
      reasoningTokens: 30,
      errorType: '_OTHER',
      usageMissing: false,
    });
  });

  it('an OpenInference embedding without counts is an embeddings call with its usage missing', () => {
    const usage = usageOf(
      span({ 'openinference.span.kind': 'EMBEDDING', 'embedding.model_name': 'text-embedding-3-small' }),
    );
    expect(usage).toMatchObject({
      operation: 'embeddings',
      requestModel: 'text-embedding-3-small',
      usageMissing: true,
      inputTokens: 0,
      outputTokens: 0,
    });
    expect(usageOf(span({ 'http.request.method': 'POST' }))).toBeUndefined();
  });

  it('reads a later OpenLLMetry Anthropic release (which counts the cache in) with the conventions’ meaning, when the span names its version', () => {
    const anthropic = (scopeVersion: string | undefined) =>
      span(
        {
          'gen_ai.provider.name': 'anthropic',
          'gen_ai.operation.name': 'chat',
          'gen_ai.usage.input_tokens': 5_000,
          'gen_ai.usage.output_tokens': 20,
          'gen_ai.usage.cache_read.input_tokens': 3_000,
        },
        { scope: '@traceloop/instrumentation-anthropic', scopeVersion },
      );
    for (const [version, input] of [
      ['0.28.0', 5_000],
      ['1.0.0', 5_000],
      ['0.27.0', 8_000],
      ['0.27.0-beta.1', 8_000],
      [undefined, 8_000],
    ] as const)
      expect([version, usageOf(anthropic(version))?.inputTokens]).toEqual([version, input]);
  });

  it('reads no attribute but those RULE_ATTRIBUTES lists', () => {
    const read = new Set<string>();
    const recording = (values: Record<string, unknown>) =>
      new Proxy(values, {
        get(target, key, receiver) {
          if (typeof key === 'string') read.add(key);
          return Reflect.get(target, key, receiver);
        },
      });
    // Spans that take each rule down each of its branches.
    const sets: Record<string, unknown>[] = [
      {},
      { 'gen_ai.usage.input_tokens': 1 },
      {
        'ai.model.provider': 'openai.chat',
        'ai.usage.promptTokens': 1,
        'ai.operationId': 'ai.embed.doEmbed',
      },
      { 'openinference.span.kind': 'EMBEDDING', 'llm.token_count.prompt': 1, 'llm.provider': 'openai' },
      { 'gen_ai.operation.name': 'chat', 'gen_ai.usage.output_tokens': 1 },
      { 'gen_ai.operation.name': 'embeddings' },
      { 'llm.request.type': 'chat' },
      { 'openinference.span.kind': 'LLM' },
      { 'ai.operationId': 'ai.streamText.doStream' },
      {
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.usage.input_tokens': 5,
        'gen_ai.usage.cache_read.input_tokens': 50,
      },
      {
        'ai.model.provider': 'google.generative-ai',
        'gen_ai.usage.input_tokens': 5,
        'gen_ai.usage.output_tokens': 5,
        'ai.usage.reasoningTokens': 2,
        'ai.response.providerMetadata': '{"google":{"usageMetadata":{"candidatesTokenCount":5}}}',
      },
    ];
    for (const values of sets) {
      const view = span(recording(values), { resource: recording({}) });
      roleOf(view);
      nestingNodeOf(view);
      usageOf(view);
      usageOf({ ...view, scope: '@traceloop/instrumentation-anthropic', scopeVersion: '0.28.0' });
    }
    expect(read.size).toBeGreaterThan(30);
    expect([...read].filter((key) => !RULE_ATTRIBUTES.includes(key))).toEqual([]);
  });
});

describe('usageOf with the AI SDK’s provider metadata, whatever the counts and the metadata', () => {
  // Small counts, so that the coincidences the rules look for (a step total that adds up with the
  // reasoning, an output equal to Google's own) come up often; and values that are no count.
  const count = fc.oneof(
    { arbitrary: fc.nat({ max: 40 }), weight: 4 },
    { arbitrary: fc.constantFrom<unknown>(-1, 2.5, '7', 'x', '', null, 1e20, [3], {}), weight: 1 },
  );
  const counts = (keys: string[]) =>
    fc.record(Object.fromEntries(keys.map((key) => [key, count])), { requiredKeys: [] });
  const anthropic = fc.record(
    {
      usage: counts([
        'input_tokens',
        'output_tokens',
        'cache_read_input_tokens',
        'cache_creation_input_tokens',
      ]),
      cacheCreationInputTokens: count,
    },
    { requiredKeys: [] },
  );
  const google = fc.record(
    {
      usageMetadata: counts([
        'promptTokenCount',
        'cachedContentTokenCount',
        'candidatesTokenCount',
        'thoughtsTokenCount',
        'totalTokenCount',
      ]),
    },
    { requiredKeys: [] },
  );
  const json = fc.record({ anthropic, google }, { requiredKeys: [] }).map((value) => JSON.stringify(value));
  const metadata = fc.oneof(
    json,
    // Cut short anywhere: not JSON, mostly.
    json.chain((text) => fc.nat({ max: text.length }).map((cut) => text.slice(0, cut))),
    fc.string(),
    fc.constantFrom<unknown>(undefined, 7, true, 'null', '[]'),
  );
  const optional = (arbitrary: fc.Arbitrary<unknown>) => fc.option(arbitrary, { nil: undefined });
  const attributes = fc.record({
    'ai.operationId': fc.constantFrom('ai.generateText.doGenerate', 'ai.streamText.doStream'),
    'ai.model.provider': fc.constantFrom('anthropic.messages', 'google.generative-ai', 'openai.chat'),
    'gen_ai.usage.input_tokens': optional(count),
    'gen_ai.usage.output_tokens': optional(count),
    'ai.usage.cachedInputTokens': optional(count),
    'ai.usage.inputTokenDetails.cacheWriteTokens': optional(count),
    'ai.usage.reasoningTokens': optional(count),
    'ai.usage.totalTokens': optional(count),
    'ai.response.providerMetadata': metadata,
  });
  const parses = (value: unknown) => {
    if (typeof value !== 'string') return false;
    try {
      JSON.parse(value);
      return true;
    } catch {
      return false;
    }
  };
  const isCount = (value: unknown) => Number.isInteger(value) && (value as number) >= 0;

  it('counts are whole and non-negative, subsets within their totals; metadata that is no JSON reads as none', () => {
    fc.assert(
      fc.property(
        attributes,
        fc.constantFrom(undefined, '@traceloop/instrumentation-anthropic'),
        (values, scope) => {
          const usage = usageOf(span(values, { kind: INTERNAL, scope }));
          // Every such span is a provider call naming its provider: never undefined.
          expect(usage).toBeDefined();
          if (!usage) return;
          const tokens = [
            usage.inputTokens,
            usage.outputTokens,
            usage.cachedInputTokens,
            usage.cacheWriteTokens,
            usage.reasoningTokens,
          ];
          expect(tokens.every(isCount)).toBe(true);
          expect(usage.cachedInputTokens + usage.cacheWriteTokens).toBeLessThanOrEqual(usage.inputTokens);
          expect(usage.reasoningTokens).toBeLessThanOrEqual(usage.outputTokens);
          if (usage.usageMissing) expect(tokens).toEqual([0, 0, 0, 0, 0]);
          if (!parses(values['ai.response.providerMetadata'])) {
            const without = { ...values, 'ai.response.providerMetadata': undefined };
            expect(usageOf(span(without, { kind: INTERNAL, scope }))).toEqual(usage);
          }
        },
      ),
      { numRuns: 3_000, seed: 505 },
    );
  });

  it('metadata longer than the rules read is ignored', () => {
    const own = JSON.stringify({ anthropic: { usage: { input_tokens: 10, cache_read_input_tokens: 90 } } });
    const values = {
      'ai.operationId': 'ai.generateText.doGenerate',
      'ai.model.provider': 'anthropic.messages',
      'gen_ai.usage.input_tokens': 10,
      'gen_ai.usage.output_tokens': 1,
    };
    const read = (metadata: string) =>
      usageOf(span({ ...values, 'ai.response.providerMetadata': metadata }))?.inputTokens;
    expect(read(own)).toBe(100);
    expect(read(own.padEnd(65_536, ' '))).toBe(100);
    expect(read(own.padEnd(65_537, ' '))).toBe(10);
  });
});
