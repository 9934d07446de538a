import type { MeterEvents } from './types.js';

/** A minimal typed emitter. A listener that throws never breaks the pipeline or the caller. */
export class Emitter {
  readonly #listeners: { [K in keyof MeterEvents]: Set<MeterEvents[K]> } = {
    error: new Set(),
    flush: new Set(),
    priced: new Set(),
  };

  on<K extends keyof MeterEvents>(event: K, listener: MeterEvents[K]): () => void {
    const listeners = this.#listeners[event];
    if (!listeners)
      throw new TypeError(
        `Expected an event name of 'error', 'flush' or 'priced', got ${JSON.stringify(event)}.`,
      );
    if (typeof listener !== 'function')
      throw new TypeError(`Expected the \`${event}\` listener to be a function.`);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }

  has(event: keyof MeterEvents): boolean {
    return this.#listeners[event].size > 0;
  }

  emit<K extends keyof MeterEvents>(event: K, ...args: Parameters<MeterEvents[K]>): void {
    for (const listener of this.#listeners[event]) {
      try {
        (listener as (...values: Parameters<MeterEvents[K]>) => void)(...args);
      } catch {
        // A listener's own failure must not stop delivery.
      }
    }
  }
}
