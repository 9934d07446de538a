#!/usr/bin/env node
// Generates packages/client/src/generated/schema.ts from openapi.yaml with openapi-typescript.
// `--check` regenerates in memory and fails when the committed file differs (run by `npm test`).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const target = resolve(root, 'packages/client/src/generated/schema.ts');
const header =
  '// DO NOT EDIT. Generated from openapi.yaml by `npm run generate` (openapi-typescript); CI fails when it is stale.\n';

const ast = await openapiTS(pathToFileURL(resolve(root, 'openapi.yaml')), { alphabetize: false });
const fresh = header + astToString(ast);

if (process.argv.includes('--check')) {
  const committed = await readFile(target, 'utf8').catch(() => '');
  if (committed !== fresh) {
    console.error(
      `${target} is out of date with openapi.yaml. Run \`npm run generate\` and commit the result.`,
    );
    process.exit(1);
  }
  console.log('generated client is in sync with openapi.yaml');
} else {
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, fresh);
  console.log(`wrote ${target}`);
}
