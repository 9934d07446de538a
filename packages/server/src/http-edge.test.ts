// What a client can make the server hold, over real sockets: an anonymous upload is answered before
// its body is read, buffered bodies share one budget, stalled uploads are cut off, an abandoned upload
// is one debug line (not an error report), and a busy server sheds with 503 but keeps /healthz.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerLimits } from './load-shed.js';
import { type RunningServer, type StartServerOptions, startServer } from './server.js';

const ADMIN_KEY = 'adm_http_edge_test_key_0123456789abcdef';
const MiB = 1024 * 1024;

const directories: string[] = [];
const servers: RunningServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) await server.close();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

async function serve(limits: Partial<ServerLimits> = {}, options: Partial<StartServerOptions> = {}) {
  const directory = mkdtempSync(join(tmpdir(), 'agentmeter-edge-'));
  directories.push(directory);
  const server = await startServer({
    port: 0,
    dbPath: join(directory, 'meter.db'),
    adminKey: ADMIN_KEY,
    rateLimit: false,
    dashboard: false,
    limits,
    ...options,
  });
  servers.push(server);
  return server;
}

/** A raw connection: what it has received so far, and whether the server closed it. */
interface Raw {
  socket: Socket;
  received: () => string;
  closed: Promise<void>;
  /** Resolves with the first status line. */
  status: Promise<string>;
}

function open(server: RunningServer, head: string, body: string | Buffer = ''): Raw {
  const socket = connect(server.port, '127.0.0.1');
  sockets.push(socket);
  let received = '';
  let resolveStatus: (line: string) => void = () => {};
  const status = new Promise<string>((resolve) => {
    resolveStatus = resolve;
  });
  socket.on('data', (chunk) => {
    received += chunk.toString('latin1');
    const end = received.indexOf('\r\n');
    if (end >= 0) resolveStatus(received.slice(0, end));
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  closed.then(() => resolveStatus(received.split('\r\n')[0] || 'closed without a response'));
  socket.write(head);
  if (body.length > 0) socket.write(body);
  return { socket, received: () => received, closed, status };
}

const post = (path: string, length: number, headers: Record<string, string> = {}) =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}Content-Length: ${length}\r\n\r\n`;
const authorized = { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' };

/** A valid batch of one event, padded with whitespace (valid JSON) to exactly `size` bytes. */
function batchOf(size: number, id: string): string {
  const json = JSON.stringify({ events: [{ agent_id: 'a', action: 'b', event_id: id }] });
  return json + ' '.repeat(size - json.length);
}

async function until<T>(
  read: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('uploads', () => {
  it('answers an upload without a key 401 before reading its body', async () => {
    const server = await serve();
    // 8 MiB declared (the /v1/traces limit), 64 KiB sent, then nothing: the answer cannot wait for the rest.
    const raw = open(
      server,
      post('/v1/traces', 8 * MiB, { 'Content-Type': 'application/json' }),
      Buffer.alloc(64 * 1024, 0x20),
    );
    expect(await raw.status).toBe('HTTP/1.1 401 Unauthorized');
  });

  it('keeps memory flat under 150 anonymous 8 MiB uploads that stall', async () => {
    const server = await serve();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const uploads = Array.from({ length: 150 }, () => {
      // All but the last byte of the declared body, sent as fast as the server takes it.
      const raw = open(server, post('/v1/traces', 8 * MiB, { 'Content-Type': 'application/json' }));
      const sent = new Promise<void>((resolve) => {
        let left = 8 * MiB - 1;
        const push = () => {
          while (left > 0 && !raw.socket.destroyed) {
            const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
            left -= piece.length;
            if (!raw.socket.write(piece)) return raw.socket.once('drain', push);
          }
          resolve();
        };
        raw.socket.once('close', () => resolve());
        push();
      });
      return { raw, sent };
    });
    await Promise.all(uploads.map((upload) => upload.sent));
    const statuses = await Promise.all(uploads.map((upload) => upload.raw.status));
    await new Promise((resolve) => setTimeout(resolve, 500));
    clearInterval(sampler);
    for (const upload of uploads) upload.raw.socket.destroy();
    await Promise.all(uploads.map((upload) => upload.raw.closed));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = process.memoryUsage().rss;
    console.info(
      `RSS before ${Math.round(before / MiB)} MiB, peak ${Math.round(peak / MiB)} MiB, after ${Math.round(after / MiB)} MiB`,
    );
    expect(new Set(statuses)).toEqual(new Set(['HTTP/1.1 401 Unauthorized']));
    // Buffering them would take 1.2 GB; not buffering them, a small fraction of that.
    expect(peak - before).toBeLessThan(400 * MiB);
  }, 120_000);

  it('refuses a body the server-wide budget cannot hold with 503 + Retry-After, keeping none of it', async () => {
    const server = await serve({ maxBufferedBytes: 320 * 1024 });
    // A holds 200 KiB of the budget: the bytes it sent of a 300 KiB body, then stalled.
    const first = batchOf(300 * 1024, 'budget-a');
    const holder = open(
      server,
      post('/v1/meter/batch', first.length, authorized),
      first.slice(0, 200 * 1024),
    );
    // While A holds its 200 KiB, a 150 KiB batch does not fit: 503 (its bytes read and dropped).
    const second = batchOf(150 * 1024, 'budget-b');
    const refused = await until(async () => {
      const raw = open(server, post('/v1/meter/batch', second.length, authorized), second);
      const status = await raw.status;
      if (status === 'HTTP/1.1 503 Service Unavailable') return raw;
      raw.socket.destroy();
      return undefined;
    }, 'a 503');
    await until(() => (refused.received().includes('"code":"overloaded"') ? true : undefined), 'the problem');
    expect(refused.received()).toMatch(/retry-after: 1\r\n/i);
    // A finishes, its lease is returned, and B goes through on the same connection (not reset).
    holder.socket.write(first.slice(200 * 1024));
    expect(await holder.status).toBe('HTTP/1.1 200 OK');
    const answered = refused.received().length;
    refused.socket.write(post('/v1/meter/batch', second.length, authorized) + second);
    await until(
      () => (refused.received().slice(answered).startsWith('HTTP/1.1 200 OK') ? true : undefined),
      'B on its own connection',
    );
  });

  it('counts only the bytes that arrive: bodies declared large and never sent refuse no one', async () => {
    const server = await serve({ maxBufferedBytes: 256 * 1024 });
    // Eight requests of one key each declare 200 KiB (together far over the budget) and send nothing.
    const idle = Array.from({ length: 8 }, () =>
      open(server, post('/v1/meter/batch', 200 * 1024, authorized)),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const body = batchOf(100 * 1024, 'budget-c');
    const other = open(server, post('/v1/meter/batch', body.length, authorized), body);
    expect(await other.status).toBe('HTTP/1.1 200 OK');
    for (const raw of idle) raw.socket.destroy();
  });

  it('applies the budget piece by piece to a chunked body', async () => {
    const server = await serve({ maxBufferedBytes: 64 * 1024 });
    const raw = open(
      server,
      `POST /v1/meter/batch HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_KEY}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const piece = ' '.repeat(16 * 1024);
    for (let index = 0; index < 6; index++) raw.socket.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
    expect(await raw.status).toBe('HTTP/1.1 503 Service Unavailable');
  });

  it('answers a body that stops arriving 408 and closes the connection', async () => {
    const server = await serve({ bodyIdleTimeoutMs: 300 });
    const raw = open(server, post('/v1/meter', 100, authorized), '{"agent_id":');
    expect(await raw.status).toBe('HTTP/1.1 408 Request Timeout');
    await raw.closed;
    expect(raw.received()).toContain('"code":"request_timeout"');
  });

  it('cuts off a request that trickles past the request timeout, and headers that never end', async () => {
    const server = await serve({ requestTimeoutMs: 1500, headersTimeoutMs: 1000, bodyIdleTimeoutMs: 60_000 });
    const trickle = open(server, post('/v1/meter', 1000, authorized));
    const timer = setInterval(() => trickle.socket.write(' '), 100);
    try {
      expect(await trickle.status).toBe('HTTP/1.1 408 Request Timeout');
      await trickle.closed;
    } finally {
      clearInterval(timer);
    }
    const headers = open(server, 'POST /v1/meter HTTP/1.1\r\nHost: x\r\n');
    expect(await headers.status).toBe('HTTP/1.1 408 Request Timeout');
    await headers.closed;
  }, 30_000);

  it('logs an abandoned upload as one debug line, not as an error', async () => {
    const errors: unknown[] = [];
    const lines: string[] = [];
    const server = await serve(
      {},
      { onError: (error) => errors.push(error), debug: (line) => lines.push(line) },
    );
    const raw = open(server, post('/v1/meter', 1000, authorized), '{"agent_id":"a"');
    await new Promise((resolve) => setTimeout(resolve, 200));
    raw.socket.resetAndDestroy();
    await until(() => (lines.length + errors.length > 0 ? true : undefined), 'the abort to be noticed');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(errors).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('POST /v1/meter');
    expect(lines[0]).not.toContain('\n');
  });
});

