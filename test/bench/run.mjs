// `npm run bench`: the seven benchmarks, one after another, each in its own process (with
// --expose-gc), each printing its table; bench-results.json (repo root, gitignored) collects the
// machine, the Node version and every figure as { median, p99, runs, unit }. Benchmarks are not
// tests: nothing here asserts a timing. The targets are printed for the reader, measured, not
// enforced. See test/bench/README.md.
//
//   npm run bench                      all seven (builds first)
//   node test/bench/run.mjs latency    only those named (enqueue wrapper delivery ingest-ceiling latency memory stall)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, RESULTS_FILE, startResults } from './lib/results.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ALL = ['enqueue', 'wrapper', 'delivery', 'ingest-ceiling', 'latency', 'memory', 'stall'];
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ALL;
for (const name of chosen)
  if (!ALL.includes(name)) throw new Error(`no benchmark ${name}; one of ${ALL.join(', ')}`);

const info = machine();
console.log(
  `agentmeter benchmarks — Node ${process.version}, ${info.cpus} × ${info.cpuModel}, ${info.memoryGiB} GiB, ${info.os}, load average ${info.loadavg.join(' ')}`,
);
console.log(
  'Absolute numbers move with whatever else runs on the machine; compare the ratios, measured in one run.',
);
if (chosen.length === ALL.length) startResults();

const started = performance.now();
for (const name of chosen) {
  const run = spawnSync(process.execPath, ['--expose-gc', join(HERE, `${name}.mjs`)], { stdio: 'inherit' });
  if (run.status !== 0) {
    console.error(`\nbenchmark ${name} failed (exit ${run.status ?? run.signal})`);
    process.exitCode = 1;
  }
}

const results = JSON.parse(readFileSync(RESULTS_FILE, 'utf8'));
const b = results.benchmarks;
const pct = (value) => (value === undefined ? 'n/a' : `${(value * 100).toFixed(0)}%`);
const times = (value) => (value === undefined ? 'n/a' : `${value.toFixed(1)}×`);
const rows = [];
if (b.enqueue) {
  rows.push([
    'track() ≥ 10× cheaper than posthog-node capture()',
    times(b.enqueue.ratios['posthog-node capture() / agentmeter track()']),
  ]);
  rows.push([
    'track() ≥ 10× cheaper than Segment track()',
    times(b.enqueue.ratios['@segment/analytics-node track() / agentmeter track()']),
  ]);
}
if (b.wrapper) {
  for (const [call, figure] of Object.entries(b.wrapper.figures)) {
    rows.push([`wrapper overhead < 5% (${call})`, pct(figure.overhead)]);
    // Against Langfuse's one-line wrapper measured the same way in this run; for a stream, the part
    // that is the provider's usage chunk (what asking for `include_usage` costs the bare client) apart.
    const theirs = figure.langfuse?.overhead;
    const usageShare = figure.usageChunkOnly?.overhead;
    const verdict = theirs === undefined ? '' : figure.overhead < theirs ? ' (below)' : ' (NOT below)';
    rows.push([
      `wrapper overhead below Langfuse's (${call})`,
      `${pct(figure.overhead)} vs ${pct(theirs)}${verdict}${usageShare === undefined ? '' : `; include_usage alone ${pct(usageShare)}`}`,
    ]);
  }
}
if (b.ingestCeiling) {
  const sqlite = b.ingestCeiling.figures.serverSqlite;
  rows.push([
    'batched ingest ≥ 100,000 events/s on SQLite (wall)',
    Math.round(sqlite.wallRate.median).toLocaleString('en-US'),
  ]);
  rows.push([
    'batched ingest per CPU-second of the server',
    Math.round(sqlite.eventsPerCpuSecond).toLocaleString('en-US'),
  ]);
  rows.push([
    'batched ingest ≥ 50% of the raw-insert ceiling (CPU)',
    pct(b.ingestCeiling.ratios['server SQLite / raw insert (CPU)']),
  ]);
}
if (b.latency) {
  rows.push([
    '/v1/meter ≥ 50% of the framework ceiling (max req/s)',
    pct(b.latency.ratios['max rps: /v1/meter / bare route']),
  ]);
  rows.push([
    '/v1/meter vs framework ceiling (CPU per request)',
    pct(b.latency.ratios['CPU per request: bare / /v1/meter']),
  ]);
}
if (b.memory) {
  const plateau = b.memory.figures.serverDown.heapPlateauMiB;
  rows.push([
    'heap while the server is down (15–60 s), MiB over baseline',
    `${plateau.median.toFixed(1)} (max ${plateau.max.toFixed(1)})`,
  ]);
}
if (b.stall) {
  for (const [store, figure] of Object.entries(b.stall.figures))
    rows.push([
      `worst event-loop stall under the heaviest requests, ${store} (≤ ~50 ms)`,
      `${figure.loop.max} ms`,
    ]);
}
console.log('\nTargets (measured in this run)\n');
for (const [name, value] of rows) console.log(`  ${name.padEnd(62)} ${value}`);
console.log(`\nall in ${((performance.now() - started) / 1000).toFixed(0)} s; figures in ${RESULTS_FILE}`);
