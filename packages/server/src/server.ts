import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { AppOptions } from './app.js';
import { buildApp } from './app.js';
import { bootstrap } from './bootstrap.js';
import { createDashboardAssets } from './dashboard-assets.js';
import { checkKeySecret } from './key-secret.js';
import { DEFAULT_LIMITS, guardListener, type ServerLimits } from './load-shed.js';
import type { RateLimitOptions } from './rate-limit.js';
import { routes } from './routes/index.js';
import type { Store } from './store/types.js';

export const DEFAULT_DB_PATH = './.agentmeter/agentmeter.db';

/** Builds the API app with every route of openapi.yaml. No side effects. */
export function createApp(options: AppOptions) {
  return buildApp(options, routes);
}

export interface StoreOptions {
  /** `postgres://…`: use PostgreSQL. */
  databaseUrl?: string | undefined;
  /** PostgreSQL schema (tests). */
  schema?: string;
  /** SQLite file, when no `databaseUrl`. Default `./.agentmeter/agentmeter.db`. */
  dbPath?: string | undefined;
  /** Where the store reports connection failures no request sees (PostgreSQL). Default: `console.error`. */
  onError?: (error: unknown) => void;
  /**
   * The secret API keys are hashed under (AGENTMETER_KEY_SECRET), at least 32 characters. Default: on
   * SQLite, a random one kept in `<dbPath>.key-secret`; on PostgreSQL, none (plain SHA-256) — set it
   * on every replica alike.
   */
  keySecret?: string | undefined;
}

function keySecretOf(options: StoreOptions): Uint8Array | undefined {
  if (options.keySecret === undefined || options.keySecret === '') return undefined;
  if (options.keySecret.length < 32) {
    throw new TypeError('Expected the key secret (AGENTMETER_KEY_SECRET) to be at least 32 characters.');
  }
  return Buffer.from(options.keySecret, 'utf8');
}

/** Opens (and migrates) the store: PostgreSQL when a database URL is given, else an SQLite file. */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  // Each driver is loaded only when used: an SQLite deployment never loads `pg`, and the reverse.
  const keySecret = keySecretOf(options);
  const store: Store = options.databaseUrl
    ? new (await import('./store/postgres.js')).PostgresStore({
        connectionString: options.databaseUrl,
        ...(options.schema ? { schema: options.schema } : {}),
        ...(options.onError ? { onError: options.onError } : {}),
        keySecret,
      })
    : new (await import('./store/sqlite.js')).SqliteStore(options.dbPath ?? DEFAULT_DB_PATH, { keySecret });
  try {
    await store.migrate();
    await checkKeySecret(
      store,
      options.databaseUrl ? 'AGENTMETER_KEY_SECRET' : `${options.dbPath ?? DEFAULT_DB_PATH}.key-secret`,
    );
  } catch (error) {
    await store.close().catch(() => {});
    // A secret file made by this open for a database whose keys need another one: gone again, so
    // the original can be put back as it was.
    if (!options.databaseUrl && (store as { keySecretCreated?: boolean }).keySecretCreated)
      rmSync(`${options.dbPath ?? DEFAULT_DB_PATH}.key-secret`, { force: true });
    throw error;
  }
  return store;
}

export interface StartServerOptions extends StoreOptions {
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1 (loopback only), also when empty. */
  host?: string;
  /** The admin key to create or accept (AGENTMETER_ADMIN_KEY). */
  adminKey?: string | undefined;
  rateLimit?: RateLimitOptions | false;
  /** Use this store instead of opening one (it is not closed by `close()`). */
  store?: Store;
  validateResponses?: boolean;
  now?: () => number;
  /** What clients may make the server hold: connections, requests in flight, body bytes, time. */
  limits?: Partial<ServerLimits>;
  /** Debug-level lines (a client abandoning its upload). Default: none. */
  debug?: (message: string) => void;
  /** Serves the dashboard at `/`. Default: the built-in dashboard; `false` serves none (API only). */
  dashboard?: AppOptions['dashboard'] | false;
  onError?: (error: unknown) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  projectId: string;
  /** The admin key given, or the one generated on first start (else undefined). */
  adminKey: string | undefined;
  /** True when this start generated the admin key (print it once). */
  adminKeyGenerated: boolean;
  store: Store;
  close(): Promise<void>;
}

/** Opens the store, bootstraps the project, and listens. */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const { port = 8787 } = options;
  // An empty host (`HOST=` in an env file) is no instruction to bind every interface: loopback.
  const host = options.host || '127.0.0.1';
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const store = options.store ?? (await openStore(options));
  const boot = await bootstrap(store, options.adminKey ? { adminKey: options.adminKey } : {});
  const dashboard = options.dashboard === false ? undefined : (options.dashboard ?? createDashboardAssets());
  const app = createApp({
    store,
    ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
    ...(options.validateResponses ? { validateResponses: true } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(dashboard ? { dashboard } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
    ...(options.debug ? { debug: options.debug } : {}),
    maxBufferedBytes: limits.maxBufferedBytes,
    bodyIdleTimeoutMs: limits.bodyIdleTimeoutMs,
  });
  // The connection and in-flight limits sit in front of the app: a shed request costs no routing.
  const guard = guardListener(getRequestListener(app.fetch, { hostname: host }), limits);
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // How often Node checks those two timeouts (default 30 s, which would let a stalled request
      // hold its connection up to 30 s past them).
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    guard.listener,
  );
  guard.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: limits.backlog }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let closed = false;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    projectId: boot.projectId,
    adminKey: options.adminKey ?? boot.generatedAdminKey,
    adminKeyGenerated: boot.generatedAdminKey !== undefined,
    store,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      if (!options.store) await store.close();
    },
  };
}