describe('connections', () => {
  it('sheds requests past the in-flight limit with 503 + Retry-After, and keeps /healthz', async () => {
    const server = await serve({ maxInFlight: 1, maxQueued: 0 });
    // The only slot, held by an upload that stalls.
    const holder = open(server, post('/v1/meter', 100, authorized), '{"agent_id":');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const shed = await fetch(`${server.url}/v1/tiers`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect([
      shed.status,
      shed.headers.get('retry-after'),
      ((await shed.json()) as { code: string }).code,
    ]).toEqual([503, '1', 'overloaded']);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    holder.socket.destroy();
    await holder.closed;
    const served = await until(async () => {
      const response = await fetch(`${server.url}/v1/tiers`, {
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
      await response.arrayBuffer();
      return response.status === 200 ? true : undefined;
    }, 'the slot to free');
    expect(served).toBe(true);
  });

  it('lets a request wait for a slot a short while before shedding it', async () => {
    const server = await serve({ maxInFlight: 1, maxQueued: 4, maxQueueWaitMs: 10_000 });
    const first = batchOf(1000, 'queued-a');
    const holder = open(server, post('/v1/meter/batch', first.length, authorized), first.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const waiting = fetch(`${server.url}/v1/tiers`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    holder.socket.write(first.slice(10));
    expect(await holder.status).toBe('HTTP/1.1 200 OK');
    expect((await waiting).status).toBe(200);
  });

  it('advertises a keep-alive time shorter than the one it keeps, so a reused connection is never closed under a request', async () => {
    const server = await serve({ keepAliveTimeoutMs: 1000 });
    const raw = open(server, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await raw.status).toBe('HTTP/1.1 200 OK');
    expect(raw.received()).toMatch(/keep-alive: timeout=1\r\n/i);
    // Reused after the advertised second, the connection still answers.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const before = raw.received().length;
    raw.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(
      () => (raw.received().slice(before).includes('HTTP/1.1 200 OK') ? true : undefined),
      'a second answer',
    );
  });
});
