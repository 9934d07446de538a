import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '@agentmeter/server';
import { freshSchema, postgresReachable, TEST_DATABASE_URL } from './postgres.js';

export type StoreKind = 'sqlite' | 'postgres';

/** The store kinds to run a suite against: both, unless PostgreSQL is unreachable outside CI. */
export const STORE_KINDS: StoreKind[] = (await postgresReachable()) ? ['sqlite', 'postgres'] : ['sqlite'];

/** Opens a fresh, migrated store of that kind: a new SQLite file in a temp dir, or a new PostgreSQL schema. */
export async function openTestStore(
  kind: StoreKind,
): Promise<{ store: Store; cleanup: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'agentmeter-test-'));
    const store = await openStore({ dbPath: join(dir, 'agentmeter.db') });
    return {
      store,
      cleanup: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const { schema, drop } = await freshSchema();
  const store = await openStore({ databaseUrl: TEST_DATABASE_URL, schema });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await drop();
    },
  };
}
