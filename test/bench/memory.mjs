// Benchmark 6 (not a test): memory of a Meter.
//   a. heap while the server is down for 60 s under 1,000 events/s: the queue must stop at its
//      configured bound (default maxQueueEvents 10,000 / maxQueueBytes 16 MiB, overflow 'error'
//      refusing and reporting the excess), so the heap plateaus; then the server comes back and the
//      queue drains;
//   b. heap per queued event with 100,000 events queued (nothing sent), against posthog-node and
//      @segment/analytics-node holding as many.
//
//   node --expose-gc test/bench/memory.mjs        (after `npm run build`; BENCH_DOWN_SECONDS, default 60)
import { createServer } from 'node:net';
import { Analytics } from '@segment/analytics-node';
import { PostHog } from 'posthog-node';
import { createMeter } from '../../packages/sdk/dist/index.js';
import { printTable, writeSection } from './lib/results.mjs';
import { ADMIN_KEY, startServerProcess } from './lib/server-process.mjs';
import { startSink } from './lib/sink.mjs';
import { fmt, quietly, settle, sleep, summarize, withTimeout } from './lib/stats.mjs';

const QUEUED = 100_000;
const DOWN_SECONDS = Number(process.env.BENCH_DOWN_SECONDS ?? 60);
const RATE = 1000;
const MiB = 2 ** 20;

const gc = () => {
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
  globalThis.gc();
};

const event = (n) => ({
  agent_id: 'support-bot',
  action: 'chat',
  customer_id: `customer-${n % 50}`,
  model: 'gpt-4o-mini',
  provider: 'openai',
  tokens_input: 1000 + (n % 997),
  tokens_output: 200 + (n % 113),
});
const properties = (n) => ({
  agent_id: 'support-bot',
  model: 'gpt-4o-mini',
  provider: 'openai',
  tokens_input: 1000 + (n % 997),
  tokens_output: 200 + (n % 113),
});

const holders = [
  {
    name: 'agentmeter Meter',
    create: (sink) =>
      createMeter({
        apiKey: 'am_bench',
        baseUrl: sink.url,
        flushAt: 10 * QUEUED,
        flushIntervalMs: 3_600_000,
        maxQueueEvents: 2 * QUEUED,
        maxQueueBytes: 2 ** 30,
        onError: () => {},
      }),
    add: (meter, n) => meter.track(event(n)),
    close: (meter) => meter.shutdown({ timeoutMs: 0 }),
  },
  {
    name: 'posthog-node',
    create: (sink) =>
      new PostHog('phc_bench', {
        host: sink.url,
        flushAt: 10 * QUEUED,
        flushInterval: 3_600_000,
        maxQueueSize: 2 * QUEUED,
        fetchRetryCount: 0,
        requestTimeout: 1000,
      }),
    add: (posthog, n) =>
      posthog.capture({ distinctId: `customer-${n % 50}`, event: 'chat', properties: properties(n) }),
    close: (posthog) => posthog.shutdown(1),
  },
  {
    name: '@segment/analytics-node',
    create: (sink) =>
      new Analytics({
        writeKey: 'bench',
        host: sink.url,
        flushAt: 10 * QUEUED,
        flushInterval: 3_600_000,
        maxRetries: 0,
      }),
    add: (analytics, n) =>
      analytics.track({ userId: `customer-${n % 50}`, event: 'chat', properties: properties(n) }),
    close: (analytics) => analytics.closeAndFlush({ timeout: 1 }),
  },
];

/** Heap held per queued event: a full GC before, 100,000 events queued in chunks, a full GC after. */
async function heapPerQueued(holder, sink) {
  const client = holder.create(sink);
  holder.add(client, -1);
  await settle();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let n = 0; n < QUEUED; n++) {
    holder.add(client, n);
    if (n % 1000 === 999) await settle(); // let deferred work (promises) run, as a live app would
  }
  await settle();
  gc();
  const bytes = (process.memoryUsage().heapUsed - before) / QUEUED;
  await withTimeout(holder.close(client), 2000);
  return bytes;
}

