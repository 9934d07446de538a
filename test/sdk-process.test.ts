// Process-level failure modes of docs/delivery.md, with the built SDK (packages/sdk/dist)
// in a child process: 1 (exit drain: an idle script exits; the opt-in exit hook delivers), 13 (after a
// shutdown at its deadline nothing keeps the process alive) and 17 (kill -9 mid-flight, then replay).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type LedgerEvent } from '@agentmeter/client';
import { startServer } from '@agentmeter/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeIngest } from './sdk-fake-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const child = fileURLToPath(new URL('./sdk-child.mjs', import.meta.url));
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentmeter-outbox-'));
  dirs.push(dir);
  return dir;
};
const segments = (dir: string) =>
  existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.wal')) : [];

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  lines: Record<string, unknown>[];
}

/** Runs the child to its natural end; the test's own timeout catches a child that never exits. */
function run(
  args: string[],
  onSpawn?: (pid: number) => void,
  env: Record<string, string> = {},
  onLine?: (line: Record<string, unknown>) => void,
): Promise<ChildResult> {
  return new Promise((resolve) => {
    const spawned = execFile(
      process.execPath,
      [child, ...args],
      { cwd: root, env: { ...process.env, ...env } },
      (error, stdout) => {
        const failure = error as { code?: unknown; signal?: NodeJS.Signals } | null;
        resolve({
          code: typeof failure?.code === 'number' ? failure.code : failure ? null : 0,
          signal: failure?.signal ?? null,
          lines: parseLines(stdout),
        });
      },
    );
    if (spawned.pid) onSpawn?.(spawned.pid);
    let pending = '';
    spawned.stdout?.on('data', (chunk: Buffer | string) => {
      pending += String(chunk);
      const complete = pending.slice(0, pending.lastIndexOf('\n') + 1);
      pending = pending.slice(complete.length);
      for (const line of parseLines(complete)) onLine?.(line);
    });
  });
}

const parseLines = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

beforeAll(() => {
  execFileSync('npx', ['tsc', '-b', 'packages/sdk', 'examples/basic'], { cwd: root, stdio: 'inherit' });
}, 120_000);

afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('exit drain (1)', () => {
  it('a script that never calls shutdown() still exits: the idle timer is unref’d', async () => {
    const server = new FakeIngest();
    const http = await server.listen();
    try {
      const { code, lines } = await run(['idle', http.url, '5']);
      expect(code).toBe(0);
      expect(lines[0]?.['ids']).toHaveLength(5);
      expect(server.ledger.size).toBe(0);
    } finally {
      await http.close();
    }
  });

  it('with registerExitHandlers(), a script that just ends delivers all its events', async () => {
    const server = new FakeIngest();
    const http = await server.listen();
    try {
      const { code, lines } = await run(['exit-hook', http.url, '5']);
      expect(code).toBe(0);
      expect([...server.ledger.keys()].sort()).toEqual([...((lines[0]?.['ids'] ?? []) as string[])].sort());
    } finally {
      await http.close();
    }
  });
});

describe('exit handlers', () => {
  it('with signals: true, SIGTERM drains the queue and then ends the process by the signal', async () => {
    const server = new FakeIngest();
    const http = await server.listen();
    try {
      let pid = 0;
      // Signal the child once it has queued its events (and so installed its handlers).
      const ended = run(
        ['sigterm', http.url, '4'],
        (spawned) => {
          pid = spawned;
        },
        {},
        (line) => {
          if (line['ids']) process.kill(pid, 'SIGTERM');
        },
      );
      const { signal, lines } = await ended;
      expect(signal).toBe('SIGTERM');
      expect([...server.ledger.keys()].sort()).toEqual([...((lines[0]?.['ids'] ?? []) as string[])].sort());
      expect(server.ledger.size).toBe(4);
    } finally {
      await http.close();
    }
  });
});

