// Benchmark (not a test): what `withMeter()` adds to each openai call. The same client, bare and
// wrapped, against an in-process fake fetch returning a fixed body (no network), so the difference is
// the wrapper plus `meter.track()`. Uses the built packages: `npx tsc -b packages/openai` first.
//
//   node test/bench/openai-overhead.mjs
import OpenAI from 'openai';
import { withMeter } from '../../packages/openai/dist/index.js';
import { createMeter } from '../../packages/sdk/dist/index.js';

const usage = { prompt_tokens: 1200, completion_tokens: 300, total_tokens: 1500 };
const completion = JSON.stringify({
  id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
  object: 'chat.completion',
  created: 1741569952,
  model: 'gpt-4.1-2025-04-14',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' }],
  usage,
});
const chunk = (delta, extra = {}) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
    object: 'chat.completion.chunk',
    created: 1741569952,
    model: 'gpt-4.1-2025-04-14',
    choices: delta ? [{ index: 0, delta, finish_reason: null }] : [],
    ...extra,
  })}\n\n`;
const CHUNKS = 20;
const streamBody = (withUsage) =>
  [
    ...Array.from({ length: CHUNKS }, (_, index) =>
      chunk({ content: `word${index} ` }, withUsage ? { usage: null } : {}),
    ),
    ...(withUsage ? [chunk(null, { usage })] : []),
    'data: [DONE]\n\n',
  ].join('');
const plainStream = streamBody(false);
const usageStream = streamBody(true);

async function fakeFetch(_url, init) {
  const body = String(init?.body ?? '');
  if (!body.includes('"stream":true')) {
    return new Response(completion, { headers: { 'content-type': 'application/json' } });
  }
  const text = body.includes('"include_usage":true') ? usageStream : plainStream;
  return new Response(text, { headers: { 'content-type': 'text/event-stream' } });
}

const client = () =>
  new OpenAI({ apiKey: 'sk-bench', baseURL: 'http://127.0.0.1:9/v1', fetch: fakeFetch, maxRetries: 0 });
const meter = createMeter({
  apiKey: 'bench',
  baseUrl: 'http://127.0.0.1:9',
  flushAt: 1_000_000,
  flushIntervalMs: 3_600_000,
  maxQueueEvents: 1_000_000,
  maxQueueBytes: 1024 * 1024 * 1024,
  fetch: async () => new Response('{}', { status: 503 }),
  onError: () => {},
});
const bare = client();
const wrapped = withMeter(client(), meter, { agent_id: 'bench-agent', action: 'chat' });
const messages = [{ role: 'user', content: 'Hello' }];

const calls = {
  plain: (openai) => openai.chat.completions.create({ model: 'gpt-4.1', messages }),
  streamed: async (openai) => {
    const stream = await openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    for await (const _ of stream) {
      // drain
    }
  },
};

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * CPU µs per call (user + system time of this process, so other load on the machine counts less than
 * in wall time): samples of `perSample` sequential calls, bare and wrapped alternating; the first
 * samples warm up.
 */
async function measure(call, perSample = 500, samples = 24) {
  const times = { bare: [], wrapped: [] };
  for (let sample = 0; sample < samples; sample++) {
    for (const [name, openai] of sample % 2 === 0
      ? [
          ['bare', bare],
          ['wrapped', wrapped],
        ]
      : [
          ['wrapped', wrapped],
          ['bare', bare],
        ]) {
      const start = process.cpuUsage();
      for (let index = 0; index < perSample; index++) await call(openai);
      const used = process.cpuUsage(start);
      times[name].push((used.user + used.system) / perSample);
    }
  }
  const bareUs = median(times.bare.slice(4));
  const wrappedUs = median(times.wrapped.slice(4));
  return { bareUs, wrappedUs, addedUs: wrappedUs - bareUs };
}

const results = {};
for (const [name, call] of Object.entries(calls)) results[name] = await measure(call);
for (const [name, { bareUs, wrappedUs, addedUs }] of Object.entries(results)) {
  const label = name === 'streamed' ? `streamed (${CHUNKS} chunks)` : name;
  console.log(
    `${label.padEnd(22)} bare ${bareUs.toFixed(1).padStart(7)} µs CPU/call   wrapped ${wrappedUs.toFixed(1).padStart(7)} µs CPU/call   added ${addedUs.toFixed(1).padStart(6)} µs/call (${((addedUs / bareUs) * 100).toFixed(1)}%)`,
  );
}
await meter.shutdown({ timeoutMs: 10 });
