// Prints the top self-time functions of a V8 .cpuprofile (from `node --cpu-prof`), with their share
// of the sampled time: the evidence behind each optimization in test/bench/README.md.
//
//   node test/bench/lib/profile-top.mjs <file.cpuprofile> [count=25] [filter]
//   node test/bench/lib/profile-top.mjs <file.cpuprofile> --by-package     (self time per package)
//   node test/bench/lib/profile-top.mjs <file.cpuprofile> --inclusive name1,name2   (time under each)
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

/** Where a script lives: `packages/server`, `node_modules/hono`, `node:internal`, or `(native)`. */
export function packageOf(url) {
  if (!url) return '(native / GC / idle)';
  if (url.startsWith('node:')) return 'node: built-ins';
  const path = url.replace(/^file:\/\//, '');
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (inModules) return `node_modules/${inModules[1]}`;
  const inPackages = /packages\/([^/]+)/.exec(path);
  if (inPackages) return `packages/${inPackages[1]}`;
  return relative(process.cwd(), path);
}

/** Self time per package, largest first. */
export function byPackage(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas?.[index] ?? 0;
    const key = packageOf(byId.get(id).callFrame.url);
    totals.set(key, (totals.get(key) ?? 0) + micros);
    total += micros;
  });
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .map(([name, micros]) => ({ name, ms: micros / 1000, share: micros / total }));
}

/** Share of samples whose stack passes through a function whose name contains `name` (inclusive time). */
export function inclusive(profile, names) {
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map(names.map((name) => [name, 0]));
  let total = 0;
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas?.[index] ?? 0;
    total += micros;
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at).callFrame;
      const label = `${frame.functionName} ${frame.url}`;
      for (const name of names) if (!seen.has(name) && label.includes(name)) seen.add(name);
    }
    for (const name of seen) totals.set(name, totals.get(name) + micros);
  });
  return names.map((name) => ({ name, ms: totals.get(name) / 1000, share: totals.get(name) / total }));
}

export function topSelf(profile, count = 25, filter = '') {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfTicks = new Map();
  const deltas = profile.timeDeltas ?? [];
  profile.samples.forEach((id, index) => {
    selfTicks.set(id, (selfTicks.get(id) ?? 0) + (deltas[index] ?? 0));
  });
  const byFunction = new Map();
  let total = 0;
  for (const [id, micros] of selfTicks) {
    const { callFrame } = byId.get(id);
    total += micros;
    const file = callFrame.url ? relative(process.cwd(), callFrame.url.replace(/^file:\/\//, '')) : '';
    const key = `${callFrame.functionName || '(anonymous)'} ${file}${file ? `:${callFrame.lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  }
  return [...byFunction]
    .filter(([key]) => key.includes(filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => ({ name, ms: micros / 1000, share: micros / total }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, count = '25', filter = ''] = process.argv.slice(2);
  const rows = (profile) =>
    count === '--by-package'
      ? byPackage(profile)
      : count === '--inclusive'
        ? inclusive(profile, filter.split(','))
        : topSelf(profile, Number(count), filter);
  if (!file) {
    console.error('usage: node test/bench/lib/profile-top.mjs <file.cpuprofile> [count] [filter]');
    process.exit(2);
  }
  for (const { name, ms, share } of rows(JSON.parse(readFileSync(file, 'utf8')))) {
    console.log(`${(share * 100).toFixed(1).padStart(5)}%  ${ms.toFixed(1).padStart(9)} ms  ${name}`);
  }
}
