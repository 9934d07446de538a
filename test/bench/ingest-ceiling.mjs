// Benchmark 4 (not a test): the server's batched ingest rate (POST /v1/meter/batch, 1,000 events per
// batch, several concurrent clients) against the physical limit measured in the same run: the same
// rows inserted straight into the same SQLite schema (prepared statement, one transaction per batch,
// same pragmas, WAL checkpoints on a worker thread as the server's store does) and `JSON.parse` of
// the same payloads. CPU is the process's, every thread (the checkpointer's included) on both sides.
//
//   node test/bench/ingest-ceiling.mjs        (after `npm run build`)
//
// Rates are given two ways: events per wall-clock second (what this machine did, with whatever else
// ran on it), and events per CPU-second of the process doing the work (1e6 / CPU µs per event),
// which other processes on a shared machine barely disturb. The ratios use the CPU figures.

import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../packages/server/dist/store/schema.js';
import { EVENT_COLUMNS, eventParams } from '../../packages/server/dist/store/sql.js';
import { Checkpointer } from '../../packages/server/dist/store/sqlite-checkpointer.js';
import { batchBodies } from './lib/events.mjs';
import { printTable, writeSection } from './lib/results.mjs';
import { startServerProcess } from './lib/server-process.mjs';
import { cpuMicros, fmt, summarize } from './lib/stats.mjs';

const BATCH = 1000;
const BATCHES = Number(process.env.BENCH_INGEST_BATCHES ?? 300);
const CLIENTS = 4;

