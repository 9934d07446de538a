// The dashboard in a real Chromium against the real server in-process: every number on screen must be
// the API's exact decimal (formatted), and the tier preview and the simulator must show exactly what
// POST /v1/simulate answers. Run by `npm test` after the build; see chromium.ts for the browser.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningServer, startServer } from '@agentmeter/server';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCount, formatMoney } from '../../packages/server/src/dashboard/format.js';
import { REPO } from '../support/processes.js';
import { browserTestsRun, launchChromium, requireBuiltDashboard } from './chromium.js';
import { type Caller, caller, seedProject } from './seed.js';

const ADMIN_KEY = 'am_browser_test_admin_key_0123456789';
const ARTIFACTS = join(REPO, 'test-artifacts');
const usd = (decimal: string) => formatMoney(decimal, 'USD');
/** Waits (up to 10 s) for the page to show what is expected: the UI debounces and fetches. */
const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 10_000, interval: 100 });
const values = async (locator: Locator) => {
  const found: (string | null)[] = [];
  for (let index = 0; index < (await locator.count()); index++)
    found.push(await locator.nth(index).getAttribute('data-value'));
  return found;
};

describe.skipIf(!browserTestsRun())('the dashboard in Chromium', () => {
  let directory: string;
  let server: RunningServer;
  let browser: Browser | undefined;
  let page: Page;
  let api: Caller;
  const foreignRequests: string[] = [];
  const pageProblems: string[] = [];

  beforeAll(async () => {
    requireBuiltDashboard();
    directory = mkdtempSync(join(tmpdir(), 'agentmeter-browser-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startServer({
      port: 0,
      dbPath: join(directory, 'meter.db'),
      adminKey: ADMIN_KEY,
      rateLimit: false,
    });
    api = caller(server.url, ADMIN_KEY);
    await seedProject(api, Date.now());
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // Loopback only: anything else is recorded and refused.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (new URL(url).origin === server.url) return route.continue();
      foreignRequests.push(url);
      return route.abort();
    });
    page = await context.newPage();
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    page.on('console', (entry) => {
      // The wrong-key sign-ins log their 401/403 responses; anything else (CSP refusals included) is a bug.
      if (entry.type() === 'error' && !/status of 40[13]/.test(entry.text())) pageProblems.push(entry.text());
    });
  });

  /** Each test can run alone (`-t`): sign in unless already signed in. */
  async function signedIn() {
    const nav = page.getByRole('navigation', { name: 'Sections' });
    if (await nav.isVisible()) return;
    await page.goto(server.url);
    await page.getByLabel('Admin key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await nav.waitFor();
  }

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('signs in with an admin key only, keeps it in sessionStorage, and signs out', async () => {
    const response = await page.goto(server.url);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");
    const keyInput = page.getByLabel('Admin key');
    const signIn = page.getByRole('button', { name: 'Sign in' });
    await keyInput.fill('am_this_key_does_not_exist_123');
    await signIn.click();
    await poll(() => page.getByRole('alert').textContent()).toContain('unknown or has been revoked');
    const { key: ingestKey } = await api('POST', '/v1/keys', { scope: 'ingest', name: 'ingest' });
    await keyInput.fill(ingestKey);
    await signIn.click();
    await poll(() => page.getByRole('alert').textContent()).toContain('needs an admin key');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);

    await keyInput.fill(ADMIN_KEY);
    await signIn.click();
    await page.getByRole('navigation', { name: 'Sections' }).waitFor();
    expect(await page.evaluate('sessionStorage.getItem("agentmeter.adminKey")')).toBe(ADMIN_KEY);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    await page.reload();
    await page.getByRole('navigation', { name: 'Sections' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await keyInput.waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await keyInput.fill(ADMIN_KEY);
    await signIn.click();
    await page.getByRole('navigation', { name: 'Sections' }).waitFor();
  });

  it('shows usage per customer exactly as GET /v1/usage reports it', async () => {
    await signedIn();
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.getByRole('group', { name: 'Group by' }).getByRole('button', { name: 'Customer' }).click();
    const report = await api('GET', '/v1/usage?group_by=customer_id');
    const table = page.getByRole('table', { name: 'Usage by customer_id' });
    await table.waitFor();
    expect(await table.locator('tbody tr').count()).toBe(report.groups.length);
    for (const group of report.groups) {
      const label = group.key.customer_id ?? '(no customer)';
      const row = table
        .locator('tbody tr')
        .filter({ has: page.getByRole('cell', { name: label, exact: true }) });
      const { base, tokens, outcome, total } = group.amounts;
      expect(await row.locator('td').allInnerTexts()).toEqual([
        label,
        formatCount(group.calls),
        // The seed has one call seen without token counts, so the column is there.
        formatCount(group.usage_missing_events),
        formatCount(group.tokens.input),
        formatCount(group.tokens.output),
        usd(base),
        usd(tokens),
        usd(outcome),
        usd(total),
      ]);
      expect(await values(row.locator('[data-value]'))).toEqual([base, tokens, outcome, total]);
    }
    const [totals] = report.totals;
    expect(await values(table.locator('tfoot [data-value]'))).toEqual([
      totals.amounts.base,
      totals.amounts.tokens,
      totals.amounts.outcome,
      totals.amounts.total,
    ]);
    // The hand-computed prices of the seed (see seed.ts), as shown.
    const totalOf = (name: string) =>
      table
        .locator('tbody tr')
        .filter({ has: page.getByRole('cell', { name, exact: true }) })
        .locator('td')
        .last();
    expect(await totalOf('acme').textContent()).toBe('$5.044');
    expect(await totalOf('globex').textContent()).toBe('$25.06505');
    expect(await totalOf('initech').textContent()).toBe('$0.10');
    expect(await page.getByTestId('kpi-revenue').locator('[data-value]').getAttribute('data-value')).toBe(
      totals.amounts.total,
    );
    expect(await page.getByTestId('kpi-calls').locator('.kpi-value').textContent()).toBe(
      formatCount(totals.calls),
    );
    expect(totals.usage_missing_events).toBe(1);
    expect(await page.getByTestId('kpi-calls-missing').textContent()).toBe(
      '1 without token counts (base fee only)',
    );

    await totalOf('globex').click();
    const invoice = await api('GET', '/v1/invoices/preview?customer_id=globex');
    await poll(() => page.locator('#invoice .invoice-total [data-value]').getAttribute('data-value')).toBe(
      invoice.total,
    );
    expect(invoice.total).toBe('25.06505');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-usage.png'), fullPage: true });

    await page.getByRole('group', { name: 'Group by' }).getByRole('button', { name: 'Day' }).click();
    const byDay = await api('GET', '/v1/usage?group_by=day');
    const dayTable = page.getByRole('table', { name: 'Usage by day' });
    await dayTable.waitFor();
    expect(await values(dayTable.locator('tbody td:last-child [data-value]'))).toEqual(
      byDay.groups.map((group: any) => group.amounts.total),
    );
  });

  it('edits a tier with a live preview priced by the server, and saves a new version', async () => {
    await signedIn();
    await page.getByRole('link', { name: 'Pricing tiers' }).click();
    await page.getByRole('button', { name: 'Edit default' }).click();
    const current = await api('GET', '/v1/tiers/default');
    expect(current.version).toBe(2);
    const workload = {
      calls: 1,
      avg_tokens_input: 2800,
      avg_tokens_output: 650,
      avg_tokens_cached_input: 0,
      successes: 1,
    };
    await page.locator('#sample-tokens_input').fill('2800');
    await page.locator('#sample-tokens_output').fill('650');
    await page.locator('#sample-action').fill('lead.qualified');
    await page.locator('#sample-outcome').selectOption('success');
    const { tier_id, version, created_at, description, ...edited } = current;
    const priced = async (tier: Record<string, unknown>) => {
      const answer = await api('POST', '/v1/simulate', {
        workload: { ...workload, action: 'lead.qualified' },
        candidates: { preview: tier },
      });
      return answer.results[0].revenue;
    };
    const previewTotal = page.getByTestId('preview-total');
    const shown = () => previewTotal.locator('[data-value]').getAttribute('data-value');

    await page.locator('#tier-base_fee').fill('0.02');
    const first = await priced({ ...edited, base_fee: '0.02' });
    await poll(shown).toBe(first.total);
    expect(first.total).toBe('5.03815'); // 0.02 + 2.8 × 0.003 + 0.65 × 0.015 + 5.00
    expect(await previewTotal.textContent()).toBe('$5.03815');

    await page.locator('#tier-token_rate_output').fill('0.02');
    const second = await priced({ ...edited, base_fee: '0.02', token_rate_output: '0.02' });
    expect(second.total).not.toBe(first.total);
    await poll(shown).toBe(second.total);
    expect(await values(page.locator('.breakdown dd [data-value]'))).toEqual([
      second.base,
      second.tokens,
      second.outcome,
      second.total,
    ]);

    await page.locator('#tier-base_fee').fill('0.0x');
    await poll(() => page.locator('#tier-base_fee').getAttribute('aria-invalid')).toBe('true');
    await poll(() => page.locator('.preview-status').textContent()).toContain('Fix the highlighted fields');
    await page.locator('#tier-base_fee').fill('0.02');
    await poll(() => page.locator('.preview-status').textContent()).toContain('Priced by the server');

    await page.getByRole('button', { name: 'Save new version' }).click();
    await poll(() => page.locator('.save-status').textContent()).toBe('Saved: default is now version 3.');
    const saved = await api('GET', '/v1/tiers/default');
    expect([saved.version, saved.base_fee, saved.token_rate_output]).toEqual([3, '0.02', '0.02']);
    const row = page
      .getByRole('table', { name: 'Pricing tiers' })
      .locator('tbody tr')
      .filter({ hasText: 'Hybrid: per call' });
    await poll(() => row.locator('.badge').textContent()).toBe('v3');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-tiers.png'), fullPage: true });
  });

  it('keeps the rates of usage billed apart when a tier is saved, and sets or clears them', async () => {
    await api('PUT', '/v1/tiers/voice', {
      token_rate_input: '0.003',
      token_rate_output: '0.006',
      token_rate_audio_input: '0.04',
      web_search_request_fee: '0.01',
    });
    await signedIn();
    await page.getByRole('link', { name: 'Simulator' }).click();
    await page.getByRole('link', { name: 'Pricing tiers' }).click();
    await page.getByRole('button', { name: 'Edit voice' }).click();
    const input = (name: string) => page.locator(`#tier-${name}`);
    expect(await input('token_rate_audio_input').inputValue()).toBe('0.04');
    expect(await input('web_search_request_fee').inputValue()).toBe('0.01');
    // A rate the tier does not set is blank, and the rate it is part of applies.
    expect(await input('token_rate_audio_output').inputValue()).toBe('');
    expect(await input('token_rate_audio_output').getAttribute('placeholder')).toBe('output rate');
    await input('token_rate_audio_output').fill('0.0x');
    await poll(() => input('token_rate_audio_output').getAttribute('aria-invalid')).toBe('true');
    await input('token_rate_audio_output').fill('');
    await input('token_rate_cache_write_1h').fill('0.006');
    await input('web_search_request_fee').fill('');
    await page.getByRole('button', { name: 'Save new version' }).click();
    await poll(() => page.locator('.save-status').textContent()).toBe('Saved: voice is now version 2.');
    const saved = await api('GET', '/v1/tiers/voice');
    expect(saved).toMatchObject({
      version: 2,
      token_rate_audio_input: '0.04',
      token_rate_cache_write_1h: '0.006',
    });
    expect(saved).not.toHaveProperty('web_search_request_fee');
    expect(saved).not.toHaveProperty('token_rate_audio_output');
  });

  it('runs the simulator: every revenue shown is what POST /v1/simulate answers', async () => {
    await signedIn();
    await page.getByRole('link', { name: 'Simulator' }).click();
    await page.locator('#sim-calls').fill('1234');
    await page.locator('#sim-tokens-input').fill('1500');
    await page.locator('#sim-tokens-output').fill('400');
    await page.locator('#sim-success-rate').fill('12.5');
    await page.getByRole('checkbox', { name: /^default/ }).check();
    const workload = {
      calls: 1234,
      avg_tokens_input: 1500,
      avg_tokens_output: 400,
      avg_tokens_cached_input: 0,
      success_rate: '0.125',
    };
    const guide = await api('POST', '/v1/simulate', { workload });
    const tiers = await api('POST', '/v1/simulate', { workload, tiers: ['default'] });
    const results = [...guide.results, ...tiers.results];
    expect(results.map((result: any) => result.name)).toEqual([
      'per_token',
      'per_call',
      'outcome',
      'hybrid',
      'default',
    ]);
    for (const result of results) {
      await poll(() =>
        page.locator(`[data-testid="sim-total-${result.name}"] [data-value]`).getAttribute('data-value'),
      ).toBe(result.revenue.total);
      const row = page
        .getByRole('table', { name: 'Simulation results' })
        .locator('tbody tr')
        .filter({ has: page.locator(`[data-candidate="${result.name}"]`) });
      expect(await values(row.locator('[data-value]'))).toEqual([
        result.revenue.total,
        result.revenue.base,
        result.revenue.tokens,
        result.revenue.outcome,
        result.revenue_per_call,
        ...(result.revenue_per_success === null ? [] : [result.revenue_per_success]),
      ]);
    }
    expect(await page.getByTestId('sim-total-per_call').textContent()).toBe('$61.70'); // 1,234 × $0.05
    expect(await page.locator('.simulator-results > p').textContent()).toContain(
      '1,234 calls · 154 successes',
    );
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-simulator.png'), fullPage: true });
  });

  it('marks a call seen without token counts in the ledger', async () => {
    await signedIn();
    await page.getByRole('link', { name: 'Events' }).click();
    const ping = page
      .locator('tbody tr')
      .filter({ has: page.getByRole('cell', { name: 'ping', exact: true }) });
    await ping.waitFor();
    expect(await ping.locator('.pill-missing').textContent()).toBe('no usage');
    expect(await page.locator('tbody .pill-missing').count()).toBe(1);
  });

  it('shows outcome counts and the success rate per day from GET /v1/usage', async () => {
    await signedIn();
    await page.getByRole('link', { name: 'Outcomes' }).click();
    const report = await api('GET', '/v1/usage?group_by=day');
    const [totals] = report.totals;
    for (const state of ['pending', 'success', 'failure', 'expired'] as const) {
      await poll(() => page.getByTestId(`kpi-${state}`).locator('.kpi-value').textContent()).toBe(
        formatCount(totals.outcomes[state]),
      );
    }
    expect(totals.outcomes).toEqual({ pending: 1, success: 3, failure: 1, expired: 0 });
    expect(await page.getByTestId('kpi-rate').locator('.kpi-value').textContent()).toBe('75.0%');
    const daysWithResolved = report.groups.filter(
      (group: any) => group.outcomes.success + group.outcomes.failure + group.outcomes.expired > 0,
    ).length;
    const chart = page.getByRole('img', { name: 'Outcomes per day, with the success rate' });
    expect(await chart.locator('circle.o-rate').count()).toBe(daysWithResolved);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-outcomes.png'), fullPage: true });
  });

  it('fits a phone screen without sideways scrolling', async () => {
    await signedIn();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.getByRole('table').first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
    expect(await page.evaluate('[document.documentElement.scrollWidth, window.innerWidth]')).toEqual([
      390, 390,
    ]);
  });

  it('made no request beyond this server and logged no errors (CSP refusals included)', () => {
    expect(foreignRequests).toEqual([]);
    expect(pageProblems).toEqual([]);
  });
});
