// Two server replicas on one PostgreSQL database, each with its own pool, receiving records of the same
// model calls at the same moment: a wrapper's meter event on one, the call's span on the other (or two
// spans of one call, one on each). Each call must end with exactly one charge counted, whichever write
// commits first. The store serializes writes naming the same link with advisory locks; without them
// both writes read "no charge yet" and both are charged.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventRow } from '../../../test/support/event-rows.js';
import { freshSchema, postgresReachable, TEST_DATABASE_URL } from '../../../test/support/postgres.js';
import { createProject } from './bootstrap.js';
import { openStore } from './server.js';
import type { EventRow, Store } from './store/types.js';

const row = (eventId: string, source: 'meter' | 'span', links: string[]) =>
  eventRow(eventId, { links, source });

const hex = (n: number, digits: number) => n.toString(16).padStart(digits, '0');
const spanLink = (call: number, which = 0) =>
  `span:${hex(call + 1, 32)}:${hex(which * 100_000 + call + 1, 16)}`;
const idLink = (call: number) => `id:chatcmpl-${hex(call * 7919 + 1, 12)}RaceRaceRace${call}`;

describe.runIf(await postgresReachable())(
  'call links under concurrent writes on two PostgreSQL replicas',
  () => {
    let replicas: [Store, Store];
    let projectId: string;
    let drop: () => Promise<void>;
    beforeEach(async () => {
      const fresh = await freshSchema('race');
      drop = fresh.drop;
      replicas = [
        await openStore({ databaseUrl: TEST_DATABASE_URL, schema: fresh.schema }),
        await openStore({ databaseUrl: TEST_DATABASE_URL, schema: fresh.schema }),
      ];
      ({ projectId } = await createProject(replicas[0], { now: 1 }));
    });
    afterEach(async () => {
      for (const store of replicas) await store.close();
      await drop();
    });

    /** The charges counted among these events: stored and not superseded. */
    async function counted(ids: string[]): Promise<number> {
      let charges = 0;
      for (const id of ids) {
        const event = await replicas[0].getEvent(projectId, id);
        if (event !== null && event.supersededBy === null) charges++;
      }
      return charges;
    }

    /** Runs each pair's two writes at the same moment, on the two replicas, `wave` pairs at a time. */
    async function race(pairs: number, wave: number, write: (call: number, replica: 0 | 1) => EventRow[]) {
      for (let start = 0; start < pairs; start += wave) {
        const writes: Promise<unknown>[] = [];
        for (let call = start; call < Math.min(pairs, start + wave); call++)
          for (const replica of [0, 1] as const)
            writes.push(replicas[replica].insertEvents(projectId, write(call, replica)));
        await Promise.all(writes);
      }
    }

    it('a meter event and the span of its call, arriving together on two replicas, are one charge (300 calls)', async () => {
      const calls = 300;
      await race(calls, 10, (call, replica) =>
        replica === 0
          ? [row(`wrapper-${call}`, 'meter', [idLink(call), spanLink(call)])]
          : // Every other span names the call by its response id only (the wrapper ran in another span).
            [
              row(
                `otel-${call}`,
                'span',
                call % 2 === 0 ? [spanLink(call)] : [idLink(call), spanLink(call, 1)],
              ),
            ],
      );
      const wrong: number[] = [];
      for (let call = 0; call < calls; call++) {
        if ((await counted([`wrapper-${call}`, `otel-${call}`])) !== 1) wrong.push(call);
        expect((await replicas[0].getEvent(projectId, `wrapper-${call}`))?.supersededBy).toBeNull();
      }
      expect(wrong).toEqual([]);
      const [usage] = await replicas[1].usage(projectId, { from: 0, to: 10_000 }, [], 2_000);
      expect(usage?.calls).toBe(calls);
    }, 120_000);

    it('two spans of one call, one on each replica at once, are one charge (300 calls)', async () => {
      const calls = 300;
      await race(calls, 10, (call, replica) => [
        row(`otel-${call}-${replica}`, 'span', [idLink(call), spanLink(call, replica)]),
      ]);
      const wrong: number[] = [];
      for (let call = 0; call < calls; call++)
        if ((await counted([`otel-${call}-0`, `otel-${call}-1`])) !== 1) wrong.push(call);
      expect(wrong).toEqual([]);
    }, 120_000);

    it('a batch naming more links than are locked one by one still serializes with single spans', async () => {
      // Batches of 100 meter events (200 links: a batch locks buckets of links instead) against the 100
      // spans of their calls, one write each, on the other replica; five rounds.
      const wrong: number[] = [];
      for (let round = 0; round < 5; round++) {
        const calls = Array.from({ length: 100 }, (_, index) => round * 100 + index);
        const batch = calls.map((call) => row(`wrapper-${call}`, 'meter', [idLink(call), spanLink(call)]));
        const spans = calls.map((call) =>
          replicas[1].insertEvents(projectId, [row(`otel-${call}`, 'span', [spanLink(call)])]),
        );
        await Promise.all([replicas[0].insertEvents(projectId, batch), ...spans]);
        for (const call of calls)
          if ((await counted([`wrapper-${call}`, `otel-${call}`])) !== 1) wrong.push(call);
      }
      expect(wrong).toEqual([]);
    }, 120_000);
  },
);
