// A child process for the SDK's process-level tests: it uses the built SDK (packages/sdk/dist)
// against the server at argv[3]. It never calls process.exit: how it ends is what is tested.
import { createMeter } from '../packages/sdk/dist/index.js';

const [mode, url, count = '5', dir] = process.argv.slice(2);
const n = Number(count);
const apiKey = process.env.AGENTMETER_API_KEY || 'test-key';
const say = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
const track = (meter) =>
  Array.from({ length: n }, (_, i) =>
    meter.track({ agent_id: 'child', action: mode, customer_id: 'acme', tokens_input: i }),
  );

if (mode === 'idle' || mode === 'exit-hook') {
  const meter = createMeter({
    apiKey,
    baseUrl: url,
    flushIntervalMs: 60_000,
    onError: (e) => say({ error: e.code }),
  });
  if (mode === 'exit-hook') meter.registerExitHandlers();
  say({ ids: track(meter) });
} else if (mode === 'sigterm') {
  // A long-running worker: only a signal ends it.
  const meter = createMeter({
    apiKey,
    baseUrl: url,
    flushIntervalMs: 60_000,
    onError: (e) => say({ error: e.code }),
  });
  meter.registerExitHandlers({ signals: true });
  setInterval(() => {}, 60_000);
  say({ ids: track(meter) });
} else if (mode === 'flush-backoff') {
  // Nothing but the awaited flush keeps this process alive while its batch waits out a backoff.
  const meter = createMeter({
    apiKey,
    baseUrl: url,
    flushIntervalMs: 60_000,
    onError: (e) => say({ error: e.code }),
  });
  const ids = track(meter);
  await meter.flush();
  say({ ids, flushed: true });
} else if (mode === 'hang') {
  const meter = createMeter({
    apiKey,
    baseUrl: url,
    requestTimeoutMs: 60_000,
    onError: () => {},
  });
  const ids = track(meter);
  const result = await meter.shutdown({ timeoutMs: 300 });
  say({ ids, result });
} else if (mode === 'outbox-write') {
  // Persist the events, announce their ids, then try to send them; the parent kills this process mid-flight.
  const meter = createMeter({
    apiKey,
    baseUrl: url,
    outbox: { dir },
    flushAt: 1_000_000,
    maxBatchEvents: 7,
  });
  const ids = track(meter);
  await meter.persisted();
  say({ ids });
  await meter.flush();
  say({ flushed: true });
} else if (mode === 'outbox-replay') {
  const meter = createMeter({
    apiKey,
    baseUrl: url,
    outbox: { dir },
    flushAt: 1_000_000,
    maxBatchEvents: 7,
  });
  say({ result: await meter.shutdown({ timeoutMs: 20_000 }) });
} else {
  throw new Error(`unknown mode ${mode}`);
}
