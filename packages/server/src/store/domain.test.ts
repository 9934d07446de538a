import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventRow } from '../../../../test/support/event-rows.js';
import { openTestStore, STORE_KINDS } from '../../../../test/support/stores.js';
import { createProject } from '../bootstrap.js';
import { driveSync, numbered, one, run, type TransactionMode, type Work } from './query.js';
import type { AssignmentRow, Store } from './types.js';

const assignment = (kind: AssignmentRow['kind'], subjectId: string): AssignmentRow => ({
  kind,
  subjectId,
  tierId: 'default',
  name: null,
  metadata: null,
  updatedAt: 5,
});

// The domain is written once (domain.ts); these pin what both stores answer the same way.
describe.each(STORE_KINDS)('the %s store, as the shared domain runs it', (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let query: (sql: string) => Promise<unknown>;
  let projectId: string;
  beforeEach(async () => {
    ({ store, cleanup, query } = await openTestStore(kind));
    ({ projectId } = await createProject(store, { now: 1 }));
  });
  afterEach(async () => cleanup());

  it('answers an assignment asked for twice once, in subject order (SQLite answered one row per time asked)', async () => {
    await store.putAssignment(projectId, assignment('customer', 'c2'));
    await store.putAssignment(projectId, assignment('customer', 'c1'));
    await store.putAssignment(projectId, assignment('agent', 'a'));
    const found = await store.getAssignments(projectId, 'customer', ['c2', 'c1', 'c2', 'missing']);
    expect(found.map((row) => row.subjectId)).toEqual(['c1', 'c2']);
    expect(await store.getAssignments(projectId, 'customer', [])).toEqual([]);

    const read = await store.readPricingConfig(projectId, {
      tiers: false,
      customers: ['c1', 'c1', 'c2'],
      agents: ['a', 'a'],
    });
    expect(read.tiers).toBeNull();
    // Customers, then agents, each by subject id.
    expect(read.assignments.map((row) => `${row.kind}:${row.subjectId}`)).toEqual([
      'customer:c1',
      'customer:c2',
      'agent:a',
    ]);
  });

  it('orders text by code point and a missing customer first, whatever collation the database has', async () => {
    if (kind === 'postgres') {
      // As a database created with a linguistic default collation (en_US.UTF-8, the default of many
      // installations) has these columns: case and punctuation would order otherwise than SQLite does.
      for (const [table, column] of [
        ['tiers', 'tier_id'],
        ['tier_versions', 'tier_id'],
        ['events', 'tier_id'],
        ['events', 'customer_id'],
      ])
        await query(`ALTER TABLE ${table} ALTER COLUMN ${column} TYPE text COLLATE "en-x-icu"`);
    }
    const tierIds = ['ab', 'a_x', 'a1', 'a.x', 'a-x'];
    for (const tierId of tierIds) await store.putTier(projectId, tierId, `{"id":"${tierId}"}`, 3);
    const byCodePoint = ['a-x', 'a.x', 'a1', 'a_x', 'ab', 'default'];
    expect((await store.listTiers(projectId)).map((row) => row.tierId)).toEqual(byCodePoint);
    const config = await store.readPricingConfig(projectId, { tiers: true, customers: [], agents: [] });
    expect(config.tiers?.map((row) => row.tierId)).toEqual(byCodePoint);

    const customers = ['b1', 'B', null, 'a', 'b-2'];
    await store.insertEvents(
      projectId,
      customers.map((customerId, index) =>
        eventRow(`e${index}`, { customerId, tierId: tierIds[index] as string }),
      ),
    );
    await store.insertEvents(projectId, [eventRow('e-more', { customerId: 'a', tierId: 'a_x' })]);
    const usage = await store.usage(projectId, { from: 0, to: 10_000 }, ['customer_id'], 5_000);
    expect(usage.map((row) => row.customerId)).toEqual([null, 'B', 'a', 'b-2', 'b1']);
    const invoice = await store.invoice(projectId, 'a', 0, 10_000);
    expect(invoice.map((row) => row.tierId)).toEqual(['a.x', 'a_x']);
  });

  it('keeps the last active admin key and the ingest keys apart from it', async () => {
    const [admin] = (await store.listKeys(projectId)).filter((key) => key.scope === 'admin');
    if (!admin) throw new Error('createProject made no admin key');
    const last = await store.revokeKey(projectId, admin.keyId, 10);
    expect(last.status).toBe('last_admin');
    expect(last.key?.revokedAt).toBeNull();
    await store.insertKey({ ...admin, keyId: 'k_second', keyHash: 'second-hash', createdAt: 2 });
    const revoked = await store.revokeKey(projectId, admin.keyId, 11);
    expect(revoked).toMatchObject({ status: 'revoked', key: { keyId: admin.keyId, revokedAt: 11 } });
    // Again: revoked already, nothing changes; the remaining admin key is the last one now.
    expect((await store.revokeKey(projectId, admin.keyId, 12)).key?.revokedAt).toBe(11);
    expect((await store.revokeKey(projectId, 'k_second', 13)).status).toBe('last_admin');
    expect((await store.revokeKey(projectId, 'k_none', 13)).status).toBe('not_found');
  });

  it('reads a key by hash with its project configuration version and tier override as a boolean', async () => {
    const [admin] = await store.listKeys(projectId);
    if (!admin) throw new Error('createProject made no key');
    await store.insertKey({
      ...admin,
      keyId: 'k_ingest',
      scope: 'ingest',
      keyHash: 'ingest-hash',
      allowTierOverride: true,
    });
    const version = await store.getConfigVersion(projectId);
    expect(await store.findKeyByHash('ingest-hash')).toEqual({
      keyId: 'k_ingest',
      projectId,
      scope: 'ingest',
      allowTierOverride: true,
      keyHash: 'ingest-hash',
      revokedAt: null,
      configVersion: version,
    });
    expect((await store.setKeyTierOverride(projectId, 'k_ingest', false))?.allowTierOverride).toBe(false);
    expect((await store.findKeyByHash('ingest-hash'))?.allowTierOverride).toBe(false);
    expect(await store.findKeyByHash('no-such-hash')).toBeNull();
  });
});

