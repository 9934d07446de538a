import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@agentmeter/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, oneLine } from '../cli/cli-harness.js';
import { startServerProcess } from '../support/processes.js';

// `agentmeter demo` as a user runs it (`npm run demo` runs the built binary): offline, no keys.
const CUSTOMERS = ['acme', 'globex', 'initech'];
let directory: string;
let human: Awaited<ReturnType<typeof cli>>;

/** Whether something still accepts connections at `url`. */
async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

const demoDirectories = () => readdirSync(tmpdir()).filter((name) => name.startsWith('agentmeter-demo-'));

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'agentmeter-demo-test-'));
  // The time limit is the hook's timeout: two minutes on a 2-core machine.
  human = await cli(['demo', '--keep-db', join(directory, 'demo.db')]);
}, 120_000);
afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe('agentmeter demo', () => {
  it('exits 0 and stops the embedded server and the mock it started', async () => {
    expect(human.stderr).toBe('');
    expect(human.code).toBe(0);
    const server = /^ {2}server +(http:\/\/127\.0\.0\.1:\d+)/m.exec(human.stdout)?.[1];
    const provider = /^ {2}provider +(http:\/\/127\.0\.0\.1:\d+\/v1)/m.exec(human.stdout)?.[1];
    expect(server).toBeDefined();
    expect(provider).toBeDefined();
    expect(await answers(`${server}/healthz`)).toBe(false);
    expect(await answers(`${provider}/chat/completions`)).toBe(false);
  });

  it('prints a priced row per call: 34 calls across the three agents and customers', () => {
    const rows = human.stdout
      .split('\n')
      .filter((line) => /^ {2}\d{4}-\d{2}-\d{2} \d{2}:\d{2} /.test(line))
      .map((line) => line.trim().split(/\s{2,}/));
    expect(rows).toHaveLength(34);
    expect(new Set(rows.map((cells) => cells[1]))).toEqual(new Set(CUSTOMERS));
    expect(new Set(rows.map((cells) => cells[2]))).toEqual(
      new Set(['research-agent', 'ticket-classifier', 'outreach-agent']),
    );
    expect(rows.filter((cells) => cells[3] === 'stream')).toHaveLength(7);
    // The per-call tier is a flat 0.05, whatever the tokens.
    for (const cells of rows.filter((row) => row[6] === 'per_call')) expect(cells[7]).toBe('0.05');
    expect(human.stdout).toContain('reply after 7 days refused (outcome_expired)');
  });

  it("prints invoice totals equal to the server's /v1/invoices/preview for the same customers", async () => {
    const printed = Object.fromEntries(
      CUSTOMERS.map((customer) => {
        const match = new RegExp(`^ {2}${customer} {2}USD ([\\d,]+\\.\\d+) {2}✓`, 'm').exec(human.stdout);
        return [customer, match?.[1]?.replace(/,/g, '')];
      }),
    );
    const adminKey = 'demo-test-admin-key-0123456789';
    const server = await startServerProcess({
      AGENTMETER_DB: join(directory, 'demo.db'),
      AGENTMETER_ADMIN_KEY: adminKey,
    });
    try {
      const client = createClient({ apiKey: adminKey, baseUrl: server.url });
      for (const customer of CUSTOMERS) {
        const { data } = await client.GET('/v1/invoices/preview', {
          params: { query: { customer_id: customer } },
        });
        expect(data?.currency).toBe('USD');
        expect(printed[customer], customer).toBe(data?.total);
      }
      const { data: usage } = await client.GET('/v1/usage', {});
      expect(usage?.totals[0]?.calls).toBe(34);
      expect(usage?.totals[0]?.outcomes).toEqual({ pending: 2, success: 5, failure: 3, expired: 3 });
    } finally {
      await server.stop();
    }
  });

  it('--json prints the same numbers machine-readably, and leaves no temporary database behind', async () => {
    const before = demoDirectories();
    const result = await cli(['demo', '--json']);
    expect(result.code).toBe(0);
    expect(demoDirectories()).toEqual(before);
    const summary = JSON.parse(result.stdout);
    expect(summary.calls).toHaveLength(34);
    expect(summary.db).toBeNull();
    for (const customer of CUSTOMERS) {
      const { invoice, simulation, reconciled } = summary.customers[customer];
      expect(reconciled.equal).toBe(true);
      const [integer, fraction] = String(invoice.total).split('.');
      const grouped = `${String(integer).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction}`;
      expect(human.stdout).toContain(`${customer}  USD ${grouped}  ✓`);
      expect(simulation.results.map((result: { name: string }) => result.name)).toEqual([
        'per_token',
        'per_call',
        'outcome',
        'hybrid',
      ]);
    }
    expect(summary.agents['ticket-classifier'].framework.model).toBe('per_call');
    expect(summary.agents['research-agent'].framework.model).toBe('per_token');
    expect(summary.agents['outreach-agent'].framework.outcome.answer).toBe(true);
  }, 120_000);

  it('--live without OPENAI_API_KEY fails in one line, before starting anything', async () => {
    const result = await cli(['demo', '--live']);
    expect(result.code).toBe(2);
    expect(oneLine(result)).toBe(
      'agentmeter: --live needs OPENAI_API_KEY set to an OpenAI API key (the demo runs offline without --live).',
    );
  });

  it('--keep-db refuses an existing file', async () => {
    const result = await cli(['demo', '--keep-db', join(directory, 'demo.db')]);
    expect(result.code).toBe(2);
    expect(oneLine(result)).toMatch(
      /^agentmeter: --keep-db: .*demo\.db exists; give a path to a new file\.$/,
    );
  });
});
