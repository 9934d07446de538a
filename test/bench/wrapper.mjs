// Benchmark 2 (not a test): what `withMeter()` adds to an openai `chat.completions.create` call. The
// same client class, bare and wrapped, on an in-process fake `fetch` returning a fixed body (no
// network), plain and streamed (SSE), so the difference is the wrapper plus `meter.track()`.
//
//   node test/bench/wrapper.mjs        (after `npm run build`)
//
// Bare and wrapped alternate in blocks of 100 calls (order flipped every block), so load drift on a
// shared machine hits both alike. Cost per call = the block's CPU time (`process.cpuUsage()`) / 100;
// overhead = the median over blocks of wrapped / bare − 1, each wrapped block paired with the
// bare block beside it. Each call is also timed on the wall clock for
// the p99. The Meter queues without sending while measured (benchmark 3 measures delivery).
import { observeOpenAI } from '@langfuse/openai';
import { LangfuseSpanProcessor } from '@langfuse/otel';
import { setLangfuseTracerProvider } from '@langfuse/tracing';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import OpenAI from 'openai';
import { withMeter } from '../../packages/openai/dist/index.js';
import { createMeter } from '../../packages/sdk/dist/index.js';
import { printTable, writeSection } from './lib/results.mjs';
import { startSink } from './lib/sink.mjs';
import { cpuMicros, fmt, percentile, summarize } from './lib/stats.mjs';

const BLOCKS = Number(process.env.BENCH_WRAPPER_BLOCKS ?? 60);
/** Calls per block: about 30 ms of work each, so one garbage collection moves a block by little. */
const BLOCK_CALLS = { plain: 400, streamed: 100 };
const blockCalls = (label) => (label === 'plain' ? BLOCK_CALLS.plain : BLOCK_CALLS.streamed);
const CHUNKS = 20;

