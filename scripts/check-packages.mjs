#!/usr/bin/env node
// Checks every published package the way a user receives it: `npm pack` of each workspace package
// under packages/, then, on the tarball's own contents (not the work tree, where files that npm
// leaves out would still be found):
//   - publint (strict: its warnings fail too; suggestions are printed);
//   - Are the Types Wrong (attw), ESM-only profile, see ATTW below;
//   - every path named by main/types/exports/imports/bin is in the tarball;
//   - no tests, test helpers or build caches are shipped;
//   - every source map's sources are shipped, and every shipped TypeScript source is some map's source;
//   - every bare import of the shipped JavaScript and declarations (static, dynamic, `import type`,
//     `export … from`) is a Node built-in, the package itself, or a declared dependency, peer or
//     optional dependency: an import that only resolves through the workspace's node_modules breaks
//     on a user's install.
// Needs `npm run build` first. Offline: npm packs local folders and attw reads no @types from the
// registry (--no-definitely-typed).
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const started = performance.now();

// ATTW: the packages are ESM-only ("type": "module", exports with `types` + `default`, no CJS build).
// attw's strict profile also reports two resolution modes that cannot apply to such a package:
//   - `node16-cjs`: CJSResolvesToESM, a `require()` of an ES module. Node 20.19+ and 22.12+ load
//     ES modules without top-level await with require(), and the pack lane's CommonJS consumer
//     require()s every entry point (all but `@agentmeter/otel/register`, which is for
//     `node --import` and awaits at the top level); attw's TypeScript (5.6) predates TypeScript's
//     support for it (`module: node20`/`nodenext`, 5.8+), which the lane's `.cts` consumer typechecks.
//   - `node10`: TypeScript's legacy `moduleResolution: node`, which never reads `exports`, so it
//     finds a subpath (`@agentmeter/sdk/integration`, `@agentmeter/sdk/testing`) nowhere; the root
//     resolves through `types`.
// That is attw's `esm-only` profile. Rather than ignore those modes wholesale, only exactly these two
// findings are accepted there: anything else in any mode (a wrong export, missing or mistyped
// declarations, an internal import that does not resolve) fails.
const ACCEPTED_ATTW = [
  { resolutionKind: 'node16-cjs', kind: 'CJSResolvesToESM' },
  { resolutionKind: 'node10', kind: 'NoResolution', subpathOnly: true },
];
const acceptedAttw = (problem) =>
  ACCEPTED_ATTW.some(
    (rule) =>
      rule.resolutionKind === problem.resolutionKind &&
      rule.kind === problem.kind &&
      (!rule.subpathOnly || problem.entrypoint !== '.'),
  );

/**
 * The entry points each package exports besides `.` and `./package.json`. A subpath is public API
 * (`@agentmeter/sdk/integration` is versioned like the root), so one appearing in or vanishing from
 * a manifest fails here until this list says so too; every one listed must also be analysed by attw.
 */
const SUBPATHS = {
  '@agentmeter/sdk': ['./integration', './testing'],
  '@agentmeter/otel': ['./register'],
};

/** Files that must never be published: tests, type tests, test helpers, TypeScript build caches. */
const NOT_SHIPPED = [
  /(^|\/)[^/]*\.test(-d)?\.[^/]*$/,
  /(^|\/)test-[^/]*$/,
  /(^|\/)[^/]*-test-[^/]*$/,
  /(^|\/)test-support\//,
  /(^|\/)\.tsbuildinfo$/,
];

const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const workspaces = rootManifest.workspaces.filter((path) => path.startsWith('packages/'));
const packages = workspaces
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => !manifest.private);

for (const { dir } of packages) {
  if (!existsSync(join(root, dir, 'dist'))) {
    console.error(`check:packages: ${dir}/dist is missing: run \`npm run build\` first.`);
    process.exit(1);
  }
}

