import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { REPO } from '../support/processes.js';

/** Debian's Chromium (`apt-get install -y chromium`); never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const ci = process.env['CI'] === 'true';

/**
 * Whether the browser tests run: yes with Chromium installed, and always under CI=true (where a
 * missing Chromium then fails them). Locally without Chromium they are skipped, loudly.
 */
export function browserTestsRun(): boolean {
  if (existsSync(CHROMIUM) || ci) return true;
  console.warn(
    `\n*** Browser tests SKIPPED: no Chromium at ${CHROMIUM}. Install it with ` +
      '`apt-get update && apt-get install -y chromium`. Under CI=true they fail instead. ***\n',
  );
  return false;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The browser tests need Chromium at ${CHROMIUM} (CI=true): install it with \`apt-get install -y chromium\`.`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** Throws a clear error when the dashboard scripts are not compiled. */
export function requireBuiltDashboard(): void {
  const main = `${REPO}packages/server/dist/dashboard/main.js`;
  if (!existsSync(main)) {
    throw new Error(
      `The dashboard is not built (${main} is missing): run \`npx tsc -b\` or \`npm run build\` first (npm test does).`,
    );
  }
}
