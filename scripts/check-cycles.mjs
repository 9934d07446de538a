#!/usr/bin/env node
// Fails when a module of any package's source (packages/*/src) imports itself back through other
// modules. Type-only imports count too: a cycle made of them alone is harmless when the code runs, but
// it still ties the modules' structure in a knot (runtime state carried inside a config type every
// module imports was one), and that is what this check is here to keep out.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCircular, parseDependencyTree } from 'dpdm';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// The cycles some packages' source still has, each as its files (relative to the package's src),
// left to be untangled separately. Any other cycle fails the check, and so does a listed one that is
// gone, so that this list only shrinks.
const KNOWN = {};

/** A cycle's files in a fixed order, so that any rotation of it reads the same. */
const keyOf = (files) => [...files].sort().join(' ');

const packages = readdirSync(join(root, 'packages'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, 'packages', entry.name, 'src')))
  .map((entry) => entry.name)
  .sort();

let failed = false;
for (const name of packages) {
  const src = `packages/${name}/src/`;
  const tree = await parseDependencyTree(`${src}**/*.{ts,tsx,mts,cts}`, {
    cwd: root,
    context: root,
    transform: false,
  });
  const known = new Map((KNOWN[name] ?? []).map((files) => [keyOf(files), files]));
  const found = parseCircular(tree).map((cycle) => cycle.map((file) => file.replace(src, '')));
  const unknown = found.filter((cycle) => !known.delete(keyOf(cycle)));
  for (const cycle of unknown) {
    failed = true;
    console.error(`${src}: import cycle ${[...cycle, cycle[0]].join(' -> ')}`);
  }
  for (const files of known.values()) {
    failed = true;
    console.error(`${src}: the known cycle through ${files.join(', ')} is gone: remove it from KNOWN.`);
  }
  const left = found.length - unknown.length;
  if (unknown.length === 0) {
    console.log(`${src}: ${left === 0 ? 'no import cycle' : `no import cycle but the ${left} known`}`);
  }
}

if (failed) process.exit(1);
