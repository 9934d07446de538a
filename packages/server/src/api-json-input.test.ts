// What JSON.parse would silently change in a body — bytes that are not UTF-8, lone surrogates, numbers
// a double rounds — is refused with a 400 naming the field, and the Content-Type must say JSON.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contractResponse, type Schemas } from '../../../test/support/api.js';
import { openTestStore, STORE_KINDS } from '../../../test/support/stores.js';
import { createProject } from './bootstrap.js';
import { createApp } from './server.js';
import type { Store } from './store/types.js';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);

describe.each(STORE_KINDS)('JSON bodies on %s', (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let adminKey: string;
  let app: ReturnType<typeof createApp>;
  const errors: unknown[] = [];

  beforeEach(async () => {
    const opened = await openTestStore(kind);
    store = opened.store;
    cleanup = opened.cleanup;
    ({ adminKey } = await createProject(store, { adminKey: `admin-key-json-input-${kind}-0123456789` }));
    app = createApp({
      store,
      now: () => T0,
      rateLimit: false,
      validateResponses: true,
      onError: (e) => errors.push(e),
    });
  });
  afterEach(async () => {
    expect(errors).toEqual([]);
    await cleanup();
  });

  async function send<M extends string, P extends string>(
    method: M,
    path: P,
    body?: string | Uint8Array,
    contentType?: string | null,
  ) {
    const response = await app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${adminKey}`,
        ...(contentType === null ? {} : { 'content-type': contentType ?? 'application/json' }),
      },
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    return contractResponse(method, path, {
      status: response.status,
      body: text ? JSON.parse(text) : null,
      headers: response.headers,
    });
  }
  const bytes = (...parts: (string | number[])[]) =>
    new Uint8Array(Buffer.concat(parts.map((part) => Buffer.from(part as string))));
  const fields = (answer: { problem: Schemas['Problem'] }) =>
    (answer.problem.errors ?? []).map((error) => error.field);
  const events = async () => (await send('GET', '/v1/events')).body.data;

  it('refuses identifiers that are not UTF-8 instead of billing two customers as one', async () => {
    await send('PUT', '/v1/tiers/default', JSON.stringify({ base_fee: '0.01' }));
    for (const bad of [0xff, 0xfe]) {
      const answer = await send(
        'POST',
        '/v1/meter',
        bytes(`{"agent_id":"a","action":"b","event_id":"e-${bad}","customer_id":"cus_`, [bad], '"}'),
      );
      expect([answer.status, answer.problem.code, fields(answer)]).toEqual([
        400,
        'validation_error',
        ['/customer_id'],
      ]);
    }
    expect(await events()).toEqual([]);
  });

  it('refuses lone surrogates, in a single event and in a batch item, naming the field', async () => {
    await send('PUT', '/v1/tiers/default', JSON.stringify({ base_fee: '0.01' }));
    const single = await send('POST', '/v1/meter', '{"agent_id":"a\\ud800","action":"b"}');
    expect([single.status, fields(single)]).toEqual([400, ['/agent_id']]);
    expect(await events()).toEqual([]);
    // In a batch only the item is refused (an agent's one bad string must not lose the others),
    // and so is a resolution carrying one, and an item holding a number a double would round.
    const batch = await send(
      'POST',
      '/v1/meter/batch',
      '{"events":[{"agent_id":"a","action":"b","event_id":"ok-1"},{"agent_id":"a","action":"b","event_id":"bad-1","customer_id":"\\udc00x"},' +
        '{"agent_id":"a","action":"b","event_id":"bad-2","metadata":{"score":0.12345678901234567891}},{"agent_id":"a","action":"b","event_id":"ok-2"}],' +
        '"resolutions":[{"outcome_id":"out_ok-1","outcome":"success","metadata":{"note":"\\ud800"}}]}',
    );
    expect(batch.status).toBe(200);
    expect(
      batch.body.results.map((r) => [
        r.event_id,
        r.status,
        r.error?.field ?? null,
        r.error?.retryable ?? null,
      ]),
    ).toEqual([
      ['ok-1', 'accepted', null, null],
      ['bad-1', 'rejected', '/customer_id', false],
      ['bad-2', 'rejected', '/metadata/score', false],
      ['ok-2', 'accepted', null, null],
    ]);
    expect(batch.body.results[1]?.error?.message).toMatch(/lone UTF-16 surrogate/);
    expect(batch.body.results[2]?.error?.message).toMatch(/send a decimal string/);
    expect(batch.body.summary).toEqual({ accepted: 2, duplicate: 0, rejected: 2 });
    expect(batch.body.resolution_results.map((r) => [r.status, r.error?.field])).toEqual([
      ['rejected', '/metadata/note'],
    ]);
    expect((await events()).map((event) => event.event_id).sort()).toEqual(['ok-1', 'ok-2']);
    // Outside the items, the whole body is refused as before.
    const outside = await send('POST', '/v1/meter/batch', '{"events":[],"x\\ud800":1}');
    expect([outside.status, fields(outside)]).toEqual([400, ['/x\ud800']]);
    await send('POST', '/v1/meter/batch', '{"events":[]}');
    // A surrogate pair is a character like any other.
    const pair = await send(
      'POST',
      '/v1/meter',
      '{"agent_id":"a","action":"b","customer_id":"cus_\\ud83d\\ude00"}',
    );
    expect(pair.status).toBe(200);
    expect((await events()).find((event) => event.customer_id === 'cus_😀')).toBeDefined();
  });

  it('refuses a money number a double would round, asking for a decimal string; takes the string', async () => {
    const rounded = await send('PUT', '/v1/tiers/exact', '{"base_fee": 1234567.123456789012}');
    expect([rounded.status, rounded.problem.code, fields(rounded)]).toEqual([
      400,
      'validation_error',
      ['/base_fee'],
    ]);
    expect(rounded.problem.errors?.[0]?.message).toContain('send a decimal string');
    expect((await send('GET', '/v1/tiers/exact')).status).toBe(404);
    const exact = await send(
      'PUT',
      '/v1/tiers/exact',
      '{"base_fee": "1234567.123456789012", "token_rate_input": 1.10}',
    );
    expect(exact.status).toBe(200);
    expect(exact.body).toMatchObject({ base_fee: '1234567.123456789012', token_rate_input: '1.10' });
    const tokens = await send(
      'POST',
      '/v1/meter',
      '{"agent_id":"a","action":"b","tokens_input":9007199254740993}',
    );
    expect([tokens.status, fields(tokens)]).toEqual([400, ['/tokens_input']]);
    const huge = await send('POST', '/v1/meter', '{"agent_id":"a","action":"b","tokens_input":1e400}');
    expect([huge.status, fields(huge)]).toEqual([400, ['/tokens_input']]);
    expect(await events()).toEqual([]);
  });

  it('takes JSON media types (with a UTF-8 charset) and a body without Content-Type; refuses others with 415', async () => {
    const tier = (n: number) => JSON.stringify({ base_fee: `0.0${n}` });
    for (const type of [
      'application/json',
      'application/json; charset=utf-8',
      'Application/JSON;charset="UTF-8"',
      'application/merge-patch+json',
    ])
      expect([type, (await send('PUT', '/v1/tiers/default', tier(1), type)).status]).toEqual([type, 200]);
    // Bytes, so no Content-Type is added for them (a string body would get text/plain).
    expect((await send('PUT', '/v1/tiers/default', bytes(tier(2)), null)).status).toBe(200);
    for (const type of [
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'application/json; charset=iso-8859-1',
      'application/jsonp',
    ]) {
      const answer = await send('PUT', '/v1/tiers/default', tier(3), type);
      expect([type, answer.status, answer.problem.code, fields(answer)]).toEqual([
        type,
        415,
        'unsupported_media_type',
        ['header.Content-Type'],
      ]);
    }
    expect((await send('GET', '/v1/tiers/default')).body.base_fee).toBe('0.02');
  });
});
