#!/usr/bin/env node
// Generates, from openapi.yaml, the two committed artifacts that must never drift from it:
// - packages/client/src/generated/schema.ts (types, by openapi-typescript) for the typed client;
// - packages/server/src/generated/openapi.json (the contract as JSON) that the server compiles
//   with Ajv at start-up to validate every request against.
// `--check` regenerates in memory and fails when a committed file differs (run by `npm test`).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { parse } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = resolve(root, 'openapi.yaml');
const notice = 'DO NOT EDIT. Generated from openapi.yaml by `npm run generate`; CI fails when it is stale.';

const ast = await openapiTS(pathToFileURL(source), { alphabetize: false });
const spec = { 'x-generated': notice, ...parse(await readFile(source, 'utf8')) };
const outputs = [
  [
    resolve(root, 'packages/client/src/generated/schema.ts'),
    `// ${notice} (openapi-typescript)\n${astToString(ast)}`,
  ],
  [resolve(root, 'packages/server/src/generated/openapi.json'), `${JSON.stringify(spec, null, 2)}\n`],
];

const check = process.argv.includes('--check');
let stale = false;
for (const [target, fresh] of outputs) {
  if (check) {
    const committed = await readFile(target, 'utf8').catch(() => '');
    if (committed !== fresh) {
      console.error(
        `${target} is out of date with openapi.yaml. Run \`npm run generate\` and commit the result.`,
      );
      stale = true;
    }
  } else {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, fresh);
    console.log(`wrote ${target}`);
  }
}
if (stale) process.exit(1);
if (check) console.log('generated client types and server contract are in sync with openapi.yaml');
