// The built server as two processes on one database (SQLite file or PostgreSQL): keys are stored only
// as hashes keyed with a secret kept outside the database (read the database itself), a revoked key stops working at once on every replica, and
// no key, prompt or completion reaches the logs or an error body.
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/postgres.js';
import { type ServerProcess, startServerProcess } from '../support/processes.js';
import { STORE_KINDS } from '../support/stores.js';

const secret = (what: string) => `${what}-${randomBytes(16).toString('hex')}`;

describe.each(STORE_KINDS)('keys and logs of the server process on %s', (kind) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentmeter-security-'));
  const adminKey = secret('env-admin-key');
  const keySecret = secret('replica-key-secret');
  let env: Record<string, string>;
  let drop = async () => {};
  let databaseUrl = '';
  let one: ServerProcess;
  let two: ServerProcess;
  const created: string[] = [];

  beforeAll(async () => {
    if (kind === 'postgres') {
      const database = await freshDatabase('security');
      databaseUrl = database.url;
      drop = database.drop;
      env = { DATABASE_URL: databaseUrl, AGENTMETER_ADMIN_KEY: adminKey, AGENTMETER_KEY_SECRET: keySecret };
    } else env = { AGENTMETER_DB: join(dir, 'security.db'), AGENTMETER_ADMIN_KEY: adminKey };
    one = await startServerProcess(env);
    two = await startServerProcess(env);
  }, 60_000);
  afterAll(async () => {
    await one?.stop();
    await two?.stop();
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (
    server: ServerProcess,
    key: string | null,
    method: string,
    path: string,
    body?: unknown,
  ) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, text, body: text ? JSON.parse(text) : null };
  };

  it('revokes a key at once, on the replica that revoked it and on the other', async () => {
    for (const scope of ['ingest', 'admin']) {
      const { body: key } = await call(one, adminKey, 'POST', '/v1/keys', { scope, name: `revoke-${scope}` });
      created.push(key.key);
      const path = scope === 'ingest' ? '/v1/outcomes/out_none' : '/v1/tiers';
      expect((await call(two, key.key, 'GET', path)).status).not.toBe(401);
      expect((await call(one, adminKey, 'DELETE', `/v1/keys/${key.key_id}`)).status).toBe(200);
      for (const server of [two, one]) {
        const refused = await call(server, key.key, 'GET', path);
        expect([refused.status, refused.body.code]).toEqual([401, 'invalid_api_key']);
      }
    }
  });

  it('stores keys only as keyed hashes (HMAC-SHA-256): no secret anywhere in the database', async () => {
    const { body: live } = await call(one, adminKey, 'POST', '/v1/keys', { scope: 'ingest', name: 'live' });
    created.push(live.key);
    expect((await call(two, live.key, 'POST', '/v1/meter', { agent_id: 'a', action: 'b' })).status).toBe(200);
    const secrets = [adminKey, ...created];
    let rows: string[];
    if (kind === 'sqlite') {
      // The raw bytes first: the main file, the WAL and the shared memory file.
      for (const name of readdirSync(dir).filter((file) => file.startsWith('security.db'))) {
        const bytes = readFileSync(join(dir, name));
        for (const key of secrets) expect(bytes.includes(key.slice(12)), `${name} holds a key`).toBe(false);
      }
      const db = new Database(join(dir, 'security.db'), { readonly: true });
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
        name: string;
      }[];
      rows = tables.flatMap(({ name }) =>
        db
          .prepare(`SELECT * FROM "${name}"`)
          .all()
          .map((row) => JSON.stringify(row)),
      );
      db.close();
    } else {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      const tables = await client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
      rows = [];
      for (const { tablename } of tables.rows)
        for (const row of (await client.query(`SELECT row_to_json(t)::text AS json FROM "${tablename}" t`))
          .rows)
          rows.push(row.json);
      await client.end();
    }
    const everything = rows.join('\n');
    expect(rows.length).toBeGreaterThan(5);
    // SQLite: the secret both processes share is the file beside the database; PostgreSQL: the
    // AGENTMETER_KEY_SECRET both replicas were given.
    const hashSecret =
      kind === 'sqlite'
        ? Buffer.from(readFileSync(join(dir, 'security.db.key-secret'), 'utf8').trim(), 'base64')
        : Buffer.from(keySecret, 'utf8');
    expect(everything.includes(hashSecret.toString('base64'))).toBe(false);
    for (const key of secrets) {
      // The listing prefix (10 characters, to recognise a key) is stored on purpose; nothing past it is.
      expect(everything.includes(key.slice(10)), 'a key is stored').toBe(false);
      expect(everything).toContain(createHmac('sha256', hashSecret).update(key).digest('hex'));
    }
  });

  it('writes no key, prompt or completion to the logs or into error bodies', async () => {
    const prompt = secret('PROMPT user asked about invoice');
    const completion = secret('COMPLETION model answered');
    const wrongKey = `am_${randomBytes(20).toString('hex')}`;
    const { body: ingest } = await call(one, adminKey, 'POST', '/v1/keys', { scope: 'ingest' });
    const bodies: string[] = [];
    const keep = async (reply: Promise<{ text: string }>) => bodies.push((await reply).text);
    for (const server of [one, two]) {
      await keep(call(server, wrongKey, 'GET', '/v1/usage'));
      await keep(call(server, `${ingest.key}x`, 'POST', '/v1/meter', { agent_id: 'a', action: 'b' }));
      await keep(call(server, ingest.key, 'GET', '/v1/keys'));
      const event = { agent_id: 'a', action: 'b', metadata: { prompt, completion } };
      await keep(call(server, ingest.key, 'POST', '/v1/meter', { ...event, tokens_input: -1 }));
      await keep(
        call(server, ingest.key, 'POST', '/v1/meter', {
          ...event,
          metadata: {
            prompt,
            completion,
            x: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
          },
        }),
      );
      await keep(call(server, ingest.key, 'POST', '/v1/meter', { ...event, prompt }));
      await keep(
        call(server, ingest.key, 'POST', '/v1/meter/batch', { events: [{ ...event, tokens_output: 1.5 }] }),
      );
      await keep(call(server, ingest.key, 'POST', '/v1/meter', event));
      const span = {
        traceId: randomBytes(16).toString('hex'),
        spanId: randomBytes(8).toString('hex'),
        name: 'chat',
        attributes: [
          { key: 'gen_ai.usage.input_tokens', value: { intValue: '12' } },
          { key: 'gen_ai.prompt', value: { stringValue: prompt } },
          { key: 'gen_ai.completion', value: { stringValue: completion } },
          { key: 'gen_ai.input.messages', value: { stringValue: prompt } },
        ],
      };
      await keep(
        call(server, ingest.key, 'POST', '/v1/traces', {
          resourceSpans: [{ scopeSpans: [{ spans: [span] }] }],
        }),
      );
      await keep(
        call(server, ingest.key, 'POST', '/v1/traces', {
          resourceSpans: [{ scopeSpans: [{ spans: [{ ...span, traceId: 'zz' }] }] }],
        }),
      );
    }
    const logs = `${one.output()}\n${two.output()}`;
    for (const text of [adminKey, ingest.key, wrongKey, ...created, prompt, completion]) {
      expect(logs.includes(text), `the logs hold ${text.slice(0, 20)}…`).toBe(false);
      for (const body of bodies)
        expect(body.includes(text), `an error body holds ${text.slice(0, 20)}…`).toBe(false);
    }
    // The server did log (its start lines): the check above read real output.
    expect(logs).toContain('agentmeter listening on');
  });
});
