import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packages = fileURLToPath(new URL('./packages/', import.meta.url));

// Tests import workspace packages from source, so `vitest` needs no build; tests that start child
// processes use the built `dist/` (npm test builds first).
export default defineConfig({
  resolve: {
    alias: [
      { find: '#als', replacement: `${packages}sdk/src/als-node.ts` },
      { find: '#outbox-files', replacement: `${packages}sdk/src/outbox-files-node.ts` },
      { find: /^@agentmeter\/([a-z-]+)$/, replacement: `${packages}$1/src/index.ts` },
      { find: /^@agentmeter\/([a-z-]+)\/([a-z-]+)$/, replacement: `${packages}$1/src/$2.ts` },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'test/soak/**', 'test/bench/**', 'test/lanes/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
