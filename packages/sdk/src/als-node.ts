// The Node seam for context propagation: AsyncLocalStorage from node:async_hooks.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface ContextStore<T> {
  getStore(): T | undefined;
  run<R>(store: T, fn: () => R): R;
}

export function createContextStore<T>(): ContextStore<T> {
  return new AsyncLocalStorage<T>();
}
