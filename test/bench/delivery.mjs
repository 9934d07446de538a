// Benchmark 3 (not a test): events per second from one Meter (default options) to the server over
// loopback, sustained, on SQLite and on PostgreSQL, with the server's CPU and memory sampled over IPC.
//
//   node test/bench/delivery.mjs        (after `npm run build`; BENCH_DELIVERY_SECONDS, default 30)
//
// The producer keeps the Meter's queue topped up just under its bound (maxQueueEvents 10,000) on
// every acknowledgement, so the Meter always has a full batch (500 events) to send; the rate is what
// the server acknowledged. Client CPU counts the producer's track() calls and the Meter's delivery.
// The bench process (producer + Meter) and the server process share the machine's cores.
import { createMeter } from '../../packages/sdk/dist/index.js';
import { printTable, writeSection } from './lib/results.mjs';
import { sampleUsage, startServerProcess } from './lib/server-process.mjs';
import { cpuMicros, fmt, sleep, summarize } from './lib/stats.mjs';

const SECONDS = Number(process.env.BENCH_DELIVERY_SECONDS ?? 30);
const WARMUP_SECONDS = 3;

const event = (n) => ({
  agent_id: 'support-bot',
  action: 'chat',
  customer_id: `customer-${n % 50}`,
  model: 'gpt-4o-mini',
  provider: 'openai',
  tokens_input: 1000 + (n % 997),
  tokens_output: 200 + (n % 113),
});

async function deliver(store) {
  const server = await startServerProcess({ store });
  if (!server) return undefined;
  const problems = [];
  const meter = createMeter({
    apiKey: server.apiKey,
    baseUrl: server.url,
    onError: (info) => problems.push(`${info.code}: ${info.message}`),
  });
  const bound = 10_000 - 600; // the default maxQueueEvents, less a batch in flight
  let acked = 0;
  let tracked = 0;
  let producing = true;
  // Event-driven, no spinning: every acknowledgement tops the queue up again.
  const produce = () => {
    while (producing && tracked - acked < bound) meter.track(event(tracked++));
  };
  meter.on('acknowledged', (ids) => {
    acked += ids.length;
    produce();
  });
  produce();
  await sleep(WARMUP_SECONDS * 1000);

  const serverUsage = sampleUsage(server);
  const perSecond = [];
  const startAcked = acked;
  const startServerCpu = (await server.usage()).cpu;
  const startClientCpu = cpuMicros();
  const start = performance.now();
  let last = acked;
  for (let second = 0; second < SECONDS; second++) {
    await sleep(1000);
    perSecond.push(acked - last);
    last = acked;
  }
  const seconds = (performance.now() - start) / 1000;
  const events = acked - startAcked;
  const serverCpu = (await server.usage()).cpu - startServerCpu;
  const clientCpu = cpuMicros() - startClientCpu;
  const usage = await serverUsage.stop();
  producing = false;
  const result = await meter.shutdown({ timeoutMs: 30_000 });
  await server.close();
  if (result.failed > 0 || result.pending > 0 || problems.length > 0 || server.errors.length > 0) {
    throw new Error(
      `delivery to ${store} lost events: ${JSON.stringify({ failed: result.failed, pending: result.pending, problems: problems.slice(0, 3), serverErrors: server.errors.slice(0, 3) })}`,
    );
  }
  return {
    store,
    rate: summarize(perSecond, 'events/s', { mean: events / seconds }),
    serverCpuPerEvent: serverCpu / events,
    clientCpuPerEvent: clientCpu / events,
    serverCores: summarize(usage.cpuCores, 'cores'),
    serverRssMiB: summarize(usage.rssMiB, 'MiB', { max: Math.max(...usage.rssMiB) }),
    serverHeapMiB: summarize(usage.heapMiB, 'MiB', { max: Math.max(...usage.heapMiB) }),
    delivered: result.sent,
  };
}

export async function runDelivery() {
  const rows = [];
  for (const store of ['sqlite', 'postgres']) {
    const row = await deliver(store);
    rows.push(row ?? { store, missing: true });
  }
  printTable(
    `3. Delivery throughput: one Meter (defaults: batches of 500, one request at a time) → server over loopback, ${SECONDS} s`,
    [
      ['store', (row) => row.store],
      ['events/s median', (row) => (row.missing ? 'PostgreSQL unreachable' : fmt(row.rate.median))],
      ['events/s p99', (row) => (row.missing ? '' : fmt(row.rate.p99))],
      ['server CPU µs/event', (row) => (row.missing ? '' : fmt(row.serverCpuPerEvent))],
      ['client CPU µs/event', (row) => (row.missing ? '' : fmt(row.clientCpuPerEvent))],
      ['server cores (median)', (row) => (row.missing ? '' : fmt(row.serverCores.median, 2))],
      ['server RSS MiB (max)', (row) => (row.missing ? '' : fmt(row.serverRssMiB.max))],
      ['server heap MiB (max)', (row) => (row.missing ? '' : fmt(row.serverHeapMiB.max))],
    ],
    rows,
  );
  const figures = Object.fromEntries(rows.map((row) => [row.store, row]));
  writeSection('delivery', {
    description: `Events/s acknowledged from one Meter (default options) to the server over loopback, ${SECONDS} s per store; per-second samples; server CPU/memory sampled over IPC each second.`,
    figures,
  });
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runDelivery();
  process.exit(0);
}
