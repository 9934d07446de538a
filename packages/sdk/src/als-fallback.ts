// The seam for runtimes that do not resolve the "node" condition (workerd, browsers, bundlers
// targeting the edge). It uses the runtime's AsyncLocalStorage when there is one: a global (Vercel
// Edge), or node:async_hooks reached through `process.getBuiltinModule` (Cloudflare Workers with
// nodejs_compat, Node 20.16+), which needs no static `node:` import, so the module still loads where
// no such module exists. Elsewhere context only flows through synchronous code, and wrappers must be
// given explicit fields.
export interface ContextStore<T> {
  getStore(): T | undefined;
  run<R>(store: T, fn: () => R): R;
}

type AlsConstructor = new <T>() => ContextStore<T>;

interface RuntimeGlobals {
  AsyncLocalStorage?: AlsConstructor;
  process?: { getBuiltinModule?: (id: string) => unknown };
}

function runtimeAsyncLocalStorage(): AlsConstructor | undefined {
  const globals = globalThis as RuntimeGlobals;
  if (typeof globals.AsyncLocalStorage === 'function') return globals.AsyncLocalStorage;
  try {
    const hooks = globals.process?.getBuiltinModule?.('node:async_hooks') as
      | { AsyncLocalStorage?: AlsConstructor }
      | undefined;
    if (typeof hooks?.AsyncLocalStorage === 'function') return hooks.AsyncLocalStorage;
  } catch {
    // A runtime that refuses the module: context stays synchronous.
  }
  return undefined;
}

export function createContextStore<T>(): ContextStore<T> {
  const AsyncLocalStorage = runtimeAsyncLocalStorage();
  if (AsyncLocalStorage) return new AsyncLocalStorage<T>();
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
