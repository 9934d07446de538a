// The other token-billed calls: legacy text completions and `responses.compact` (openai 6 and newer:
// the openai 5 lane, test/lanes/openai5, reports it skipped, the client there has no such method).
import { onUsage } from '@agentmeter/sdk/integration';
import { HttpResponse, http } from 'msw';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { BASE_URL, newClient, settle, sseResponse, VERSIONS } from './test-fixtures.js';
import { responseUsage } from './test-fixtures-responses.js';
import { createRecordingMeter, eventsOf, useMockServer } from './test-support.js';
import { withMeter } from './with-meter.js';

const server = useMockServer();

const DEFAULTS = { agent_id: 'writer', action: 'draft' };
const COMPLETION_ID = 'cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7';
let requests = 0;

/** `POST /completions` answering like OpenAI, honouring `stream_options.include_usage`. */
const completionsHandler = http.post(`${BASE_URL}/completions`, async ({ request }) => {
  const body = (await request.json()) as { stream?: boolean; stream_options?: { include_usage?: boolean } };
  const usage = { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 };
  const base = {
    id: `${COMPLETION_ID}${++requests}`,
    object: 'text_completion',
    created: 1589478378,
    model: 'gpt-3.5-turbo-instruct',
  };
  if (!body.stream) {
    return HttpResponse.json({
      ...base,
      choices: [{ text: '\n\nThis is indeed a test', index: 0, logprobs: null, finish_reason: 'length' }],
      usage,
    });
  }
  const withUsage = body.stream_options?.include_usage === true;
  const chunk = (text: string, finish: string | null) => ({
    ...base,
    choices: [{ text, index: 0, logprobs: null, finish_reason: finish }],
    ...(withUsage ? { usage: null } : {}),
  });
  const chunks: unknown[] = [chunk('\n\nThis is', null), chunk(' indeed a test', 'length')];
  if (withUsage) chunks.push({ ...base, choices: [], usage });
  return sseResponse(
    chunks.map((data) => ({ data })),
    { done: true },
  );
});

describe.each(VERSIONS)('legacy completions with $version', ({ OpenAI: Client }) => {
  it('meters plain and streamed text completions, hiding the usage chunk it asked for', async () => {
    server.use(completionsHandler);
    const meter = createRecordingMeter();
    const openai = withMeter(newClient(Client), meter, DEFAULTS);
    const operations: string[] = [];
    const stop = onUsage((usage) => operations.push(usage.operation));
    try {
      const completion = await openai.completions.create({
        model: 'gpt-3.5-turbo-instruct',
        prompt: 'Say this is a test',
      });
      expect(completion.choices[0]?.text).toBe('\n\nThis is indeed a test');
      const stream = await openai.completions.create({
        model: 'gpt-3.5-turbo-instruct',
        prompt: 'Say this is a test',
        stream: true,
      });
      const texts: string[] = [];
      for await (const chunk of stream) texts.push(chunk.choices[0]?.text ?? '<no choice>');
      expect(texts).toEqual(['\n\nThis is', ' indeed a test']);
      await settle();
    } finally {
      stop();
    }
    expect(eventsOf(meter).map((event) => [event.tokens_input, event.tokens_output])).toEqual([
      [5, 7],
      [5, 7],
    ]);
    expect(operations).toEqual(['text_completion', 'text_completion']);
  });
});

const hasCompact = typeof new OpenAI({ apiKey: 'sk-test' }).responses.compact === 'function';

describe.runIf(hasCompact)('responses.compact (openai 6 and newer)', () => {
  it('meters the compaction call from its usage', async () => {
    const id = 'resp_compact_68af9c2d3b5c8190a1b2c3d4e5f60718';
    server.use(
      http.post(`${BASE_URL}/responses/compact`, () =>
        HttpResponse.json({
          id,
          object: 'response.compaction',
          created_at: 1756400000,
          output: [],
          usage: responseUsage(5200, 640, { cached: 4096 }),
        }),
      ),
    );
    const meter = createRecordingMeter();
    const openai = withMeter(newClient(OpenAI), meter, DEFAULTS);
    const compacted = await openai.responses.compact({ model: 'gpt-4.1', input: 'A long conversation…' });
    expect(compacted.id).toBe(id);
    await settle();
    expect(eventsOf(meter)).toEqual([
      {
        tokens_input: 5200,
        tokens_output: 640,
        tokens_cached_input: 4096,
        provider: 'openai',
        model: 'gpt-4.1',
        agent_id: 'writer',
        action: 'draft',
        event_id: expect.stringContaining(id),
        call: { response_id: id },
      },
    ]);
  });
});
