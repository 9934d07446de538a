// Starts server-child.mjs in its own process and samples its CPU and memory over IPC.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const CHILD = new URL('./server-child.mjs', import.meta.url);
export const ADMIN_KEY = 'adm_bench_0123456789abcdef';
export const DATABASE_URL =
  process.env.AGENTMETER_TEST_DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';

/**
 * A fresh PostgreSQL database on the local server (as test/support/postgres.ts `freshDatabase`), or
 * undefined when none is reachable (the PostgreSQL rows then say so).
 */
export async function freshDatabase() {
  const name = `agentmeter_bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (error) {
    console.warn(`PostgreSQL at ${DATABASE_URL} is unreachable (${error.message}); skipping its rows.`);
    return undefined;
  } finally {
    await admin.end().catch(() => {});
  }
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const dropper = new pg.Client({ connectionString: DATABASE_URL });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}

/**
 * Starts a server process. `store`: 'sqlite' (a temp file), 'postgres' (a fresh database), 'bare'
 * (the framework ceiling) or 'bare-body' (the same, reading and parsing the request body). `port`:
 * a fixed port (default: a free one). `execArgv` (e.g. ['--cpu-prof']) goes to the child's node;
 * with BENCH_PROFILE_DIR set, every server is started with --cpu-prof and its profile kept there.
 */
export async function startServerProcess({
  store = 'sqlite',
  execArgv = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof'] : [],
  port,
} = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'agentmeter-bench-'));
  let database;
  let options;
  if (store === 'bare' || store === 'bare-body') options = { mode: store };
  else if (store === 'postgres') {
    database = await freshDatabase();
    if (!database) {
      rmSync(dir, { recursive: true, force: true });
      return undefined;
    }
    options = { mode: 'agentmeter', adminKey: ADMIN_KEY, databaseUrl: database.url };
  } else options = { mode: 'agentmeter', adminKey: ADMIN_KEY, dbPath: join(dir, 'bench.db') };
  if (port !== undefined) options.port = port;

  const child = fork(CHILD, [], {
    env: { ...process.env, BENCH_SERVER: JSON.stringify(options) },
    execArgv: [
      ...execArgv,
      ...(execArgv.some((flag) => flag.startsWith('--cpu-prof'))
        ? [`--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR ?? dir}`]
        : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const errors = [];
  const pending = new Map();
  let nextId = 0;
  const ready = new Promise((resolve, reject) => {
    child.on('message', (message) => {
      if (message.type === 'ready') resolve(message.url);
      else if (message.type === 'usage' || message.type === 'loop') pending.get(message.id)?.(message);
      else if (message.type === 'error') errors.push(message.message);
    });
    child.once('exit', (code) =>
      reject(new Error(`the server process exited (${code}) before it was ready`)),
    );
  });
  const url = await ready;

  /** CPU (µs, user + system) and memory of the server process, now. */
  const usage = () =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, (message) => {
        pending.delete(id);
        resolve({
          cpu: message.cpu.user + message.cpu.system,
          user: message.cpu.user,
          system: message.cpu.system,
          contextSwitches:
            message.resources.voluntaryContextSwitches + message.resources.involuntaryContextSwitches,
          rss: message.memory.rss,
          heapUsed: message.memory.heapUsed,
        });
      });
      child.send({ type: 'usage', id });
    });

  /** The server's event-loop delay since the last `loopDelay(true)` (ms: max, p99, p50); `reset` starts anew. */
  const loopDelay = (reset = false) =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, (message) => {
        pending.delete(id);
        resolve({ max: message.max, p99: message.p99, p50: message.p50 });
      });
      child.send({ type: reset ? 'loop-reset' : 'loop', id });
    });

  const server = {
    url,
    loopDelay,
    pid: child.pid,
    dir,
    store,
    errors,
    usage,
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'close' });
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (child.exitCode === null) child.kill();
      if (database) await database.drop().catch(() => {});
      if (!process.env.BENCH_PROFILE_DIR) rmSync(dir, { recursive: true, force: true });
    },
  };
  if (!store.startsWith('bare')) await setUp(server);
  return server;
}

/** A default tier (base fee + token rates) and an ingest key, as a real project has. */
async function setUp(server) {
  const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
  const tier = await fetch(`${server.url}/v1/tiers/default`, {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({
      base_fee: '0.002',
      token_rate_input: '0.01',
      token_rate_output: '0.03',
      token_unit: 1000,
    }),
  });
  if (!tier.ok) throw new Error(`PUT /v1/tiers/default answered ${tier.status}: ${await tier.text()}`);
  const key = await fetch(`${server.url}/v1/keys`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ name: 'bench', scope: 'ingest' }),
  });
  if (!key.ok) throw new Error(`POST /v1/keys answered ${key.status}: ${await key.text()}`);
  server.apiKey = (await key.json()).key;
}

/** Samples the server's CPU and memory every `everyMs` until stopped: {cpuCores[], rssMiB[], heapMiB[]}. */
export function sampleUsage(server, everyMs = 1000) {
  const samples = { cpuCores: [], rssMiB: [], heapMiB: [] };
  let last;
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    const now = { ...(await server.usage()), at: performance.now() };
    if (last) samples.cpuCores.push((now.cpu - last.cpu) / 1000 / (now.at - last.at));
    samples.rssMiB.push(now.rss / 2 ** 20);
    samples.heapMiB.push(now.heapUsed / 2 ** 20);
    last = now;
  };
  const timer = setInterval(tick, everyMs);
  tick();
  return {
    samples,
    async stop() {
      stopped = true;
      clearInterval(timer);
      return samples;
    },
  };
}