describe('timers (12)', () => {
  it('an awaited flush() keeps the process alive through a retry backoff, then delivers', async () => {
    const server = new FakeIngest();
    server.fault = (_request, index) => (index === 0 ? { status: 503 } : undefined);
    const http = await server.listen();
    try {
      const { code, lines } = await run(['flush-backoff', http.url, '3']);
      expect(code).toBe(0);
      expect(lines).toEqual([{ ids: expect.any(Array), flushed: true }]);
      expect(server.requests).toHaveLength(2);
      expect([...server.ledger.keys()].sort()).toEqual([...((lines[0]?.['ids'] ?? []) as string[])].sort());
    } finally {
      await http.close();
    }
  });
});

describe('hang (13)', () => {
  it('after a shutdown that hit its deadline, nothing keeps the process alive', async () => {
    const server = new FakeIngest();
    server.fault = () => ({ stall: true });
    const http = await server.listen();
    try {
      const { code, lines } = await run(['hang', http.url, '3']);
      expect(code).toBe(0);
      const { ids, result } = lines[0] as { ids: string[]; result: Record<string, unknown> };
      expect(result).toEqual({ sent: 0, failed: 0, pending: 3, pendingIds: ids });
    } finally {
      await http.close();
    }
  });
});

describe('crash replay (17)', () => {
  it('a process killed with SIGKILL after the server committed loses nothing and charges nothing twice', async () => {
    const dir = tempDir();
    const server = new FakeIngest();
    let pid = 0;
    let killedKey: string | null = null;
    server.fault = (request, index) => {
      if (index !== 1) return undefined;
      killedKey = request.key;
      setImmediate(() => process.kill(pid, 'SIGKILL'));
      return { commitThenStall: true };
    };
    const http = await server.listen();
    try {
      const crashed = await run(['outbox-write', http.url, '20', dir], (spawned) => {
        pid = spawned;
      });
      expect(crashed.signal).toBe('SIGKILL');
      const ids = crashed.lines[0]?.['ids'] as string[];
      expect(ids).toHaveLength(20);
      expect(crashed.lines).toHaveLength(1);
      expect(server.ledger.size).toBe(14);
      const killedIds = server.batchIds()[1] as string[];

      server.fault = () => undefined;
      const replay = await run(['outbox-replay', http.url, '0', dir]);
      expect(replay.lines[0]?.['result']).toMatchObject({ failed: 0, pending: 0 });
      expect([...server.ledger.keys()].sort()).toEqual([...ids].sort());
      const again = server.requests
        .slice(2)
        .find((request) => killedIds.every((id) => request.body.includes(id)));
      expect(again?.key).toBe(killedKey);
      for (const id of ids.filter((id) => !killedIds.includes(id))) {
        expect(server.deliveries.get(id)).toBeLessThanOrEqual(2);
      }
      expect(segments(dir)).toEqual([]);
    } finally {
      await http.close();
    }
  });

  it('against the real server: killed after the server committed a batch, the replay charges each event once', async () => {
    const dir = tempDir();
    const server = await startServer({
      port: 0,
      dbPath: join(dir, 'meter.db'),
      adminKey: 'adm_crash_0123456789_abcdefghij',
      rateLimit: false,
    });
    const admin = createClient({ apiKey: 'adm_crash_0123456789_abcdefghij', baseUrl: server.url });
    await admin.PUT('/v1/tiers/{tier_id}', {
      params: { path: { tier_id: 'default' } },
      body: { base_fee: '0.01', token_unit: 1000, currency: 'USD' },
    });
    const apiKey = (await admin.POST('/v1/keys', { body: { scope: 'ingest' } })).data?.key as string;
    // A pass-through proxy that, on the second batch, lets the server commit and then kills the client.
    let pid = 0;
    let batches = 0;
    const keys: (string | undefined)[] = [];
    const proxy = createServer((incoming, outgoing) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', async () => {
        const headers = Object.fromEntries(
          Object.entries(incoming.headers).filter(
            (entry): entry is [string, string] => typeof entry[1] === 'string',
          ),
        );
        const response = await fetch(`${server.url}${incoming.url}`, {
          method: incoming.method,
          headers,
          body: Buffer.concat(chunks),
        });
        const body = Buffer.from(await response.arrayBuffer());
        if (incoming.url === '/v1/meter/batch') keys.push(headers['idempotency-key']);
        if (incoming.url === '/v1/meter/batch' && ++batches === 2 && pid) {
          process.kill(pid, 'SIGKILL');
          return;
        }
        outgoing.writeHead(response.status, {
          'content-type': response.headers.get('content-type') ?? 'application/json',
        });
        outgoing.end(body);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    const outbox = join(dir, 'outbox');
    try {
      const crashed = await run(
        ['outbox-write', proxyUrl, '20', outbox],
        (spawned) => {
          pid = spawned;
        },
        { AGENTMETER_API_KEY: apiKey },
      );
      expect(crashed.signal).toBe('SIGKILL');
      const ids = crashed.lines[0]?.['ids'] as string[];
      expect(ids).toHaveLength(20);
      pid = 0;
      const replay = await run(['outbox-replay', proxyUrl, '0', outbox], undefined, {
        AGENTMETER_API_KEY: apiKey,
      });
      expect(replay.lines[0]?.['result']).toMatchObject({ failed: 0, pending: 0 });
      expect(keys.slice(2)).toContain(keys[1]);
      const page = await admin.GET('/v1/events', { params: { query: { customer_id: 'acme', limit: 1000 } } });
      const ledger = (page.data?.data ?? []) as LedgerEvent[];
      expect(ledger.map((event) => event.event_id).sort()).toEqual([...ids].sort());
      const invoice = await admin.GET('/v1/invoices/preview', { params: { query: { customer_id: 'acme' } } });
      expect(invoice.data?.total).toBe('0.20');
      expect(segments(outbox)).toEqual([]);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
      await server.close();
    }
  });
});

describe('examples/basic', () => {
  it('meters calls and an outcome against the real server and prints their prices', async () => {
    const dir = tempDir();
    const adminKey = 'adm_example_0123456789';
    const server = await startServer({ port: 0, dbPath: join(dir, 'meter.db'), adminKey, rateLimit: false });
    try {
      const admin = createClient({ apiKey: adminKey, baseUrl: server.url });
      await admin.PUT('/v1/tiers/{tier_id}', {
        params: { path: { tier_id: 'default' } },
        body: {
          base_fee: '0.002',
          token_rate_input: '0.01',
          token_rate_output: '0.03',
          token_unit: 1000,
          outcome_bonus: '0.50',
          currency: 'USD',
        },
      });
      const apiKey = (await admin.POST('/v1/keys', { body: { scope: 'ingest' } })).data?.key as string;
      const output = await new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          [join(root, 'examples/basic/dist/index.js')],
          { env: { ...process.env, AGENTMETER_URL: server.url, AGENTMETER_API_KEY: apiKey } },
          (error, stdout, stderr) =>
            error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
        );
      });
      // 0.002 + 1.2 × 0.01 + 0.35 × 0.03 = 0.0245; the pending ticket: 0.002 + 0.03 + 0.027 = 0.059, then 0.50 on success.
      expect(output).toMatch(/trackNow\(\): \S+ cost 0\.0245 USD/);
      expect(output).toMatch(/\S+ {2}0\.059 USD {2}\(tier default, accepted\)/);
      expect(output).toMatch(/outcome out_\S+: success, bonus 0\.50 USD/);
      expect(output).toContain('sent 7, failed 0, pending 0');
      const invoice = await admin.GET('/v1/invoices/preview', {
        params: { query: { customer_id: 'acme-corp' } },
      });
      // 0.0245 + 0.0106 + 0.0186 + 0.0266 + 0.059 + 0.50
      expect(invoice.data?.total).toBe('0.6393');
    } finally {
      await server.close();
    }
  });
});