/** A port nothing listens on now (the server comes up on it later). */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function serverDown() {
  const port = await freePort();
  let acked = 0;
  let refused = 0;
  let failed = 0;
  const codes = {};
  const meter = createMeter({
    // The server is not there yet: its admin key (which may ingest too) is fixed in advance.
    apiKey: ADMIN_KEY,
    baseUrl: `http://127.0.0.1:${port}`,
    overflow: 'drop-newest',
    onError: (info) => {
      codes[info.code] = (codes[info.code] ?? 0) + info.ids.length;
      if (info.code === 'overflow') refused += info.ids.length;
      else if (info.code !== 'delivery_failed') failed += info.ids.length;
    },
  });
  meter.on('acknowledged', (ids) => {
    acked += ids.length;
  });
  let tracked = 0;
  const timeline = [];
  gc();
  const baseline = process.memoryUsage().heapUsed;
  const start = performance.now();
  // 1,000 events/s: 10 every 10 ms, against a port nobody listens on.
  const producer = setInterval(() => {
    for (let k = 0; k < RATE / 100; k++) meter.track(event(tracked++));
  }, 10);
  for (let second = 5; second <= DOWN_SECONDS; second += 5) {
    await sleep(start + second * 1000 - performance.now());
    gc();
    timeline.push({
      second,
      heapMiB: (process.memoryUsage().heapUsed - baseline) / MiB,
      heapUsedMiB: process.memoryUsage().heapUsed / MiB,
      rssMiB: process.memoryUsage().rss / MiB,
      tracked,
      refused,
      queued: tracked - refused - acked - failed,
    });
  }
  clearInterval(producer);
  // The server comes back on that port.
  const server = await startServerProcess({ store: 'sqlite', port });
  const back = performance.now();
  await meter.flush();
  const drainSeconds = (performance.now() - back) / 1000;
  const result = await meter.shutdown({ timeoutMs: 30_000 });
  await server.close();
  return { timeline, drainSeconds, result, codes, acked };
}

export async function runMemory() {
  // The server-down run first: 6a leaves the peers' in-flight batches behind until their sockets close.
  const down = await serverDown();
  printTable(
    `6a. Server down for ${DOWN_SECONDS} s under ${RATE.toLocaleString('en-US')} events/s (defaults: maxQueueEvents 10,000, maxQueueBytes 16 MiB, overflow 'error')`,
    [
      ['second', (row) => String(row.second)],
      ['heap used MiB', (row) => fmt(row.heapUsedMiB)],
      ['over baseline MiB', (row) => fmt(row.heapMiB)],
      ['RSS MiB', (row) => fmt(row.rssMiB)],
      ['tracked', (row) => fmt(row.tracked)],
      ['queued', (row) => fmt(row.queued)],
      ['refused (overflow, reported)', (row) => fmt(row.refused)],
    ],
    down.timeline,
  );
  console.log(
    `server back: ${down.acked.toLocaleString('en-US')} queued events delivered in ${down.drainSeconds.toFixed(1)} s; shutdown ${JSON.stringify({ sent: down.result.sent, failed: down.result.failed, pending: down.result.pending })}; reported ${JSON.stringify(down.codes)}`,
  );
  // A sink that never answers: a client that sends a full batch early (Segment sends once a batch
  // reaches ~480 KB) keeps it in flight, so every client holds all 100,000 events.
  const sink = await startSink({ hang: true });
  const perQueued = [];
  // Torn down against a sink that never answers, the peers' clients log their failed flushes.
  await quietly(async () => {
    for (const holder of holders)
      perQueued.push({ name: holder.name, bytes: await heapPerQueued(holder, sink) });
    await sleep(1500);
  });
  await sink.close();
  printTable(
    `6b. Heap per queued event, ${QUEUED.toLocaleString('en-US')} events queued (full GC before and after)`,
    [
      ['client', (row) => row.name],
      ['bytes per queued event', (row) => fmt(row.bytes, 0)],
      [`MiB for ${QUEUED.toLocaleString('en-US')}`, (row) => fmt((row.bytes * QUEUED) / MiB)],
    ],
    perQueued,
  );

  const plateau = down.timeline.filter((row) => row.second >= 15).map((row) => row.heapMiB);
  writeSection('memory', {
    description: `b: heap per queued event at ${QUEUED} queued events, after full GCs; a: a Meter (default bounds, overflow 'error') tracking ${RATE} events/s for ${DOWN_SECONDS} s while the server is down, heap sampled after a full GC every 5 s, then the server comes back.`,
    figures: {
      heapPerQueuedEvent: Object.fromEntries(
        perQueued.map((row) => [row.name, { median: row.bytes, p99: row.bytes, runs: 1, unit: 'bytes' }]),
      ),
      serverDown: {
        heapPlateauMiB: summarize(plateau, 'MiB over baseline', { max: Math.max(...plateau) }),
        timeline: down.timeline,
        drainSeconds: down.drainSeconds,
        delivered: down.acked,
        reported: down.codes,
      },
    },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runMemory();
  process.exit(0);
}
