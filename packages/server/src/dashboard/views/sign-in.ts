import { ApiError, createApi } from '../api.js';
import { h } from '../dom.js';
import { message } from '../ui.js';

function explain(error: unknown): string {
  if (error instanceof ApiError && error.status === 401)
    return 'That key was not accepted: it is unknown or has been revoked.';
  if (error instanceof ApiError && error.status === 403)
    return 'That key has the ingest scope. The dashboard needs an admin key.';
  return message(error);
}

/** The sign-in screen; `onSignedIn` gets a key the server accepted as an admin key. */
export function renderSignIn(root: HTMLElement, onSignedIn: (key: string) => void, notice?: string): void {
  const input = h('input', {
    id: 'admin-key',
    type: 'password',
    name: 'admin-key',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    placeholder: 'am_…',
  });
  const error = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
  const button = h('button', { type: 'submit', class: 'button primary' }, 'Sign in');
  const show = (text: string) => {
    error.textContent = text;
    error.hidden = false;
  };
  const form = h(
    'form',
    { class: 'sign-in card' },
    h(
      'div',
      { class: 'brand brand-large' },
      h('span', { class: 'brand-mark', 'aria-hidden': 'true' }),
      'agentmeter',
    ),
    h(
      'p',
      { class: 'muted' },
      'Sign in with an admin key to see usage, outcomes, pricing tiers and the simulator.',
    ),
    notice ? h('div', { class: 'alert alert-info', role: 'status' }, notice) : null,
    h('label', { for: 'admin-key' }, 'Admin key'),
    input,
    error,
    button,
    h(
      'p',
      { class: 'hint muted' },
      h('code', {}, 'agentmeter serve'),
      ' prints the admin key on its first start (or set ',
      h('code', {}, 'AGENTMETER_ADMIN_KEY'),
      '). The key is kept in this browser tab only and sent only to this server.',
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return show('Enter your admin key.');
    button.disabled = true;
    button.textContent = 'Checking…';
    try {
      await createApi(key).get('/v1/tiers');
      onSignedIn(key);
    } catch (failure) {
      show(explain(failure));
      input.select();
    } finally {
      button.disabled = false;
      button.textContent = 'Sign in';
    }
  });
  root.replaceChildren(h('main', { class: 'sign-in-page' }, form));
  input.focus();
}
