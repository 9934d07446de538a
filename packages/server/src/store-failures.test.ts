import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { T0 } from '../../../test/support/api.js';
import { freshSchema, TEST_DATABASE_URL } from '../../../test/support/postgres.js';
import { STORE_KINDS, type StoreKind } from '../../../test/support/stores.js';
import { createProject } from './bootstrap.js';
import { createApp, openStore } from './server.js';
import { PostgresStore } from './store/postgres.js';
import type { Store } from './store/types.js';

// Real failures of real stores: another connection to the same database holds a lock, changes the
// schema under the store, or (PostgreSQL) kills the store's connections.

/** PostgreSQL cancels a statement of the store that waits longer than this for a lock. */
const STATEMENT_TIMEOUT_MS = 1000;
/** SQLite's store waits this long for a lock before SQLITE_BUSY (its busy_timeout). */
const SQLITE_BUSY_WAIT_MS = 5000;

interface Database2 {
  /** The store the app uses; its event inserts can run a hook once committed. */
  store: Store;
  /** What the store itself reported (PostgreSQL connection errors outside any query). */
  storeErrors: unknown[];
  /** Runs after the next event insert commits, before the request goes on. */
  afterInsert: (() => Promise<void> | void) | undefined;
  /** From another connection: every write of the store now waits for a lock it will not get. */
  blockWrites(): Promise<void>;
  /** From another connection: the row of this event is locked (SQLite: the whole database). */
  lockEvent(eventId: string): Promise<void>;
  /** Ends what `blockWrites`/`lockEvent` began. */
  release(): Promise<void>;
  /** Runs DDL from another connection (SQLite statement, PostgreSQL statement). */
  alter(sqlite: string, postgres: string): Promise<void>;
  /** The SQLSTATE or SQLite code a lock that is never released ends in. */
  lockedCode: string;
  cleanup(): Promise<void>;
}

