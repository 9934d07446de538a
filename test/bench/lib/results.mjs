// bench-results.json at the repository root (gitignored): the machine, the Node version and, per
// benchmark, every figure as { median, p99, runs, unit }. Each benchmark script writes its own
// section, so one can be re-run on its own; run.mjs starts the file fresh.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const RESULTS_FILE = process.env.BENCH_RESULTS ?? join(ROOT, 'bench-results.json');

export function machine() {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    loadavg: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

function read() {
  if (!existsSync(RESULTS_FILE)) return { benchmarks: {} };
  try {
    return JSON.parse(readFileSync(RESULTS_FILE, 'utf8'));
  } catch {
    return { benchmarks: {} };
  }
}

/** Starts bench-results.json afresh (run.mjs). */
export function startResults() {
  writeFileSync(
    RESULTS_FILE,
    `${JSON.stringify({ startedAt: new Date().toISOString(), node: process.version, machine: machine(), benchmarks: {} }, null, 2)}\n`,
  );
}

/** Writes (or replaces) one benchmark's section, with the load average when it finished. */
export function writeSection(name, section) {
  const results = read();
  results.node ??= process.version;
  results.machine ??= machine();
  results.benchmarks ??= {};
  results.benchmarks[name] = { ...section, finishedAt: new Date().toISOString(), loadavg: machine().loadavg };
  writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
}

/** Prints a table: `columns` are [header, (row) => string] pairs; numbers right-aligned. */
export function printTable(title, columns, rows) {
  const cells = rows.map((row) => columns.map(([, cell]) => String(cell(row))));
  const widths = columns.map(([header], index) =>
    Math.max(header.length, ...cells.map((line) => line[index].length)),
  );
  const line = (values) =>
    `| ${values.map((value, index) => (index === 0 ? value.padEnd(widths[index]) : value.padStart(widths[index]))).join(' | ')} |`;
  console.log(`\n${title}\n`);
  console.log(line(columns.map(([header]) => header)));
  console.log(
    `|${widths.map((width, index) => (index === 0 ? `${'-'.repeat(width + 1)}-` : `${'-'.repeat(width + 1)}:`)).join('|')}|`,
  );
  for (const values of cells) console.log(line(values));
}
