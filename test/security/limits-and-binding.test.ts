// The built entry and the CLI as processes: loopback-only binding unless told otherwise, size limits
// on headers (431) and bodies (413) rather than a 5xx, and a per-key rate limit with Retry-After.

import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli, type ServerProcess, startServerProcess, waitFor } from '../support/processes.js';
import { listeningAddresses, rawStatusLine } from './net.js';

const dir = mkdtempSync(join(tmpdir(), 'agentmeter-limits-'));
const adminKey = 'limits-admin-key-0123456789abcdef';
const portOf = (server: { url: string }) => Number(new URL(server.url).port);
const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((item) => item && !item.internal && item.family === 'IPv4')?.address;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('binding', () => {
  it('the entry binds 127.0.0.1 by default and is unreachable from other interfaces', async () => {
    const server = await startServerProcess({
      AGENTMETER_DB: join(dir, 'bind.db'),
      AGENTMETER_ADMIN_KEY: adminKey,
      HOST: '',
    });
    try {
      expect(server.output()).toContain(`listening on http://127.0.0.1:${portOf(server)}`);
      expect(listeningAddresses(portOf(server))).toEqual(['127.0.0.1']);
      if (outsideAddress)
        expect(
          await rawStatusLine(portOf(server), 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', outsideAddress),
        ).toBe('ECONNREFUSED');
    } finally {
      await server.stop();
    }
  });

  it('`agentmeter serve` binds loopback too, also with an empty HOST; HOST=0.0.0.0 is the way to say otherwise', async () => {
    const port = await freePort();
    const cli = runCli(['serve', '--port', String(port), '--db', join(dir, 'cli.db')], {
      AGENTMETER_ADMIN_KEY: adminKey,
      HOST: '',
    });
    try {
      await waitFor(
        () => cli.output().stdout,
        (text) => text.includes('listening on'),
      );
      expect(listeningAddresses(port)).toEqual(['127.0.0.1']);
    } finally {
      cli.child.kill('SIGTERM');
      await cli.done;
    }
    const open = await startServerProcess({
      AGENTMETER_DB: join(dir, 'open.db'),
      AGENTMETER_ADMIN_KEY: adminKey,
      HOST: '0.0.0.0',
    });
    try {
      expect(listeningAddresses(portOf(open))).toEqual(['0.0.0.0']);
    } finally {
      await open.stop();
    }
  });
});

describe('size limits and rate limiting', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({
      AGENTMETER_DB: join(dir, 'limits.db'),
      AGENTMETER_ADMIN_KEY: adminKey,
      AGENTMETER_RATE_LIMIT: '5',
    });
  }, 60_000);
  afterAll(async () => server?.stop());

  const request = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;

  it('answers a huge header, many headers or a huge URL with 431, never a 5xx', async () => {
    const port = portOf(server);
    const huge = 'x'.repeat(64 * 1024);
    expect(
      await rawStatusLine(port, request(['GET /v1/tiers HTTP/1.1', 'Host: a', `X-Big: ${huge}`])),
    ).toMatch(/^HTTP\/1\.1 431 /);
    expect(
      await rawStatusLine(
        port,
        request(['GET /v1/tiers HTTP/1.1', 'Host: a', `Authorization: Bearer ${huge}`]),
      ),
    ).toMatch(/^HTTP\/1\.1 431 /);
    const many = Array.from({ length: 3000 }, (_, index) => `X-H${index}: ${index}`);
    expect(await rawStatusLine(port, request(['GET /v1/tiers HTTP/1.1', 'Host: a', ...many]))).toMatch(
      /^HTTP\/1\.1 431 /,
    );
    expect(await rawStatusLine(port, request([`GET /v1/customers/${huge} HTTP/1.1`, 'Host: a']))).toMatch(
      /^HTTP\/1\.1 431 /,
    );
    // Still serving.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('refuses bodies over their limit with a 413 problem (64 KiB per event, 1 MiB per batch)', async () => {
    const post = (path: string, body: string) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body,
      });
    const event = await post(
      '/v1/meter',
      JSON.stringify({ agent_id: 'a', action: 'b', model: 'm'.repeat(65 * 1024) }),
    );
    expect([event.status, event.headers.get('content-type')]).toEqual([413, 'application/problem+json']);
    expect(((await event.json()) as { code: string }).code).toBe('payload_too_large');
    const batch = await post(
      '/v1/meter/batch',
      JSON.stringify({ events: [{ agent_id: 'a', action: 'b', model: 'm'.repeat(1024 * 1024) }] }),
    );
    expect(batch.status).toBe(413);
    // A declared length over the limit is refused before the body is read, even without a key.
    const declared = await rawStatusLine(
      portOf(server),
      request([
        'POST /v1/meter HTTP/1.1',
        'Host: a',
        'Content-Type: application/json',
        `Content-Length: ${100 * 1024 * 1024}`,
      ]),
    );
    expect(declared).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('limits each key on its own with 429, a problem and Retry-After, and lets it in again after that wait', async () => {
    const create = await fetch(`${server.url}/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scope: 'admin' }),
    });
    const other = ((await create.json()) as { key: string }).key;
    const get = (key: string) =>
      fetch(`${server.url}/v1/tiers`, { headers: { authorization: `Bearer ${key}` } });
    let limited: Response | undefined;
    for (let attempt = 0; attempt < 100 && !limited; attempt++) {
      const response = await get(adminKey);
      if (response.status === 429) limited = response;
      else expect(response.status).toBe(200);
    }
    expect(limited, 'the admin key was never limited').toBeDefined();
    const problem = (await (limited as Response).json()) as { code: string };
    expect([problem.code, (limited as Response).headers.get('content-type')]).toEqual([
      'rate_limited',
      'application/problem+json',
    ]);
    const wait = Number((limited as Response).headers.get('retry-after'));
    expect(Number.isInteger(wait) && wait >= 1).toBe(true);
    // Another key is not held back by this one.
    expect((await get(other)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 250));
    expect((await get(adminKey)).status).toBe(200);
  });
});
