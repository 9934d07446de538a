// Meter events as the SDK sends them, and batch bodies of them, for the server benchmarks.

/** An event as `meter.track()` serializes it: caller fields, then the minted id and timestamp. */
export function eventJson(n, runId, timestamp) {
  return (
    `{"agent_id":"support-bot","action":"chat","customer_id":"customer-${n % 50}","model":"gpt-4o-mini",` +
    `"provider":"openai","tokens_input":${1000 + (n % 997)},"tokens_output":${200 + (n % 113)},` +
    `"event_id":"${runId}-${n.toString(36).padStart(8, '0')}","timestamp":"${timestamp}"}`
  );
}

/** A run id unique to this process and moment, so ids never collide with an earlier run's. */
export const runId = () => `b${process.pid.toString(36)}${Date.now().toString(36)}`;

/**
 * `count` batch bodies of `size` events each, as Buffers ready to send: distinct ids, and distinct
 * timestamps (one per millisecond over the last 10 minutes), as a busy Meter's batches have.
 */
export function batchBodies(count, size, prefix = runId()) {
  const start = Date.now() - 10 * 60_000;
  const bodies = [];
  for (let batch = 0; batch < count; batch++) {
    const events = [];
    for (let index = 0; index < size; index++) {
      const n = batch * size + index;
      events.push(eventJson(n, prefix, new Date(start + (n % 600_000)).toISOString()));
    }
    bodies.push(Buffer.from(`{"events":[${events.join(',')}]}`));
  }
  return bodies;
}
