// Overload over real sockets: many connections pushing batches with known event ids at a listening
// server (SQLite) whose limits are far below the load. Every request must be answered — 200, or 503
// with Retry-After — never reset; clients retry the 503s with the same ids, and the ledger ends with
// every event exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createMeter } from '@agentmeter/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerLimits } from './load-shed.js';
import { type RunningServer, startServer } from './server.js';

const ADMIN_KEY = 'adm_overload_test_key_0123456789abcdef';

interface LoadResult {
  statuses: Record<string, number>;
  errors: Record<string, number>;
  delivered: number;
  givenUp: number;
  summaryMismatches: number;
  elapsedMs: number;
  failed?: string;
}

const directories: string[] = [];
const servers: RunningServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

async function serve(limits: Partial<ServerLimits>, onError: (error: unknown) => void) {
  const directory = mkdtempSync(join(tmpdir(), 'agentmeter-overload-'));
  directories.push(directory);
  const server = await startServer({
    port: 0,
    dbPath: join(directory, 'meter.db'),
    adminKey: ADMIN_KEY,
    rateLimit: false,
    dashboard: false,
    onError,
    limits,
  });
  servers.push(server);
  const tier = await fetch(`${server.url}/v1/tiers/default`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ base_fee: '0.001' }),
  });
  expect(tier.status).toBe(200);
  return server;
}

/** Runs test/support/http-load.mjs in a worker (its own event loop, as a separate client would be). */
function load(options: Record<string, unknown>): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('../../../test/support/http-load.mjs', import.meta.url), {
      workerData: { key: ADMIN_KEY, deadlineMs: 90_000, maxAttempts: 200, ...options },
    });
    worker.once('message', (result: LoadResult) => {
      void worker.terminate();
      if (result.failed) reject(new Error(result.failed));
      else resolve(result);
    });
    worker.once('error', reject);
  });
}

/** Every event id of the project's ledger (pages of the store's oldest-first scan). */
async function ledgerIds(server: RunningServer): Promise<string[]> {
  const ids: string[] = [];
  let after = 0;
  for (;;) {
    const page = await server.store.scanEvents(
      server.projectId,
      { from: 0, to: Date.UTC(9999, 0, 1) },
      after,
      5000,
    );
    if (page.length === 0) return ids;
    for (const event of page) ids.push(event.eventId);
    after = page[page.length - 1]?.seq ?? after;
  }
}

function expectedIds(prefix: string, connections: number, requests: number, events: number): string[] {
  const ids: string[] = [];
  for (let connection = 0; connection < connections; connection++)
    for (let index = 0; index < requests; index++)
      for (let event = 0; event < events; event++) ids.push(`${prefix}-${connection}-${index}-${event}`);
  return ids;
}

describe('under overload', () => {
  it('answers every request 200 or 503 + Retry-After (never a reset), and the retried batches land exactly once', async () => {
    const errors: unknown[] = [];
    const server = await serve({ maxInFlight: 16, maxQueued: 64, maxQueueWaitMs: 200 }, (error) =>
      errors.push(error),
    );
    const shape = { connections: 600, requests: 4, events: 20 };
    const result = await load({ url: server.url, prefix: 'shed', client: 'fetch', ...shape });
    console.info(`overload, fetch clients: ${JSON.stringify(result)}`);
    expect(result.errors).toEqual({});
    expect(Object.keys(result.statuses).sort()).toEqual(['200', '503']);
    expect(result.statuses['200']).toBe(shape.connections * shape.requests);
    expect([result.delivered, result.givenUp, result.summaryMismatches]).toEqual([
      shape.connections * shape.requests,
      0,
      0,
    ]);
    const ids = await ledgerIds(server);
    expect(ids.length).toBe(new Set(ids).size);
    expect(ids.sort()).toEqual(expectedIds('shed', shape.connections, shape.requests, shape.events).sort());
    expect(errors).toEqual([]);
  }, 120_000);

  it('answers connections past the limit 503 + Connection: close instead of resetting them', async () => {
    const server = await serve({ maxConnections: 40 }, () => {});
    const shape = { connections: 300, requests: 3, events: 5 };
    // One node:http socket per client: 300 connections at once against a limit of 40.
    const result = await load({ url: server.url, prefix: 'conn', client: 'agent', ...shape });
    console.info(`over the connection limit: ${JSON.stringify(result)}`);
    expect(result.errors).toEqual({});
    expect(Object.keys(result.statuses).sort()).toEqual(['200', '503']);
    expect(result.delivered).toBe(shape.connections * shape.requests);
    const ids = await ledgerIds(server);
    expect(ids.sort()).toEqual(expectedIds('conn', shape.connections, shape.requests, shape.events).sort());
  }, 120_000);

  it('the SDK retries the 503s after Retry-After with the same ids: every event once', async () => {
    const server = await serve({ maxInFlight: 1, maxQueued: 0 }, () => {});
    // Hold the only slot: an authenticated upload that stalls mid-body.
    const holder = connect(server.port, '127.0.0.1');
    holder.on('error', () => {});
    holder.write(
      `POST /v1/meter HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_KEY}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"agent_id":`,
    );
    const statuses: number[] = [];
    const realFetch = globalThis.fetch;
    const meter = createMeter({
      apiKey: ADMIN_KEY,
      baseUrl: server.url,
      flushIntervalMs: 60_000,
      fetch: async (input, init) => {
        const response = await realFetch(input, init);
        statuses.push(response.status);
        // The slot frees once the SDK has met the overload.
        if (response.status === 503) holder.destroy();
        return response;
      },
    });
    const tracked = Array.from({ length: 25 }, (_, index) =>
      meter.track({ agent_id: 'sdk', action: 'call', event_id: `sdk-${index}`, tokens_input: 1 }),
    );
    await meter.flush();
    await meter.shutdown({ timeoutMs: 20_000 });
    expect(statuses[0]).toBe(503);
    expect(statuses.at(-1)).toBe(200);
    expect((await ledgerIds(server)).sort()).toEqual([...tracked].sort());
  }, 60_000);
});
