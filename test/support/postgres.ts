import pg from 'pg';

/**
 * The PostgreSQL server the tests use: AGENTMETER_TEST_DATABASE_URL (set by .ci/run), else a
 * local default. Under CI=true a missing server fails the run; locally those tests are skipped
 * with a loud message, never silently.
 */
export const TEST_DATABASE_URL =
  process.env['AGENTMETER_TEST_DATABASE_URL'] ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';

/**
 * The stores this run tests on: AGENTMETER_TEST_STORES, a comma-separated list of `sqlite` and
 * `postgres` (all of them when unset). The vitest projects use it to split the same store suites:
 * the unit projects run them on SQLite, `integration-postgres` on PostgreSQL, so `vitest run`
 * (every project) still covers both stores once.
 */
export function storeWanted(kind: 'sqlite' | 'postgres'): boolean {
  const listed = process.env['AGENTMETER_TEST_STORES'];
  if (!listed) return true;
  return listed.split(',').some((name) => name.trim() === kind);
}

let reachable: Promise<boolean> | undefined;

/**
 * Whether the PostgreSQL tests run: false, quietly, when this run leaves PostgreSQL to another
 * project (`storeWanted`), else whether the server answers.
 */
export function postgresReachable(): Promise<boolean> {
  if (!storeWanted('postgres')) return Promise.resolve(false);
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch (error) {
      if (process.env['CI'] === 'true') {
        throw new Error(
          `PostgreSQL is required under CI=true but ${TEST_DATABASE_URL} is unreachable: ${String(error)}`,
        );
      }
      console.warn(
        `\n*** PostgreSQL at ${TEST_DATABASE_URL} is unreachable: the PostgreSQL tests are SKIPPED locally. ` +
          'Start it (see CONTRIBUTING.md) or set AGENTMETER_TEST_DATABASE_URL. Under CI=true they fail instead. ***\n',
      );
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return reachable;
}

/** A fresh, uniquely named schema; drop it with the returned function. */
export async function freshSchema(prefix = 'test'): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`.toLowerCase();
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  return {
    schema,
    drop: async () => {
      const dropper = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await dropper.connect();
      await dropper.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await dropper.end();
    },
  };
}

/** A fresh database on the test server (for processes that take a DATABASE_URL); drop it with the returned function. */
export async function freshDatabase(
  prefix = 'agentmeter',
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`.toLowerCase();
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const dropper = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}