const usage = { prompt_tokens: 1200, completion_tokens: 300, total_tokens: 1500 };
const completion = JSON.stringify({
  id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
  object: 'chat.completion',
  created: 1741569952,
  model: 'gpt-4.1-2025-04-14',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'Hello! How can I help?', refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage,
  system_fingerprint: 'fp_3b6d4e4a2f',
});
const chunk = (delta, extra = {}) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
    object: 'chat.completion.chunk',
    created: 1741569952,
    model: 'gpt-4.1-2025-04-14',
    system_fingerprint: 'fp_3b6d4e4a2f',
    choices: delta ? [{ index: 0, delta, logprobs: null, finish_reason: null }] : [],
    ...extra,
  })}\n\n`;
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

/** The fake transport: a fixed JSON body, or an SSE body (with the usage chunk when asked for). */
async function fakeFetch(_url, init) {
  const body = String(init?.body ?? '');
  if (!body.includes('"stream":true')) {
    return new Response(completion, { headers: { 'content-type': 'application/json' } });
  }
  const text = body.includes('"include_usage":true') ? usageStream : plainStream;
  return new Response(text, { headers: { 'content-type': 'text/event-stream' } });
}

const messages = [{ role: 'user', content: 'Hello' }];
const calls = {
  plain: (openai) => openai.chat.completions.create({ model: 'gpt-4.1', messages }),
  [`streamed (${CHUNKS} chunks)`]: async (openai) => {
    const stream = await openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    for await (const _ of stream) {
      // drain
    }
  },
};

export async function runWrapper() {
  const sink = await startSink();
  const client = () =>
    new OpenAI({ apiKey: 'sk-bench', baseURL: 'http://127.0.0.1:9/v1', fetch: fakeFetch, maxRetries: 0 });
  // Every side gets a new OpenAI client per block (the wrapped sides need one per Meter), so the
  // cost of a client's first calls falls on bare and wrapped alike.
  // A fresh Meter per block, closed after it: its queue holds one block's events, as a delivering
  // Meter's would, rather than growing for the whole run (benchmark 3 measures delivery).
  const wrappedClient = () => {
    const meter = createMeter({
      apiKey: 'am_bench',
      baseUrl: sink.url,
      flushAt: 10_000_000,
      flushIntervalMs: 3_600_000,
      maxQueueEvents: 10_000_000,
      maxQueueBytes: 2 ** 31,
      onError: () => {},
    });
    const wrapped = withMeter(client(), meter, {
      agent_id: 'bench-agent',
      action: 'chat',
      customer_id: 'acme',
    });
    return { wrapped, close: () => meter.shutdown({ timeoutMs: 0 }) };
  };
  // Langfuse's one-line wrapper, the same way: a fresh span pipeline per block that holds its spans
  // while measured (exported to the loopback sink only at the block's end, outside the measurement).
  const langfuseClient = () => {
    const provider = new BasicTracerProvider({
      spanProcessors: [
        new LangfuseSpanProcessor({
          publicKey: 'pk-lf-bench',
          secretKey: 'sk-lf-bench',
          baseUrl: sink.url,
          flushAt: 1_000_000,
          flushInterval: 3600,
        }),
      ],
    });
    setLangfuseTracerProvider(provider);
    return { wrapped: observeOpenAI(client()), close: () => provider.shutdown() };
  };
  // What metering a stream costs before any wrapper code runs: the bare client asking for the usage
  // chunk itself (`stream_options.include_usage`), so the provider sends `usage: null` on every chunk
  // and one chunk more. withMeter asks for it too; this row separates that from the wrapper's code.
  const usageOnlyClient = () => {
    const bareClient = client();
    return {
      wrapped: {
        chat: {
          completions: {
            create: (body) =>
              bareClient.chat.completions.create({ ...body, stream_options: { include_usage: true } }),
          },
        },
      },
      close: () => {},
    };
  };
  const bareOnly = () => ({ wrapped: client(), close: () => {} });
  const contenders = {
    bare: bareOnly,
    wrapped: wrappedClient,
    langfuse: langfuseClient,
    usageOnly: usageOnlyClient,
  };
  const figures = {};
  const rows = [];
  // Each wrapper runs against the bare client in its own alternating run, so one's garbage (Langfuse
  // builds an OpenTelemetry span per call) is never collected inside the other's blocks.
  const measure = async (label, call, contender) => {
    const calls = blockCalls(label);
    const cpu = { bare: [], [contender]: [] };
    const wall = { bare: [], [contender]: [] };
    for (let block = 0; block < BLOCKS + 4; block++) {
      const order = block % 2 === 0 ? ['bare', contender] : [contender, 'bare'];
      for (const name of order) {
        const meterd = contenders[name]();
        const openai = meterd.wrapped;
        const cpuStart = cpuMicros();
        for (let index = 0; index < calls; index++) {
          const start = performance.now();
          await call(openai);
          if (block >= 4) wall[name].push((performance.now() - start) * 1000);
        }
        if (block >= 4) cpu[name].push((cpuMicros() - cpuStart) / calls);
        await meterd?.close();
      }
    }
    const bare = summarize(cpu.bare, 'µs CPU', { wallP99: percentile(wall.bare, 0.99) });
    const wrapped = summarize(cpu[contender], 'µs CPU', { wallP99: percentile(wall[contender], 0.99) });
    // The overhead is the median of the per-block ratios: each wrapped block against the bare block
    // run right beside it, so load that drifts over seconds on a shared machine cancels out.
    const ratios = cpu[contender].map((micros, index) => micros / cpu.bare[index]);
    const overhead = percentile(ratios, 0.5) - 1;
    return { bare, wrapped, added: wrapped.median - bare.median, overhead };
  };
  for (const [label, call] of Object.entries(calls)) {
    const ours = await measure(label, call, 'wrapped');
    const theirs = await measure(label, call, 'langfuse');
    figures[label] = { ...ours, langfuse: theirs };
    rows.push({ label, library: 'agentmeter withMeter', ...ours });
    rows.push({ label, library: 'Langfuse observeOpenAI', ...theirs });
    if (label.startsWith('streamed')) {
      const usageOnly = await measure(label, call, 'usageOnly');
      figures[label].usageChunkOnly = usageOnly;
      rows.push({ label, library: 'bare + include_usage', ...usageOnly });
    }
  }
  await sink.close();
  const langfuse =
    'Langfuse observeOpenAI (@langfuse/openai 5, with its LangfuseSpanProcessor on a BasicTracerProvider) is measured against the bare client in its own alternating run, right after agentmeter';
  printTable(
    `2. Wrapper overhead per chat.completions.create (fake fetch, ${BLOCKS} blocks of ${BLOCK_CALLS.plain} plain or ${BLOCK_CALLS.streamed} streamed calls, interleaved)`,
    [
      ['call', (row) => row.label],
      ['wrapper', (row) => row.library],
      ['bare µs CPU/call', (row) => (row.bare ? fmt(row.bare.median) : '—')],
      ['wrapped µs CPU/call', (row) => (row.wrapped ? fmt(row.wrapped.median) : '—')],
      [
        'p99 (blocks) bare / wrapped',
        (row) => (row.bare ? `${fmt(row.bare.p99)} / ${fmt(row.wrapped.p99)}` : '—'),
      ],
      [
        'wall p99 µs bare / wrapped',
        (row) => (row.bare ? `${fmt(row.bare.wallP99)} / ${fmt(row.wrapped.wallP99)}` : '—'),
      ],
      ['overhead', (row) => (row.overhead === undefined ? '—' : `${(row.overhead * 100).toFixed(1)}%`)],
    ],
    rows,
  );
  console.log(`\n${langfuse}.`);
  console.log(
    "'bare + include_usage' is the bare client asking for the usage chunk itself, no wrapper: the part of a metered stream's cost that is the provider's extra bytes.",
  );
  writeSection('wrapper', {
    description:
      'openai chat.completions.create through withMeter vs the bare client, fake in-process fetch; overhead = median of per-block wrapped/bare ratios − 1.',
    figures,
    langfuse,
  });
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runWrapper();
  process.exit(0);
}