/** Forwards every call to the store, running `hooks.afterInsert` once an insert has committed. */
function withInsertHook(store: Store, hooks: { afterInsert: Database2['afterInsert'] }): Store {
  return new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (key === 'insertEvents') {
        return async (...args: Parameters<Store['insertEvents']>) => {
          const outcomes = await target.insertEvents(...args);
          const hook = hooks.afterInsert;
          hooks.afterInsert = undefined;
          await hook?.();
          return outcomes;
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function openDatabase(kind: StoreKind): Promise<Database2> {
  const storeErrors: unknown[] = [];
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'agentmeter-failures-'));
    const path = join(dir, 'agentmeter.db');
    const inner = await openStore({ dbPath: path });
    const other = new Database(path);
    const database: Database2 = {
      store: undefined as unknown as Store,
      storeErrors,
      afterInsert: undefined,
      async blockWrites() {
        other.exec('BEGIN EXCLUSIVE');
      },
      async lockEvent() {
        other.exec('BEGIN EXCLUSIVE');
      },
      async release() {
        if (other.inTransaction) other.exec('ROLLBACK');
      },
      async alter(sqlite) {
        other.exec(sqlite);
      },
      lockedCode: 'SQLITE_BUSY',
      async cleanup() {
        other.close();
        await inner.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    database.store = withInsertHook(inner, database);
    return database;
  }
  const { schema, drop } = await freshSchema('failures');
  const inner = new PostgresStore({
    connectionString: TEST_DATABASE_URL,
    schema,
    statementTimeoutMs: STATEMENT_TIMEOUT_MS,
    onError: (error) => storeErrors.push(error),
  });
  await inner.migrate();
  const other = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
  await other.connect();
  let open = false;
  const database: Database2 = {
    store: undefined as unknown as Store,
    storeErrors,
    afterInsert: undefined,
    async blockWrites() {
      await other.query('BEGIN');
      open = true;
      // EXCLUSIVE lets plain reads through (authentication still works) and stops every write.
      await other.query(
        'LOCK TABLE projects, api_keys, tiers, tier_versions, assignments, events IN EXCLUSIVE MODE',
      );
    },
    async lockEvent(eventId) {
      await other.query('BEGIN');
      open = true;
      await other.query('SELECT 1 FROM events WHERE event_id = $1 FOR UPDATE', [eventId]);
    },
    async release() {
      if (open) await other.query('ROLLBACK');
      open = false;
    },
    async alter(_sqlite, postgres) {
      await other.query(postgres);
    },
    lockedCode: '57014',
    async cleanup() {
      await other.end();
      await inner.close();
      await drop();
    },
  };
  database.store = withInsertHook(inner, database);
  return database;
}

interface Harness {
  db: Database2;
  /** Every error the app reported through `onError`. */
  reported: unknown[];
  call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: any; headers: Headers }>;
  ledger(): Promise<{ event_id: string; outcome_status: string; outcome_charged: string }[]>;
}

async function harness(kind: StoreKind): Promise<Harness> {
  const db = await openDatabase(kind);
  const { adminKey } = await createProject(db.store, { adminKey: `admin-key-failures-${kind}-xyz0123` });
  const reported: unknown[] = [];
  const app = createApp({
    store: db.store,
    now: () => T0,
    validateResponses: true,
    rateLimit: false,
    onError: (error) => reported.push(error),
  });
  const call: Harness['call'] = async (method, path, body) => {
    const response = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
  };
  return {
    db,
    reported,
    call,
    async ledger() {
      const page = await call('GET', '/v1/events?limit=500');
      expect(page.status).toBe(200);
      return page.body.data;
    },
  };
}

const pendingEvent = (eventId: string) => ({
  event_id: eventId,
  agent_id: 'outreach-agent',
  action: 'email.sent',
  customer_id: 'acme',
  outcome: 'pending',
});

/** The one error reported, which must be the store's own (by its code), not a wrapper. */
function reportedOnce(reported: unknown[], code: string | RegExp) {
  expect(reported).toHaveLength(1);
  const [cause] = reported.splice(0);
  expect(cause).toBeInstanceOf(Error);
  expect((cause as { code?: unknown }).code).toMatch(code);
  return cause;
}

const slow = (kind: StoreKind, writes: number) =>
  30_000 + writes * (kind === 'sqlite' ? SQLITE_BUSY_WAIT_MS : STATEMENT_TIMEOUT_MS);

describe.each(STORE_KINDS)('store failures on %s', (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness(kind);
    const tier = await h.call('PUT', '/v1/tiers/default', { base_fee: '0.01', outcome_bonus: '5.00' });
    expect(tier.status).toBe(200);
    expect((await h.call('POST', '/v1/meter', pendingEvent('open-1'))).status).toBe(200);
  });
  afterEach(async () => {
    await h.db.release();
    await h.db.cleanup();
  });

  it(
    'a locked store answers 503 store_unavailable with Retry-After on every write route, reports the cause once, and changes nothing',
    async () => {
      const before = await h.ledger();
      const tiersBefore = (await h.call('GET', '/v1/tiers')).body;
      const keysBefore = (await h.call('GET', '/v1/keys')).body;
      await h.db.blockWrites();
      const writes: [string, string, unknown][] = [
        ['POST', '/v1/outcomes/out_open-1/resolve', { outcome: 'success' }],
        ['PUT', '/v1/tiers/pro', { base_fee: '0.02' }],
        ['PUT', '/v1/customers/acme', { tier: 'default' }],
        ['POST', '/v1/keys', { name: 'ci', scope: 'ingest' }],
      ];
      for (const [method, path, body] of writes) {
        const answer = await h.call(method, path, body);
        expect([method, path, answer.status, answer.body.code]).toEqual([
          method,
          path,
          503,
          'store_unavailable',
        ]);
        expect(answer.headers.get('retry-after')).toBe('1');
        expect(answer.headers.get('content-type')).toBe('application/problem+json');
        reportedOnce(h.reported, h.db.lockedCode);
      }
      // A batch carrying a resolution: the resolution is rejected on its own, retryable.
      const batch = await h.call('POST', '/v1/meter/batch', {
        events: [],
        resolutions: [{ outcome_id: 'out_open-1', outcome: 'success' }],
      });
      expect(batch.status).toBe(200);
      expect(batch.body.resolution_results).toEqual([
        {
          index: 0,
          outcome_id: 'out_open-1',
          status: 'rejected',
          error: { code: 'store_unavailable', message: expect.any(String), field: null, retryable: true },
        },
      ]);
      reportedOnce(h.reported, h.db.lockedCode);
      await h.db.release();

      // Nothing changed, and what was refused goes through once the lock is gone.
      expect(await h.ledger()).toEqual(before);
      expect((await h.call('GET', '/v1/tiers')).body).toEqual(tiersBefore);
      expect((await h.call('GET', '/v1/keys')).body).toEqual(keysBefore);
      expect((await h.call('GET', '/v1/customers/acme')).status).toBe(404);
      for (const [method, path, body] of writes) {
        expect([path, (await h.call(method, path, body)).status]).toEqual([
          path,
          path === '/v1/keys' ? 201 : 200,
        ]);
      }
      expect(h.reported).toEqual([]);
      const after = await h.ledger();
      expect(after.map((row) => [row.event_id, row.outcome_status, row.outcome_charged])).toEqual([
        ['open-1', 'success', '5.00'],
      ]);
    },
    slow(kind, 5),
  );

  it(
    'a batch whose events committed answers 200 when a resolution then fails: the resolution is rejected, retryable, and the events are recorded once',
    async () => {
      // The event carries no id and the batch no key: the server mints its id, so only this answer
      // tells the client it was recorded. A whole-request 5xx here would make its retry charge twice.
      const body = {
        events: [{ agent_id: 'outreach-agent', action: 'email.sent', customer_id: 'acme' }],
        resolutions: [{ outcome_id: 'out_open-1', outcome: 'success' }],
      };
      if (kind === 'sqlite') h.db.afterInsert = () => h.db.lockEvent('open-1');
      else await h.db.lockEvent('open-1');
      const answer = await h.call('POST', '/v1/meter/batch', body);
      await h.db.release();
      expect(answer.status).toBe(200);
      expect(answer.body.summary).toEqual({ accepted: 1, duplicate: 0, rejected: 0 });
      const minted = answer.body.results[0].event_id as string;
      expect(minted).toMatch(/^srv_/);
      expect(answer.body.resolution_results).toEqual([
        {
          index: 0,
          outcome_id: 'out_open-1',
          status: 'rejected',
          error: { code: 'store_unavailable', message: expect.any(String), field: null, retryable: true },
        },
      ]);
      reportedOnce(h.reported, h.db.lockedCode);

      // The ledger holds the minted event once; the client resends only the rejected resolution.
      expect((await h.ledger()).map((row) => row.event_id).sort()).toEqual(['open-1', minted].sort());
      const retry = await h.call('POST', '/v1/meter/batch', { events: [], resolutions: body.resolutions });
      expect(retry.body.resolution_results[0]).toMatchObject({ status: 'accepted', price: '5.00' });
      const ledger = await h.ledger();
      expect(ledger).toHaveLength(2);
      expect(ledger.find((row) => row.event_id === 'open-1')).toMatchObject({
        outcome_status: 'success',
        outcome_charged: '5.00',
      });
      expect(h.reported).toEqual([]);
    },
    slow(kind, 1),
  );

  it('a resolution that fails for good after the events committed is rejected as not retryable, never a whole-request 500', async () => {
    // A constraint that refuses every resolution: a fault of the deployment, not of the request.
    await h.db.alter(
      `CREATE TRIGGER refuse_resolution BEFORE UPDATE OF outcome_state ON events
         BEGIN SELECT RAISE(ABORT, 'resolution refused'); END`,
      `ALTER TABLE events ADD CONSTRAINT refuse_resolution CHECK (outcome_state = 'pending' OR outcome_state = 'none') NOT VALID`,
    );
    const answer = await h.call('POST', '/v1/meter/batch', {
      events: [{ event_id: 'new-1', agent_id: 'outreach-agent', action: 'email.sent' }],
      resolutions: [{ outcome_id: 'out_open-1', outcome: 'success' }],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.results[0]).toMatchObject({ event_id: 'new-1', status: 'accepted' });
    expect(answer.body.resolution_results).toEqual([
      {
        index: 0,
        outcome_id: 'out_open-1',
        status: 'rejected',
        error: { code: 'internal_error', message: expect.any(String), field: null, retryable: false },
      },
    ]);
    reportedOnce(h.reported, kind === 'sqlite' ? 'SQLITE_CONSTRAINT_TRIGGER' : '23514');
    expect((await h.ledger()).map((row) => [row.event_id, row.outcome_status])).toEqual([
      ['new-1', 'none'],
      ['open-1', 'pending'],
    ]);
  });

  it('an event write the store refuses for good (a missing column) answers 500 internal_error, reported once, not a 503 to retry forever', async () => {
    const before = await h.ledger();
    await h.db.alter(
      'ALTER TABLE events DROP COLUMN resolution_metadata',
      'ALTER TABLE events DROP COLUMN resolution_metadata',
    );
    const answer = await h.call('POST', '/v1/meter', { ...pendingEvent('lost-1') });
    expect([answer.status, answer.body.code]).toEqual([500, 'internal_error']);
    expect(answer.headers.get('retry-after')).toBeNull();
    // The SDK retries a 500 unless told not to: a fault that needs a fix must not hold its queue.
    expect(answer.headers.get('x-should-retry')).toBe('false');
    expect(JSON.stringify(answer.body)).not.toContain('resolution_metadata');
    const cause = reportedOnce(h.reported, kind === 'sqlite' ? 'SQLITE_ERROR' : '42703');
    expect(String((cause as Error).message)).toContain('resolution_metadata');
    const batch = await h.call('POST', '/v1/meter/batch', { events: [pendingEvent('lost-2')] });
    expect([batch.status, batch.body.code]).toEqual([500, 'internal_error']);
    reportedOnce(h.reported, kind === 'sqlite' ? 'SQLITE_ERROR' : '42703');
    expect(await h.ledger()).toEqual(before);
  });

  it(
    'an event write the store cannot take now answers 503 with Retry-After and reports the cause once',
    async () => {
      const before = await h.ledger();
      await h.db.blockWrites();
      const answer = await h.call('POST', '/v1/meter', pendingEvent('later-1'));
      expect([answer.status, answer.body.code]).toEqual([503, 'store_unavailable']);
      expect(answer.headers.get('retry-after')).toBe('1');
      reportedOnce(h.reported, h.db.lockedCode);
      await h.db.release();
      expect(await h.ledger()).toEqual(before);
      expect((await h.call('POST', '/v1/meter', pendingEvent('later-1'))).status).toBe(200);
      expect((await h.ledger()).map((row) => row.event_id).sort()).toEqual(['later-1', 'open-1']);
    },
    slow(kind, 1),
  );
});

