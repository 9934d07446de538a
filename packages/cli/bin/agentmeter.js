#!/usr/bin/env node
// The `agentmeter` command. This file is committed (the CLI itself is compiled to dist/), so npm links
// the command on the first install of a fresh clone: npm skips a bin whose file is missing when it
// links, and it links before anything is built.
import { existsSync } from 'node:fs';

const built = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(built)) {
  console.error('agentmeter: the CLI is not built yet. Run `npm run build` in the repository first.');
  process.exit(1);
}
await import(built.href);
