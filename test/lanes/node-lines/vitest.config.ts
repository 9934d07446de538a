// The Node 22 and Node 24 lanes (test/lanes/run.sh): the SDK, wrapper, OTel and server suites, from
// source as at the root, on another Node line than the machine's. better-sqlite3 resolves to the build
// for that line (sqlite-abi.mjs, preloaded by run.sh). The whole suite runs on Node 20 in `npm test`.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { shared } from '../../../vitest.config.js';

const suites = [
  ...['pricing', 'genai-spans', 'client', 'sdk', 'openai', 'anthropic', 'langchain', 'ai-sdk', 'otel'],
  'server',
];

export default defineConfig({
  ...shared,
  root: fileURLToPath(new URL('../../..', import.meta.url)),
  test: {
    ...shared.test,
    include: [
      ...suites.map((name) => `packages/${name}/src/**/*.test.ts`),
      'test/sdk-*.test.ts',
      'test/server/**/*.test.ts',
      'test/packaging/**/*.test.ts',
      'test/seams/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
  },
});
