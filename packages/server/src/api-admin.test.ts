import { createHash, createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiHarness, type ContractApi, contractApi } from '../../../test/support/api.js';
import { openTestStore, STORE_KINDS } from '../../../test/support/stores.js';

describe.each(STORE_KINDS)('keys, scopes and tenancy on %s', (kind) => {
  let api: ContractApi;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    cleanup = opened.cleanup;
    api = contractApi(await apiHarness(opened.store));
  });
  afterEach(async () => cleanup());

  it('shows a new key once, stores only its hash, and lists it without the secret', async () => {
    const created = await api.call('POST', '/v1/keys', { body: { name: 'worker', scope: 'ingest' } });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^am_[A-Za-z0-9]{40}$/);
    const listed = await api.call('GET', '/v1/keys');
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
    expect(listed.body.data.map((k) => k.scope).sort()).toEqual(['admin', 'ingest']);
    const stored = await api.store.listKeys(api.projectId);
    const row = stored.find((key) => key.keyId === created.body.key_id);
    // Keyed with the store's key secret where it has one (SQLite always; PostgreSQL when configured).
    const secret = api.store.keySecret;
    const expected = secret
      ? createHmac('sha256', secret).update(created.body.key).digest('hex')
      : createHash('sha256').update(created.body.key).digest('hex');
    expect(row?.keyHash).toBe(expected);
    expect(JSON.stringify(stored)).not.toContain(created.body.key);
  });

  it('lets an ingest key meter and resolve, and nothing else', async () => {
    const { key } = (await api.call('POST', '/v1/keys', { body: { scope: 'ingest' } })).body;
    await api.call('PUT', '/v1/tiers/default', { body: { outcome_bonus: '1' } });
    expect(
      (
        await api.call('POST', '/v1/meter', {
          key,
          body: { agent_id: 'a', action: 'b', outcome: 'pending', event_id: 'x' },
        })
      ).status,
    ).toBe(200);
    expect(
      (await api.call('POST', '/v1/meter/batch', { key, body: { events: [{ agent_id: 'a', action: 'b' }] } }))
        .status,
    ).toBe(200);
    expect((await api.call('GET', '/v1/outcomes/out_x', { key })).status).toBe(200);
    expect(
      (await api.call('POST', '/v1/outcomes/out_x/resolve', { key, body: { outcome: 'success' } })).status,
    ).toBe(200);
    const admin: [string, string, unknown?][] = [
      ['GET', '/v1/tiers'],
      ['GET', '/v1/tiers/default'],
      ['PUT', '/v1/tiers/default', { base_fee: '9' }],
      ['PUT', '/v1/customers/c', { tier: null }],
      ['GET', '/v1/customers/c'],
      ['PUT', '/v1/agents/a', { tier: null }],
      ['GET', '/v1/agents/a'],
      ['GET', '/v1/usage'],
      ['GET', '/v1/invoices/preview?customer_id=c'],
      ['GET', '/v1/events'],
      ['POST', '/v1/simulate', { workload: { calls: 1 } }],
      ['GET', '/v1/keys'],
      ['POST', '/v1/keys', { scope: 'admin' }],
      ['DELETE', '/v1/keys/key_abc'],
    ];
    for (const [method, path, body] of admin) {
      const response = await api.call(method, path, { key, ...(body ? { body } : {}) });
      expect({ path, method, status: response.status, code: response.problem.code }).toEqual({
        path,
        method,
        status: 403,
        code: 'insufficient_scope',
      });
    }
    expect((await api.call('GET', '/v1/tiers/default')).body.base_fee).toBe('0.00');
  });

  it('stops a revoked key at once, and refuses to revoke the last admin key', async () => {
    const ingest = (await api.call('POST', '/v1/keys', { body: { scope: 'ingest' } })).body;
    expect(
      (await api.call('POST', '/v1/meter', { key: ingest.key, body: { agent_id: 'a', action: 'b' } })).status,
    ).toBe(200);
    const revoked = await api.call('DELETE', `/v1/keys/${ingest.key_id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
    const after = await api.call('POST', '/v1/meter', {
      key: ingest.key,
      body: { agent_id: 'a', action: 'b' },
    });
    expect([after.status, after.problem.code]).toEqual([401, 'invalid_api_key']);
    const admins = (await api.call('GET', '/v1/keys')).body.data.filter((k) => k.scope === 'admin');
    const last = await api.call('DELETE', `/v1/keys/${admins[0]?.key_id}`);
    expect([last.status, last.problem.code]).toEqual([409, 'last_admin_key']);
    const second = (await api.call('POST', '/v1/keys', { body: { scope: 'admin' } })).body;
    expect((await api.call('DELETE', `/v1/keys/${admins[0]?.key_id}`)).status).toBe(200);
    expect((await api.call('GET', '/v1/keys')).status).toBe(401);
    expect((await api.call('GET', '/v1/keys', { key: second.key })).status).toBe(200);
    expect((await api.call('DELETE', '/v1/keys/key_doesnotexist', { key: second.key })).status).toBe(404);
  });

  it('answers 401 without a key or with a wrong one, before anything else', async () => {
    for (const key of [null, 'wrong-key', 'am_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa']) {
      const response = await api.call('POST', '/v1/meter', { key, body: { agent_id: 'a', action: 'b' } });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    }
    const malformed = await api.call('GET', '/v1/usage', {
      key: null,
      headers: { authorization: 'Basic abc' },
    });
    expect(malformed.status).toBe(401);
    expect((await api.call('GET', '/healthz', { key: null })).body).toEqual({
      status: 'ok',
      version: '0.1.0',
      store: kind,
    });
  });

  it("keeps projects apart: B's key sees and changes none of A's events, outcomes, tiers, customers or keys", async () => {
    await api.call('PUT', '/v1/tiers/secret-tier', { body: { base_fee: '1', outcome_bonus: '7' } });
    await api.call('PUT', '/v1/customers/acme', { body: { tier: 'secret-tier', name: 'Acme' } });
    await api.call('PUT', '/v1/agents/agent-a', { body: { tier: 'secret-tier' } });
    await api.call('POST', '/v1/meter', {
      body: {
        agent_id: 'agent-a',
        action: 'b',
        customer_id: 'acme',
        outcome: 'pending',
        event_id: 'shared-id',
      },
    });
    const aKeys = (await api.call('GET', '/v1/keys')).body.data;
    const b = await api.otherProject();
    const asB = <M extends string, P extends string>(method: M, path: P, body?: unknown) =>
      api.call(method, path, { key: b.adminKey, ...(body ? { body } : {}) });

    expect((await asB('GET', '/v1/events')).body.data).toEqual([]);
    expect((await asB('GET', '/v1/usage')).body.totals).toEqual([]);
    expect((await asB('GET', '/v1/invoices/preview?customer_id=acme')).body.lines).toEqual([]);
    expect((await asB('GET', '/v1/outcomes/out_shared-id')).status).toBe(404);
    expect((await asB('POST', '/v1/outcomes/out_shared-id/resolve', { outcome: 'success' })).status).toBe(
      404,
    );
    expect((await asB('GET', '/v1/tiers/secret-tier')).status).toBe(404);
    expect((await asB('GET', '/v1/tiers')).body.data.map((t) => t.tier_id)).toEqual(['default']);
    expect((await asB('GET', '/v1/customers/acme')).status).toBe(404);
    expect((await asB('GET', '/v1/agents/agent-a')).status).toBe(404);
    expect((await asB('DELETE', `/v1/keys/${aKeys[0]?.key_id}`)).status).toBe(404);
    expect(
      (await asB('POST', '/v1/meter', { agent_id: 'a', action: 'b', tier: 'secret-tier' })).problem.code,
    ).toBe('unknown_tier');
    expect(
      (await asB('POST', '/v1/simulate', { workload: { calls: 1 }, tiers: ['secret-tier'] })).status,
    ).toBe(422);
    // The same event id in project B is a different event, priced by B's tiers.
    const bEvent = await asB('POST', '/v1/meter', {
      agent_id: 'agent-a',
      action: 'b',
      customer_id: 'acme',
      event_id: 'shared-id',
    });
    expect(bEvent.body).toMatchObject({ replayed: false, tier: 'default', price_charged: 0 });

    const aOutcome = await api.call('GET', '/v1/outcomes/out_shared-id');
    expect(aOutcome.body.status).toBe('pending');
    expect((await api.call('GET', '/v1/events')).body.data).toHaveLength(1);
    expect((await api.call('GET', '/v1/keys')).body.data).toHaveLength(aKeys.length);
  });

  it('validates tiers and assignments with errors naming the field', async () => {
    const cases: [string, unknown, number, string, string][] = [
      ['/v1/tiers/t', { base_fee: -1 }, 400, 'validation_error', '/base_fee'],
      ['/v1/tiers/t', { base_fee: '0.0000000000001' }, 400, 'validation_error', '/base_fee'],
      ['/v1/tiers/t', { token_unit: 100 }, 400, 'validation_error', '/token_unit'],
      ['/v1/tiers/t', { currency: 'XYZ' }, 422, 'unknown_currency', '/currency'],
      [
        '/v1/tiers/t',
        { outcome_bonus_by_action: { 'email.sent': 'five' } },
        400,
        'validation_error',
        '/outcome_bonus_by_action/email.sent',
      ],
      ['/v1/tiers/t', { rate: 1 }, 400, 'validation_error', '/rate'],
      ['/v1/tiers/Bad_Tier', {}, 400, 'validation_error', 'path.tier_id'],
      ['/v1/customers/c', { tier: 'missing' }, 422, 'unknown_tier', '/tier'],
      ['/v1/customers/c', {}, 400, 'validation_error', '/tier'],
      ['/v1/agents/a', { tier: 5 }, 400, 'validation_error', '/tier'],
    ];
    for (const [path, body, status, code, field] of cases) {
      const response = await api.call('PUT', path, { body });
      expect({ path, body, status: response.status, code: response.problem.code }).toEqual({
        path,
        body,
        status,
        code,
      });
      expect(response.problem.errors?.map((e) => e.field)).toContain(field);
    }
    expect((await api.call('GET', '/v1/tiers')).body.data.map((t) => t.tier_id)).toEqual(['default']);
    const ok = await api.call('PUT', '/v1/tiers/eur-plan', {
      body: {
        base_fee: 0.02,
        token_rate_input: '3',
        token_rate_output: '15',
        token_unit: 1000000,
        currency: 'EUR',
        description: 'EU',
      },
    });
    expect(ok.body).toMatchObject({
      tier_id: 'eur-plan',
      version: 1,
      base_fee: '0.02',
      token_rate_cached_input: '3.00',
      currency: 'EUR',
    });
    const customer = await api.call('PUT', '/v1/customers/c%20one', {
      body: { tier: 'eur-plan', name: 'C One', metadata: { plan: 'pro' } },
    });
    expect(customer.body).toMatchObject({
      customer_id: 'c one',
      tier: 'eur-plan',
      name: 'C One',
      metadata: { plan: 'pro' },
    });
    expect((await api.call('GET', '/v1/customers/c%20one')).body.tier).toBe('eur-plan');
  });

  it('limits each key to its request rate with 429 and Retry-After, independently per key', async () => {
    const limited = contractApi(
      await apiHarness(api.store, { rateLimit: { requestsPerSecond: 1, burst: 2 } }),
    );
    const statuses = [];
    for (let request = 0; request < 3; request++)
      statuses.push((await limited.call('GET', '/v1/tiers')).status);
    expect(statuses).toEqual([200, 200, 429]);
    const refused = await limited.call('GET', '/v1/tiers');
    expect(refused.problem.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const other = await limited.otherProject();
    expect((await limited.call('GET', '/v1/tiers', { key: other.adminKey })).status).toBe(200);
    limited.clock.now += 2000;
    expect((await limited.call('GET', '/v1/tiers')).status).toBe(200);
  });

  it('answers unknown routes and methods with problems, never a stack trace', async () => {
    const missing = await api.call('GET', '/v1/nothing');
    expect([missing.status, missing.problem.code]).toEqual([404, 'route_not_found']);
    const method = await api.call('PATCH', '/v1/tiers/default', { body: {} });
    expect([method.status, method.problem.code]).toEqual([405, 'method_not_allowed']);
    const query = await api.call('GET', '/v1/usage?grup_by=day');
    expect(query.problem.errors).toEqual([{ field: 'query.grup_by', message: 'is not a known parameter' }]);
  });
});
