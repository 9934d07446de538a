// Test-only (not built, not exported): the real server in this process on a fresh SQLite file, and the
// CLI's program run against it in this process too, with what it prints captured.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningServer, startServer } from '@agentmeter/server';
import { afterAll, beforeAll, vi } from 'vitest';
import { createProgram } from './program.js';

export interface CliServer {
  /** The server's address (once the file's tests run). */
  readonly url: string;
  readonly adminKey: string;
  /** The folder of the server's database, removed after the tests: a place for the tests' own files. */
  readonly directory: string;
  /** Runs `agentmeter <args>` against the server with the admin key; returns what it printed. */
  run(args: string[]): Promise<string>;
}

/**
 * For a describe block: the server, started before its tests and closed after them. `name` tells its
 * temporary folder apart.
 */
export function useCliServer(name: string): CliServer {
  const adminKey = randomBytes(24).toString('hex');
  let directory: string | undefined;
  let server: RunningServer | undefined;
  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), `agentmeter-cli-${name}-`));
    server = await startServer({ port: 0, dbPath: join(directory, 'meter.db'), adminKey, dashboard: false });
  });
  afterAll(async () => {
    await server?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });
  const started = () => {
    if (!server || !directory) throw new Error('the CLI test server starts with the tests of its block');
    return { server, directory };
  };
  return {
    get url() {
      return started().server.url;
    },
    adminKey,
    get directory() {
      return started().directory;
    },
    async run(args) {
      const printed: string[] = [];
      const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => {
        printed.push(parts.join(' '));
      });
      // `--json` writes the server's answer to stdout directly.
      const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
        printed.push(String(chunk));
        return true;
      });
      try {
        await createProgram().parseAsync([...args, '--url', started().server.url, '--api-key', adminKey], {
          from: 'user',
        });
      } finally {
        log.mockRestore();
        write.mockRestore();
      }
      return printed.join('\n');
    },
  };
}
