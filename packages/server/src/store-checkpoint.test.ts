import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventRow } from '../../../test/support/event-rows.js';
import { createProject } from './bootstrap.js';
import { SqliteStore } from './store/sqlite.js';

const row = (eventId: string) =>
  eventRow(eventId, { customerId: `customer-${eventId.length % 7}`, baseAmount: 1n, tokenAmount: 1n });

/**
 * The WAL-index (`-shm`) header, as https://sqlite.org/walformat.html lays it out: mxFrame (the
 * last valid frame of the WAL) at byte 16, nBackfill (frames already copied into the database) at
 * byte 96, in the host's byte order (little-endian here).
 */
function walProgress(dbPath: string): { frames: number; backfilled: number } {
  const shm = readFileSync(`${dbPath}-shm`);
  return { frames: shm.readUInt32LE(16), backfilled: shm.readUInt32LE(96) };
}

describe('SQLite checkpoints', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('copy the WAL into the database from the worker, not from the writing connection', async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentmeter-checkpoint-'));
    const path = join(dir, 'test.db');
    const store = new SqliteStore(path);
    try {
      await store.migrate();
      const { projectId } = await createProject(store, { now: 1 });
      for (let batch = 0; batch < 5; batch++) {
        await store.insertEvents(
          projectId,
          Array.from({ length: 200 }, (_, index) => row(`evt-${batch}-${index}`)),
        );
      }
      const written = walProgress(path);
      // Far below the 10,000 pages at which the writing connection would checkpoint by itself.
      expect(written.frames).toBeGreaterThan(0);
      expect(written.frames).toBeLessThan(10_000);
      let progress = written;
      for (let wait = 0; wait < 100 && progress.backfilled < progress.frames; wait++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        progress = walProgress(path);
      }
      expect(progress.backfilled).toBe(progress.frames);
      expect((await store.getEvent(projectId, 'evt-4-199'))?.eventId).toBe('evt-4-199');
    } finally {
      await store.close();
    }
    // Closed last, the writing connection removed the WAL: nothing was left behind.
    expect(existsSync(`${path}-wal`)).toBe(false);
  });
});
