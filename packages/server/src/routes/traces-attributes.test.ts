// Span attribute keys are the sender's data: a key named `__proto__` is an attribute like any other,
// never a way to make other attributes appear (in a plain object, a `__proto__` key whose value is a
// key-value list became the map's prototype, and its entries were read as the span's attributes).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness, T0 } from '../../../../test/support/api.js';
import { openTestStore } from '../../../../test/support/stores.js';

const attribute = (key: string, value: unknown) => ({ key, value });

describe('OTLP attribute keys', () => {
  let api: ApiHarness;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore('sqlite');
    cleanup = opened.cleanup;
    api = await apiHarness(opened.store);
    await api.call('PUT', '/v1/tiers/default', { body: { base_fee: '0.01' } });
  });
  afterEach(async () => cleanup());

  it('reads a __proto__ attribute as an attribute, not as the prototype of the others', async () => {
    const smuggled = {
      kvlistValue: {
        values: [
          attribute('agentmeter.customer_id', { stringValue: 'cus_smuggled' }),
          attribute('gen_ai.usage.output_tokens', { intValue: '999' }),
        ],
      },
    };
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [attribute('__proto__', smuggled)] },
          scopeSpans: [
            {
              scope: { name: '@traceloop/instrumentation-openai' },
              spans: [
                {
                  traceId: '0af7651916cd43dd8448eb211c80319c',
                  spanId: '00f067aa0ba902b7',
                  name: 'chat gpt-4o-mini',
                  kind: 3,
                  endTimeUnixNano: `${T0 - 60_000}000000`,
                  attributes: [
                    attribute('__proto__', smuggled),
                    attribute('gen_ai.provider.name', { stringValue: 'openai' }),
                    attribute('gen_ai.usage.input_tokens', { intValue: '12' }),
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const answer = await api.call('POST', '/v1/traces', { body });
    expect(answer.status).toBe(200);
    const [event, ...rest] = (await api.call('GET', '/v1/events')).body.data;
    expect(rest).toEqual([]);
    expect([event.customer_id, event.tokens.input, event.tokens.output]).toEqual([null, 12, 0]);
  });
});
