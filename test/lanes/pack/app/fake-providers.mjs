// Stands in for the providers' HTTP APIs on 127.0.0.1, so the real provider SDK clients run unchanged
// with only their network faked. Each request names the usage to report in its own text,
// `tokens <input> <output>`, so every app knows the exact counts its call must be metered with.
// Serves OpenAI's Chat Completions (plain and streamed, with the usage chunk when asked for) and
// Anthropic's Messages. Prints its base URL once listening; stops on SIGTERM.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const id = (prefix) => `${prefix}${randomBytes(18).toString('base64url')}`;

function usageAsked(body) {
  const match = [...JSON.stringify(body).matchAll(/tokens (\d+) (\d+)/g)].at(-1);
  if (!match) throw new Error('the request names no `tokens <input> <output>`');
  return { input: Number(match[1]), output: Number(match[2]) };
}

function chatCompletion(body, response) {
  const { input, output } = usageAsked(body);
  const usage = { prompt_tokens: input, completion_tokens: output, total_tokens: input + output };
  const base = { id: id('chatcmpl-'), created: Math.floor(Date.now() / 1000), model: body.model };
  if (!body.stream) {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        ...base,
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'Hello from the fake.', refusal: null },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage,
      }),
    );
    return;
  }
  const chunk = (choices, extra = {}) =>
    `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...extra })}\n\n`;
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  response.write(chunk([{ index: 0, delta: { role: 'assistant', content: 'Hello' }, finish_reason: null }]));
  response.write(chunk([{ index: 0, delta: { content: ' from the fake.' }, finish_reason: null }]));
  response.write(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]));
  if (body.stream_options?.include_usage) response.write(chunk([], { usage }));
  response.end('data: [DONE]\n\n');
}

function anthropicMessage(body, response) {
  const { input, output } = usageAsked(body);
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({
      id: id('msg_'),
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [{ type: 'text', text: 'Hello from the fake.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: input,
        output_tokens: output,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    }),
  );
}

const routes = {
  'POST /v1/chat/completions': chatCompletion,
  'POST /v1/messages': anthropicMessage,
};

const server = createServer(async (request, response) => {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  const path = new URL(request.url, 'http://fake').pathname;
  const route = routes[`${request.method} ${path}`];
  try {
    if (!route) throw new Error(`no fake for ${request.method} ${path}`);
    route(JSON.parse(Buffer.concat(chunks).toString('utf8')), response);
  } catch (error) {
    console.error(`fake providers: ${error.message}`);
    response.writeHead(400, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: { type: 'invalid_request_error', message: error.message } }));
  }
});

server.listen(0, '127.0.0.1', () => {
  console.log(`fake providers listening on http://127.0.0.1:${server.address().port}`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
