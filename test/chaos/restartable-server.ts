// The built server (packages/server/dist/main.js) as a child process on a fixed port, so that it can
// be killed and started again on the same database behind the same proxy.
import { type ChildProcess, spawn } from 'node:child_process';
import { built } from '../support/processes.js';

export class RestartableServer {
  readonly url: string;
  readonly #env: Record<string, string>;
  #child: ChildProcess | undefined;
  #output = '';
  starts = 0;

  constructor(port: number, env: Record<string, string>) {
    this.url = `http://127.0.0.1:${port}`;
    this.#env = { ...env, PORT: String(port) };
  }

  /** Everything every run of the server printed. */
  output(): string {
    return this.#output;
  }

  async start(): Promise<void> {
    // Without HOST the server binds its default, 127.0.0.1.
    const env: NodeJS.ProcessEnv = { ...process.env, AGENTMETER_RATE_LIMIT: '0', ...this.#env };
    delete env['HOST'];
    const child = spawn(process.execPath, [built('packages/server/dist/main.js')], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    this.starts++;
    child.stdout?.on('data', (chunk) => {
      this.#output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      this.#output += chunk;
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${this.#output}`);
      try {
        if ((await fetch(`${this.url}/healthz`)).ok) return;
      } catch {}
      if (Date.now() > deadline) throw new Error(`server did not start in 30 s:\n${this.#output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Kills the server and waits until it is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
}
