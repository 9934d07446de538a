// SQL injection through every string the contract accepts: each path parameter, each query parameter
// and each string field of each request body (walked from openapi.yaml), with classic payloads, sent
// by project B. Afterwards A's data is exactly as before, B's own rows are consistent, filters
// matched only the exact string, and a stored payload reads back verbatim.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repair } from '../fuzz/requests.js';
import { valueArbitrary } from '../fuzz/schema-arbitrary.js';
import { operations, resolve, type Schema } from '../fuzz/spec.js';
import { T0 } from '../support/api.js';
import { openTestStore, STORE_KINDS } from '../support/stores.js';
import { type Tenants, twoTenants } from './tenants.js';

const PAYLOADS = [
  "' OR '1'='1",
  "x' OR 1=1 --",
  "'; DROP TABLE events; --",
  '"; DELETE FROM api_keys; --',
  "a' UNION SELECT key_hash, key_id FROM api_keys --",
  "a'||(SELECT key_hash FROM api_keys LIMIT 1)||'",
  "%' OR project_id LIKE '%",
  "'); UPDATE api_keys SET revoked_at = NULL, project_id = 'x'; --",
  '$1',
  '\\x27 OR 1=1',
];

type Path = (string | number)[];

/** Paths of the string leaves of a value. */
function stringLeaves(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  if (typeof value === 'string') out.push(path);
  else if (Array.isArray(value))
    for (const [index, item] of value.entries()) stringLeaves(item, [...path, index], out);
  else if (value && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) stringLeaves(item, [...path, key], out);
  return out;
}

function withLeaf(value: unknown, path: Path, replacement: string): unknown {
  const copy = structuredClone(value) as any;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path[path.length - 1] as string | number] = replacement;
  return copy;
}

const isString = (schema: Schema) => {
  const node = resolve(schema);
  return node['type'] === 'string' || (Array.isArray(node['type']) && node['type'].includes('string'));
};

describe.each(STORE_KINDS)('SQL injection on %s', (kind) => {
  let tenants: Tenants;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    cleanup = opened.cleanup;
    tenants = await twoTenants(opened.store);
  });
  afterEach(async () => cleanup());

  it('leaves the data intact whatever string field or parameter carries the payload', async () => {
    const { call, b, snapshotA } = tenants;
    const before = await snapshotA();
    const sent = { path: 0, query: 0, body: 0 };
    for (const operation of operations.filter((candidate) => !candidate.public)) {
      const pathParams = operation.parameters.filter((p) => p.in === 'path');
      const base = (name: string) =>
        name === 'outcome_id' ? 'out_b-event' : name === 'key_id' ? 'key_x' : 'b-thing';
      const url = (override?: [string, string]) =>
        pathParams.reduce(
          (path, p) =>
            path.replace(
              `{${p.name}}`,
              encodeURIComponent(override?.[0] === p.name ? override[1] : base(p.name)),
            ),
          operation.path,
        );
      const bodies = operation.body
        ? fc
            .sample(valueArbitrary(operation.body, { now: T0 }), { numRuns: 2, seed: 11 })
            .map((body) => repair(operation.operationId, body))
        : [undefined];
      for (const payload of PAYLOADS) {
        for (const p of pathParams) {
          await call(b.admin, operation.method, url([p.name, payload]), bodies[0]);
          sent.path++;
        }
        for (const p of operation.parameters.filter((q) => q.in === 'query' && isString(q.schema))) {
          await call(
            b.admin,
            operation.method,
            `${url()}?${p.name}=${encodeURIComponent(payload)}`,
            bodies[0],
          );
          sent.query++;
        }
        for (const body of bodies) {
          if (body === undefined) continue;
          for (const leaf of stringLeaves(body)) {
            const reply = await call(b.admin, operation.method, url(), withLeaf(body, leaf, payload));
            expect(reply.status, `${operation.operationId} ${leaf.join('/')}: ${reply.text}`).toBeLessThan(
              500,
            );
            sent.body++;
          }
        }
      }
    }
    expect(sent.path).toBeGreaterThan(0);
    expect(sent.query).toBeGreaterThan(0);
    expect(sent.body).toBeGreaterThan(PAYLOADS.length * 20);
    expect(await snapshotA()).toBe(before);

    // Payloads are data: stored verbatim, and a filter matches the exact string only.
    for (const payload of PAYLOADS) {
      const put = await call(b.admin, 'PUT', `/v1/customers/${encodeURIComponent(payload)}`, {
        tier: null,
        name: payload,
      });
      expect([put.status, put.body.customer_id, put.body.name]).toEqual([200, payload, payload]);
      const metered = await call(b.admin, 'POST', '/v1/meter', {
        agent_id: payload,
        action: payload,
        customer_id: payload,
      });
      expect(metered.status).toBe(200);
      const filtered = await call(
        b.admin,
        'GET',
        `/v1/events?limit=1000&customer_id=${encodeURIComponent(payload)}`,
      );
      expect(filtered.body.data.length).toBeGreaterThan(0);
      expect(filtered.body.data.every((event: any) => event.customer_id === payload)).toBe(true);
      const usage = await call(
        b.admin,
        'GET',
        `/v1/usage?agent_id=${encodeURIComponent(payload)}&group_by=agent_id`,
      );
      expect(usage.body.groups.map((group: any) => group.key.agent_id)).toEqual([payload]);
    }
    const listed = (await call(b.admin, 'GET', '/v1/events?limit=1000')).body.data.length;
    expect(
      (await call(b.admin, 'GET', '/v1/usage')).body.totals.reduce((sum: number, t: any) => sum + t.calls, 0),
    ).toBe(listed);
    expect(await snapshotA()).toBe(before);
  }, 120_000);
});
