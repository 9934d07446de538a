#!/usr/bin/env node
// Regenerates docs/dashboard.png: starts the built server on a temporary SQLite file, seeds a
// realistic project through the public API (30 days of metered calls, tiers, outcomes), signs in to
// the dashboard in Debian's Chromium and captures a page. Run after `npm run build`:
//   node scripts/screenshot-dashboard.mjs [--view usage|outcomes|tiers|simulator|events] [--out path]
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = '/usr/bin/chromium';
const { values } = parseArgs({
  options: {
    view: { type: 'string', default: 'usage' },
    out: { type: 'string', default: 'docs/dashboard.png' },
  },
});

const serverEntry = join(root, 'packages/server/dist/index.js');
if (!existsSync(serverEntry) || !existsSync(join(root, 'packages/server/dist/dashboard/main.js'))) {
  console.error('The server or dashboard is not built: run `npm run build` (or `npx tsc -b`) first.');
  process.exit(1);
}
if (!existsSync(CHROMIUM)) {
  console.error(`No Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\`.`);
  process.exit(1);
}
const { startServer } = await import(serverEntry);
const { chromium } = await import('playwright-core');

const DAY = 86_400_000;
const ADMIN_KEY = 'am_screenshot_admin_key_0123456789';

/** A small seeded PRNG (mulberry32), so the picture is the same on every run. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickWeighted(items, at) {
  let seen = 0;
  for (const item of items) {
    seen += item.weight;
    if (at < seen) return item;
  }
  return items[0];
}

async function call(url, method, path, body) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function seed(url) {
  await call(url, 'PUT', '/v1/tiers/default', {
    description: 'Hybrid: per call + tokens + outcome',
    base_fee: '0.01',
    token_rate_input: '0.006',
    token_rate_output: '0.024',
    outcome_bonus: '0.40',
    outcome_bonus_by_action: { 'meeting.booked': '6.00', 'lead.qualified': '1.50' },
  });
  await call(url, 'PUT', '/v1/tiers/enterprise', {
    description: 'Negotiated volume rates',
    base_fee: '0.005',
    token_rate_input: '0.004',
    token_rate_output: '0.016',
    outcome_bonus: '0.30',
    outcome_bonus_by_action: { 'meeting.booked': '5.00' },
  });
  await call(url, 'PUT', '/v1/tiers/starter', { description: 'Flat per call', base_fee: '0.05' });
  const customers = [
    ['acme-corp', 'enterprise', 2.4],
    ['globex', null, 1.6],
    ['initech', 'starter', 1.2],
    ['umbrella-health', null, 0.9],
    ['hooli', 'enterprise', 0.7],
    ['stark-industries', null, 0.45],
  ];
  for (const [id, tier] of customers) if (tier) await call(url, 'PUT', `/v1/customers/${id}`, { tier });
  const work = [
    {
      agent: 'sales-agent',
      action: 'email.sent',
      model: 'gpt-4.1',
      input: 1400,
      output: 380,
      outcome: 'pending',
      weight: 5,
    },
    {
      agent: 'sales-agent',
      action: 'meeting.booked',
      model: 'gpt-4.1',
      input: 2100,
      output: 520,
      outcome: 'decide',
      weight: 1,
    },
    {
      agent: 'lead-qualifier',
      action: 'lead.qualified',
      model: 'claude-sonnet-4',
      input: 2800,
      output: 650,
      outcome: 'decide',
      weight: 3,
    },
    {
      agent: 'support-bot',
      action: 'ticket.resolved',
      model: 'gpt-4.1-mini',
      input: 900,
      output: 240,
      outcome: 'pending',
      weight: 6,
    },
    {
      agent: 'research-agent',
      action: 'research.complete',
      model: 'claude-opus-4',
      input: 9200,
      output: 2400,
      outcome: null,
      weight: 2,
    },
    {
      agent: 'classifier',
      action: 'ticket.classified',
      model: 'gpt-4.1-nano',
      input: 600,
      output: 50,
      outcome: null,
      weight: 7,
    },
  ];
  const weights = work.reduce((sum, item) => sum + item.weight, 0);
  const next = random(42);
  const now = Date.now();
  const events = [];
  const pending = [];
  for (let day = 29; day >= 0; day--) {
    const growth = 0.6 + (29 - day) / 40;
    for (const [customer, , size] of customers) {
      const count = Math.round(size * growth * (8 + next() * 6));
      for (let index = 0; index < count; index++) {
        const item = pickWeighted(work, next() * weights);
        const timestamp = now - day * DAY - Math.floor(next() * (day === 0 ? 6 : 20) * 3_600_000) - 60_000;
        const jitter = 0.6 + next() * 0.8;
        const event = {
          event_id: `shot-${events.length}`,
          agent_id: item.agent,
          action: item.action,
          customer_id: customer,
          model: item.model,
          tokens_input: Math.round(item.input * jitter),
          tokens_output: Math.round(item.output * jitter),
          timestamp: new Date(timestamp).toISOString(),
        };
        if (item.outcome === 'decide') event.outcome = next() < 0.3 ? 'success' : 'failure';
        if (item.outcome === 'pending') {
          // A few older outcomes get a short window and are never resolved: they show as expired.
          const expires = day >= 10 && next() < 0.12;
          event.outcome = 'pending';
          event.expires_at = new Date(timestamp + (expires ? 3 : 45) * DAY).toISOString();
          if (!expires) pending.push({ id: `out_${event.event_id}`, age: day });
        }
        events.push(event);
      }
    }
  }
  for (let start = 0; start < events.length; start += 1000) {
    const result = await call(url, 'POST', '/v1/meter/batch', { events: events.slice(start, start + 1000) });
    if (result.summary.rejected > 0)
      throw new Error(`rejected: ${JSON.stringify(result.results.find((r) => r.error))}`);
  }
  // Most outcomes get resolved; the newest wait, some older ones are left to expire.
  const resolutions = pending
    .filter(({ age }) => (age >= 2 ? next() < 0.95 : next() < 0.4))
    .map(({ id, age }) => ({
      outcome_id: id,
      outcome: next() < 0.34 + (29 - age) / 120 ? 'success' : 'failure',
    }));
  for (let start = 0; start < resolutions.length; start += 1000) {
    const result = await call(url, 'POST', '/v1/meter/batch', {
      events: [],
      resolutions: resolutions.slice(start, start + 1000),
    });
    const failed = result.resolution_results.find((item) => item.status === 'rejected');
    if (failed) throw new Error(`resolution rejected: ${JSON.stringify(failed)}`);
  }
  return events.length;
}

const directory = mkdtempSync(join(tmpdir(), 'agentmeter-shot-'));
const server = await startServer({
  port: 0,
  dbPath: join(directory, 'shot.db'),
  adminKey: ADMIN_KEY,
  rateLimit: false,
});
let browser;
try {
  const count = await seed(server.url);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
  await page.route('**/*', (route) =>
    new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort(),
  );
  await page.goto(server.url);
  await page.getByLabel('Admin key').fill(ADMIN_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.kpi-value').first().waitFor();
  if (values.view !== 'usage') {
    await page.goto(`${server.url}/#/${values.view}`);
    await page.waitForTimeout(800);
  }
  await page
    .locator('.loading')
    .waitFor({ state: 'detached' })
    .catch(() => {});
  await page.waitForTimeout(400);
  const out = resolve(root, values.out);
  await page.screenshot({ path: out, fullPage: true });
  console.log(`Seeded ${count} events; wrote ${out}`);
} finally {
  await browser?.close();
  await server.close();
  rmSync(directory, { recursive: true, force: true });
}