/** POSTs every body to /v1/meter/batch with `clients` concurrent keep-alive connections. */
async function post(server, bodies, clients) {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const url = new URL('/v1/meter/batch', server.url);
  const send = (body) =>
    new Promise((resolve, reject) => {
      const outgoing = request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${server.apiKey}`,
            'content-type': 'application/json',
            'content-length': body.length,
          },
        },
        (response) => {
          const chunks = [];
          response.on('data', (chunk) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (response.statusCode !== 200)
              reject(new Error(`batch answered ${response.statusCode}: ${text.slice(0, 300)}`));
            else {
              const { summary } = JSON.parse(text);
              if (summary.accepted !== BATCH) reject(new Error(`batch summary ${JSON.stringify(summary)}`));
              else resolve();
            }
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  let next = 0;
  const perBatchMs = [];
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const start = performance.now();
      await send(body);
      perBatchMs.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  agent.destroy();
  return perBatchMs;
}

/** The server's rate: wall clock, and CPU µs per event of the server process. */
async function serverRate(store, bodies) {
  const server = await startServerProcess({ store });
  if (!server) return undefined;
  try {
    await post(server, batchBodies(20, BATCH), CLIENTS); // warm-up: JIT, caches, the SQLite file
    const cpuBefore = (await server.usage()).cpu;
    const start = performance.now();
    const perBatchMs = await post(server, bodies, CLIENTS);
    const seconds = (performance.now() - start) / 1000;
    const cpu = (await server.usage()).cpu - cpuBefore;
    const events = bodies.length * BATCH;
    if (server.errors.length > 0) throw new Error(`server errors: ${server.errors.slice(0, 3).join('\n')}`);
    return {
      wallRate: events / seconds,
      cpuPerEvent: cpu / events,
      batchLatencyMs: summarize(perBatchMs, 'ms'),
      rss: (await server.usage()).rss,
    };
  } finally {
    await server.close();
  }
}

/** The server's row for an event of the bodies (prices as the default tier gives them). */
function rowsOf(body) {
  const { events } = JSON.parse(body.toString('utf8'));
  const now = Date.now();
  return events.map((event) => ({
    eventId: event.event_id,
    bodyHash: 'hqXc4fKPa3mOe7Q0Jm8b2yD0oY2m8vVqQ1Ue5lSg1Xw',
    timestamp: Date.parse(event.timestamp),
    receivedAt: now,
    agentId: event.agent_id,
    action: event.action,
    customerId: event.customer_id,
    model: event.model,
    provider: event.provider,
    tokensInput: event.tokens_input,
    tokensOutput: event.tokens_output,
    tokensCachedInput: 0,
    tokensCacheWrite: 0,
    tokensReasoning: 0,
    tierId: 'default',
    tierVersion: 1,
    currency: 'USD',
    baseAmount: 2_000_000_000n,
    tokenAmount: BigInt(event.tokens_input) * 10_000_000n + BigInt(event.tokens_output) * 30_000_000n,
    outcomeAmount: 0n,
    outcome: null,
    outcomeState: 'none',
    pendingBonus: 0n,
    expiresAt: null,
    resolvedAt: null,
    resolutionAmount: 0n,
    resolutionMetadata: null,
    metadata: null,
  }));
}

/** The same rows straight into the same schema: one prepared statement, one transaction per batch. */
async function rawInsert(bodies) {
  const dir = mkdtempSync(join(tmpdir(), 'agentmeter-bench-raw-'));
  const db = new Database(join(dir, 'raw.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // As the server's store: checkpoints on a worker thread, this connection's only past 10,000 pages.
    db.pragma('wal_autocheckpoint = 10000');
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    for (const migration of MIGRATIONS) db.exec(migration.sqlite);
    db.prepare("INSERT INTO projects (project_id, name, created_at) VALUES ('proj_bench', 'bench', 0)").run();
    const insert = db.prepare(
      `INSERT INTO events (${EVENT_COLUMNS.join(', ')}) VALUES (${EVENT_COLUMNS.map(() => '?').join(', ')})
       ON CONFLICT (project_id, event_id) DO NOTHING`,
    );
    const write = db.transaction((rows) => {
      for (const row of rows) insert.run(eventParams('proj_bench', row));
    });
    const checkpointer = new Checkpointer(join(dir, 'raw.db'));
    const batches = bodies.map(rowsOf);
    write(rowsOf(batchBodies(1, BATCH)[0])); // warm-up
    const cpuBefore = cpuMicros();
    const start = performance.now();
    for (const rows of batches) write(rows);
    const seconds = (performance.now() - start) / 1000;
    const events = batches.length * BATCH;
    const cpuPerEvent = (cpuMicros() - cpuBefore) / events;
    await checkpointer.stop();
    return { wallRate: events / seconds, cpuPerEvent };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseOnly(bodies) {
  for (const body of bodies.slice(0, 20)) JSON.parse(body.toString('utf8')); // warm-up
  const cpuBefore = cpuMicros();
  const start = performance.now();
  let count = 0;
  for (const body of bodies) count += JSON.parse(body.toString('utf8')).events.length;
  const seconds = (performance.now() - start) / 1000;
  return { wallRate: count / seconds, cpuPerEvent: (cpuMicros() - cpuBefore) / count };
}

export async function runIngestCeiling() {
  const bodies = batchBodies(BATCHES, BATCH);
  const sqlite = await serverRate('sqlite', bodies);
  const postgres = await serverRate('postgres', batchBodies(Math.ceil(BATCHES / 3), BATCH));
  const insert = await rawInsert(batchBodies(BATCHES, BATCH));
  const parse = parseOnly(bodies);
  // Parsing and inserting each event is the least any server must do; both on one core:
  const limitCpu = insert.cpuPerEvent + parse.cpuPerEvent;
  const perCpuSecond = (cpuPerEvent) => 1e6 / cpuPerEvent;
  const rows = [
    { name: `server, SQLite (${CLIENTS} clients × batches of ${BATCH})`, ...sqlite },
    postgres
      ? { name: `server, PostgreSQL (${CLIENTS} clients × batches of ${BATCH})`, ...postgres }
      : { name: 'server, PostgreSQL', missing: true },
    { name: 'raw SQLite insert (prepared, 1 tx per batch)', ...insert },
    { name: 'JSON.parse of the same bodies', ...parse },
    {
      name: 'physical limit: parse + insert',
      cpuPerEvent: limitCpu,
      wallRate: 1 / (1 / insert.wallRate + 1 / parse.wallRate),
    },
  ];
  const ratios = {
    'server SQLite / raw insert (CPU)': insert.cpuPerEvent / sqlite.cpuPerEvent,
    'server SQLite / parse + insert (CPU)': limitCpu / sqlite.cpuPerEvent,
    'server SQLite / raw insert (wall)': sqlite.wallRate / insert.wallRate,
  };
  printTable(
    `4. Ingest ceiling: POST /v1/meter/batch vs the physical limit, same run (${BATCHES} batches of ${BATCH})`,
    [
      ['path', (row) => row.name],
      ['events/s (wall)', (row) => (row.missing ? 'PostgreSQL unreachable' : fmt(row.wallRate))],
      ['CPU µs/event', (row) => (row.missing ? '' : fmt(row.cpuPerEvent, 2))],
      ['events per CPU-second', (row) => (row.missing ? '' : fmt(perCpuSecond(row.cpuPerEvent)))],
      [
        'batch latency p50 / p99 ms',
        (row) =>
          row.batchLatencyMs ? `${fmt(row.batchLatencyMs.median)} / ${fmt(row.batchLatencyMs.p99)}` : '',
      ],
    ],
    rows,
  );
  for (const [name, value] of Object.entries(ratios)) console.log(`${name}: ${(value * 100).toFixed(0)}%`);
  const asFigure = (row) =>
    row && !row.missing
      ? {
          wallRate: { median: row.wallRate, p99: row.wallRate, runs: 1, unit: 'events/s' },
          cpuPerEvent: { median: row.cpuPerEvent, p99: row.cpuPerEvent, runs: 1, unit: 'µs CPU/event' },
          eventsPerCpuSecond: perCpuSecond(row.cpuPerEvent),
          ...(row.batchLatencyMs ? { batchLatencyMs: row.batchLatencyMs } : {}),
        }
      : null;
  writeSection('ingestCeiling', {
    description: `POST /v1/meter/batch (${CLIENTS} concurrent clients, ${BATCH} events per batch) vs raw prepared SQLite inserts of the same rows and JSON.parse of the same bodies, same run.`,
    figures: {
      serverSqlite: asFigure(sqlite),
      serverPostgres: asFigure(postgres),
      rawInsert: asFigure(insert),
      jsonParse: asFigure(parse),
      parsePlusInsert: asFigure(rows[4]),
    },
    ratios,
  });
  return ratios;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runIngestCeiling();
  process.exit(0);
}
