// The dashboard's entry: sign-in, the app shell and a hash router (#/usage, #/tiers, ...).
import { createApi, keyStore } from './api.js';
import { h } from './dom.js';
import type { Health } from './types.js';
import type { View } from './ui.js';
import { renderEvents } from './views/events.js';
import { renderOutcomes } from './views/outcomes.js';
import { renderSignIn } from './views/sign-in.js';
import { renderSimulator } from './views/simulator.js';
import { renderTiers } from './views/tiers.js';
import { renderUsage } from './views/usage.js';

const ROUTES: { path: string; title: string; render: View }[] = [
  { path: 'usage', title: 'Usage', render: renderUsage },
  { path: 'outcomes', title: 'Outcomes', render: renderOutcomes },
  { path: 'tiers', title: 'Pricing tiers', render: renderTiers },
  { path: 'simulator', title: 'Simulator', render: renderSimulator },
  { path: 'events', title: 'Events', render: renderEvents },
];

const root = document.getElementById('app') as HTMLElement;
let leaveView: AbortController | undefined;

function signOut(notice?: string): void {
  keyStore.clear();
  leaveView?.abort();
  window.removeEventListener('hashchange', route);
  renderSignIn(root, signIn, notice);
}

function signIn(key: string): void {
  keyStore.set(key);
  showApp(key);
}

let content: HTMLElement;
let nav: HTMLElement;
let api: ReturnType<typeof createApi>;

function route(): void {
  const path = location.hash.replace(/^#\/?/, '');
  const target = ROUTES.find((candidate) => candidate.path === path) ?? ROUTES[0]!;
  for (const link of nav.querySelectorAll('a')) {
    if (link.dataset['route'] === target.path) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  leaveView?.abort();
  leaveView = new AbortController();
  document.title = `${target.title} · agentmeter`;
  content.replaceChildren();
  target.render(content, { api, signal: leaveView.signal });
}

function showApp(key: string): void {
  api = createApi(key, () => signOut('Your key stopped working (revoked?). Sign in again.'));
  const version = h('span', { class: 'server-version muted' });
  nav = h(
    'nav',
    { class: 'nav', 'aria-label': 'Sections' },
    ROUTES.map((target) => h('a', { href: `#/${target.path}`, 'data-route': target.path }, target.title)),
  );
  content = h('main', { class: 'content', id: 'content' });
  root.replaceChildren(
    h(
      'header',
      { class: 'topbar' },
      h(
        'a',
        { class: 'brand', href: '#/usage' },
        h('span', { class: 'brand-mark', 'aria-hidden': 'true' }),
        'agentmeter',
      ),
      nav,
      h(
        'div',
        { class: 'topbar-end' },
        version,
        h('button', { type: 'button', class: 'button ghost', onclick: () => signOut() }, 'Sign out'),
      ),
    ),
    content,
  );
  window.addEventListener('hashchange', route);
  route();
  fetch('/healthz')
    .then((response) => (response.ok ? (response.json() as Promise<Health>) : null))
    .then((health) => {
      if (health) version.textContent = `v${health.version} · ${health.store}`;
    })
    .catch(() => {});
}

const saved = keyStore.get();
if (saved) showApp(saved);
else renderSignIn(root, signIn);
