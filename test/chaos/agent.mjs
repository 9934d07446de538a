// One chaos agent: a process with a Meter (the built SDK, outbox on) that sends its share of the
// workload through the fault proxy. It records how far it got only after the events are on disk
// (`persisted()`), so a restart after SIGKILL resumes from there: the outbox replays what was not
// acknowledged, and events re-created since the mark are byte-identical replays.
// Usage: node agent.mjs '<json config>'; it prints one JSON line per step.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createMeter } from '../../packages/sdk/dist/index.js';
import { eventFor } from './workload.mjs';

const config = JSON.parse(process.argv[2] ?? '{}');
const { url, apiKey, outboxDir, progressFile, agent, count, run, chunk, maxBatchEvents } = config;
const say = (value) => process.stdout.write(`${JSON.stringify({ ...value, at: Date.now() })}\n`);

let start = 0;
try {
  start = Number(readFileSync(progressFile, 'utf8'));
} catch {
  // first start
}

const meter = createMeter({
  apiKey,
  baseUrl: url,
  outbox: { dir: outboxDir },
  flushAt: maxBatchEvents,
  flushIntervalMs: 200,
  maxBatchEvents,
  maxQueueEvents: 200_000,
  maxQueueBytes: 512 * 1024 * 1024,
  requestTimeoutMs: config.requestTimeoutMs,
  maxRetries: 8,
  onError: (info) =>
    say({ error: info.code, ids: info.ids.length, first: info.ids[0], message: info.message.slice(0, 300) }),
});
say({ started: start, pid: process.pid });

for (let from = start; from < count; from += chunk) {
  const to = Math.min(count, from + chunk);
  for (let index = from; index < to; index++) {
    const { event, resolution } = eventFor(run, agent, index);
    meter.track(event);
    if (resolution) meter.resolve(event.event_id, resolution);
  }
  await meter.persisted();
  writeFileSync(`${progressFile}.tmp`, String(to));
  renameSync(`${progressFile}.tmp`, progressFile);
  say({ progress: to });
  await meter.flush();
}
const result = await meter.shutdown({ timeoutMs: 600_000 });
say({ done: true, result: { sent: result.sent, failed: result.failed, pending: result.pending } });
