import type { Command } from 'commander';
import { CliError } from '../errors.js';

/** The server's default SQLite file (`DEFAULT_DB_PATH` of @agentmeter/server). */
export const DEFAULT_DB_PATH = './.agentmeter/agentmeter.db';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Start the metering server (SQLite by default; PostgreSQL with DATABASE_URL).')
    .option('-p, --port <port>', 'port to listen on (env PORT)', process.env['PORT'] ?? '8787')
    .option(
      '--host <host>',
      'interface to bind (env HOST); loopback unless you say otherwise',
      process.env['HOST'] ?? '127.0.0.1',
    )
    .option('--db <path>', 'SQLite file (env AGENTMETER_DB)', process.env['AGENTMETER_DB'] ?? DEFAULT_DB_PATH)
    .option(
      '--database-url <url>',
      'PostgreSQL URL instead of SQLite (env DATABASE_URL)',
      process.env['DATABASE_URL'],
    )
    .option(
      '--rate-limit <n>',
      'requests per second per key, 0 for none (env AGENTMETER_RATE_LIMIT)',
      process.env['AGENTMETER_RATE_LIMIT'] ?? '1000',
    )
    .addHelpText(
      'after',
      '\nThe first start creates a project and prints its admin key once; set AGENTMETER_ADMIN_KEY to choose it instead.',
    )
    .action(
      async (options: {
        port: string;
        host: string;
        db: string;
        databaseUrl?: string;
        rateLimit: string;
      }) => {
        const port = Number(options.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new CliError(`--port must be a port number, got "${options.port}".`);
        const rate = Number(options.rateLimit);
        if (!Number.isFinite(rate) || rate < 0)
          throw new CliError(`--rate-limit must be a number >= 0, got "${options.rateLimit}".`);
        // Loaded here, so the other commands start without the server's dependencies.
        const { startServer } = await import('@agentmeter/server');
        let server: Awaited<ReturnType<typeof startServer>>;
        try {
          server = await startServer({
            port,
            host: options.host,
            databaseUrl: options.databaseUrl || undefined,
            dbPath: options.db,
            adminKey: process.env['AGENTMETER_ADMIN_KEY'] || undefined,
            keySecret: process.env['AGENTMETER_KEY_SECRET'] || undefined,
            ...(process.env['AGENTMETER_LOG_LEVEL'] === 'debug'
              ? { debug: (line: string) => console.debug(`agentmeter: ${line}`) }
              : {}),
            rateLimit: rate === 0 ? false : { requestsPerSecond: rate },
          });
        } catch (error) {
          throw new CliError(
            `could not start the server: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
        const where = options.databaseUrl ? 'postgres' : `sqlite ${options.db}`;
        console.log(`agentmeter listening on ${server.url} (${where})`);
        if (server.adminKeyGenerated)
          console.log(`Admin key (shown once; it is stored only as a hash): ${server.adminKey}`);
        await new Promise<void>((resolve) => {
          const stop = () => {
            server.close().then(resolve);
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      },
    );
}
