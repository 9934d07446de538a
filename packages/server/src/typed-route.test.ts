import { describe, expect, it } from 'vitest';
import { contractResponse } from '../../../test/support/api.js';
import type { Schemas } from './contract-types.js';
import { route } from './typed-route.js';

// Most of what `route()` does happens at compile time (`npm run typecheck:tests` compiles this file):
// each `@ts-expect-error` below is a route that drifts from openapi.yaml, and fails the type check
// the day the typing no longer catches it.

const KEY: Schemas['ApiKey'] = {
  key_id: 'key_1',
  name: null,
  scope: 'ingest',
  allow_tier_override: false,
  prefix: 'am_123',
  created_at: '2026-01-01T00:00:00.000Z',
  revoked_at: null,
};

describe('route(): a route typed by its operation in openapi.yaml', () => {
  it('keeps the operation id and the rest of the definition for the app', () => {
    const handler = () => ({ status: 200 as const, body: { data: [KEY] } });
    const definition = route('listKeys')({ scope: 'admin', handler });
    expect(definition).toMatchObject({ operationId: 'listKeys', scope: 'admin', handler });
  });

  it('types the input from the contract and checks the answer against it (compile time)', () => {
    route('updateKey')({
      scope: 'admin',
      handler: (context) => {
        const allow: boolean = context.body.allow_tier_override;
        const keyId: string = context.params.key_id;
        // @ts-expect-error: the contract's KeyUpdate has no `scope`.
        void context.body.scope;
        return { status: 200, body: { ...KEY, key_id: keyId, allow_tier_override: allow } };
      },
    });
    route('getTier')({
      scope: 'admin',
      // @ts-expect-error: an API key where the contract answers a tier.
      handler: (context) => {
        const version: number | undefined = context.query.version;
        // @ts-expect-error: getTier takes no `limit`.
        void context.query.limit;
        return { status: 200, body: { ...KEY, version } };
      },
    });
    route('listKeys')({
      scope: 'admin',
      // @ts-expect-error: 201 is not a status listKeys answers with.
      handler: () => ({ status: 201, body: { data: [] } }),
    });
    route('getHealth')({
      scope: 'public',
      // @ts-expect-error: `status` is the contract's enum, `ok` alone.
      handler: async () => ({ status: 200, body: { status: 'fine', version: '1', store: 'sqlite' } }),
    });
    route('meterBatch')({
      scope: 'ingest',
      validateBody: false,
      handler: (context) => {
        // @ts-expect-error: a body the app did not validate is `unknown` to the route.
        void context.body.events;
        return {
          status: 200,
          body: { results: [], resolution_results: [], summary: { accepted: 0, duplicate: 0, rejected: 0 } },
        };
      },
    });
    expect(true).toBe(true);
  });
});

describe('contractResponse(): the tests read answers typed by the contract', () => {
  it('types the body by the method and path called, query string and path parameters included', () => {
    const headers = new Headers();
    const usage = contractResponse('GET', '/v1/usage?group_by=day', { status: 200, body: {}, headers });
    const groups: unknown[] | undefined = usage.body.groups;
    // @ts-expect-error: the contract's UsageReport has no `total` (its totals are per currency).
    void usage.body.total;
    const tierId = 'pro';
    const tier = contractResponse('GET', `/v1/tiers/${tierId}`, { status: 200, body: {}, headers });
    const version: number | undefined = tier.body.version;
    // @ts-expect-error: a tier answer has no `data` (that is the list's).
    void tier.body.data;
    const refused = contractResponse('POST', '/v1/meter', { status: 400, body: { code: 'x' }, headers });
    expect([groups, version, refused.problem.code]).toEqual([undefined, undefined, 'x']);
  });
});
