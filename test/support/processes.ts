import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** The built file of a package; tests that start processes need `npm run build` (npm test builds first). */
export function built(relative: string): string {
  const path = `${REPO}${relative}`;
  if (!existsSync(path))
    throw new Error(`${relative} is missing: run \`npm run build\` first (npm test does).`);
  return path;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

/** Starts `packages/server/dist/main.js` and waits until it answers /healthz. */
export async function startServerProcess(
  env: Record<string, string>,
  /** The Node binary to run the server on (default: this process's). */
  node = process.execPath,
): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(node, [built('packages/server/dist/main.js')], {
    env: { ...process.env, PORT: String(port), AGENTMETER_RATE_LIMIT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {}
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start in 20 s: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    child,
    output: () => output,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}

/** Starts the `agentmeter` CLI binary with arguments and returns the child and its output. */
export function runCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [built('packages/cli/dist/bin.js'), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done, output: () => ({ stdout, stderr }) };
}

/** Waits until `predicate(output)` holds, or fails after `timeoutMs`. */
export async function waitFor(
  read: () => string,
  predicate: (text: string) => boolean,
  timeoutMs = 20_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = read();
    if (predicate(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting; output so far:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
