import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ItemQueue, type QueueItem } from './queue.js';

const item = (seq: number): QueueItem => ({
  seq,
  kind: 'event',
  id: `e${seq}`,
  json: `{"n":${seq}}`,
  bytes: String(seq).length + 6,
  batchKey: undefined,
  batchSize: 0,
  rejections: 0,
  segment: -1,
});

describe('ItemQueue', () => {
  it('behaves like an array under push, take and unshiftAll, bytes included', () => {
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), count: fc.integer({ min: 1, max: 3000 }) }),
      fc.record({ kind: fc.constant('take' as const), count: fc.integer({ min: 0, max: 3000 }) }),
      fc.record({ kind: fc.constant('return' as const), count: fc.integer({ min: 0, max: 3000 }) }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 30 }), (operations) => {
        const queue = new ItemQueue();
        let model: QueueItem[] = [];
        let seq = 0;
        for (const { kind, count } of operations) {
          if (kind === 'push') {
            for (let n = 0; n < count; n++) {
              const next = item(++seq);
              queue.push(next);
              model.push(next);
            }
          } else {
            const taken = queue.take(count);
            expect(taken).toEqual(model.slice(0, count));
            model = model.slice(count);
            if (kind === 'return') {
              queue.unshiftAll(taken);
              model = [...taken, ...model];
            }
          }
          expect(queue.size).toBe(model.length);
          expect(queue.bytes).toBe(model.reduce((sum, entry) => sum + entry.bytes, 0));
          expect(queue.peek()).toBe(model[0]);
        }
        expect([...queue]).toEqual(model);
      }),
      { numRuns: 60 },
    );
  });
});
