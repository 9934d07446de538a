// The seam for runtimes without node:async_hooks. Where the runtime provides a global
// AsyncLocalStorage (Cloudflare Workers with nodejs_als, Vercel Edge, Deno, Bun) it is used;
// elsewhere context only flows through synchronous code, and wrappers must be given explicit fields.
export interface ContextStore<T> {
  getStore(): T | undefined;
  run<R>(store: T, fn: () => R): R;
}

type AlsConstructor = new <T>() => ContextStore<T>;

export function createContextStore<T>(): ContextStore<T> {
  const Global = (globalThis as { AsyncLocalStorage?: AlsConstructor }).AsyncLocalStorage;
  if (Global) return new Global<T>();
  let current: T | undefined;
  return {
    getStore: () => current,
    run(store, fn) {
      const previous = current;
      current = store;
      try {
        return fn();
      } finally {
        current = previous;
      }
    },
  };
}
