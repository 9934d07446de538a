#!/usr/bin/env node
// tsc does not keep the executable bit: mark every package's `bin` entries executable after a build,
// so `npx agentmeter` works on a fresh clone.
import { chmodSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
for (const dir of readdirSync(join(root, 'packages'))) {
  const manifest = join(root, 'packages', dir, 'package.json');
  if (!existsSync(manifest)) continue;
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8'));
  for (const file of Object.values(typeof bin === 'string' ? { bin } : (bin ?? {}))) {
    const path = join(root, 'packages', dir, file);
    if (existsSync(path)) chmodSync(path, 0o755);
  }
}
