// Tenant isolation walked from openapi.yaml: every operation, called with project B's admin and
// ingest keys and aimed at project A's identifiers (path, query, Idempotency-Key, every body field
// the schema has), never shows B anything of A's and never changes A's data. Scopes, walked the same
// way: an ingest key reaches only the metering and outcome routes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { operations } from '../fuzz/spec.js';
import { openTestStore, STORE_KINDS } from '../support/stores.js';
import { aimedRequests, type Tenants, twoTenants } from './tenants.js';

const guarded = operations.filter((operation) => !operation.public);

/** A generated metering body without `tier` (on the event, or on each event of a batch). */
function withoutTier(body: unknown): unknown {
  if (!body || typeof body !== 'object') return body;
  const { tier: _tier, ...rest } = body as Record<string, unknown>;
  if (Array.isArray(rest['events'])) rest['events'] = rest['events'].map(withoutTier);
  return rest;
}

describe.each(STORE_KINDS)('tenant isolation and scopes on %s', (kind) => {
  let tenants: Tenants;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    cleanup = opened.cleanup;
    tenants = await twoTenants(opened.store);
  });
  afterEach(async () => cleanup());

  it("B's keys read, resolve, price and list nothing of A's, on every route of the contract", async () => {
    const { call, b, secrets, aims, snapshotA } = tenants;
    const before = await snapshotA();
    const leaks: string[] = [];
    const walked = new Set<string>();
    for (const operation of guarded) {
      for (const [scope, key] of [
        ['admin', b.admin],
        ['ingest', b.ingest],
      ] as const) {
        for (const request of aimedRequests(operation, aims)) {
          const reply = await call(key, operation.method, request.url, request.body, request.headers);
          walked.add(operation.operationId);
          expect(reply.status, `${operation.operationId} as B (${scope}): ${reply.text}`).toBeLessThan(500);
          for (const secret of secrets)
            if (reply.text.includes(secret))
              leaks.push(`${operation.operationId} as B (${scope}) ${request.url} showed ${secret}`);
        }
      }
    }
    expect(leaks).toEqual([]);
    expect([...walked].sort()).toEqual(guarded.map((operation) => operation.operationId).sort());
    expect(await snapshotA()).toBe(before);

    // The pointed cases, by name: A's things do not exist for B.
    for (const path of [
      '/v1/outcomes/out_a-event',
      '/v1/tiers/a-private',
      '/v1/customers/a-customer',
      '/v1/agents/a-agent',
    ])
      expect((await call(b.admin, 'GET', path)).status, path).toBe(404);
    const resolve = await call(b.ingest, 'POST', '/v1/outcomes/out_a-event/resolve', { outcome: 'success' });
    expect([resolve.status, resolve.body.code]).toEqual([404, 'outcome_not_found']);
    const batch = await call(b.ingest, 'POST', '/v1/meter/batch', {
      events: [],
      resolutions: [{ outcome_id: 'out_a-event', outcome: 'success' }],
    });
    expect(batch.body.resolution_results[0]).toMatchObject({
      status: 'rejected',
      error: { code: 'outcome_not_found' },
    });
    const revoke = await call(b.admin, 'DELETE', `/v1/keys/${tenants.a.keyIds[0]}`);
    expect(revoke.status).toBe(404);
    // A key allowed to choose tiers (B's admin key) still cannot reach A's; an ingest key may not choose one at all.
    const priced = await call(b.admin, 'POST', '/v1/meter', {
      agent_id: 'x',
      action: 'y',
      tier: 'a-private',
    });
    expect(priced.body.code).toBe('unknown_tier');
    const chosen = await call(b.ingest, 'POST', '/v1/meter', {
      agent_id: 'x',
      action: 'y',
      tier: 'a-private',
    });
    expect(chosen.body.code).toBe('tier_override_forbidden');
    const history = await call(b.admin, 'POST', '/v1/simulate', {
      history: { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' },
    });
    const bEvents = (await call(b.admin, 'GET', '/v1/events?limit=1000')).body.data.length;
    expect(history.body.calls).toBe(bEvents);
    expect(await snapshotA()).toBe(before);
  });

  it('an ingest key reaches the metering and outcome routes only; admin routes answer 403 and change nothing', async () => {
    const { call, a, aims, snapshotA } = tenants;
    const before = await snapshotA();
    const ingestRoutes: string[] = [];
    for (const operation of guarded) {
      for (const request of aimedRequests(operation, aims, 1)) {
        // Choosing an event's tier is refused to this key (checked above), whatever else is allowed.
        const body = operation.ingest ? withoutTier(request.body) : request.body;
        const reply = await call(a.ingest, operation.method, request.url, body, request.headers);
        if (operation.ingest) {
          expect([401, 403], `${operation.operationId}: ${reply.text}`).not.toContain(reply.status);
          ingestRoutes.push(operation.operationId);
        } else {
          expect([reply.status, reply.body?.code], operation.operationId).toEqual([
            403,
            'insufficient_scope',
          ]);
        }
        for (const key of [null, 'am_unknownkey0000000000000000000000000000', `${a.admin}x`]) {
          const anonymous = await call(key, operation.method, request.url, request.body, request.headers);
          expect(anonymous.status, `${operation.operationId} with key ${key}`).toBe(401);
        }
      }
    }
    expect(ingestRoutes.sort()).toEqual([
      'exportTraces',
      'getOutcome',
      'meterBatch',
      'meterEvent',
      'resolveOutcome',
    ]);
    // Only the ingest routes may have written (A's own events); nothing an admin route guards moved.
    const after = await snapshotA();
    const guardedParts = (text: string) =>
      text
        .split('\n')
        .filter((line) => /^\/v1\/(tiers|keys|customers|agents)/.test(line))
        .join('\n');
    expect(guardedParts(after)).toBe(guardedParts(before));
  });
});
