#!/usr/bin/env node
// The server's entry: the only place that reads the environment and listens.
import { DEFAULT_DB_PATH, startServer } from './server.js';

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`agentmeter: ${name} must be a non-negative integer, got "${raw}".`);
    process.exit(2);
  }
  return value;
}

const rate = intFromEnv('AGENTMETER_RATE_LIMIT', 1000);
try {
  const server = await startServer({
    port: intFromEnv('PORT', 8787),
    host: process.env['HOST'] || '127.0.0.1',
    databaseUrl: process.env['DATABASE_URL'] || undefined,
    dbPath: process.env['AGENTMETER_DB'] || DEFAULT_DB_PATH,
    adminKey: process.env['AGENTMETER_ADMIN_KEY'] || undefined,
    keySecret: process.env['AGENTMETER_KEY_SECRET'] || undefined,
    rateLimit: rate === 0 ? false : { requestsPerSecond: rate },
    // Debug lines (a client abandoning its upload) only when asked for: one per aborted request.
    ...(process.env['AGENTMETER_LOG_LEVEL'] === 'debug'
      ? { debug: (line: string) => console.debug(`agentmeter: ${line}`) }
      : {}),
  });
  const where = process.env['DATABASE_URL']
    ? 'postgres'
    : `sqlite ${process.env['AGENTMETER_DB'] || DEFAULT_DB_PATH}`;
  console.log(`agentmeter listening on ${server.url} (${where})`);
  if (server.adminKeyGenerated) {
    console.log(`Admin key (shown once; it is stored only as a hash): ${server.adminKey}`);
  }
  const stop = () => {
    server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  console.error(`agentmeter: could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
