import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTokens, type MockOpenAI, startMockOpenAI } from './mock-openai.js';

let mock: MockOpenAI;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockOpenAI();
  client = new OpenAI({ apiKey: 'sk-test', baseURL: mock.baseURL, maxRetries: 0 });
});
afterAll(async () => {
  await mock.close();
});

const system = 'You write short sales emails.';
const user = 'Prospect: cto@example.com. '.repeat(40);
const messages = [
  { role: 'system' as const, content: system },
  { role: 'user' as const, content: user },
];
// OpenAI's chat accounting: each message's tokens plus 4, plus 3 for the reply's priming.
const promptTokens = countTokens(system) + 4 + countTokens(user) + 4 + 3;

describe('the mock OpenAI endpoint, through the real client', () => {
  it('answers a chat completion with usage counted from the request, the same way every time', async () => {
    const first = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      max_completion_tokens: 200,
    });
    const again = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      max_completion_tokens: 200,
    });
    const content = first.choices[0]?.message.content ?? '';
    expect(first.id).toMatch(/^chatcmpl-\w{29}$/);
    expect(first.usage).toMatchObject({
      prompt_tokens: promptTokens,
      completion_tokens: countTokens(content),
      total_tokens: promptTokens + countTokens(content),
    });
    expect(first.usage?.completion_tokens).toBeGreaterThanOrEqual(110);
    expect(first.usage?.completion_tokens).toBeLessThanOrEqual(200);
    expect(again.choices[0]?.message.content).toBe(content);
    expect(again.id).not.toBe(first.id);
  });

  it('streams the same answer in chunks, with a final usage-only chunk when asked', async () => {
    const plain = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      max_completion_tokens: 200,
    });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      max_completion_tokens: 200,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const chunks = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(text).toBe(plain.choices[0]?.message.content);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual(plain.usage);
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    const withoutUsage = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
    });
    for await (const chunk of withoutUsage) expect(chunk.usage).toBeUndefined();
  });

  it('picks one of the labels a classification prompt allows', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Answer with exactly one of: billing, bug, how-to.' },
        { role: 'user', content: 'My invoice is wrong.' },
      ],
    });
    expect(['billing', 'bug', 'how-to']).toContain(completion.choices[0]?.message.content);
  });

  it('answers unknown routes and bad bodies with OpenAI-shaped errors', async () => {
    await expect(
      client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }),
    ).rejects.toMatchObject({
      status: 404,
      code: 'unknown_url',
    });
    await expect(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] }),
    ).rejects.toMatchObject({
      status: 400,
      code: 'missing_required_parameter',
    });
  });
});
