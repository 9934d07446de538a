// API keys are stored only as hashes. A copy of the database alone must not let anyone test guesses
// of a key offline: the hash is keyed (HMAC) with a secret kept outside the database, keys stored
// before that secret existed are upgraded on their next use, and an operator-chosen admin key too
// easy to guess is refused at start.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { freshSchema, postgresReachable, TEST_DATABASE_URL } from '../../../test/support/postgres.js';
import { createApp, openStore, startServer } from './index.js';
import { adminKeyWeakness } from './keys.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const ADMIN_KEY = 'key-hashing-admin-0f3a9c1b2d4e5f60718293a4b5c6d7e8';

async function status(app: ReturnType<typeof createApp>, key: string) {
  return (await app.request('/v1/keys', { headers: { authorization: `Bearer ${key}` } })).status;
}

describe('API key hashes on SQLite', () => {
  const dirs: string[] = [];
  const dir = () => {
    const made = mkdtempSync(join(tmpdir(), 'agentmeter-keys-'));
    dirs.push(made);
    return made;
  };
  afterEach(() => {
    for (const made of dirs.splice(0)) rmSync(made, { recursive: true, force: true });
  });

  it('are keyed with a secret kept beside the database (0600), not a plain SHA-256 of the key', async () => {
    const dbPath = join(dir(), 'meter.db');
    const server = await startServer({ port: 0, dbPath, adminKey: ADMIN_KEY, rateLimit: false });
    try {
      const created = await fetch(`${server.url}/v1/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ scope: 'ingest', name: 'agent' }),
      });
      const ingestKey = ((await created.json()) as { key: string }).key;
      expect(
        (await fetch(`${server.url}/v1/keys`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status,
      ).toBe(200);
      expect(statSync(`${dbPath}.key-secret`).mode & 0o777).toBe(0o600);
      const copy = new Database(dbPath, { readonly: true });
      const hashes = (copy.prepare('SELECT key_hash FROM api_keys').all() as { key_hash: string }[]).map(
        (row) => row.key_hash,
      );
      copy.close();
      expect(hashes).toHaveLength(2);
      // Someone holding only the database cannot confirm a guess with SHA-256.
      expect(hashes).not.toContain(sha256(ADMIN_KEY));
      expect(hashes).not.toContain(sha256(ingestKey));
      expect(readFileSync(`${dbPath}.key-secret`, 'utf8').length).toBeGreaterThanOrEqual(40);
    } finally {
      await server.close();
    }
  });

  it('keeps using the same secret across restarts, and upgrades a key stored as plain SHA-256 on first use', async () => {
    const dbPath = join(dir(), 'meter.db');
    const first = await startServer({ port: 0, dbPath, adminKey: ADMIN_KEY, rateLimit: false });
    await first.close();
    // As a database written before key secrets existed: the admin key's row holds its plain hash.
    const legacyKey = 'legacy-ingest-key-0123456789abcdefghijklmnop';
    const db = new Database(dbPath);
    db.prepare(
      `INSERT INTO api_keys (key_id, project_id, name, scope, prefix, key_hash, created_at, revoked_at)
       VALUES ('key_legacy', 'proj_default', 'old', 'ingest', 'legacy-ing…', ?, 0, NULL)`,
    ).run(sha256(legacyKey));
    db.close();

    const store = await openStore({ dbPath });
    const app = createApp({
      store,
      rateLimit: false,
      onError: (error) => {
        throw error;
      },
    });
    try {
      expect(await status(app, ADMIN_KEY)).toBe(200);
      const meter = await app.request('/v1/meter', {
        method: 'POST',
        headers: { authorization: `Bearer ${legacyKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ agent_id: 'a', action: 'b' }),
      });
      expect(meter.status).toBe(200);
      const after = new Database(dbPath, { readonly: true });
      const row = after.prepare("SELECT key_hash FROM api_keys WHERE key_id = 'key_legacy'").get() as {
        key_hash: string;
      };
      after.close();
      expect(row.key_hash).not.toBe(sha256(legacyKey));
      // Still the same key: it keeps working under its new hash; a wrong key still fails.
      expect(await status(app, legacyKey)).toBe(403);
      expect(await status(app, `${legacyKey}x`)).toBe(401);
    } finally {
      await store.close();
    }
  });

  it('refuses to start on a database whose key secret file is lost or replaced, and starts again once it is restored', async () => {
    const dbPath = join(dir(), 'meter.db');
    const first = await startServer({ port: 0, dbPath, adminKey: ADMIN_KEY, rateLimit: false });
    await first.close();
    const original = readFileSync(`${dbPath}.key-secret`);
    rmSync(`${dbPath}.key-secret`);
    // As a backup restored without its secret: every stored key would fail, silently. Refused.
    await expect(startServer({ port: 0, dbPath, rateLimit: false })).rejects.toThrow(
      /meter\.db\.key-secret is not the key secret this database's API keys were hashed under/,
    );
    // The file that open made is gone again, so the original can be put back as it was.
    expect(existsSync(`${dbPath}.key-secret`)).toBe(false);
    writeFileSync(`${dbPath}.key-secret`, original, { mode: 0o600 });
    const restored = await startServer({ port: 0, dbPath, rateLimit: false });
    try {
      const response = await fetch(`${restored.url}/v1/keys`, {
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
      expect(response.status).toBe(200);
    } finally {
      await restored.close();
    }
  });

  it('refuses an operator-chosen admin key that is easy to guess, naming the variable', async () => {
    for (const weak of ['adm_crash_0123456789', 'password1234567890123', 'a'.repeat(64)]) {
      await expect(startServer({ port: 0, dbPath: join(dir(), 'meter.db'), adminKey: weak })).rejects.toThrow(
        /AGENTMETER_ADMIN_KEY is too easy to guess/,
      );
    }
    expect(adminKeyWeakness('0f3a9c1b2d4e5f60718293a4b5c6d7e8')).toBeUndefined();
    expect(adminKeyWeakness('with space 0f3a9c1b2d4e5f60718293a4b5c6d7e8')).toMatch(/white space/);
  });
});

