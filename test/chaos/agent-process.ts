// Runs test/chaos/agent.mjs as a child process that can be killed and started again on its outbox.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChaosRun } from './workload.mjs';

const AGENT = fileURLToPath(new URL('./agent.mjs', import.meta.url));

export interface AgentConfig {
  url: string;
  apiKey: string;
  outboxDir: string;
  progressFile: string;
  agent: number;
  count: number;
  run: ChaosRun;
  chunk: number;
  maxBatchEvents: number;
  requestTimeoutMs: number;
}

export interface AgentResult {
  sent: number;
  failed: number;
  pending: number;
}

export class AgentProcess {
  readonly config: AgentConfig;
  /** Every line every run printed, in order. */
  readonly lines: Record<string, unknown>[] = [];
  readonly exits: { code: number | null; signal: NodeJS.Signals | null }[] = [];
  /** Events tracked and on disk (the last progress mark). */
  progress = 0;
  result: AgentResult | undefined;
  starts = 0;
  #child: ChildProcess | undefined;
  #stderr = '';
  #exited: Promise<void> = Promise.resolve();

  constructor(config: AgentConfig) {
    this.config = config;
  }

  get done(): boolean {
    return this.result !== undefined;
  }

  start(): void {
    const child = spawn(process.execPath, [AGENT, JSON.stringify(this.config)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    this.starts++;
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (!line) continue;
        const parsed = JSON.parse(line) as Record<string, unknown>;
        this.lines.push(parsed);
        if (typeof parsed['progress'] === 'number') this.progress = parsed['progress'];
        if (parsed['done'] === true) this.result = parsed['result'] as AgentResult;
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr += chunk;
    });
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exits.push({ code, signal });
        resolve();
      });
    });
  }

  /** Kills the process (SIGKILL: no shutdown, no flush) and waits until it is gone. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await this.#exited;
  }

  /** Waits for the current run to exit; throws if it ended without finishing. */
  async finished(): Promise<AgentResult> {
    await this.#exited;
    if (!this.result) {
      throw new Error(
        `agent ${this.config.agent} exited (${JSON.stringify(this.exits.at(-1))}) before finishing:\n${this.#stderr}`,
      );
    }
    return this.result;
  }

  /** Counts of the error codes the Meter reported, over every run. */
  errorCodes(): Record<string, number> {
    const codes: Record<string, number> = {};
    for (const line of this.lines) {
      if (typeof line['error'] === 'string') codes[line['error']] = (codes[line['error']] ?? 0) + 1;
    }
    return codes;
  }
}
