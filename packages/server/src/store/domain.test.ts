import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestStore, STORE_KINDS } from '../../../../test/support/stores.js';
import { createProject } from '../bootstrap.js';
import { driveSync, numbered, one, run, type Work } from './query.js';
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
  let projectId: string;
  beforeEach(async () => {
    ({ store, cleanup } = await openTestStore(kind));
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
    expect(read.assignments.map((row) => `${row.kind}:${row.subjectId}`).sort()).toEqual([
      'agent:a',
      'customer:c1',
      'customer:c2',
    ]);
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
