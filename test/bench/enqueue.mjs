// Benchmark 1 (not a test): what one enqueue costs the caller — agentmeter's `meter.track()` against
// posthog-node's `capture()`, @segment/analytics-node's `track()` and an OpenTelemetry span
// start/end through a BatchSpanProcessor, all in the same process, interleaved in rounds.
//
//   node --expose-gc test/bench/enqueue.mjs        (after `npm run build`; `npm run bench` runs all six)
//
// Every client points at a loopback sink answering 200, with its batch size and interval raised so
// nothing is sent during a measured block: the figure is the enqueue alone. PostHog and Segment do
// part of their work in promise continuations after `capture()` returns, so a block is timed from
// the first call until the microtasks it queued have run (`setImmediate`). Costs are CPU time of
// the process (`process.cpuUsage()`), which other processes on a shared machine barely disturb.
//   per call          block CPU time / calls, blocks of 500 calls (median and p99 over blocks)
//   caller p99        the synchronous call alone, wall clock, timed one by one (GC pauses and
//                     descheduling by other processes included)
//   allocated         bytes allocated per call, garbage included (V8 sampling heap profiler)
// (Heap held per queued event: benchmark 6.)
import { Session } from 'node:inspector/promises';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Analytics } from '@segment/analytics-node';
import { PostHog } from 'posthog-node';
import { createMeter } from '../../packages/sdk/dist/index.js';
import { printTable, writeSection } from './lib/results.mjs';
import { startSink } from './lib/sink.mjs';
import {
  cpuMicros,
  fmt,
  percentile,
  settle,
  single as single_,
  summarize,
  withTimeout,
} from './lib/stats.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const BLOCKS = 24;
const BLOCK_CALLS = 500;
const SINGLE_CALLS = 4000;
const ALLOC_CALLS = 20_000;
const BIG = 10_000_000;

const customer = (n) => `customer-${n % 50}`;
const tokensIn = (n) => 1000 + (n % 997);
const tokensOut = (n) => 200 + (n % 113);

const contenders = [
  {
    name: 'agentmeter track()',
    create: (sink) =>
      createMeter({
        apiKey: 'am_bench',
        baseUrl: sink.url,
        flushAt: BIG,
        flushIntervalMs: 3_600_000,
        maxQueueEvents: BIG,
        maxQueueBytes: 2 ** 31,
        onError: () => {},
      }),
    call: (meter, n) =>
      meter.track({
        agent_id: 'support-bot',
        action: 'chat',
        customer_id: customer(n),
        model: 'gpt-4o-mini',
        provider: 'openai',
        tokens_input: tokensIn(n),
        tokens_output: tokensOut(n),
      }),
    close: (meter) => meter.shutdown({ timeoutMs: 30_000 }),
  },
  {
    name: 'posthog-node capture()',
    create: (sink) =>
      new PostHog('phc_bench', {
        host: sink.url,
        flushAt: BIG,
        flushInterval: 3_600_000,
        maxQueueSize: BIG,
        maxBatchSize: 1000,
      }),
    call: (posthog, n) =>
      posthog.capture({
        distinctId: customer(n),
        event: 'chat',
        properties: {
          agent_id: 'support-bot',
          model: 'gpt-4o-mini',
          provider: 'openai',
          tokens_input: tokensIn(n),
          tokens_output: tokensOut(n),
        },
      }),
    close: (posthog) => posthog.shutdown(30_000),
  },
  {
    name: '@segment/analytics-node track()',
    create: (sink) =>
      new Analytics({
        writeKey: 'bench',
        host: sink.url,
        flushAt: BIG,
        flushInterval: 3_600_000,
        maxRetries: 0,
      }),
    call: (analytics, n) =>
      analytics.track({
        userId: customer(n),
        event: 'chat',
        properties: {
          agent_id: 'support-bot',
          model: 'gpt-4o-mini',
          provider: 'openai',
          tokens_input: tokensIn(n),
          tokens_output: tokensOut(n),
        },
      }),
    close: (analytics) => analytics.closeAndFlush({ timeout: 30_000 }),
  },
  {
    name: 'OpenTelemetry span (BatchSpanProcessor)',
    create: (sink) => {
      const provider = new BasicTracerProvider({
        spanProcessors: [
          new BatchSpanProcessor(new OTLPTraceExporter({ url: `${sink.url}/v1/traces` }), {
            maxQueueSize: BIG,
            maxExportBatchSize: BIG,
            scheduledDelayMillis: 3_600_000,
          }),
        ],
      });
      return { provider, tracer: provider.getTracer('bench') };
    },
    call: ({ tracer }, n) =>
      tracer
        .startSpan('chat gpt-4o-mini', {
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'openai',
            'gen_ai.request.model': 'gpt-4o-mini',
            'gen_ai.usage.input_tokens': tokensIn(n),
            'gen_ai.usage.output_tokens': tokensOut(n),
            'agentmeter.agent_id': 'support-bot',
            'agentmeter.customer_id': customer(n),
          },
        })
        .end(),
    close: ({ provider }) => provider.shutdown(),
  },
];

