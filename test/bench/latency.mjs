// Benchmark 5 (not a test): single-event POST /v1/meter — the most requests per second the server
// answers, and p50/p99 latency at 50% and 90% of that rate (autocannon) — against a bare route of
// the same framework (Hono on @hono/node-server) answering a constant: the framework ceiling.
//
//   node test/bench/latency.mjs        (after `npm run build`; BENCH_LATENCY_SECONDS, default 8)
//
// Every request carries a new event (its own event_id), so each one is a real insert. Both servers
// run at once, each in its own process, and their maximum runs alternate (4 × 4 s each, medians),
// so a change in the machine's load hits both; autocannon runs in this process, on the same cores. Server CPU per request
// is read over IPC, so the ratio can also be given per CPU-second, which other load disturbs less.
import autocannon from 'autocannon';
import { eventJson, runId } from './lib/events.mjs';
import { printTable, writeSection } from './lib/results.mjs';
import { startServerProcess } from './lib/server-process.mjs';
import { fmt, median, percentile, summarize } from './lib/stats.mjs';

const SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 8);
const CONNECTIONS = 10;
const MAX_ROUNDS = 4;
const MAX_SECONDS = 4;

/**
 * One autocannon run. Latencies are taken from its per-response times (fractional ms), as its own
 * histogram rounds to whole milliseconds, too coarse for a loopback server.
 */
function load(server, { rate, seconds = SECONDS } = {}) {
  const prefix = runId();
  const timestamp = new Date().toISOString();
  let n = 0;
  const latencies = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${server.url}/v1/meter`,
        method: 'POST',
        connections: CONNECTIONS,
        duration: seconds,
        ...(rate ? { overallRate: rate } : {}),
        headers: {
          'content-type': 'application/json',
          ...(server.apiKey ? { authorization: `Bearer ${server.apiKey}` } : {}),
        },
        requests: [
          {
            setupRequest: (request) => {
              request.body = eventJson(n++, prefix, timestamp);
              return request;
            },
          },
        ],
      },
      (error, result) =>
        error
          ? reject(error)
          : resolve({ ...result, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) }),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
}

/** The most requests per second each route answers: short runs, the routes alternating, medians. */
async function maxima(targets) {
  const runs = new Map(targets.map((target) => [target, []]));
  for (let round = 0; round < MAX_ROUNDS; round++) {
    for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
      const before = (await target.server.usage()).cpu;
      const result = await load(target.server, { seconds: MAX_SECONDS });
      const cpu = (await target.server.usage()).cpu - before;
      if (result.non2xx > 0 || result.errors > 0) {
        throw new Error(
          `${target.name}: ${result.non2xx} non-2xx and ${result.errors} errors at full load (${JSON.stringify(result.statusCodeStats)})`,
        );
      }
      runs.get(target).push({
        rps: result.requests.average,
        cpuPerRequest: cpu / result.requests.total,
        p50: result.p50,
        p99: result.p99,
      });
    }
  }
  for (const target of targets) {
    const own = runs.get(target);
    target.maxRps = median(own.map((run) => run.rps));
    target.maxRuns = own.map((run) => run.rps);
    target.cpuPerRequest = median(own.map((run) => run.cpuPerRequest));
    target.maxLatency = { p50: median(own.map((run) => run.p50)), p99: median(own.map((run) => run.p99)) };
  }
}

/** p50/p99 latency at a share of the route's own maximum rate. */
async function atShares(target) {
  target.at = {};
  for (const share of [0.5, 0.9]) {
    const result = await load(target.server, { rate: Math.max(1, Math.round(target.maxRps * share)) });
    target.at[share] = {
      rps: result.requests.average,
      p50: result.p50,
      p99: result.p99,
      non2xx: result.non2xx,
    };
  }
}

export async function runLatency() {
  const meter = { name: 'POST /v1/meter (SQLite)', server: await startServerProcess({ store: 'sqlite' }) };
  const bare = {
    name: 'bare Hono route (constant JSON)',
    server: await startServerProcess({ store: 'bare' }),
  };
  try {
    for (const target of [meter, bare]) await load(target.server, { seconds: 3 }); // warm-up: JIT, validators, SQLite file
    await maxima([meter, bare]);
    for (const target of [meter, bare]) await atShares(target);
  } finally {
    await meter.server.close();
    await bare.server.close();
  }
  const rows = [meter, bare];
  const ratios = {
    'max rps: /v1/meter / bare route': meter.maxRps / bare.maxRps,
    'CPU per request: bare / /v1/meter': bare.cpuPerRequest / meter.cpuPerRequest,
  };
  printTable(
    `5. Single-event latency (autocannon, ${CONNECTIONS} connections; maximum: median of ${MAX_ROUNDS} alternating ${MAX_SECONDS} s runs; latency: ${SECONDS} s at 50% and 90% of it)`,
    [
      ['route', (row) => row.name],
      ['max req/s', (row) => fmt(row.maxRps)],
      ['server CPU µs/req', (row) => fmt(row.cpuPerRequest)],
      ['at 50%: req/s', (row) => fmt(row.at[0.5].rps)],
      ['p50 / p99 ms', (row) => `${fmt(row.at[0.5].p50, 2)} / ${fmt(row.at[0.5].p99, 2)}`],
      ['at 90%: req/s', (row) => fmt(row.at[0.9].rps)],
      ['p50 / p99 ms ', (row) => `${fmt(row.at[0.9].p50, 2)} / ${fmt(row.at[0.9].p99, 2)}`],
    ],
    rows,
  );
  for (const [name, value] of Object.entries(ratios)) console.log(`${name}: ${(value * 100).toFixed(0)}%`);
  const figure = (row) => ({
    maxRps: summarize(row.maxRuns, 'req/s'),
    cpuPerRequest: { median: row.cpuPerRequest, p99: row.cpuPerRequest, runs: 1, unit: 'µs CPU/request' },
    latencyAtMax: { median: row.maxLatency.p50, p99: row.maxLatency.p99, runs: 1, unit: 'ms' },
    latencyAt50: { median: row.at[0.5].p50, p99: row.at[0.5].p99, runs: 1, unit: 'ms', rps: row.at[0.5].rps },
    latencyAt90: { median: row.at[0.9].p50, p99: row.at[0.9].p99, runs: 1, unit: 'ms', rps: row.at[0.9].rps },
  });
  writeSection('latency', {
    description: `POST /v1/meter (new event each request, SQLite) vs a bare Hono route answering a constant; autocannon, ${CONNECTIONS} connections, ${SECONDS} s per step; latency at 50% and 90% of each route's own maximum.`,
    figures: { meter: figure(meter), bare: figure(bare) },
    ratios,
  });
  return ratios;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runLatency();
  process.exit(0);
}
