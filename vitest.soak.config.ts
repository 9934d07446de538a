import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// `npm run soak`: the long runs in test/soak/ (excluded from `npm test`), one file at a time, with
// the same workspace aliases as the main suite.
export default defineConfig({
  resolve: base.resolve,
  test: {
    include: ['test/soak/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    fileParallelism: false,
    testTimeout: 4 * 60 * 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