const work = mkdtempSync(join(tmpdir(), 'agentmeter-check-packages-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

const packed = JSON.parse(
  execFileSync(
    'npm',
    [
      'pack',
      '--json',
      '--ignore-scripts',
      '--offline',
      '--pack-destination',
      work,
      ...packages.flatMap(({ dir }) => ['--workspace', dir]),
    ],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  ),
);

/** Every file path (relative, `./`-less) an exports/imports value names, through all conditions. */
function targets(value) {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(targets);
  if (value && typeof value === 'object') return Object.values(value).flatMap(targets);
  return [];
}
const normal = (path) => posix.normalize(path).replace(/^\.\//, '');

/** The package an import specifier names (`@scope/name/sub` → `@scope/name`), or undefined. */
function packageOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('#')) return undefined;
  if (isBuiltin(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'));
}

/** Content checks on the unpacked tarball; returns the problems found. */
function checkContents(manifest, pkgDir) {
  const problems = [];
  const files = listFiles(pkgDir);
  const shipped = new Set(files);

  const named = [
    ...[manifest.main, manifest.types].filter(Boolean),
    ...targets(manifest.exports),
    ...targets(manifest.imports),
    ...targets(typeof manifest.bin === 'string' ? [manifest.bin] : Object.values(manifest.bin ?? {})),
  ].map(normal);
  for (const path of new Set(named)) {
    if (!shipped.has(path)) problems.push(`package.json names ${path}, which is not in the tarball`);
  }

  const subpaths = Object.keys(manifest.exports ?? {}).filter(
    (key) => key !== '.' && key !== './package.json',
  );
  const expected = SUBPATHS[manifest.name] ?? [];
  for (const key of subpaths.filter((key) => !expected.includes(key))) {
    problems.push(`exports ${key}, which SUBPATHS in scripts/check-packages.mjs does not list`);
  }
  for (const key of expected.filter((key) => !subpaths.includes(key))) {
    problems.push(`does not export ${key}, which SUBPATHS in scripts/check-packages.mjs lists`);
  }

  for (const file of files) {
    if (NOT_SHIPPED.some((pattern) => pattern.test(file))) problems.push(`${file} should not be published`);
  }

  // The licence the manifest names must travel with the code (Apache-2.0 requires its text).
  if (manifest.license && !shipped.has('LICENSE')) problems.push(`no LICENSE file for ${manifest.license}`);

  // A map whose sources are missing makes debuggers and bundlers' source-map loaders warn or show
  // nothing; declaration maps then send "go to definition" nowhere.
  const mapped = new Set();
  const unmapped = [];
  for (const file of files.filter((name) => name.endsWith('.map'))) {
    const map = JSON.parse(readFileSync(join(pkgDir, file), 'utf8'));
    map.sources.forEach((source, index) => {
      const path = posix.join(posix.dirname(file), map.sourceRoot ?? '', source);
      mapped.add(path);
      if (!shipped.has(path) && map.sourcesContent?.[index] == null) unmapped.push(`${file} → ${path}`);
    });
  }
  if (unmapped.length > 0) {
    problems.push(
      `${unmapped.length} source maps name sources that are not in the tarball, e.g. ${unmapped.slice(0, 3).join(', ')}`,
    );
  }
  for (const file of files) {
    if (/\.[cm]?tsx?$/.test(file) && !/\.d\.[cm]?ts$/.test(file) && !mapped.has(file)) {
      problems.push(`${file} is published but is the source of no shipped map (a test helper?)`);
    }
  }

  const declared = new Set([
    manifest.name,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
  ]);
  for (const file of files.filter((name) => /\.(c|m)?js$|\.d\.(c|m)?ts$/.test(name))) {
    const source = readFileSync(join(pkgDir, file), 'utf8');
    const info = ts.preProcessFile(source, true, true);
    const specifiers = [...info.importedFiles, ...info.typeReferenceDirectives].map((ref) => ref.fileName);
    for (const specifier of specifiers) {
      const name = packageOf(specifier);
      if (name === undefined || declared.has(name)) continue;
      // A declaration that references Node's types is satisfied by the user's @types/node.
      if (name === 'node' && /\.d\.[cm]?ts$/.test(file)) continue;
      problems.push(`${file} imports '${specifier}', but ${name} is not a dependency or peer`);
    }
  }
  return problems;
}

const run = promisify(execFile);
const attwBin = join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');

async function attw(tarball) {
  const args = [attwBin, tarball, '--format', 'json', '--no-definitely-typed', '--profile', 'strict'];
  // Exit code 1 only means "problems found"; they are judged below.
  const { stdout } = await run(process.execPath, args, { maxBuffer: 64 << 20 }).catch((error) => {
    if (error.stdout) return error;
    throw error;
  });
  const report = JSON.parse(stdout);
  const problems = report.analysis.problems ?? [];
  return {
    failing: problems.filter((problem) => !acceptedAttw(problem)),
    accepted: problems.filter(acceptedAttw),
    entrypoints: Object.keys(report.analysis.entrypoints ?? {}),
  };
}

/** Runs `task` over `items`, `limit` at a time (the machine is shared), keeping the order. */
async function pool(items, limit, task) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

let failed = false;
const results = await pool(packed, 2, async (pack) => {
  const tarball = join(work, pack.filename);
  const unpacked = join(work, pack.filename.replace(/\.tgz$/, ''));
  mkdirSync(unpacked);
  execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
  const pkgDir = join(unpacked, 'package');
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));

  const data = readFileSync(tarball);
  const lint = await publint({
    pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) },
    strict: true,
  });
  const types = await attw(tarball);
  const contents = checkContents(manifest, pkgDir);
  for (const key of SUBPATHS[manifest.name] ?? []) {
    if (!types.entrypoints.includes(key)) contents.push(`attw did not analyse the entry point ${key}`);
  }
  return { pack, manifest, lint, types, contents };
});

for (const { pack, manifest, lint, types, contents } of results) {
  const errors = lint.messages.filter((message) => message.type !== 'suggestion');
  const suggestions = lint.messages.filter((message) => message.type === 'suggestion');
  const bad = errors.length + types.failing.length + contents.length;
  const size = `${pack.entryCount} files, ${(statSync(join(work, pack.filename)).size / 1024).toFixed(0)} KiB`;
  console.log(
    `${bad ? 'FAIL' : 'ok  '} ${manifest.name} (${size}; entry points ${types.entrypoints.join(' ')})`,
  );
  for (const message of errors)
    console.log(`     publint ${message.type}: ${formatMessage(message, lint.pkg)}`);
  for (const message of suggestions)
    console.log(`     publint suggestion: ${formatMessage(message, lint.pkg)}`);
  for (const problem of types.failing) {
    console.log(`     attw: ${problem.kind} for "${problem.entrypoint}" (${problem.resolutionKind})`);
  }
  for (const problem of contents) console.log(`     files: ${problem}`);
  if (bad) failed = true;
}
const accepted = results.reduce((sum, result) => sum + result.types.accepted.length, 0);
console.log(
  `check:packages: ${results.length} packages, ${failed ? 'FAILED' : 'all clean'}` +
    ` (attw: ${accepted} accepted ESM-only findings: require() from CJS, node10 subpaths)` +
    ` in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
process.exit(failed ? 1 : 0);
