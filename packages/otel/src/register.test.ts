// `node --import @agentmeter/otel/register app` in a child process, for an ES module app and a CommonJS
// app that never mention agentmeter, against a local mock provider and the real server; the ledger
// tells what was metered. Needs the built packages (`npm run build`; `npm test` builds first).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deriveEventId } from '@agentmeter/sdk/integration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerRow, ledgerTokens } from '../../../test/support/ledger-rows.js';
import { built, REPO } from '../../../test/support/processes.js';
import { type RegisterBackend, startRegisterBackend } from './test-providers.js';

let backend: RegisterBackend;
let directory: string;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'agentmeter-register-'));
  backend = await startRegisterBackend({
    dbPath: join(directory, 'agentmeter.db'),
    adminKey: 'admin-key-register-test-123456',
    keyName: 'auto',
  });
});
afterAll(async () => {
  await backend?.close();
  rmSync(directory, { recursive: true, force: true });
});

function run(
  app: string,
  env: Record<string, string | undefined>,
  options: { cwd?: string; register?: string } = {},
) {
  return backend.run(
    ['--import', options.register ?? '@agentmeter/otel/register', app],
    options.cwd ?? REPO,
    env,
  );
}

async function ledgerFor(agent: string) {
  const { data } = await backend.admin('GET', `/v1/events?agent_id=${agent}&limit=50`);
  return (data as any[]).map(ledgerRow);
}

describe('node --import @agentmeter/otel/register', () => {
  beforeAll(() => {
    built('packages/otel/dist/register.js');
  });

  it('meters every openai and Anthropic client of an ES module app', async () => {
    const result = await run(join(REPO, 'packages/otel/test-apps/esm-app.mjs'), {
      AGENTMETER_API_KEY: backend.ingestKey,
      AGENTMETER_AGENT_ID: 'esm-bot',
      AGENTMETER_ACTION: 'reply',
      AGENTMETER_CUSTOMER_ID: 'acme',
    });
    expect(result.stderr).not.toContain('WARNING');
    expect(result.code).toBe(0);
    const ids = JSON.parse(result.stdout) as {
      openai: string;
      anthropic: string;
      instanceOf: boolean;
      azureIsSubclass: boolean;
    };
    expect(ids.instanceOf).toBe(true);
    expect(ids.azureIsSubclass).toBe(true);
    const rows = await ledgerFor('esm-bot');
    expect(rows.sort((a, b) => a.provider.localeCompare(b.provider))).toEqual([
      {
        event_id: deriveEventId('anthropic', ids.anthropic, 'esm-bot', 'reply'),
        agent_id: 'esm-bot',
        action: 'reply',
        customer_id: 'acme',
        provider: 'anthropic',
        model: 'claude-haiku-4-5-20251001',
        tokens: ledgerTokens({ input: 112, output: 7, cached_input: 100 }),
        total: '0.001441',
      },
      {
        event_id: deriveEventId('openai', ids.openai, 'esm-bot', 'reply'),
        agent_id: 'esm-bot',
        action: 'reply',
        customer_id: 'acme',
        provider: 'openai',
        model: 'gpt-4.1-2025-04-14',
        tokens: ledgerTokens({ input: 19, output: 10 }),
        total: '0.001207',
      },
    ]);
  });

  it('meters a CommonJS app, copies made with withOptions() included', async () => {
    const result = await run(join(REPO, 'packages/otel/test-apps/cjs-app.cjs'), {
      AGENTMETER_API_KEY: backend.ingestKey,
      OTEL_SERVICE_NAME: 'cjs-bot',
    });
    expect(result.stderr).not.toContain('WARNING');
    expect(result.code).toBe(0);
    const ids = JSON.parse(result.stdout) as { openai: string[]; anthropic: string };
    const rows = await ledgerFor('cjs-bot');
    expect(rows.map((row) => row.event_id).sort()).toEqual(
      [
        deriveEventId('openai', ids.openai[0]!, 'cjs-bot', 'model_call'),
        deriveEventId('openai', ids.openai[1]!, 'cjs-bot', 'model_call'),
        deriveEventId('anthropic', ids.anthropic, 'cjs-bot', 'model_call'),
      ].sort(),
    );
    expect(new Set(rows.map((row) => row.action))).toEqual(new Set(['model_call']));
  });

  it('warns once, loudly, and lets the app run when it cannot meter', async () => {
    const missingKey = await run(join(REPO, 'packages/otel/test-apps/cjs-app.cjs'), {
      OTEL_SERVICE_NAME: 'no-key-bot',
    });
    expect(missingKey.code).toBe(0);
    expect(missingKey.stderr).toContain('[agentmeter] WARNING: auto-metering is OFF');
    expect(missingKey.stderr).toContain('AGENTMETER_API_KEY');
    expect(await ledgerFor('no-key-bot')).toEqual([]);

    // A future `openai` whose client has none of the methods the wrapper meters.
    const app = mkdtempSync(join(tmpdir(), 'agentmeter-shape-'));
    mkdirSync(join(app, 'node_modules/openai'), { recursive: true });
    writeFileSync(
      join(app, 'node_modules/openai/package.json'),
      JSON.stringify({ name: 'openai', version: '99.0.0', main: 'index.js' }),
    );
    writeFileSync(
      join(app, 'node_modules/openai/index.js'),
      'class OpenAI { constructor() { this.conversations = { send: async () => "sent" }; } }\nmodule.exports = { OpenAI };\n',
    );
    writeFileSync(
      join(app, 'app.cjs'),
      'const { OpenAI } = require("openai");\nconst a = new OpenAI(); new OpenAI();\na.conversations.send().then((r) => console.log(r));\n',
    );
    const shape = await run(
      join(app, 'app.cjs'),
      { AGENTMETER_API_KEY: backend.ingestKey, OTEL_SERVICE_NAME: 'shape-bot' },
      {
        cwd: app,
        register: pathToFileURL(built('packages/otel/dist/register.js')).href,
      },
    );
    rmSync(app, { recursive: true, force: true });
    expect(shape.code).toBe(0);
    expect(shape.stdout.trim()).toBe('sent');
    const warnings = shape.stderr.split('\n').filter((line) => line.includes('WARNING'));
    expect(warnings).toEqual([
      expect.stringContaining(
        'openai@99.0.0: a OpenAI client has none of the methods agentmeter meters. Calls through it are NOT metered.',
      ),
    ]);
  });
});