// About the pg pool alone; runs wherever the suites above run on PostgreSQL.
describe.each(STORE_KINDS.filter((kind) => kind === 'postgres'))('%s connections lost', () => {
  let schema: { schema: string; drop: () => Promise<void> };
  let store: PostgresStore;
  let admin: pg.Client;
  const storeErrors: unknown[] = [];
  const name = `agentmeter_failures_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  /** Terminates the store's backends (found by their application name) that match `where`. */
  const terminate = async (where = 'true') =>
    (
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND ${where}`,
        [name],
      )
    ).rowCount ?? 0;

  beforeEach(async () => {
    storeErrors.length = 0;
    schema = await freshSchema('lost');
    store = new PostgresStore({
      connectionString: `${TEST_DATABASE_URL}${TEST_DATABASE_URL.includes('?') ? '&' : '?'}application_name=${name}`,
      schema: schema.schema,
      onError: (error) => storeErrors.push(error),
    });
    await store.migrate();
    admin = new pg.Client({
      connectionString: TEST_DATABASE_URL,
      options: `-c search_path=${schema.schema}`,
    });
    await admin.connect();
  });
  afterEach(async () => {
    await admin.query('ROLLBACK').catch(() => {});
    await admin.end();
    await store.close();
    await schema.drop();
  });

  it('reports an idle pooled connection that the database dropped, and the next request still works', async () => {
    const { adminKey } = await createProject(store, { adminKey: 'admin-key-lost-idle-xyz0123456' });
    expect(await terminate()).toBeGreaterThan(0);
    await expect.poll(() => storeErrors.length).toBeGreaterThan(0);
    expect(storeErrors.some((error) => (error as { code?: unknown }).code === '57P01')).toBe(true);
    const app = createApp({ store, rateLimit: false, onError: () => {} });
    const keys = await app.request('/v1/keys', { headers: { authorization: `Bearer ${adminKey}` } });
    expect(keys.status).toBe(200);
  });

  it('a connection killed inside a transaction answers 503, reports it, and does not bring the process down', async () => {
    const { adminKey, projectId } = await createProject(store, {
      adminKey: 'admin-key-lost-busy-xyz0123456',
    });
    const reported: unknown[] = [];
    const app = createApp({ store, rateLimit: false, onError: (error) => reported.push(error) });
    // The tier write waits, inside its transaction, for the project row another client holds.
    await admin.query('BEGIN');
    await admin.query('SELECT 1 FROM projects WHERE project_id = $1 FOR UPDATE', [projectId]);
    const pending = app.request('/v1/tiers/pro', {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ base_fee: '0.01' }),
    });
    await expect.poll(() => terminate("wait_event_type = 'Lock'"), { timeout: 10_000 }).toBe(1);
    const answer = await pending;
    await admin.query('ROLLBACK');
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(((await answer.json()) as { code: string }).code).toBe('store_unavailable');
    expect(reported).toHaveLength(1);
    expect((reported[0] as { code?: unknown }).code).toBe('57P01');
    // The lost connection itself went to the store's log, not to an unhandled 'error' event.
    await expect
      .poll(() => storeErrors.map((error) => String((error as Error).message)))
      .toContain('Connection terminated unexpectedly');
    const tiers = await app.request('/v1/tiers', { headers: { authorization: `Bearer ${adminKey}` } });
    const data = ((await tiers.json()) as { data: { tier_id: string }[] }).data;
    expect(data.map((tier) => tier.tier_id)).toEqual(['default']);
  });
});
