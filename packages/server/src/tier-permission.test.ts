import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness, T0 } from '../../../test/support/api.js';
import { freshSchema, TEST_DATABASE_URL } from '../../../test/support/postgres.js';
import { openTestStore, STORE_KINDS } from '../../../test/support/stores.js';
import { hashKey } from './keys.js';
import { openStore } from './server.js';
import { MIGRATIONS } from './store/schema.js';

describe.each(STORE_KINDS)("choosing an event's tier, on %s", (kind) => {
  let api: ApiHarness;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    cleanup = opened.cleanup;
    api = await apiHarness(opened.store);
    await api.call('PUT', '/v1/tiers/default', { body: { base_fee: '1.00' } });
    await api.call('PUT', '/v1/tiers/free', { body: { base_fee: '0' } });
  });
  afterEach(async () => cleanup());

  const createKey = async (body: object) => {
    const created = await api.call('POST', '/v1/keys', { body });
    expect(created.status).toBe(201);
    return created.body as { key: string; key_id: string; allow_tier_override: boolean };
  };
  const meter = (key: string, body: object) => api.call('POST', '/v1/meter', { key, body });

  it('an ingest key cannot choose the tier: 403 naming /tier, and nothing recorded', async () => {
    const ingest = await createKey({ scope: 'ingest', name: 'agents' });
    expect(ingest.allow_tier_override).toBe(false);
    const refused = await meter(ingest.key, {
      agent_id: 'a',
      action: 'x',
      tier: 'free',
      event_id: 'cheap-1',
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      code: 'tier_override_forbidden',
      errors: [{ field: '/tier', code: 'tier_override_forbidden' }],
    });
    expect(await api.store.getEvent(api.projectId, 'cheap-1')).toBeNull();
    // Without `tier` it meters, at the tier that applies.
    const metered = await meter(ingest.key, { agent_id: 'a', action: 'x', event_id: 'cheap-1' });
    expect(metered.body).toMatchObject({ tier: 'default', price: { total: '1.00' } });
    // Naming the tier that would apply anyway is still choosing: refused alike.
    expect((await meter(ingest.key, { agent_id: 'a', action: 'x', tier: 'default' })).status).toBe(403);
  });

  it('grants and withdraws the permission on a key already deployed, taking effect at once', async () => {
    const ingest = await createKey({ scope: 'ingest', name: 'deployed agents' });
    const event = { agent_id: 'a', action: 'x', tier: 'free' };
    expect((await meter(ingest.key, event)).status).toBe(403);
    const granted = await api.call('PATCH', `/v1/keys/${ingest.key_id}`, {
      body: { allow_tier_override: true },
    });
    expect([granted.status, granted.body.allow_tier_override, granted.body.scope]).toEqual([
      200,
      true,
      'ingest',
    ]);
    const allowed = await meter(ingest.key, event);
    expect([allowed.status, allowed.body.tier, allowed.body.price.total]).toEqual([200, 'free', '0.00']);
    const withdrawn = await api.call('PATCH', `/v1/keys/${ingest.key_id}`, {
      body: { allow_tier_override: false },
    });
    expect(withdrawn.body.allow_tier_override).toBe(false);
    expect((await meter(ingest.key, event)).status).toBe(403);
    // Only an admin key may change a key; admin keys cannot lose the permission; unknown and revoked keys are refused.
    const byIngest = await api.call('PATCH', `/v1/keys/${ingest.key_id}`, {
      key: ingest.key,
      body: { allow_tier_override: true },
    });
    expect(byIngest.status).toBe(403);
    const admin = (await api.call('GET', '/v1/keys')).body.data.find((key: any) => key.scope === 'admin');
    const adminFalse = await api.call('PATCH', `/v1/keys/${admin.key_id}`, {
      body: { allow_tier_override: false },
    });
    expect([adminFalse.status, adminFalse.body.errors[0].field]).toEqual([400, '/allow_tier_override']);
    expect(
      (await api.call('PATCH', '/v1/keys/key_nothere', { body: { allow_tier_override: true } })).status,
    ).toBe(404);
    expect((await api.call('DELETE', `/v1/keys/${ingest.key_id}`)).status).toBe(200);
    const revoked = await api.call('PATCH', `/v1/keys/${ingest.key_id}`, {
      body: { allow_tier_override: true },
    });
    expect([revoked.status, revoked.body.code]).toEqual([409, 'key_revoked']);
  });

  it('in a batch from an ingest key, only the events with a tier are rejected', async () => {
    const ingest = await createKey({ scope: 'ingest' });
    const batch = await api.call('POST', '/v1/meter/batch', {
      key: ingest.key,
      body: {
        events: [
          { agent_id: 'a', action: 'x', event_id: 'b-1', tier: 'free' },
          { agent_id: 'a', action: 'x', event_id: 'b-2' },
        ],
      },
    });
    expect(batch.status).toBe(200);
    expect(batch.body.summary).toEqual({ accepted: 1, duplicate: 0, rejected: 1 });
    expect(batch.body.results[0]).toMatchObject({
      index: 0,
      event_id: 'b-1',
      status: 'rejected',
      error: { code: 'tier_override_forbidden', field: '/tier', retryable: false },
    });
    expect(batch.body.results[1]).toMatchObject({ event_id: 'b-2', status: 'accepted', tier: 'default' });
  });

  it('an ingest key created with allow_tier_override, and any admin key, may choose it', async () => {
    const allowed = await createKey({ scope: 'ingest', allow_tier_override: true });
    expect(allowed.allow_tier_override).toBe(true);
    expect((await meter(allowed.key, { agent_id: 'a', action: 'x', tier: 'free' })).body).toMatchObject({
      tier: 'free',
      price: { total: '0.00' },
    });
    expect((await meter(api.adminKey, { agent_id: 'a', action: 'x', tier: 'free' })).body).toMatchObject({
      tier: 'free',
    });
    const admin = await createKey({ scope: 'admin' });
    expect(admin.allow_tier_override).toBe(true);
    expect((await meter(admin.key, { agent_id: 'a', action: 'x', tier: 'free' })).body.tier).toBe('free');

    const listed = (await api.call('GET', '/v1/keys')).body.data;
    const byId = new Map(listed.map((key: { key_id: string }) => [key.key_id, key]));
    expect(byId.get(allowed.key_id)).toMatchObject({ scope: 'ingest', allow_tier_override: true });
    expect(byId.get(admin.key_id)).toMatchObject({ scope: 'admin', allow_tier_override: true });
    const revoked = await api.call('DELETE', `/v1/keys/${allowed.key_id}`);
    expect(revoked.body).toMatchObject({ allow_tier_override: true });
  });

  it('an admin key cannot be created without the permission, nor the field be other than a boolean', async () => {
    const refused = await api.call('POST', '/v1/keys', {
      body: { scope: 'admin', allow_tier_override: false },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].field).toBe('/allow_tier_override');
    const notBoolean = await api.call('POST', '/v1/keys', {
      body: { scope: 'ingest', allow_tier_override: 'yes' },
    });
    expect([notBoolean.status, notBoolean.body.errors[0].field]).toEqual([400, '/allow_tier_override']);
    expect((await api.call('GET', '/v1/keys')).body.data).toHaveLength(1);
  });

  it('OTLP traces from an ingest key still meter (they never carry a tier)', async () => {
    const ingest = await createKey({ scope: 'ingest' });
    const span = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      name: 'chat gpt-4o',
      kind: 3,
      startTimeUnixNano: String(BigInt(T0 - 2000) * 1_000_000n),
      endTimeUnixNano: String(BigInt(T0 - 1000) * 1_000_000n),
      attributes: [
        { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
        { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
        { key: 'gen_ai.provider.name', value: { stringValue: 'openai' } },
        { key: 'gen_ai.usage.input_tokens', value: { intValue: '10' } },
        { key: 'gen_ai.usage.output_tokens', value: { intValue: '5' } },
        { key: 'agentmeter.tier', value: { stringValue: 'free' } },
      ],
    };
    const exported = await api.call('POST', '/v1/traces', {
      key: ingest.key,
      body: {
        resourceSpans: [
          { resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'x' }, spans: [span] }] },
        ],
      },
    });
    expect([exported.status, exported.body.partialSuccess?.rejectedSpans ?? 0]).toEqual([200, 0]);
    const events = (await api.call('GET', '/v1/events')).body.data;
    expect(events.map((event: { tier: string }) => event.tier)).toEqual(['default']);
  });
});

