// The far end of the integrations' end-to-end tests: the real server in-process (a SQLite file in a
// temporary folder) with a default tier, and a real Meter sending to it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMeter, type Meter, type PricedEvent } from '@agentmeter/sdk';
import { type RunningServer, startServer } from '@agentmeter/server';
import { afterAll, beforeAll, expect } from 'vitest';

// The real fetch, taken when this module loads: before a test file's msw server patches the global one.
const realFetch = globalThis.fetch;

/** A tier priced per million tokens: 0.01 a call, $3 input, $15 output, $0.30 cache read, $3.75 cache write. */
export const PER_MILLION_TIER = {
  base_fee: '0.01',
  token_rate_input: '3',
  token_rate_output: '15',
  token_rate_cached_input: '0.3',
  token_rate_cache_write: '3.75',
  token_unit: 1_000_000,
  currency: 'USD',
};

export interface MeteringServer {
  /** The Meter, sending to the server with the real fetch (available once the file's tests run). */
  readonly meter: Meter;
  /** Every event the server priced, in the order the Meter reported them. */
  readonly priced: PricedEvent[];
  /** A JSON request to the server's API with the admin key. */
  admin(path: string, init?: RequestInit): Promise<Response>;
}

/**
 * For a test file: starts the server with `tier` as its default tier and a Meter before its tests,
 * and shuts both down and removes the database after them. `name` tells the temporary folders and
 * admin keys of the files apart.
 */
export function useMeteringServer(name: string, tier: object = PER_MILLION_TIER): MeteringServer {
  const directory = mkdtempSync(join(tmpdir(), `agentmeter-${name}-e2e-`));
  let metering: RunningServer | undefined;
  let meter: Meter | undefined;
  const priced: PricedEvent[] = [];

  function admin(path: string, init: RequestInit = {}): Promise<Response> {
    if (!metering) throw new Error('The metering server is not started yet (use it inside a test).');
    return realFetch(`${metering.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${metering.adminKey}`, 'content-type': 'application/json' },
    });
  }

  beforeAll(async () => {
    metering = await startServer({
      port: 0,
      dbPath: join(directory, 'meter.db'),
      adminKey: `am_admin_e2e_${name.replace(/\W/g, '_')}_0123456789abcdef`,
    });
    const response = await admin('/v1/tiers/default', { method: 'PUT', body: JSON.stringify(tier) });
    expect(response.status).toBeLessThan(300);
    meter = createMeter({
      apiKey: metering.adminKey!,
      baseUrl: metering.url,
      fetch: realFetch,
      flushIntervalMs: 60_000,
    });
    meter.on('priced', (events) => priced.push(...events));
  });
  afterAll(async () => {
    await meter?.shutdown({ timeoutMs: 5_000 });
    await metering?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  return {
    get meter() {
      if (!meter) throw new Error('The metering server is not started yet (use it inside a test).');
      return meter;
    },
    priced,
    admin,
  };
}
