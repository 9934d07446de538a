// The ai 7 lane: ai 7 and @ai-sdk/otel declare Node >= 22, so these tests run on Node 22 with this
// folder's own install (`npm ci` here), the workspace packages from source as in the root config.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import root from '../../../vitest.config.js';

export default defineConfig({
  ...root,
  root: fileURLToPath(new URL('../../..', import.meta.url)),
  test: { ...root.test, include: ['test/lanes/ai7/**/*.test.ts'], exclude: ['**/node_modules/**'] },
});
