// Benchmark 7 (not a test): what the heaviest single requests cost everyone else. The server (own
// process, SQLite, and PostgreSQL when reachable) holds a ledger of BENCH_STALL_EVENTS events
// (default 1,000,000, spread over the last 30 days); then, while steady single-event metering runs
// (BENCH_STALL_RATE req/s, default 100), one OTLP export of 100,000 spans (gzip protobuf, made by the
// real OpenTelemetry SDK and serializer) and one POST /v1/simulate over the whole history are sent
// together. Reported: the server's worst event-loop stall (monitorEventLoopDelay max and p99, read
// over IPC), the steady metering's latency and errors during that window, and each heavy request's
// answer and duration.
//
//   node test/bench/stall.mjs          (after `npm run build`)
import { gzipSync } from 'node:zlib';
import { context as otelContext, trace as otelTrace, SpanKind } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { runId } from './lib/events.mjs';
import { printTable, writeSection } from './lib/results.mjs';
import { ADMIN_KEY, startServerProcess } from './lib/server-process.mjs';
import { fmt, percentile, sleep } from './lib/stats.mjs';

const EVENTS = Number(process.env.BENCH_STALL_EVENTS ?? 1_000_000);
const RATE = Number(process.env.BENCH_STALL_RATE ?? 100);
const SPANS = 100_000;
const DAY = 86_400_000;

/** Loads the ledger through POST /v1/meter/batch, 1,000 events a batch, 4 in flight. */
async function load(server) {
  const prefix = runId();
  const start = Date.now() - 30 * DAY;
  const step = (30 * DAY) / EVENTS;
  let next = 0;
  const worker = async () => {
    for (;;) {
      const first = next;
      next += 1000;
      if (first >= EVENTS) return;
      const events = [];
      for (let n = first; n < Math.min(first + 1000, EVENTS); n++) {
        events.push(
          `{"event_id":"${prefix}-${n}","agent_id":"agent-${n % 20}","action":"action-${n % 4}","customer_id":"customer-${n % 200}","tokens_input":${500 + (n % 997)},"tokens_output":${100 + (n % 113)},"outcome":"${n % 3 === 0 ? 'success' : 'failure'}","timestamp":"${new Date(start + Math.floor(n * step)).toISOString()}"}`,
        );
      }
      const response = await fetch(`${server.url}/v1/meter/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
        body: `{"events":[${events.join(',')}]}`,
      });
      if (!response.ok) throw new Error(`batch answered ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

/** 100,000 real SDK spans: 1,000 traces of an agent span over 99 model calls with GenAI usage. */
function exportBody() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'stall-bench' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('bench');
  for (let trace = 0; trace < SPANS / 100; trace++) {
    const root = tracer.startSpan('invoke_agent support', {
      attributes: { 'gen_ai.operation.name': 'invoke_agent' },
    });
    const parent = otelTrace.setSpan(otelContext.active(), root);
    for (let call = 0; call < 99; call++) {
      const span = tracer.startSpan(
        'chat gpt-4o-mini',
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'openai',
            'gen_ai.request.model': 'gpt-4o-mini',
            'gen_ai.response.id': `chatcmpl-${trace}-${call}-${runId()}`,
            'gen_ai.usage.input_tokens': 800 + call,
            'gen_ai.usage.output_tokens': 120,
          },
        },
        parent,
      );
      span.end();
    }
    root.end();
  }
  const body = gzipSync(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans()));
  exporter.reset();
  return body;
}

async function timed(request) {
  const started = performance.now();
  try {
    const response = await request();
    const text = await response.text();
    return { status: response.status, ms: performance.now() - started, detail: text.slice(0, 160) };
  } catch (error) {
    return { status: 'error', ms: performance.now() - started, detail: String(error?.cause ?? error) };
  }
}

async function run(store) {
  const server = await startServerProcess({ store });
  if (!server) return undefined;
  try {
    const loadStarted = performance.now();
    await load(server);
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const body = exportBody();
    await sleep(500);

    await server.loopDelay(true);
    const latencies = [];
    const failures = new Map();
    let steady = true;
    const inFlight = new Set();
    const prefix = runId();
    let n = 0;
    const ticker = setInterval(() => {
      if (!steady) return;
      const started = performance.now();
      const request = fetch(`${server.url}/v1/meter`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
        body: `{"event_id":"${prefix}-${n++}","agent_id":"steady","action":"chat","tokens_input":100,"tokens_output":10}`,
      })
        .then(async (response) => {
          await response.arrayBuffer();
          if (response.ok) latencies.push(performance.now() - started);
          else failures.set(response.status, (failures.get(response.status) ?? 0) + 1);
        })
        .catch((error) => {
          const code = error?.cause?.code ?? 'error';
          failures.set(code, (failures.get(code) ?? 0) + 1);
        })
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    }, 1000 / RATE);
    await sleep(1000);
    const now = new Date();
    const [traces, simulate] = await Promise.all([
      timed(() =>
        fetch(`${server.url}/v1/traces`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${server.apiKey}`,
            'content-type': 'application/x-protobuf',
            'content-encoding': 'gzip',
          },
          body,
        }),
      ),
      timed(() =>
        fetch(`${server.url}/v1/simulate`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            history: { from: new Date(now.getTime() - 31 * DAY).toISOString(), to: now.toISOString() },
          }),
        }),
      ),
    ]);
    await sleep(1000);
    steady = false;
    clearInterval(ticker);
    await Promise.all(inFlight);
    const loop = await server.loopDelay();
    const usage = await server.usage();
    return {
      store,
      loadSeconds,
      exportBytes: body.length,
      loop,
      traces,
      simulate,
      steady: {
        ok: latencies.length,
        failures: Object.fromEntries(failures),
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
        max: Math.max(...latencies),
      },
      rssMiB: usage.rss / 2 ** 20,
    };
  } finally {
    await server.close();
  }
}

const results = [];
for (const store of ['sqlite', 'postgres']) {
  const result = await run(store);
  if (result) results.push(result);
}

printTable(
  `Stall: one ${SPANS.toLocaleString('en-US')}-span export and one simulate over ${EVENTS.toLocaleString('en-US')} events, with ${RATE} req/s of /v1/meter alongside`,
  [
    ['store', (r) => r.store],
    ['worst loop stall ms', (r) => fmt(r.loop.max)],
    ['loop p99 ms', (r) => fmt(r.loop.p99)],
    ['/v1/meter p99 ms', (r) => fmt(r.steady.p99)],
    ['/v1/meter max ms', (r) => fmt(r.steady.max)],
    ['/v1/meter failed', (r) => JSON.stringify(r.steady.failures)],
    ['export', (r) => `${r.traces.status} in ${fmt(r.traces.ms / 1000)} s`],
    ['simulate', (r) => `${r.simulate.status} in ${fmt(r.simulate.ms / 1000)} s`],
    ['RSS MiB', (r) => fmt(r.rssMiB)],
  ],
  results,
);
for (const r of results) {
  console.log(`\n${r.store}: ledger loaded in ${fmt(r.loadSeconds)} s; export ${r.exportBytes} bytes gzip`);
  console.log(`  export answer: ${r.traces.detail}`);
  console.log(`  simulate answer: ${r.simulate.detail}`);
}
writeSection('stall', {
  events: EVENTS,
  spans: SPANS,
  rate: RATE,
  figures: Object.fromEntries(results.map((r) => [r.store, r])),
});
