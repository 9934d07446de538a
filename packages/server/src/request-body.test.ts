import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './server.js';

// Under @hono/node-server the body is read from the Node request itself (request-body.ts), so
// these go over real HTTP: chunked bodies, the size limit with and without Content-Length, a BOM.
const ADMIN_KEY = 'adm_request_body_test_0123456789';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

function post(server: RunningServer, path: string, chunks: string[], headers: Record<string, string> = {}) {
  return new Promise<Answer>((resolve, reject) => {
    const outgoing = request(
      new URL(path, server.url),
      {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', ...headers },
      },
      (response) => {
        const parts: Buffer[] = [];
        response.on('data', (part: Buffer) => parts.push(part));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(parts).toString('utf8')),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    // Without a Content-Length header, node sends these as separate chunks (Transfer-Encoding: chunked).
    for (const chunk of chunks) outgoing.write(chunk);
    outgoing.end();
  });
}

describe('request bodies over HTTP', () => {
  let dir: string;
  let server: RunningServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentmeter-body-'));
    server = await startServer({
      port: 0,
      dbPath: join(dir, 'test.db'),
      adminKey: ADMIN_KEY,
      rateLimit: false,
      dashboard: false,
    });
    const tier = await fetch(`${server.url}/v1/tiers/default`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ base_fee: '0.002' }),
    });
    expect(tier.status).toBe(200);
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a body sent in several chunks', async () => {
    const event = JSON.stringify({ agent_id: 'agent', action: 'chat', event_id: 'chunked-1' });
    const answer = await post(server, '/v1/meter', [
      event.slice(0, 10),
      event.slice(10, 25),
      event.slice(25),
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ event_id: 'chunked-1', price: { total: '0.002' } });
  });

  it('refuses a body over the limit from its Content-Length, before reading it', async () => {
    const body = JSON.stringify({ agent_id: 'a', action: 'b', metadata: { blob: 'x'.repeat(70_000) } });
    const answer = await post(server, '/v1/meter', [body], {
      'content-length': String(Buffer.byteLength(body)),
    });
    expect([answer.status, answer.body['code']]).toEqual([413, 'payload_too_large']);
  });

  it('refuses a chunked body once it passes the limit, and still answers on the connection', async () => {
    const chunk = 'x'.repeat(16 * 1024);
    const answer = await post(server, '/v1/meter', [
      '{"agent_id":"a","action":"b","metadata":{"blob":"',
      chunk,
      chunk,
      chunk,
      chunk,
      chunk,
      '"}}',
    ]);
    expect([answer.status, answer.body['code']]).toEqual([413, 'payload_too_large']);
  });

  it('takes a batch of up to 1 MiB, and drops a leading byte order mark as the Fetch API does', async () => {
    const events = Array.from({ length: 500 }, (_, index) => ({
      agent_id: 'agent',
      action: 'chat',
      event_id: `bom-${index}`,
      metadata: { note: 'y'.repeat(1500) },
    }));
    const answer = await post(server, '/v1/meter/batch', [`\uFEFF${JSON.stringify({ events })}`]);
    expect(answer.status).toBe(200);
    expect(answer.body['summary']).toEqual({ accepted: 500, duplicate: 0, rejected: 0 });
  });

  it('answers an empty body and a broken one with 400s', async () => {
    const empty = await post(server, '/v1/meter', []);
    expect([empty.status, empty.body['code']]).toEqual([400, 'validation_error']);
    const broken = await post(server, '/v1/meter', ['{"agent_id": "a",']);
    expect([broken.status, broken.body['code']]).toEqual([400, 'invalid_json']);
  });
});
