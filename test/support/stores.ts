import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '@agentmeter/server';
import Database from 'better-sqlite3';
import pg from 'pg';
import { it } from 'vitest';
import { MIGRATIONS } from '../../packages/server/src/store/schema.js';
import { freshSchema, postgresReachable, storeWanted, TEST_DATABASE_URL } from './postgres.js';

export type StoreKind = 'sqlite' | 'postgres';

/**
 * The store kinds to run a suite against: both, unless this run asks for one (`storeWanted`:
 * the unit projects run SQLite, `integration-postgres` PostgreSQL) or PostgreSQL is unreachable
 * outside CI.
 */
export const STORE_KINDS: StoreKind[] = [
  ...(storeWanted('sqlite') ? (['sqlite'] as const) : []),
  ...((await postgresReachable()) ? (['postgres'] as const) : []),
];

if (STORE_KINDS.length === 0) {
  // This run asked for PostgreSQL alone, and it is unreachable outside CI (postgres.ts says so
  // loudly): one skipped test stands for the file's store suites, instead of a file without tests.
  it.skip('runs the store suites on PostgreSQL, which is unreachable', () => {});
}

export interface TestStoreOptions {
  /**
   * Open a database an older server left instead of an empty one: the migrations up to `version`
   * applied and recorded as that server did, then `statements` run on it (rows as it wrote them).
   * Opening the store runs the later migrations, as upgrading a deployment does.
   */
  upgradeFrom?: { version: number; statements?: string[] };
}

export interface TestStore {
  store: Store;
  /**
   * Runs SQL on the database through a connection of its own (opened on first use), to see what the
   * store wrote without going through it.
   */
  query: (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;
  cleanup: () => Promise<void>;
}

/**
 * Opens a migrated store of that kind: a new SQLite file in a temp dir, or a new PostgreSQL schema;
 * empty, or upgraded from an older ledger (`upgradeFrom`).
 */
export async function openTestStore(kind: StoreKind, options: TestStoreOptions = {}): Promise<TestStore> {
  const older = options.upgradeFrom;
  const before = older ? MIGRATIONS.filter((migration) => migration.version <= older.version) : [];
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'agentmeter-test-'));
    const path = join(dir, 'agentmeter.db');
    if (older) {
      const old = new Database(path);
      old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
      for (const migration of before) {
        old.exec(migration.sqlite);
        old
          .prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, 1)')
          .run(migration.version);
      }
      for (const statement of older.statements ?? []) old.exec(statement);
      old.close();
    }
    const store = await openStore({ dbPath: path });
    let reader: Database.Database | undefined;
    return {
      store,
      query: async (sql, params = []) => {
        reader ??= new Database(path, { readonly: true });
        return reader.prepare(sql).all(...params) as Record<string, unknown>[];
      },
      cleanup: async () => {
        reader?.close();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const { schema, drop } = await freshSchema();
  const connect = async () => {
    const client = new pg.Client({
      connectionString: TEST_DATABASE_URL,
      options: `-c search_path=${schema}`,
    });
    await client.connect();
    return client;
  };
  if (older) {
    const old = await connect();
    await old.query(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
    );
    for (const migration of before) {
      await old.query(migration.postgres);
      await old.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 1)', [
        migration.version,
      ]);
    }
    for (const statement of older.statements ?? []) await old.query(statement);
    await old.end();
  }
  const store = await openStore({ databaseUrl: TEST_DATABASE_URL, schema });
  let reader: Promise<pg.Client> | undefined;
  return {
    store,
    query: async (sql, params = []) => {
      reader ??= connect();
      return (await (await reader).query(sql, params)).rows as Record<string, unknown>[];
    },
    cleanup: async () => {
      // A reader that failed to connect has nothing to end; the store and schema still go.
      await (await reader?.catch(() => undefined))?.end();
      await store.close();
      await drop();
    },
  };
}
