// Zero-code metering (`node --import @agentmeter/otel/register`) in an app on the OpenTelemetry SDK 3 line,
// installed as a user installs it: the agentmeter packages packed with `npm pack` and installed from their
// tarballs, next to the app's own SDK 3 (NodeSDK 0.301, @opentelemetry/instrumentation 0.301, API 1.10),
// into a scratch app outside the repository. @agentmeter/otel depends on @opentelemetry/instrumentation
// 0.223 (the SDK 2 line, which runs on Node 20), so such an app has two copies of it: this checks that
// auto-metering works from its own copy, whichever of the two sets up first, for ES modules and CommonJS,
// and that agentmeter's spans reach the app's SDK 3. Needs the built packages (`npm run build`).
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RegisterBackend, startRegisterBackend } from '../../../packages/otel/src/test-providers.js';
import { built, REPO } from '../../support/processes.js';

const LANE = join(REPO, 'test/lanes/otel030');
const lanePins = (
  JSON.parse(readFileSync(join(LANE, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  }
).dependencies;
const rootVersion = (name: string) =>
  (JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;
// The app's SDK 3 packages, as this lane pins them; the provider clients, as the root suite tests them.
const APP_DEPENDENCIES = [
  ...['@opentelemetry/api', '@opentelemetry/sdk-node', '@opentelemetry/sdk-trace'],
  ...['@opentelemetry/instrumentation', '@opentelemetry/instrumentation-http'],
].map((name) => `${name}@${lanePins[name]}`);
const PACKAGES = ['pricing', 'genai-spans', 'client', 'sdk', 'openai', 'anthropic', 'otel'];

let work: string;
let app: string;
let backend: RegisterBackend;

function npm(args: string[], cwd: string): string {
  // npm itself on this Node line, so install scripts and engine checks see the Node the app runs on.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${dirname(process.execPath)}:${process.env['PATH']}`,
  };
  delete env['NODE_OPTIONS'];
  const result = spawnSync('npm', args, { cwd, env, encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`npm ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

beforeAll(async () => {
  for (const name of PACKAGES) built(`packages/${name}/dist/index.js`);
  work = mkdtempSync(join(tmpdir(), 'agentmeter-otel030-'));
  const packs = JSON.parse(
    npm(
      [
        'pack',
        '--json',
        '--ignore-scripts',
        '--pack-destination',
        work,
        ...PACKAGES.map((name) => `--workspace=packages/${name}`),
      ],
      REPO,
    ),
  ) as { filename: string }[];
  app = join(work, 'app');
  const tarballs = packs.map((pack) => join(work, pack.filename));
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), '{ "name": "sdk3-app", "private": true }\n');
  npm(
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
      ...tarballs,
      ...APP_DEPENDENCIES,
      `openai@${rootVersion('openai')}`,
      `@anthropic-ai/sdk@${rootVersion('@anthropic-ai/sdk')}`,
    ],
    app,
  );
  for (const file of readdirSync(join(LANE, 'apps'))) copyFileSync(join(LANE, 'apps', file), join(app, file));

  backend = await startRegisterBackend({
    dbPath: join(work, 'agentmeter.db'),
    adminKey: 'admin-key-otel030-test-12345678',
    keyName: 'otel030',
  });
}, 240_000);

afterAll(async () => {
  await backend?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

function run(args: string[], agent: string) {
  return backend.run(args, app, { AGENTMETER_API_KEY: backend.ingestKey, AGENTMETER_AGENT_ID: agent });
}

async function ledgerFor(agent: string) {
  const { data } = await backend.admin('GET', `/v1/events?agent_id=${agent}&limit=50`);
  return (data as any[])
    .map((row) => ({
      response: row.event_id.split(':')[1],
      provider: row.provider,
      input: row.tokens.input,
      cached: row.tokens.cached_input,
      output: row.tokens.output,
      total: row.price.total,
    }))
    .sort((a, b) => a.provider.localeCompare(b.provider));
}

/** The version of `name` that a module in `from` gets: Node's lookup through the node_modules folders above it. */
function versionOf(from: string, name: string): string | undefined {
  for (let dir = realpathSync(from); ; dir = dirname(dir)) {
    const manifest = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(manifest))
      return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
    if (dir === dirname(dir)) return undefined;
  }
}

/** Every installed copy of `name` in the app, by its folder relative to the app. */
function copiesOf(name: string, under = 'node_modules'): string[] {
  const copies = existsSync(join(app, under, name, 'package.json')) ? [join(under, name)] : [];
  for (const entry of readdirSync(join(app, under), { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const packages = entry.name.startsWith('@')
      ? readdirSync(join(app, under, entry.name)).map((inner) => join(entry.name, inner))
      : [entry.name];
    for (const dir of packages) {
      if (existsSync(join(app, under, dir, 'node_modules')))
        copies.push(...copiesOf(name, join(under, dir, 'node_modules')));
    }
  }
  return copies;
}

describe('@agentmeter/otel/register in an app on the OpenTelemetry SDK 3 line', () => {
  it('installs beside it with its own @opentelemetry/instrumentation, and one API', () => {
    expect(versionOf(app, '@opentelemetry/instrumentation')).toBe(lanePins['@opentelemetry/instrumentation']);
    expect(
      versionOf(join(app, 'node_modules/@opentelemetry/sdk-node'), '@opentelemetry/instrumentation'),
    ).toBe(lanePins['@opentelemetry/instrumentation']);
    expect(versionOf(join(app, 'node_modules/@agentmeter/otel'), '@opentelemetry/instrumentation')).toMatch(
      /^0\.223\./,
    );
    expect(copiesOf('@opentelemetry/api')).toEqual(['node_modules/@opentelemetry/api']);
    expect(versionOf(app, '@opentelemetry/api')).toBe(lanePins['@opentelemetry/api']);
  });

  it.each([
    ['the app’s telemetry first', ['--import', './telemetry.mjs', '--import', '@agentmeter/otel/register']],
    ['agentmeter first', ['--import', '@agentmeter/otel/register', '--import', './telemetry.mjs']],
  ])(
    'ES modules, %s: every call metered once, agentmeter’s priced spans in the app’s SDK',
    async (_order, flags) => {
      const agent = `sdk3-esm-${flags[1] === './telemetry.mjs' ? 'app' : 'agentmeter'}-first`;
      const result = await run([...flags, 'app.mjs'], agent);
      expect(result.stderr).not.toContain('[agentmeter] WARNING');
      expect(result.code).toBe(0);
      const ids = JSON.parse(result.stdout) as {
        openai: string;
        anthropic: string;
        spans: { scope: string; name: string; price: unknown }[];
      };
      expect(await ledgerFor(agent)).toEqual([
        {
          response: ids.anthropic,
          provider: 'anthropic',
          input: 112,
          cached: 100,
          output: 7,
          total: '0.001441',
        },
        { response: ids.openai, provider: 'openai', input: 19, cached: 0, output: 10, total: '0.001207' },
      ]);
      expect(ids.spans.filter((span) => span.scope === '@agentmeter/otel')).toEqual([
        { scope: '@agentmeter/otel', name: 'chat gpt-4.1', price: '0.001207' },
        { scope: '@agentmeter/otel', name: 'chat claude-haiku-4-5', price: '0.001441' },
      ]);
    },
  );

  it('CommonJS: the call is metered once, and the Meter drains as the process exits', async () => {
    const result = await run(
      ['-r', './telemetry.cjs', '--import', '@agentmeter/otel/register', 'app.cjs'],
      'sdk3-cjs',
    );
    expect(result.stderr).not.toContain('[agentmeter] WARNING');
    expect(result.code).toBe(0);
    const ids = JSON.parse(result.stdout) as { openai: string };
    expect(await ledgerFor('sdk3-cjs')).toEqual([
      { response: ids.openai, provider: 'openai', input: 19, cached: 0, output: 10, total: '0.001207' },
    ]);
  });
});
