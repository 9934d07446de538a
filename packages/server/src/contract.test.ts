import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type ApiHarness, apiHarness, T0 } from '../../../test/support/api.js';
import { openTestStore } from '../../../test/support/stores.js';
import { operations } from './contract.js';
import { routes } from './routes/index.js';

const spec = parse(readFileSync(new URL('../../../openapi.yaml', import.meta.url), 'utf8'));

describe('the server implements openapi.yaml exactly', () => {
  it('serves the contract it was generated from', () => {
    const generated = JSON.parse(readFileSync(new URL('./generated/openapi.json', import.meta.url), 'utf8'));
    delete generated['x-generated'];
    expect(generated).toEqual(spec);
  });

  it('has a route for every operation and no route outside the spec', () => {
    const specOperations = Object.entries(
      spec.paths as Record<string, Record<string, { operationId: string }>>,
    ).flatMap(([, methods]) => Object.values(methods).map((operation) => operation.operationId));
    const routeOperations = routes.map((route) => route.operationId);
    expect([...routeOperations].sort()).toEqual([...specOperations].sort());
    expect(new Set(routeOperations).size).toBe(routeOperations.length);
    expect(operations.map((operation) => operation.operationId).sort()).toEqual([...specOperations].sort());
  });

  describe('every operation answers a valid request with a documented response that matches its schema', () => {
    let api: ApiHarness;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      const opened = await openTestStore('sqlite');
      cleanup = opened.cleanup;
      api = await apiHarness(opened.store);
    });
    afterAll(async () => cleanup());

    // In dependency order; the harness validates each response body against openapi.yaml.
    const calls: [string, string, string, unknown?][] = [
      ['getHealth', 'GET', '/healthz'],
      [
        'putTier',
        'PUT',
        '/v1/tiers/plan',
        {
          base_fee: '0.01',
          token_rate_input: 0.003,
          outcome_bonus: '5',
          outcome_bonus_by_action: { won: 9 },
        },
      ],
      ['getTier', 'GET', '/v1/tiers/plan'],
      ['listTiers', 'GET', '/v1/tiers'],
      ['putCustomer', 'PUT', '/v1/customers/acme', { tier: 'plan', name: 'Acme', metadata: { a: 1 } }],
      ['getCustomer', 'GET', '/v1/customers/acme'],
      ['putAgent', 'PUT', '/v1/agents/bot', { tier: 'plan' }],
      ['getAgent', 'GET', '/v1/agents/bot'],
      [
        'meterEvent',
        'POST',
        '/v1/meter',
        {
          agent_id: 'bot',
          action: 'won',
          customer_id: 'acme',
          event_id: 'c1',
          outcome: 'pending',
          tokens_input: 10,
          model: 'gpt-4o',
          provider: 'openai',
          metadata: { k: 'v' },
        },
      ],
      [
        'meterBatch',
        'POST',
        '/v1/meter/batch',
        {
          events: [{ agent_id: 'bot', action: 'won', customer_id: 'acme' }, { agent_id: 'bot' }],
          resolutions: [{ outcome_id: 'out_none', outcome: 'success' }],
        },
      ],
      ['getOutcome', 'GET', '/v1/outcomes/out_c1'],
      [
        'resolveOutcome',
        'POST',
        '/v1/outcomes/out_c1/resolve',
        { outcome: 'success', metadata: { why: 'reply' } },
      ],
      ['getUsage', 'GET', '/v1/usage?group_by=customer_id,agent_id,action,day'],
      ['previewInvoice', 'GET', '/v1/invoices/preview?customer_id=acme'],
      ['listEvents', 'GET', '/v1/events?limit=1'],
      ['getEvent', 'GET', '/v1/events/c1'],
      [
        'simulate',
        'POST',
        '/v1/simulate',
        { workload: { calls: 10, avg_tokens_input: 5, success_rate: '0.5' } },
      ],
      [
        'exportTraces',
        'POST',
        '/v1/traces',
        {
          resourceSpans: [
            {
              resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bot' } }] },
              scopeSpans: [
                {
                  scope: { name: '@opentelemetry/instrumentation-openai' },
                  spans: [
                    {
                      traceId: '5b8efff798038103d269b633813fc60c',
                      spanId: 'eee19b7ec3c1b174',
                      name: 'chat gpt-4o',
                      kind: 3,
                      startTimeUnixNano: `${T0 - 800}000000`,
                      endTimeUnixNano: `${T0}000000`,
                      attributes: [
                        { key: 'gen_ai.provider.name', value: { stringValue: 'openai' } },
                        { key: 'gen_ai.usage.input_tokens', value: { intValue: '812' } },
                        { key: 'gen_ai.usage.output_tokens', value: { intValue: 40 } },
                      ],
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
      ['createKey', 'POST', '/v1/keys', { scope: 'ingest', name: 'ci' }],
      ['listKeys', 'GET', '/v1/keys'],
    ];

    it.each(calls)('%s', async (operationId, method, path, body) => {
      const response = await api.call(method, path, body === undefined ? {} : { body });
      const operation = operations.find((candidate) => candidate.operationId === operationId);
      expect(operation?.responses.has(String(response.status))).toBe(true);
      expect(response.status).toBeLessThan(300);
    });

    it('revokeKey', async () => {
      const { key_id } = (await api.call('POST', '/v1/keys', { body: { scope: 'admin' } })).body;
      const response = await api.call('DELETE', `/v1/keys/${key_id}`);
      expect(response.status).toBe(200);
    });

    it('updateKey', async () => {
      const { key_id } = (await api.call('POST', '/v1/keys', { body: { scope: 'ingest' } })).body;
      const response = await api.call('PATCH', `/v1/keys/${key_id}`, { body: { allow_tier_override: true } });
      expect([response.status, response.body.allow_tier_override]).toEqual([200, true]);
    });

    it('covers every operation above', () => {
      expect([...calls.map(([id]) => id), 'revokeKey', 'updateKey'].sort()).toEqual(
        operations.map((operation) => operation.operationId).sort(),
      );
    });

    it('documents every error status it returns', async () => {
      for (const [method, path, body] of [
        ['POST', '/v1/meter', { agent_id: 'x' }],
        ['POST', '/v1/meter', { agent_id: 'x', action: 'y', tier: 'none' }],
        ['POST', '/v1/outcomes/out_c1/resolve', { outcome: 'failure' }],
        ['GET', '/v1/tiers/nope'],
      ] as const) {
        const response = await api.call(method, path, body ? { body } : {});
        const operation = operations.find(
          (candidate) =>
            new RegExp(`^${candidate.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(
              path.split('?')[0] as string,
            ) && candidate.method === method,
        );
        expect(
          operation?.responses.has(String(response.status)),
          `${method} ${path} → ${response.status}`,
        ).toBe(true);
      }
    });
  });
});