/** One round of one contender: fresh client, warm-up, timed blocks, then single calls. */
async function round(contender, sink, samples, warmup) {
  const client = contender.create(sink);
  let n = 0;
  for (let k = 0; k < warmup; k++) contender.call(client, n++);
  await settle();
  for (let block = 0; block < BLOCKS; block++) {
    const start = cpuMicros();
    for (let k = 0; k < BLOCK_CALLS; k++) contender.call(client, n++);
    await settle();
    samples.block.push(((cpuMicros() - start) * 1000) / BLOCK_CALLS);
  }
  for (let k = 0; k < SINGLE_CALLS; k++) {
    const start = performance.now();
    contender.call(client, n++);
    samples.single.push((performance.now() - start) * 1e6);
  }
  await settle();
  await withTimeout(contender.close(client), 10_000);
  // Collect this round's garbage now, or the next contender's blocks pay for it.
  globalThis.gc?.();
}

/** Bytes allocated per call, objects already collected included (V8's sampling heap profiler). */
async function allocatedPerCall(session, contender, sink) {
  const client = contender.create(sink);
  for (let n = 0; n < 5000; n++) contender.call(client, n);
  await settle();
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 512,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  for (let n = 0; n < ALLOC_CALLS; n++) contender.call(client, n);
  await settle();
  const { profile } = await session.post('HeapProfiler.stopSampling');
  let bytes = 0;
  const walk = (node) => {
    bytes += node.selfSize;
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  await withTimeout(contender.close(client), 10_000);
  return bytes / ALLOC_CALLS;
}

export async function runEnqueue() {
  const sink = await startSink();
  const samples = new Map(contenders.map((contender) => [contender.name, { block: [], single: [] }]));
  for (let index = 0; index < ROUNDS; index++) {
    // Rotate the order each round, so drift in the machine's load hits every contender alike.
    for (let offset = 0; offset < contenders.length; offset++) {
      const contender = contenders[(index + offset) % contenders.length];
      const own = { block: [], single: [] };
      await round(contender, sink, own, index === 0 ? 20_000 : 2_000);
      if (index === 0) continue; // the first round warms the JIT up
      samples.get(contender.name).block.push(...own.block);
      samples.get(contender.name).single.push(...own.single);
    }
  }
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  const figures = {};
  for (const contender of contenders) {
    const { block, single } = samples.get(contender.name);
    const allocated = await allocatedPerCall(session, contender, sink);
    figures[contender.name] = {
      perCall: summarize(block, 'ns'),
      callerP99: summarize(single, 'ns', { p999: percentile(single, 0.999) }),
      allocated: single_(allocated, 'bytes/call'),
    };
  }
  session.disconnect();
  await sink.close();

  const ours = figures[contenders[0].name].perCall.median;
  const ratios = {};
  for (const contender of contenders.slice(1)) {
    ratios[`${contender.name} / agentmeter track()`] = figures[contender.name].perCall.median / ours;
  }
  printTable(
    `1. Enqueue cost per call (${ROUNDS - 1} rounds × ${BLOCKS} blocks of ${BLOCK_CALLS}, interleaved; nothing sent while measured)`,
    [
      ['client', (row) => row.name],
      ['median ns/call', (row) => fmt(row.perCall.median)],
      ['p99 ns/call (blocks)', (row) => fmt(row.perCall.p99)],
      ['caller p99 ns (single calls)', (row) => fmt(row.callerP99.p99)],
      ['allocated B/call', (row) => fmt(row.allocated.median, 0)],
      ['× agentmeter', (row) => `${(row.perCall.median / ours).toFixed(1)}×`],
    ],
    contenders.map((contender) => ({ name: contender.name, ...figures[contender.name] })),
  );
  writeSection('enqueue', {
    description:
      'Cost of one enqueue, nothing sent while measured; blocks of 500 calls timed until their microtasks ran; ratios from the same run.',
    figures,
    ratios,
  });
  return { figures, ratios };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runEnqueue();
  process.exit(0); // a peer's client may keep a timer or socket alive
}