describe('API key hashes on PostgreSQL', async () => {
  const reachable = await postgresReachable();
  it.runIf(reachable)(
    'move from no secret to one: keys stored as plain SHA-256 keep working and are re-hashed',
    async () => {
      const { schema, drop } = await freshSchema('keys');
      try {
        const plain = await startServer({
          port: 0,
          databaseUrl: TEST_DATABASE_URL,
          schema,
          adminKey: ADMIN_KEY,
        });
        await plain.close();
        const keyed = await startServer({
          port: 0,
          databaseUrl: TEST_DATABASE_URL,
          schema,
          keySecret: 'a-secret-given-later-0123456789abcdef',
        });
        try {
          const response = await fetch(`${keyed.url}/v1/keys`, {
            headers: { authorization: `Bearer ${ADMIN_KEY}` },
          });
          expect(response.status).toBe(200);
        } finally {
          await keyed.close();
        }
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        const { rows } = await client.query(`SELECT key_hash FROM ${schema}.api_keys`);
        await client.end();
        expect(rows.map((row) => row.key_hash)).not.toContain(sha256(ADMIN_KEY));
      } finally {
        await drop();
      }
    },
  );
  it.runIf(reachable)(
    'are keyed with AGENTMETER_KEY_SECRET when given, the same on every replica',
    async () => {
      const { schema, drop } = await freshSchema('keys');
      const secret = 'a-shared-replica-secret-0123456789abcdef';
      const replicas = await Promise.all(
        [0, 1].map(() =>
          startServer({
            port: 0,
            databaseUrl: TEST_DATABASE_URL,
            schema,
            adminKey: ADMIN_KEY,
            keySecret: secret,
            rateLimit: false,
          }),
        ),
      );
      try {
        for (const replica of replicas) {
          const response = await fetch(`${replica.url}/v1/keys`, {
            headers: { authorization: `Bearer ${ADMIN_KEY}` },
          });
          expect(response.status).toBe(200);
        }
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        const { rows } = await client.query(`SELECT key_hash FROM ${schema}.api_keys`);
        await client.end();
        expect(rows).toHaveLength(1);
        expect(rows[0].key_hash).not.toBe(sha256(ADMIN_KEY));
        await expect(
          startServer({ port: 0, databaseUrl: TEST_DATABASE_URL, schema, keySecret: 'too-short' }),
        ).rejects.toThrow(/at least 32 characters/);
        // A replica with another secret, or none, would fail every key: it does not start.
        await expect(
          startServer({ port: 0, databaseUrl: TEST_DATABASE_URL, schema, keySecret: `${secret}-other` }),
        ).rejects.toThrow(/AGENTMETER_KEY_SECRET is not the key secret/);
        await expect(startServer({ port: 0, databaseUrl: TEST_DATABASE_URL, schema })).rejects.toThrow(
          /set AGENTMETER_KEY_SECRET to the one it was started with/,
        );
      } finally {
        for (const replica of replicas) await replica.close();
        await drop();
      }
    },
  );
});
