import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AgentmeterClient, createClient } from '@agentmeter/client';
import { runCli, type ServerProcess, startServerProcess } from '../support/processes.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `agentmeter` binary to completion. The environment is the test's, without any
 * AGENTMETER_* or color variables of the shell, plus `env`.
 */
export async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  // No color variables: stdout is a pipe, so the CLI prints no color codes anyway.
  const run = runCli(args, { ...scrubbed(), ...env });
  return run.done;
}

function scrubbed(): Record<string, string> {
  // runCli spreads process.env first; blank the variables that would point the CLI elsewhere.
  return { AGENTMETER_URL: '', AGENTMETER_API_KEY: '', OPENAI_API_KEY: '' };
}

export interface TestServer {
  url: string;
  adminKey: string;
  client: AgentmeterClient;
  /** Runs the CLI against this server with its admin key. */
  run(args: string[], env?: Record<string, string>): Promise<CliResult>;
  stop(): Promise<void>;
  process: ServerProcess;
}

/** The built server in its own process on a fresh SQLite file, with a known admin key. */
export async function startTestServer(name: string): Promise<TestServer> {
  const directory = mkdtempSync(join(tmpdir(), `agentmeter-cli-${name}-`));
  const adminKey = `cli-test-admin-key-${name}-0123456789`;
  const server = await startServerProcess({
    AGENTMETER_DB: join(directory, 'test.db'),
    AGENTMETER_ADMIN_KEY: adminKey,
  });
  return {
    url: server.url,
    adminKey,
    client: createClient({ apiKey: adminKey, baseUrl: server.url }),
    run: (args, env = {}) => cli(args, { AGENTMETER_URL: server.url, AGENTMETER_API_KEY: adminKey, ...env }),
    async stop() {
      await server.stop();
      rmSync(directory, { recursive: true, force: true });
    },
    process: server,
  };
}

/** The one line a failed command prints: exactly one, prefixed, with no stack trace. */
export function oneLine(result: CliResult): string {
  const lines = result.stderr.split('\n').filter((line) => line.length > 0);
  if (lines.length !== 1)
    throw new Error(`expected one line on stderr, got ${lines.length}:\n${result.stderr}`);
  const line = lines[0] as string;
  if (!line.startsWith('agentmeter: ')) throw new Error(`expected an "agentmeter: " line, got ${line}`);
  return line;
}

/** Rows of a printed table whose first cell is `first` (cells split on two or more spaces). */
export function row(output: string, first: string): string[] {
  const line = output
    .split('\n')
    .map((text) => text.trim())
    .find((text) => text.split(/\s{2,}/)[0] === first);
  if (!line) throw new Error(`no row starting with ${first} in:\n${output}`);
  return line.split(/\s{2,}/);
}
