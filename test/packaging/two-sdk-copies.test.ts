// Two physically separate copies of @agentmeter/sdk in one application, as a package manager installs
// them when a wrapper resolves another version than the application: the application's copy at
// node_modules/@agentmeter/sdk, and one nested at node_modules/@agentmeter/openai/node_modules/@agentmeter/sdk.
// A child process runs a real `openai` client (only its network is a local stand-in) wrapped by
// @agentmeter/openai, whose SDK is the nested copy, under a framework layer of the application metering
// the same calls through its own copy, and flushes to a real agentmeter server: each call is one charge.
// Uses the built packages (dist/): run `npm run build` first (npm test does).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type RunningServer, startServer } from '@agentmeter/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PER_MILLION_TIER } from '../support/metering-server.js';
import { completion } from '../support/openai-api.js';
import { built, REPO } from '../support/processes.js';

const scratch = mkdtempSync(join(tmpdir(), 'agentmeter-two-sdk-copies-'));
const app = join(scratch, 'app');
const ADMIN_KEY = 'am_admin_two_sdk_copies_0123456789abcdef';

/** A package as npm installs it: its package.json and its built files (tests left out). */
function installCopy(pkg: string, into: string): void {
  mkdirSync(into, { recursive: true });
  cpSync(join(REPO, 'packages', pkg, 'package.json'), join(into, 'package.json'));
  cpSync(join(REPO, 'packages', pkg, 'dist'), join(into, 'dist'), {
    recursive: true,
    filter: (source) => !/\.test\.[^/]*$/.test(source),
  });
}

/** Where `name` resolves from the package folder `from` in this repository (the nearest node_modules). */
function resolvePackage(from: string, name: string): string {
  for (let dir = join(REPO, from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(candidate)) return candidate;
    if (dir === dirname(dir)) throw new Error(`${name} is not installed for ${from}`);
  }
}

/** A dependency both copies share, linked from where the repository's package resolves it. */
function link(name: string, from: string): void {
  const at = join(app, 'node_modules', name);
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(resolvePackage(from, name), at, 'dir');
}

function buildApp(): void {
  for (const pkg of ['sdk', 'openai', 'client', 'pricing']) built(`packages/${pkg}/dist/index.js`);
  const modules = join(app, 'node_modules');
  installCopy('sdk', join(modules, '@agentmeter/sdk'));
  installCopy('openai', join(modules, '@agentmeter/openai'));
  installCopy('sdk', join(modules, '@agentmeter/openai/node_modules/@agentmeter/sdk'));
  for (const name of ['@agentmeter/client', '@agentmeter/pricing', 'uuid']) link(name, 'packages/sdk');
  link('openai', 'packages/openai');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  cpSync(new URL('./two-copies-app.mjs', import.meta.url), join(app, 'main.mjs'));
}

/** The OpenAI API stand-in: unique random ids for the first two calls, then `chatcmpl-123` as some servers answer. */
function startOpenAi(): Promise<{ server: Server; url: string; ids: string[] }> {
  const ids: string[] = [];
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const id =
        ids.length < 2 ? `chatcmpl-${randomBytes(20).toString('base64url').slice(0, 29)}` : 'chatcmpl-123';
      ids.push(id);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify(completion(id, 'gpt-4o-mini-2024-07-18', ['hello'], { prompt: 120, completion: 30 })),
      );
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, ids }),
    ),
  );
}

interface AppReport {
  appCopy: string;
  nestedCopy: string;
  distinctInstances: boolean;
  framework: Record<string, unknown>;
  listened: string[];
  shutdown: { sent: number; failed: number; pending: number };
}

function runApp(env: Record<string, string>): Promise<AppReport> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['main.mjs'],
      { cwd: app, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`the app failed: ${error.message}\n${stderr}`));
        resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as AppReport);
      },
    );
  });
}

let metering: RunningServer;
let openai: Awaited<ReturnType<typeof startOpenAi>>;

beforeAll(async () => {
  buildApp();
  metering = await startServer({ port: 0, dbPath: join(scratch, 'meter.db'), adminKey: ADMIN_KEY });
  const tier = await fetch(`${metering.url}/v1/tiers/default`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(PER_MILLION_TIER),
  });
  expect(tier.status).toBeLessThan(300);
  openai = await startOpenAi();
});

afterAll(async () => {
  await metering?.close();
  await new Promise((resolve) => (openai ? openai.server.close(resolve) : resolve(undefined)));
  rmSync(scratch, { recursive: true, force: true });
});

describe('an app with two copies of @agentmeter/sdk', () => {
  it('charges each wrapped call once, whichever copy each layer metered it through', async () => {
    const report = await runApp({ METER_URL: metering.url, METER_KEY: ADMIN_KEY, OPENAI_URL: openai.url });

    // Two copies on disk, of the same build, each loaded as its own module instance.
    expect(report.appCopy).toBe(join(app, 'node_modules/@agentmeter/sdk/dist/integration.js'));
    expect(report.nestedCopy).toBe(
      join(app, 'node_modules/@agentmeter/openai/node_modules/@agentmeter/sdk/dist/integration.js'),
    );
    expect(readFileSync(report.nestedCopy, 'utf8')).toBe(readFileSync(report.appCopy, 'utf8'));
    expect(report.distinctInstances).toBe(true);
    expect(openai.ids).toHaveLength(3);

    // One charge per call, the wrapper's (its provider name), on the real server.
    const page = await fetch(`${metering.url}/v1/events?agent_id=two-copies&limit=100`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(page.status).toBe(200);
    const events = ((await page.json()) as { data: { action: string; provider: string }[] }).data;
    const byAction = events.map((event) => `${event.action}:${event.provider}`).sort();
    expect(byAction).toEqual(['callback-repeating:openai', 'callback-unique:openai', 'outer-layer:openai']);

    // The application's framework layer saw the wrapper's event each time, and made none of its own.
    expect(report.framework).toEqual({
      outerLayerSawWrapper: true,
      outerLayer: null,
      callbackUnique: null,
      callbackRepeating: null,
    });
    // A usage listener registered through the application's copy heard the wrapper's three calls.
    expect(report.listened).toEqual(['openai', 'openai', 'openai']);
    expect(report.shutdown).toEqual({ sent: 3, failed: 0, pending: 0 });
  });
});