describe.each(STORE_KINDS)('the key permission migration, on %s', (kind) => {
  it('keys of a database from before it may not choose tiers until created anew with the permission', async () => {
    const secret = 'am_existing_ingest_key_0123456789abcdefgh';
    const insertOld = [
      `INSERT INTO projects (project_id, name, created_at) VALUES ('proj_old', 'old', 1)`,
      `INSERT INTO api_keys (key_id, project_id, name, scope, prefix, key_hash, created_at)
       VALUES ('key_old', 'proj_old', 'old ingest', 'ingest', 'am_existing', '${hashKey(secret)}', 1)`,
    ];
    const first = MIGRATIONS[0];
    if (!first) throw new Error('no migrations');
    let store: Awaited<ReturnType<typeof openStore>>;
    let done: () => Promise<void>;
    if (kind === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'agentmeter-migrate-'));
      const path = join(dir, 'old.db');
      const old = new Database(path);
      old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
      old.exec(first.sqlite);
      old.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (1, 1)').run();
      for (const statement of insertOld) old.exec(statement);
      old.close();
      store = await openStore({ dbPath: path });
      done = async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      };
    } else {
      const { schema, drop } = await freshSchema('migrate');
      const old = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
      await old.connect();
      await old.query(
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
      );
      await old.query(first.postgres);
      await old.query('INSERT INTO schema_migrations (version, applied_at) VALUES (1, 1)');
      for (const statement of insertOld) await old.query(statement);
      await old.end();
      store = await openStore({ databaseUrl: TEST_DATABASE_URL, schema });
      done = async () => {
        await store.close();
        await drop();
      };
    }
    try {
      const found = await store.findKeyByHash(hashKey(secret));
      expect(found).toMatchObject({ keyId: 'key_old', scope: 'ingest', allowTierOverride: false });
      expect(await store.listKeys('proj_old')).toEqual([
        expect.objectContaining({ keyId: 'key_old', allowTierOverride: false }),
      ]);
      // Reopening (another replica starting) does not run it twice.
      await store.migrate();
    } finally {
      await done();
    }
  });
});
