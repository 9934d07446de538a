import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const repo = fileURLToPath(new URL('./', import.meta.url));
const packages = `${repo}packages/`;

/**
 * What every project here, the soak config and the lanes (test/lanes) share: tests import the
 * workspace packages from source, so a test that stays in its process needs no build.
 */
export const shared = {
  resolve: {
    alias: [
      { find: '#als', replacement: `${packages}sdk/src/als-node.ts` },
      { find: '#outbox-files', replacement: `${packages}sdk/src/outbox-files-node.ts` },
      { find: /^@agentmeter\/([a-z-]+)$/, replacement: `${packages}$1/src/index.ts` },
      { find: /^@agentmeter\/([a-z-]+)\/([a-z-]+)$/, replacement: `${packages}$1/src/$2.ts` },
    ],
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
};

const NEVER = ['**/node_modules/**', '**/dist/**'];

/**
 * Package tests that belong to integration, not unit: the OpenTelemetry preload run from the built
 * `dist/` in a child process; the server's HTTP edge over raw sockets (stalled and trickling uploads,
 * real timeouts); real failures of real stores (another connection's locks, waited out for the
 * store's whole busy timeout, schema changes, killed connections).
 */
const PACKAGE_INTEGRATION = [
  'packages/otel/src/register.test.ts',
  'packages/server/src/http-edge.test.ts',
  'packages/server/src/store-failures.test.ts',
];
/**
 * Package tests that belong to chaos: the server under many times the load its limits allow; traces
 * of hostile shapes and sizes (chains of 50,000 spans, cycles, floods of trace memory); call links held
 * by thousands of events, checked against reading every holder over random seeds.
 */
const PACKAGE_CHAOS = [
  'packages/server/src/overload.test.ts',
  'packages/server/src/routes/traces-limits.test.ts',
  'packages/server/src/call-links-many-holders.test.ts',
];

/**
 * The unit tests under test/: the SDK's delivery suites against a fake server, and the integrations'
 * conformance suite (msw answers for the providers), all in process. test/sdk-process starts processes.
 */
const UNIT_UNDER_TEST = ['test/sdk-!(process).test.ts', 'test/conformance/**/*.test.ts'];
/** The unit tests: each package's own tests and those above; in process, no build. */
const UNIT = ['packages/*/src/**/*.test.ts', ...UNIT_UNDER_TEST];
/** The examples' tests run each example whole, as a user would (its agent, its server): integration. */
const EXAMPLES = ['examples/*/src/**/*.test.ts'];
/**
 * The unit tests that leave nothing behind in their process: they run with one module cache per
 * worker instead of a fresh one per file (`isolate: false`), which more than halves the unit tests'
 * CPU time. Left out, each with a fresh module cache: the OpenAI wrapper's tests (they patch the two
 * `openai` lines' classes, and a later file sees the patch), OpenTelemetry's (global providers), the
 * conformance suite (each driver's provider API answered by its own msw server: a request a file
 * before it left in flight once reached it), the two files that install a provider SDK instrumentation and a global
 * context manager, and reads-off-loop, which counts event-loop turns (nothing another file left
 * running may share its process). A new package starts in `unit-isolated`; move it here once its
 * tests pass here, run together with the others.
 */
const UNIT_SHARED = [
  'packages/{pricing,client,sdk,cli,langchain,genai-spans}/src/**/*.test.ts',
  'packages/anthropic/src/**/!(call-span).test.ts',
  'packages/ai-sdk/src/**/!(call-identity).test.ts',
  'packages/server/src/**/!(reads-off-loop).test.ts',
  'test/sdk-!(process).test.ts',
];
const UNIT_OPTIONS = {
  exclude: [...NEVER, ...PACKAGE_INTEGRATION, ...PACKAGE_CHAOS],
  // Most unit tests wait on sockets and timers more than they compute: two workers on two cores (the
  // default is one fewer than the cores). Projects that differ in workers need their own group, and
  // the unit group runs first in `vitest run`, the others after it.
  maxWorkers: 2,
  sequence: { groupOrder: 0 },
  env: { AGENTMETER_TEST_STORES: 'sqlite' },
};

const CHAOS = ['test/chaos/**/*.test.ts', 'test/fuzz/**/*.test.ts'];
const BROWSER = ['test/browser/**/*.test.ts'];
/** Run by their own configs and scripts, never by `vitest run`: `npm run soak`, `npm run bench`, `npm run test:lanes`. */
const ELSEWHERE = ['test/soak/**', 'test/bench/**', 'test/lanes/**'];

/**
 * The unit tests that run store suites (`STORE_KINDS`, test/support/stores.ts) or PostgreSQL tests
 * of their own (test/support/postgres.ts): the unit project runs them on SQLite, and
 * `integration-postgres` runs them again on PostgreSQL. Found by what they use, so a new store suite
 * is picked up without a list to keep.
 */
function storeSuites(): string[] {
  const found: string[] = [];
  for (const dir of readdirSync(packages)) {
    let files: string[];
    try {
      files = readdirSync(`${packages}${dir}/src`, { recursive: true, encoding: 'utf8' });
    } catch {
      continue;
    }
    for (const file of files) {
      if (!file.endsWith('.test.ts')) continue;
      const path = `packages/${dir}/src/${file}`;
      const source = readFileSync(`${repo}${path}`, 'utf8');
      if (/\b(STORE_KINDS|postgresReachable|freshSchema|TEST_DATABASE_URL)\b/.test(source)) found.push(path);
    }
  }
  return found.filter((path) => !PACKAGE_INTEGRATION.includes(path) && !PACKAGE_CHAOS.includes(path));
}

/** Builds the packages (`tsc -b`, incremental) before a project whose tests run the built `dist/`. */
const BUILD_FIRST = ['test/support/build-first.ts'];

// `vitest run` runs every project (npm test); `vitest run --project <name>` one (npm run test:<name>).
export default defineConfig({
  ...shared,
  test: {
    ...shared.test,
    projects: [
      {
        extends: true,
        test: { name: 'unit-shared', include: UNIT_SHARED, isolate: false, ...UNIT_OPTIONS },
      },
      {
        extends: true,
        test: {
          name: 'unit-isolated',
          include: UNIT,
          ...UNIT_OPTIONS,
          exclude: [...UNIT_OPTIONS.exclude, ...UNIT_SHARED],
        },
      },
      {
        extends: true,
        test: {
          // Real processes (the built server and CLI), both stores, the seams matrix, packaging.
          // Every test file under test/ that no other project claims lands here.
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['test/**/*.test.ts', ...EXAMPLES, ...PACKAGE_INTEGRATION],
          exclude: [...NEVER, ...ELSEWHERE, ...CHAOS, ...BROWSER, ...UNIT_UNDER_TEST],
          globalSetup: BUILD_FIRST,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration-postgres',
          sequence: { groupOrder: 1 },
          include: storeSuites(),
          exclude: NEVER,
          env: { AGENTMETER_TEST_STORES: 'postgres' },
        },
      },
      {
        extends: true,
        test: {
          name: 'chaos',
          sequence: { groupOrder: 1 },
          include: [...CHAOS, ...PACKAGE_CHAOS],
          exclude: NEVER,
          globalSetup: BUILD_FIRST,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          sequence: { groupOrder: 1 },
          include: BROWSER,
          exclude: NEVER,
          globalSetup: BUILD_FIRST,
        },
      },
    ],
  },
});
