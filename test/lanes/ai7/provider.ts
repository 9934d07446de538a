// An OpenAI-compatible provider for @ai-sdk/openai, answered in process through the provider's `fetch`
// option: chat completions (plain, and streamed with a final usage chunk) and embeddings, each call with
// its own random id and fixed counts, so a merged or misread call shows in the totals.
import { randomBytes } from 'node:crypto';

export const CHAT_USAGE = { prompt_tokens: 1200, completion_tokens: 300, total_tokens: 1500 };
export const EMBEDDING_USAGE = { prompt_tokens: 8, total_tokens: 8 };

const json = (body: unknown) =>
  new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });

export const providerFetch = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
  const path = String(url instanceof Request ? url.url : url);
  const body = JSON.parse(String(init?.body ?? '{}')) as { stream?: boolean; model?: string };
  if (path.endsWith('/embeddings')) {
    return json({
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] }],
      model: body.model,
      usage: EMBEDDING_USAGE,
    });
  }
  const id = `chatcmpl-${randomBytes(15).toString('base64url')}`;
  const base = { id, created: 1_733_212_345, model: body.model };
  if (!body.stream) {
    return json({
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Booked.' }, finish_reason: 'stop' }],
      usage: CHAT_USAGE,
    });
  }
  const chunks = [
    { choices: [{ index: 0, delta: { role: 'assistant', content: 'Booked.' }, finish_reason: null }] },
    { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    { choices: [], usage: CHAT_USAGE },
  ].map((chunk) => `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', ...chunk })}\n\n`);
  return new Response(`${chunks.join('')}data: [DONE]\n\n`, {
    headers: { 'content-type': 'text/event-stream' },
  });
};
