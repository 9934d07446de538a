import { type ContextStore, createContextStore } from '#als';
import type { MeterContext } from './types.js';

/** Nested contexts merge: inner fields win, metadata merges key by key. */
export function mergeContext(outer: MeterContext | undefined, inner: MeterContext): MeterContext {
  if (!outer) return { ...inner };
  const merged: MeterContext = { ...outer, ...inner };
  if (outer.metadata && inner.metadata) merged.metadata = { ...outer.metadata, ...inner.metadata };
  else if (outer.metadata) merged.metadata = outer.metadata;
  return merged;
}

function checkContext(context: MeterContext): void {
  if (typeof context !== 'object' || context === null) {
    throw new TypeError(
      'Expected the context to be an object such as {customer_id, agent_id, action, metadata}.',
    );
  }
  for (const field of ['customer_id', 'agent_id', 'action'] as const) {
    const value = context[field];
    if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
      throw new TypeError(
        `Expected \`${field}\` of the context to be a non-empty string, got ${JSON.stringify(value)}.`,
      );
    }
  }
  if (context.metadata !== undefined && (typeof context.metadata !== 'object' || context.metadata === null)) {
    throw new TypeError('Expected `metadata` of the context to be an object.');
  }
}

/** Context propagation through the `#als` seam (AsyncLocalStorage where the runtime has it). */
export class ContextScope {
  readonly #store: ContextStore<MeterContext> = createContextStore<MeterContext>();

  run<T>(context: MeterContext, fn: () => T): T {
    checkContext(context);
    if (typeof fn !== 'function') throw new TypeError('Expected `fn` to be a function.');
    return this.#store.run(mergeContext(this.#store.getStore(), context), fn);
  }

  current(): MeterContext | undefined {
    return this.#store.getStore();
  }
}
