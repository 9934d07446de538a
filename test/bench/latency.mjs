// Benchmark 5 (not a test): single-event POST /v1/meter — the most requests per second the server
// answers, and p50/p99 latency at 50% and 90% of that rate (autocannon) — against a bare route of
// the same framework (Hono on @hono/node-server) answering a constant: the framework ceiling.
//
//   node test/bench/latency.mjs        (after `npm run build`; BENCH_LATENCY_SECONDS, default 8)
//
// Every request carries a new event (its own event_id), so each one is a real insert. Both servers
// run in their own process; autocannon runs in this one, on the same cores. Server CPU per request
// is read over IPC, so the ratio can also be given per CPU-second, which other load disturbs less.
import autocannon from 'autocannon';
import { eventJson, runId } from './lib/events.mjs';
import { printTable, writeSection } from './lib/results.mjs';
import { startServerProcess } from './lib/server-process.mjs';
import { fmt, percentile } from './lib/stats.mjs';

const SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 8);
const CONNECTIONS = 10;

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

async function measure(name, store) {
  const server = await startServerProcess({ store });
  try {
    await load(server, { seconds: 2 }); // warm-up
    const before = (await server.usage()).cpu;
    const max = await load(server);
    const cpu = (await server.usage()).cpu - before;
    if (max.non2xx > 0 || max.errors > 0) {
      throw new Error(
        `${name}: ${max.non2xx} non-2xx and ${max.errors} errors at full load (${JSON.stringify(max.statusCodeStats)})`,
      );
    }
    const maxRps = max.requests.average;
    const row = {
      name,
      maxRps,
      cpuPerRequest: cpu / max.requests.total,
      at: {},
    };
    for (const share of [0.5, 0.9]) {
      const result = await load(server, { rate: Math.max(1, Math.round(maxRps * share)) });
      row.at[share] = {
        rps: result.requests.average,
        p50: result.p50,
        p99: result.p99,
        non2xx: result.non2xx,
      };
    }
    row.maxLatency = { p50: max.p50, p99: max.p99 };
    return row;
  } finally {
    await server.close();
  }
}

export async function runLatency() {
  const bare = await measure('bare Hono route (constant JSON)', 'bare');
  const meter = await measure('POST /v1/meter (SQLite)', 'sqlite');
  const rows = [meter, bare];
  const ratios = {
    'max rps: /v1/meter / bare route': meter.maxRps / bare.maxRps,
    'CPU per request: bare / /v1/meter': bare.cpuPerRequest / meter.cpuPerRequest,
  };
  printTable(
    `5. Single-event latency (autocannon, ${CONNECTIONS} connections, ${SECONDS} s per step)`,
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
    maxRps: { median: row.maxRps, p99: row.maxRps, runs: 1, unit: 'req/s' },
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
