import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createContextStore } from './als-fallback.js';
import { createOutboxFiles } from './outbox-files-fallback.js';

const source = new URL('.', import.meta.url);
const NODE_SEAMS = new Set(['als-node.ts', 'outbox-files-node.ts']);

describe('runtime seams', () => {
  it('imports Node built-ins only behind the #als and #outbox-files seams', () => {
    const offenders = readdirSync(source)
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && !NODE_SEAMS.has(name))
      .filter((name) =>
        /from '(node:|fs|path|os|crypto|async_hooks|child_process)/.test(
          readFileSync(new URL(name, source), 'utf8'),
        ),
      );
    expect(offenders).toEqual([]);
  });

  it('the fallback outbox refuses with a clear message where node:fs is missing', () => {
    expect(() => createOutboxFiles('/tmp/x').open()).toThrow(
      'The durable outbox (/tmp/x) needs node:fs, which this runtime does not provide.',
    );
  });

  it('the fallback context store carries context through synchronous code', () => {
    const store = createContextStore<{ customer_id: string }>();
    expect(store.run({ customer_id: 'a' }, () => store.getStore())).toEqual({ customer_id: 'a' });
    expect(store.getStore()).toBeUndefined();
  });
});

describe('the fallback context store (runtimes that do not resolve the "node" condition)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
  });

  const acrossAwait = (store: ReturnType<typeof createContextStore<{ customer_id: string }>>) =>
    store.run({ customer_id: 'a' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return store.getStore();
    });

  // Cloudflare Workers with nodejs_compat have no global AsyncLocalStorage, only node:async_hooks,
  // which process.getBuiltinModule reaches (as on this Node) without a static import.
  it('carries context across an await through process.getBuiltinModule("node:async_hooks")', async () => {
    const loader = vi.spyOn(process, 'getBuiltinModule');
    const store = createContextStore<{ customer_id: string }>();
    expect(loader).toHaveBeenCalledWith('node:async_hooks');
    expect(await acrossAwait(store)).toEqual({ customer_id: 'a' });
    expect(store.getStore()).toBeUndefined();
  });

  it('uses a global AsyncLocalStorage first (Vercel Edge)', async () => {
    const { AsyncLocalStorage } = await import('node:async_hooks');
    const made: unknown[] = [];
    vi.stubGlobal(
      'AsyncLocalStorage',
      class extends AsyncLocalStorage<unknown> {
        constructor() {
          super();
          made.push(this);
        }
      },
    );
    const loader = vi.spyOn(process, 'getBuiltinModule');
    const store = createContextStore<{ customer_id: string }>();
    expect(made).toEqual([store]);
    expect(loader).not.toHaveBeenCalled();
    expect(await acrossAwait(store)).toEqual({ customer_id: 'a' });
  });

  it('still loads and carries context through synchronous code where the runtime has no async_hooks', () => {
    vi.spyOn(process, 'getBuiltinModule').mockImplementation(() => {
      throw new Error('No such module "node:async_hooks".');
    });
    const store = createContextStore<{ customer_id: string }>();
    expect(store.run({ customer_id: 'a' }, () => store.getStore())).toEqual({ customer_id: 'a' });
    expect(store.getStore()).toBeUndefined();
  });
});
