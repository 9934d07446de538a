// Two projects in one store, in-process: A holds data marked with random strings that B never
// sends, so any of them in a response to B is a leak.
import { randomBytes } from 'node:crypto';
import { createApp, createProject, type Store } from '@agentmeter/server';
import fc from 'fast-check';
import { repair } from '../fuzz/requests.js';
import { valueArbitrary } from '../fuzz/schema-arbitrary.js';
import type { Operation } from '../fuzz/spec.js';
import { T0 } from '../support/api.js';

const mark = (what: string) => `${what}-${randomBytes(8).toString('hex')}`;

export interface Reply {
  status: number;
  text: string;
  body: any;
  headers: Headers;
}

export async function twoTenants(store: Store) {
  const app = createApp({ store, now: () => T0, validateResponses: true, rateLimit: false });
  const call = async (
    key: string | null,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> => {
    const response = await app.request(path, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: response.status, text, body: json, headers: response.headers };
  };
  const markers = {
    tierDescription: mark('tier-description'),
    customerName: mark('customer-name'),
    agentName: mark('agent-name'),
    metadata: mark('metadata'),
    prompt: mark('prompt'),
    model: mark('model'),
    keyName: mark('key-name'),
  };
  const aAdmin = `tenant-a-admin-${randomBytes(12).toString('hex')}`;
  const bAdmin = `tenant-b-admin-${randomBytes(12).toString('hex')}`;
  await createProject(store, { adminKey: aAdmin, now: T0 });
  await createProject(store, { adminKey: bAdmin, now: T0 });
  const ok = async (reply: Promise<Reply>) => {
    const { status, text, body } = await reply;
    if (status >= 300) throw new Error(`setup failed: ${status} ${text}`);
    return body;
  };
  // A's data: a private tier, customer, agent, a pending outcome, an ingest key.
  await ok(
    call(aAdmin, 'PUT', '/v1/tiers/a-private', {
      description: markers.tierDescription,
      base_fee: '0.123456789012',
      outcome_bonus: '7.77',
    }),
  );
  await ok(
    call(aAdmin, 'PUT', '/v1/customers/a-customer', {
      tier: 'a-private',
      name: markers.customerName,
      metadata: { note: markers.metadata },
    }),
  );
  await ok(call(aAdmin, 'PUT', '/v1/agents/a-agent', { tier: 'a-private', name: markers.agentName }));
  await ok(
    call(aAdmin, 'POST', '/v1/meter', {
      event_id: 'a-event',
      agent_id: 'a-agent',
      action: 'a-action',
      customer_id: 'a-customer',
      outcome: 'pending',
      model: markers.model,
      tokens_input: 1234,
      metadata: { prompt: markers.prompt },
    }),
  );
  const aIngest = await ok(call(aAdmin, 'POST', '/v1/keys', { scope: 'ingest', name: markers.keyName }));
  const bIngest = await ok(call(bAdmin, 'POST', '/v1/keys', { scope: 'ingest' }));
  await ok(call(bAdmin, 'POST', '/v1/meter', { event_id: 'b-event', agent_id: 'b-agent', action: 'b' }));
  const aKeys = (await ok(call(aAdmin, 'GET', '/v1/keys'))).data as { key_id: string; prefix: string }[];

  /** Everything of A's that B could read or change. */
  const snapshotA = async () => {
    const paths = [
      '/v1/events?limit=1000',
      '/v1/tiers',
      '/v1/tiers/a-private?version=1',
      '/v1/keys',
      '/v1/customers/a-customer',
      '/v1/agents/a-agent',
      '/v1/outcomes/out_a-event',
      '/v1/usage?group_by=customer_id,agent_id',
      '/v1/invoices/preview?customer_id=a-customer',
    ];
    const parts: string[] = [];
    for (const path of paths) parts.push(`${path} ${(await call(aAdmin, 'GET', path)).text}`);
    return parts.join('\n');
  };

  /** A's identifiers by parameter or field name: what B aims at. */
  const aims: Record<string, string> = {
    outcome_id: 'out_a-event',
    tier_id: 'a-private',
    customer_id: 'a-customer',
    agent_id: 'a-agent',
    key_id: aKeys[0]?.key_id ?? '',
    action: 'a-action',
    event_id: 'a-event',
    tier: 'a-private',
  };
  const secrets = [
    ...Object.values(markers),
    ...aKeys.map((key) => key.prefix.replace('…', '')),
    aAdmin,
    aIngest.key,
  ];
  return {
    call,
    a: { admin: aAdmin, ingest: aIngest.key as string, keyIds: aKeys.map((key) => key.key_id) },
    b: { admin: bAdmin, ingest: bIngest.key as string },
    markers,
    secrets,
    aims,
    snapshotA,
  };
}

export type Tenants = Awaited<ReturnType<typeof twoTenants>>;

/** Requests for `operation` aimed at A's identifiers: path, query, Idempotency-Key and bodies from the schema. */
export function aimedRequests(operation: Operation, aims: Record<string, string>, samples = 3) {
  let path = operation.path;
  for (const parameter of operation.parameters.filter((p) => p.in === 'path'))
    path = path.replace(`{${parameter.name}}`, encodeURIComponent(aims[parameter.name] ?? 'x'));
  const query = operation.parameters
    .filter((p) => p.in === 'query' && aims[p.name] !== undefined)
    .map((p) => `${p.name}=${encodeURIComponent(aims[p.name] as string)}`);
  const url = query.length > 0 ? `${path}?${query.join('&')}` : path;
  const headers: Record<string, string> = operation.parameters.some((p) => p.in === 'header')
    ? { 'idempotency-key': aims['event_id'] as string }
    : {};
  if (!operation.body) return [{ url, headers, body: undefined as unknown }];
  const overrides = {
    ...Object.fromEntries(Object.entries(aims).map(([name, value]) => [name, fc.constant(value)])),
    tiers: fc.constant([aims['tier']]),
    outcome: fc.constantFrom('success', 'failure'),
  };
  return fc
    .sample(valueArbitrary(operation.body, { now: T0, overrides }), { numRuns: samples, seed: 7 })
    .map((body) => ({ url, headers, body: repair(operation.operationId, body) }));
}
