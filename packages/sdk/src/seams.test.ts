import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
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
