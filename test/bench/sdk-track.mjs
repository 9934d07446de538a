// Benchmark (not a test): the cost of meter.track() per call, and delivered events per second
// against a local server. Uses the built packages: `npx tsc -b packages/sdk packages/server` first.
//
//   node test/bench/sdk-track.mjs                       # starts a server in-process (SQLite in a temp dir)
//   AGENTMETER_URL=… AGENTMETER_API_KEY=… node test/bench/sdk-track.mjs   # or uses yours
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMeter } from '../../packages/sdk/dist/index.js';

const event = (n) => ({
  agent_id: 'bench-agent',
  action: 'chat',
  customer_id: `customer-${n % 50}`,
  model: 'gpt-4o-mini',
  provider: 'openai',
  tokens_input: 1000 + (n % 997),
  tokens_output: 200 + (n % 113),
});

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** Acknowledges every event at once, in memory: the bench times track(), not a server. */
async function instantAck(request) {
  const { events = [] } = JSON.parse(await request.text());
  const results = events.map((e, index) => ({ index, event_id: e.event_id, status: 'accepted' }));
  return Response.json({
    results,
    resolution_results: [],
    summary: { accepted: results.length, duplicate: 0, rejected: 0 },
  });
}

/**
 * ns per track() call, steady state: samples of 1,000 synchronous calls (the median over 200
 * samples), the Meter delivering between samples as it would between requests of a real app.
 */
async function trackCost({ outbox } = {}) {
  const dir = outbox ? mkdtempSync(join(tmpdir(), 'agentmeter-bench-outbox-')) : undefined;
  const meter = createMeter({
    apiKey: 'bench',
    baseUrl: 'http://127.0.0.1:9',
    ...(dir ? { outbox: { dir } } : {}),
    fetch: instantAck,
    onError: (error) => {
      throw new Error(`unexpected ${error.code}: ${error.message}`);
    },
  });
  const samples = [];
  let n = 0;
  for (let sample = 0; sample < 250; sample++) {
    const start = process.hrtime.bigint();
    for (let k = 0; k < 1_000; k++) meter.track(event(n++));
    samples.push(Number(process.hrtime.bigint() - start) / 1_000);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await meter.shutdown();
  if (dir) rmSync(dir, { recursive: true, force: true });
  return median(samples.slice(50));
}

async function server() {
  if (process.env.AGENTMETER_URL) {
    return { url: process.env.AGENTMETER_URL, apiKey: process.env.AGENTMETER_API_KEY, close: async () => {} };
  }
  const { startServer } = await import('../../packages/server/dist/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'agentmeter-bench-'));
  const adminKey = 'adm_bench_0123456789abcdef';
  const running = await startServer({ port: 0, dbPath: join(dir, 'bench.db'), adminKey, rateLimit: false });
  await fetch(`${running.url}/v1/tiers/default`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      base_fee: '0.002',
      token_rate_input: '0.01',
      token_rate_output: '0.03',
      token_unit: 1000,
    }),
  });
  return {
    url: running.url,
    apiKey: adminKey,
    close: async () => {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Events per second from the first track() to the server's last acknowledgement. */
async function throughput(target, count, { outbox } = {}) {
  const dir = outbox ? mkdtempSync(join(tmpdir(), 'agentmeter-bench-outbox-')) : undefined;
  let failures = 0;
  const meter = createMeter({
    apiKey: target.apiKey,
    baseUrl: target.url,
    ...(dir ? { outbox: { dir } } : {}),
    maxQueueEvents: count,
    ...(target.fetch ? { fetch: target.fetch } : {}),
    onError: () => failures++,
  });
  const start = process.hrtime.bigint();
  for (let n = 0; n < count; n++) meter.track(event(n));
  const result = await meter.shutdown({ timeoutMs: 600_000 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (result.sent !== count || failures > 0)
    throw new Error(`expected ${count} sent, got ${JSON.stringify(result)}`);
  return count / seconds;
}

/** The floor for comparison: JSON.stringify of the same event alone, on this machine, now. */
function stringifyCost() {
  const samples = [];
  let n = 0;
  let length = 0;
  for (let sample = 0; sample < 40; sample++) {
    const start = process.hrtime.bigint();
    for (let k = 0; k < 10_000; k++) length += JSON.stringify(event(n++)).length;
    samples.push(Number(process.hrtime.bigint() - start) / 10_000);
  }
  return length > 0 ? median(samples.slice(10)) : 0;
}

console.log(`reference: JSON.stringify(event) alone ${stringifyCost().toFixed(0)} ns per call`);
await trackCost(); // warm-up: JIT
console.log(`track(): ${(await trackCost()).toFixed(0)} ns per call (median of 200 samples of 1,000 calls)`);
console.log(`track() with the durable outbox: ${(await trackCost({ outbox: true })).toFixed(0)} ns per call`);

const memoryEndpoint = { url: 'http://127.0.0.1:9', apiKey: 'bench', fetch: instantAck };
await throughput(memoryEndpoint, 2_000);
console.log(
  `SDK ceiling, to an in-memory endpoint: ${(await throughput(memoryEndpoint, 50_000)).toFixed(0)} events/s`,
);

const target = await server();
try {
  const count = Number(process.env.BENCH_EVENTS ?? 50_000);
  await throughput(target, 2_000); // warm-up
  console.log(
    `delivered: ${(await throughput(target, count)).toFixed(0)} events/s (${count} events, batches of 500, ${target.url})`,
  );
  console.log(
    `delivered with the outbox: ${(await throughput(target, count, { outbox: true })).toFixed(0)} events/s`,
  );
} finally {
  await target.close();
}
