import type { MeterEvents } from './types.js';

/** The events a Meter emits; `flush`, the old name of `acknowledged`, shares its listeners. */
type Emitted = Exclude<keyof MeterEvents, 'flush'>;
type Listener = MeterEvents[keyof MeterEvents];

/** A minimal typed emitter. A listener that throws never breaks the pipeline or the caller. */
export class Emitter {
  readonly #listeners = new Map<string, Set<Listener>>([
    ['error', new Set()],
    ['acknowledged', new Set()],
    ['priced', new Set()],
  ]);

  on<K extends keyof MeterEvents>(event: K, listener: MeterEvents[K]): () => void {
    const listeners = this.#listeners.get(event === 'flush' ? 'acknowledged' : event);
    if (!listeners)
      throw new TypeError(
        `Expected an event name of 'error', 'acknowledged' or 'priced', got ${JSON.stringify(event)}.`,
      );
    if (typeof listener !== 'function')
      throw new TypeError(`Expected the \`${event}\` listener to be a function.`);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }

  has(event: Emitted): boolean {
    return (this.#listeners.get(event)?.size ?? 0) > 0;
  }

  emit<K extends Emitted>(event: K, ...args: Parameters<MeterEvents[K]>): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        (listener as (...values: Parameters<MeterEvents[K]>) => void)(...args);
      } catch {
        // A listener's own failure must not stop delivery.
      }
    }
  }
}
