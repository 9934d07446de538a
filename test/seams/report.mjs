#!/usr/bin/env node
// Tabulates the seams matrix from the JSON its test files write with SEAMS_REPORT=<folder>:
//
//   SEAMS_REPORT=/tmp/seams npx vitest run test/seams
//   node test/seams/report.mjs /tmp/seams > seams.md
//
// One table per store: each cell, what it expected (per call: input/output tokens, or usage_missing),
// what the ledger charged, and which layers recorded the events (agent_id, `*` = not a charge).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const folder = process.argv[2];
if (!folder) {
  console.error('usage: node test/seams/report.mjs <folder written by SEAMS_REPORT>');
  process.exit(2);
}

const files = readdirSync(folder)
  .filter((name) => name.endsWith('.json'))
  .map((name) => JSON.parse(readFileSync(join(folder, name), 'utf8')));

const byStore = new Map();
for (const file of files) {
  const list = byStore.get(file.store) ?? [];
  list.push(file);
  byStore.set(file.store, list);
}

const same = (a, b) => a.length === b.length && a.every((value, index) => value === b[index]);
const show = (list) => (list.length === 0 ? '(none)' : list.join(', '));
const cellText = (text) => String(text).replaceAll('|', '\\|');

const out = [];
const leftOut = [...new Set(files.flatMap((file) => file.leftOut ?? []))];
if (leftOut.length > 0) out.push('Left out of the matrix:', '', ...leftOut.map((line) => `- ${line}`), '');
for (const [store, list] of byStore) {
  let pass = 0;
  let total = 0;
  const rows = [];
  const perRow = new Map();
  for (const file of list) {
    for (const result of file.results) {
      total++;
      const ok = same(result.expected, result.observed) && result.requests.length === result.expected.length;
      if (ok) pass++;
      const [row] = result.cell.split(' | ');
      const tally = perRow.get(row) ?? { pass: 0, total: 0 };
      tally.total++;
      if (ok) tally.pass++;
      perRow.set(row, tally);
      const layers = result.events.map((event) => `${event.agent_id}${event.charged ? '' : '*'}`);
      rows.push(
        `| ${cellText(result.cell)} | ${show(result.expected)} | ${cellText(show(result.observed))} | ${cellText(show(layers))} | ${ok ? 'ok' : '**FAIL**'} |`,
      );
    }
  }
  const seconds = list.map((file) => `${file.name} ${(file.durationMs / 1000).toFixed(1)} s`).join(', ');
  out.push(`## ${store}: ${pass} of ${total} cells as expected (${seconds})`, '');
  out.push('| row | cells as expected |', '| --- | --- |');
  for (const [row, tally] of perRow) out.push(`| ${row} | ${tally.pass} / ${tally.total} |`);
  out.push('');
  out.push('| cell (row \\| mode \\| ids \\| combo) | expected | observed charges | events by | |');
  out.push('| --- | --- | --- | --- | --- |');
  out.push(...rows, '');
}
console.log(out.join('\n'));
