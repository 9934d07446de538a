// The durable outbox, in process. The kill -9 replay (failure mode 17 of docs/delivery.md) is in sdk-process.test.ts.
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MeterError } from '@agentmeter/sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeIngest } from './sdk-fake-server.js';
import { event, harness } from './sdk-helpers.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentmeter-outbox-'));
  dirs.push(dir);
  return dir;
};
const segments = (dir: string) =>
  existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.wal')) : [];
const logText = (dir: string) =>
  segments(dir)
    .map((name) => readFileSync(join(dir, name), 'utf8'))
    .join('');

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('durable outbox', () => {
  it('writes every event to disk before it can be sent, and deletes acknowledged segments', async () => {
    const dir = tempDir();
    const server = new FakeIngest();
    const missing: string[] = [];
    server.onRequest = (request) => {
      const onDisk = logText(dir);
      for (const e of JSON.parse(request.body).events as { event_id: string }[]) {
        if (!onDisk.includes(e.event_id)) missing.push(e.event_id);
      }
    };
    const { meter } = harness({ outbox: { dir }, flushAt: 3 }, server);
    const ids = Array.from({ length: 10 }, (_, n) => meter.track(event(n)));
    await meter.persisted();
    expect(ids.every((id) => logText(dir).includes(id))).toBe(true);
    await meter.flush();
    expect(missing).toEqual([]);
    expect(await meter.shutdown()).toMatchObject({ sent: 10, pending: 0 });
    expect(segments(dir)).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('replays what a previous run left pending, with the same ids and the same batch key', async () => {
    const dir = tempDir();
    const server = new FakeIngest();
    let down = true;
    server.fault = () => (down ? { status: 503 } : undefined);
    const first = harness({ outbox: { dir }, maxRetries: 0 }, server);
    const ids = [1, 2, 3].map((n) => first.meter.track(event(n)));
    await first.meter.flush();
    const result = await first.meter.shutdown({ timeoutMs: 0 });
    expect(result.pendingIds).toEqual(ids);
    expect(segments(dir).length).toBeGreaterThan(0);
    down = false;
    const second = harness({ outbox: { dir } }, server);
    // The replay starts on its own, without waiting for a flush or the idle timer.
    await vi.waitFor(() => expect(server.ledger.size).toBe(3));
    expect(await second.meter.shutdown()).toMatchObject({ sent: 3, pending: 0 });
    const [killed, replayed] = [server.requests[0], server.requests.at(-1)];
    expect(replayed?.key).toBe(killed?.key);
    expect(replayed?.body).toBe(killed?.body);
    expect([...server.ledger.keys()]).toEqual(ids);
    expect(segments(dir)).toEqual([]);
  });

  it('ignores a torn last line left by a crash mid-write', async () => {
    const dir = tempDir();
    const server = new FakeIngest();
    server.fault = () => ({ status: 503 });
    const first = harness({ outbox: { dir }, maxRetries: 0 }, server);
    const id = first.meter.track(event(1));
    await first.meter.shutdown({ timeoutMs: 0 });
    const [segment] = segments(dir);
    appendFileSync(join(dir, segment as string), 'E{"event_id":"torn","agent_id":"a"');
    server.fault = () => undefined;
    const second = harness({ outbox: { dir } }, server);
    expect(await second.meter.shutdown()).toMatchObject({ sent: 1, pending: 0 });
    expect([...server.ledger.keys()]).toEqual([id]);
  });

  it('refuses a directory another live Meter holds', async () => {
    const dir = tempDir();
    const { meter } = harness({ outbox: { dir } });
    let failure: unknown;
    try {
      harness({ outbox: { dir } });
    } catch (error) {
      failure = error;
    }
    expect(MeterError.isInstance(failure) && failure.code === 'outbox_error').toBe(true);
    expect(String((failure as Error).message)).toContain(`in use by process ${process.pid}`);
    await meter.shutdown();
  });
});
