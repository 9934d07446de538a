import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboardAssets, DASHBOARD_CSP } from './dashboard-assets.js';
import { type RunningServer, startServer } from './server.js';

let directory: string;
let scriptsDir: string;
let staticDir: string;

function writeFiles(scripts: Record<string, string>) {
  rmSync(scriptsDir, { recursive: true, force: true });
  for (const [name, text] of Object.entries(scripts)) {
    mkdirSync(join(scriptsDir, name, '..'), { recursive: true });
    writeFileSync(join(scriptsDir, name), text);
  }
}

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'agentmeter-assets-'));
  scriptsDir = join(directory, 'dist');
  staticDir = join(directory, 'static');
  mkdirSync(staticDir);
  writeFileSync(
    join(staticDir, 'index.html'),
    '<link href="{{assets}}/styles.css"><script src="{{assets}}/main.js"></script>',
  );
  writeFileSync(join(staticDir, 'styles.css'), 'body{}');
  writeFileSync(join(staticDir, 'favicon.svg'), '<svg/>');
  writeFileSync(join(directory, 'secret.txt'), 'not for the web');
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const versionOf = async (response: Response | null) =>
  /\/assets\/([0-9a-f]{12})\//.exec(await response!.text())?.[1];

describe('createDashboardAssets', () => {
  it('serves the page with the asset version, a strict CSP and no-cache', async () => {
    writeFiles({ 'main.js': 'export {};', 'views/usage.js': 'export {};' });
    const assets = createDashboardAssets({ scriptsDir, staticDir });
    const page = assets('/')!;
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).not.toMatch(/unsafe|\*|https?:|data:/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    const version = /\/assets\/([0-9a-f]{12})\/main\.js/.exec(html)?.[1];
    expect(version).toBeDefined();
    expect(html).not.toContain('{{assets}}');
    expect(await versionOf(assets('/index.html'))).toBe(version);
  });

  it('serves scripts, maps, styles and the icon with their types and immutable caching', async () => {
    writeFiles({ 'main.js': 'export const a = 1;', 'main.js.map': '{}', 'views/usage.js': 'export {};' });
    const assets = createDashboardAssets({ scriptsDir, staticDir });
    const version = await versionOf(assets('/'));
    const cases = [
      ['main.js', 'text/javascript; charset=utf-8', 'export const a = 1;'],
      ['main.js.map', 'application/json; charset=utf-8', '{}'],
      ['views/usage.js', 'text/javascript; charset=utf-8', 'export {};'],
      ['styles.css', 'text/css; charset=utf-8', 'body{}'],
      ['favicon.svg', 'image/svg+xml', '<svg/>'],
    ] as const;
    for (const [name, type, body] of cases) {
      const response = assets(`/assets/${version}/${name}`)!;
      expect([name, response.status, response.headers.get('content-type')]).toEqual([name, 200, type]);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(await response.text()).toBe(body);
    }
  });

  it('changes the version when a file changes', async () => {
    writeFiles({ 'main.js': 'export const a = 1;' });
    const before = await versionOf(createDashboardAssets({ scriptsDir, staticDir })('/'));
    writeFiles({ 'main.js': 'export const a = 2;' });
    const after = await versionOf(createDashboardAssets({ scriptsDir, staticDir })('/'));
    expect(after).not.toBe(before);
  });

  it('answers nothing outside its files: no traversal, no declarations, no other version', async () => {
    writeFiles({ 'main.js': 'export {};', 'main.d.ts': 'export {};', '.tsbuildinfo': '{}' });
    const assets = createDashboardAssets({ scriptsDir, staticDir });
    const version = await versionOf(assets('/'));
    for (const path of [
      `/assets/${version}/../secret.txt`,
      `/assets/${version}/../../secret.txt`,
      `/assets/${version}/%2e%2e/secret.txt`,
      `/assets/${version}/..%2fsecret.txt`,
      `/assets/${version}//etc/passwd`,
      `/assets/${version}/main.d.ts`,
      `/assets/${version}/.tsbuildinfo`,
      `/assets/${version}/index.html`,
      `/assets/${version}/`,
      '/assets/000000000000/main.js',
      '/main.js',
      '/styles.css',
      '/secret.txt',
      '/favicon.ico',
    ]) {
      expect([path, assets(path)]).toEqual([path, null]);
    }
  });

  it('explains how to build when the scripts are missing', async () => {
    rmSync(scriptsDir, { recursive: true, force: true });
    const page = createDashboardAssets({ scriptsDir, staticDir })('/')!;
    expect(page.status).toBe(503);
    expect(await page.text()).toMatch(/not built .*npx tsc -b/);
  });
});

describe('startServer and the dashboard', () => {
  let server: RunningServer | undefined;
  afterAll(() => server?.close());

  it('serves the dashboard at / by default, and none with `dashboard: false`', async () => {
    server = await startServer({
      port: 0,
      dbPath: join(directory, 'on.db'),
      adminKey: 'admin-key-dashboard-on-1234',
    });
    const page = await fetch(`${server.url}/`);
    expect(page.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    await page.body?.cancel();
    const head = await fetch(`${server.url}/`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-type'), await head.text()]).toEqual([
      200,
      'text/html; charset=utf-8',
      '',
    ]);
    expect((await fetch(`${server.url}/v1/tiers`)).status).toBe(401);
    await server.close();
    server = await startServer({
      port: 0,
      dbPath: join(directory, 'off.db'),
      adminKey: 'admin-key-dashboard-off-123',
      dashboard: false,
    });
    const none = await fetch(`${server.url}/`);
    expect(none.status).toBe(404);
    expect(((await none.json()) as { code: string }).code).toBe('route_not_found');
  });
});
