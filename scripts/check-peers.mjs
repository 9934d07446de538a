#!/usr/bin/env node
// `npm run check:peers`: for every peer agentmeter integrates with, the newest version published on the
// npm registry next to the newest version a lane or the root install tests, and whether the declared
// peer range admits that newest release. Run it before a release and when a peer ships a major; what
// to do then is in CONTRIBUTING.md ("Keeping current").
//
//   node scripts/check-peers.mjs            a table; exit 0
//   node scripts/check-peers.mjs --strict   exit 1 when a peer's newest major is untested or outside its range
//   node scripts/check-peers.mjs --json     the same as JSON
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

const root = fileURLToPath(new URL('..', import.meta.url));
const registry = (process.env.npm_config_registry ?? 'https://registry.npmjs.org/').replace(/\/?$/, '/');

// The peers, and the package whose peer range covers each (null: tested only, no range of ours names it).
const PEERS = [
  ['openai', '@agentmeter/openai'],
  ['@anthropic-ai/sdk', '@agentmeter/anthropic'],
  ['@langchain/core', '@agentmeter/langchain'],
  ['@langchain/openai', null],
  ['@langchain/anthropic', null],
  ['ai', '@agentmeter/ai-sdk'],
  ['@ai-sdk/openai', null],
  ['@opentelemetry/api', '@agentmeter/otel'],
  ['@opentelemetry/sdk-node', null],
  ['@opentelemetry/sdk-trace-base', null],
  ['@opentelemetry/sdk-trace', null],
  ['@opentelemetry/instrumentation', null],
  ['@traceloop/instrumentation-openai', null],
  ['@arizeai/openinference-instrumentation-openai', null],
];

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

/** A release line as a caret range sees it: the major, or the minor below 1.0 (0.223 and 0.301 differ). */
const lineOf = (version) =>
  semver.major(version) > 0 ? `${semver.major(version)}` : `0.${semver.minor(version)}`;
const rangeOf = (line) => (line.startsWith('0.') ? `~${line}.0` : `^${line}.0.0`);

/** Where each peer is installed for tests: the root lockfile and every lane's (test/lanes/<lane>). */
function installs() {
  const places = [['root', join(root, 'package-lock.json')]];
  const lanes = join(root, 'test/lanes');
  for (const lane of readdirSync(lanes, { withFileTypes: true })) {
    if (!lane.isDirectory()) continue;
    const lock = join(lanes, lane.name, 'package-lock.json');
    try {
      readFileSync(lock);
      places.push([`lane ${lane.name}`, lock]);
    } catch {
      // a folder without its own install (shared helpers)
    }
  }
  const found = new Map();
  for (const [where, lock] of places) {
    const { packages } = readJson(lock);
    for (const [path, entry] of Object.entries(packages)) {
      const at = path.lastIndexOf('node_modules/');
      if (at === -1 || entry.link) continue;
      const name = path.slice(at + 'node_modules/'.length);
      const real = entry.name ?? name; // npm aliases ("openai-v5": "npm:openai@5") record the real name
      if (!entry.version) continue;
      const list = found.get(real) ?? [];
      list.push({ version: entry.version, where });
      found.set(real, list);
    }
  }
  return found;
}

/** The peer ranges our packages declare. */
function ranges() {
  const out = new Map();
  for (const dir of readdirSync(join(root, 'packages'))) {
    const pkg = readJson(join(root, 'packages', dir, 'package.json'));
    out.set(pkg.name, pkg.peerDependencies ?? {});
  }
  return out;
}

async function published(name) {
  const response = await fetch(`${registry}${name.replace('/', '%2F')}`, {
    headers: { accept: 'application/vnd.npm.install-v1+json' },
  });
  if (!response.ok) throw new Error(`${name}: the registry answered ${response.status}`);
  const doc = await response.json();
  return { latest: doc['dist-tags'].latest, versions: Object.keys(doc.versions) };
}

const tested = installs();
const declared = ranges();
const rows = await Promise.all(
  PEERS.map(async ([name, owner]) => {
    const { latest, versions } = await published(name);
    const here = (tested.get(name) ?? []).sort((a, b) => semver.rcompare(a.version, b.version));
    const newestTested = here[0]?.version ?? null;
    const range = owner ? (declared.get(owner)?.[name] ?? null) : null;
    const testedLines = new Set(here.map((entry) => lineOf(entry.version)));
    // The newest release of each tested line, to show the releases we lag behind within it.
    const behind = [...testedLines]
      .map((line) => {
        const newest = semver.maxSatisfying(versions, rangeOf(line));
        const ours = here.find((entry) => lineOf(entry.version) === line)?.version;
        return newest && ours && semver.gt(newest, ours) ? `${ours} → ${newest}` : null;
      })
      .filter(Boolean);
    let status = 'current';
    if (!testedLines.has(lineOf(latest))) status = 'NEW MAJOR untested';
    else if (range && !semver.satisfies(latest, range)) status = 'NEW RELEASE outside the peer range';
    else if (newestTested !== latest) status = 'behind (same line)';
    return {
      peer: name,
      range,
      tested: here.map((entry) => `${entry.version} (${entry.where})`),
      newestTested,
      latest,
      behind,
      status,
    };
  }),
);

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  for (const row of rows) {
    console.log(`${row.peer}  [${row.status}]`);
    console.log(`  newest published ${row.latest}; newest tested ${row.newestTested ?? 'none'}`);
    if (row.range) console.log(`  peer range ${row.range}`);
    console.log(`  tested: ${[...new Set(row.tested)].join(', ') || 'nowhere'}`);
    if (row.behind.length > 0) console.log(`  behind: ${row.behind.join(', ')}`);
  }
}
const stale = rows.filter((row) => row.status.startsWith('NEW'));
if (process.argv.includes('--strict') && stale.length > 0) {
  console.error(
    `${stale.length} peer(s) with an untested newest release: ${stale.map((r) => r.peer).join(', ')}`,
  );
  process.exit(1);
}