// PostgreSQL's: SQLite runs a unit of work in one synchronous call, so nothing of this process can come
// between its statements (its read transaction is for other processes' writes).
describe.each(STORE_KINDS.filter((kind) => kind === 'postgres'))(
  'a read transaction of the %s store',
  (kind) => {
    it('reads one snapshot: a change committed between two of its statements is not seen', async () => {
      const { store, cleanup, query } = await openTestStore(kind);
      try {
        const { projectId } = await createProject(store, { now: 1 });
        // The dialect's own runner, as the domain's units of work reach it.
        const perform = (
          store as unknown as { perform<T>(mode: TransactionMode, work: Work<T>): Promise<T> }
        ).perform.bind(store);
        const version = 'SELECT config_version FROM projects WHERE project_id = ?';
        let committed = false;
        let change: Promise<unknown> | undefined;
        function* twoReads(): Work<[unknown, unknown]> {
          const before = (yield* one(version, [projectId]))?.['config_version'];
          change = store.putAssignment(projectId, {
            kind: 'customer',
            subjectId: 'c',
            tierId: null,
            name: null,
            metadata: null,
            updatedAt: 2,
          });
          change.then(() => {
            committed = true;
          });
          // Waits, statement by statement in the transaction, until the change is committed.
          while (!committed) yield* one('SELECT pg_sleep(0.01)', []);
          const after = (yield* one(version, [projectId]))?.['config_version'];
          return [before, after];
        }
        const [before, after] = await perform('read', twoReads());
        await change;
        expect(Number(after)).toBe(Number(before));
        expect(await store.getConfigVersion(projectId)).toBe(Number(before) + 1);
        expect((await query(`SELECT subject_id FROM assignments`)).length).toBe(1);
      } finally {
        await cleanup();
      }
    });
  },
);

describe('the query layer', () => {
  it('numbers `?` placeholders for PostgreSQL in order', () => {
    expect(numbered('UPDATE t SET a = ? WHERE b = ? AND c > ?')).toBe(
      'UPDATE t SET a = $1 WHERE b = $2 AND c > $3',
    );
  });

  it('runs a unit of work synchronously, throwing a failed statement into it so its cleanup runs', () => {
    const seen: string[] = [];
    function* work(): Work<number> {
      try {
        const row = yield* one('first', []);
        seen.push(String(row?.['x']));
        return yield* run('second', []);
      } finally {
        seen.push('finally');
      }
    }
    expect(
      driveSync(work(), (step) => {
        if (step.mode === 'one') return { x: 1 };
        return 3;
      }),
    ).toBe(3);
    expect(() =>
      driveSync(work(), (step) => {
        if (step.mode === 'run') throw new Error('refused');
        return { x: 2 };
      }),
    ).toThrow('refused');
    expect(seen).toEqual(['1', 'finally', '2', 'finally']);
  });
});
