import type { Meter } from './types.js';

interface ProcessLike {
  pid: number;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
  listenerCount(event: string): number;
  kill(pid: number, signal?: string): unknown;
}

/**
 * Opt-in exit handling: on `beforeExit` (the event loop ran dry) the Meter shuts down, which keeps
 * the process alive until the queue is drained or `timeoutMs` passes. With `signals: true`, SIGTERM
 * and SIGINT do the same and then re-raise the signal when nothing else listens for it.
 */
export function installExitHandlers(
  meter: Pick<Meter, 'shutdown'>,
  { signals = false, timeoutMs = 10_000 }: { signals?: boolean; timeoutMs?: number } = {},
): () => void {
  const proc = (globalThis as { process?: ProcessLike }).process;
  if (!proc || typeof proc.once !== 'function') return () => {};
  const onBeforeExit = () => {
    void meter.shutdown({ timeoutMs });
  };
  proc.once('beforeExit', onBeforeExit);
  const signalHandlers = new Map<string, () => void>();
  if (signals) {
    for (const signal of ['SIGTERM', 'SIGINT']) {
      const handler = () => {
        void meter.shutdown({ timeoutMs }).finally(() => {
          if (proc.listenerCount(signal) === 0) proc.kill(proc.pid, signal);
        });
      };
      signalHandlers.set(signal, handler);
      proc.once(signal, handler);
    }
  }
  return () => {
    proc.removeListener('beforeExit', onBeforeExit);
    for (const [signal, handler] of signalHandlers) proc.removeListener(signal, handler);
  };
}
