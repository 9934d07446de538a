import type { OutboxFiles } from './outbox-files.js';

// The seam for runtimes without node:fs (edge runtimes, browsers): the durable outbox is unavailable.
export function createOutboxFiles(dir: string): OutboxFiles {
  const refuse = (): never => {
    throw new Error(`The durable outbox (${dir}) needs node:fs, which this runtime does not provide.`);
  };
  return { open: refuse, list: refuse, read: refuse, append: refuse, remove: refuse, close: async () => {} };
}
