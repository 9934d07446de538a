import { type Api, ApiError, isAbort } from '../api.js';
import { debounce, h } from '../dom.js';
import { isMoneyInput } from '../format.js';
import type { SimulateResponse, Tier, TierInput } from '../types.js';
import { card, field, message, money, setFieldError } from '../ui.js';

type MoneyField =
  | 'base_fee'
  | 'token_rate_input'
  | 'token_rate_output'
  | 'token_rate_cached_input'
  | 'token_rate_cache_write'
  | 'outcome_bonus';

const BLANK: Omit<Tier, 'tier_id' | 'version' | 'created_at'> = {
  description: null,
  base_fee: '0.00',
  token_rate_input: '0.00',
  token_rate_output: '0.00',
  token_rate_cached_input: '0.00',
  token_rate_cache_write: '0.00',
  token_unit: 1000,
  outcome_bonus: '0.00',
  outcome_bonus_by_action: {},
  currency: 'USD',
};

const MONEY_HINT = 'An amount like 0.05, up to 12 decimals.';

const moneyInput = (name: string, value: string) =>
  h('input', {
    id: `tier-${name}`,
    type: 'text',
    inputmode: 'decimal',
    autocomplete: 'off',
    value,
    class: 'mono',
  });

const countInput = (name: string, value: number) =>
  h('input', { id: `sample-${name}`, type: 'number', min: 0, max: 1_000_000_000, step: 1, value });

/**
 * Edits one tier (or a new one) with a live price of a sample call. The price comes from POST
 * /v1/simulate with the edited tier as the only candidate: the server's own engine, to the digit.
 */
export function tierEditor(
  api: Api,
  tier: Tier | null,
  signal: AbortSignal,
  onSaved: (tier: Tier) => void,
  onClose: () => void,
): HTMLElement {
  const start = tier ?? { ...BLANK, tier_id: '', version: 0, created_at: '' };
  const idInput = h('input', {
    id: 'tier-id',
    type: 'text',
    value: start.tier_id,
    readonly: tier !== null,
    class: 'mono',
  });
  const description = h('input', {
    id: 'tier-description',
    type: 'text',
    value: start.description ?? '',
    maxlength: 500,
  });
  const currency = h('input', {
    id: 'tier-currency',
    type: 'text',
    value: start.currency,
    maxlength: 3,
    class: 'mono',
  });
  const unit = h(
    'select',
    { id: 'tier-token_unit' },
    h('option', { value: '1000', selected: start.token_unit === 1000 }, 'per 1K tokens'),
    h('option', { value: '1000000', selected: start.token_unit === 1000000 }, 'per 1M tokens'),
  );
  const inputs: Record<MoneyField, HTMLInputElement> = {
    base_fee: moneyInput('base_fee', start.base_fee),
    token_rate_input: moneyInput('token_rate_input', start.token_rate_input),
    token_rate_output: moneyInput('token_rate_output', start.token_rate_output),
    token_rate_cached_input: moneyInput('token_rate_cached_input', start.token_rate_cached_input),
    token_rate_cache_write: moneyInput('token_rate_cache_write', start.token_rate_cache_write),
    outcome_bonus: moneyInput('outcome_bonus', start.outcome_bonus),
  };
  const bonusRows = h('div', { class: 'bonus-rows' });
  const addBonus = (action = '', amount = '') => {
    const actionInput = h('input', {
      type: 'text',
      value: action,
      placeholder: 'lead.qualified',
      'aria-label': 'Action',
    });
    const amountInput = h('input', {
      type: 'text',
      inputmode: 'decimal',
      value: amount,
      placeholder: '5.00',
      'aria-label': 'Bonus for this action',
      class: 'mono',
    });
    const row = h('div', { class: 'bonus-row' }, actionInput, amountInput);
    const remove = () => {
      row.remove();
      changed();
    };
    row.append(
      h(
        'button',
        { type: 'button', class: 'button ghost small', 'aria-label': 'Remove', onclick: remove },
        '✕',
      ),
    );
    bonusRows.append(row);
  };
  for (const [action, amount] of Object.entries(start.outcome_bonus_by_action)) addBonus(action, amount);

  const sample = {
    input: countInput('tokens_input', 2800),
    output: countInput('tokens_output', 650),
    cached: countInput('tokens_cached_input', 0),
    action: h('input', {
      id: 'sample-action',
      type: 'text',
      value: Object.keys(start.outcome_bonus_by_action)[0] ?? '',
      placeholder: 'any action',
    }),
    outcome: h(
      'select',
      { id: 'sample-outcome' },
      h('option', { value: 'success' }, 'Succeeded (bonus charged)'),
      h('option', { value: 'none' }, 'No outcome, or failed'),
    ),
  };
  const cells = {
    base: h('dd'),
    tokens: h('dd'),
    outcome: h('dd'),
    total: h('dd', { class: 'preview-total', 'data-testid': 'preview-total' }),
  };
  const status = h('div', { class: 'preview-status muted', role: 'status' });
  const saveStatus = h('div', { class: 'save-status', role: 'status' });
  const saveButton = h(
    'button',
    { type: 'submit', class: 'button primary' },
    tier ? 'Save new version' : 'Create tier',
  );
  const title = h('span', {}, tier ? `Edit tier ${tier.tier_id}` : 'New tier');
  const version = h('span', { class: 'badge' }, tier ? `v${tier.version}` : 'new');

  /** The edited tier as the API takes it, or null after marking the invalid fields. */
  function collect(): { id: string; input: TierInput } | null {
    let valid = true;
    const check = (control: HTMLElement, ok: boolean, text: string) => {
      setFieldError(control, ok ? null : text);
      valid &&= ok;
    };
    const id = idInput.value.trim();
    check(idInput, /^[a-z0-9][a-z0-9_.-]{0,63}$/.test(id), 'Lower-case letters, digits and _.- (up to 64).');
    check(currency, /^[A-Z]{3}$/.test(currency.value.trim()), 'A three-letter code such as USD.');
    const amounts = {} as Record<MoneyField, string>;
    for (const [name, control] of Object.entries(inputs) as [MoneyField, HTMLInputElement][]) {
      const value = control.value.trim() || '0';
      check(control, isMoneyInput(value), MONEY_HINT);
      amounts[name] = value;
    }
    const byAction: Record<string, string> = {};
    for (const row of bonusRows.querySelectorAll('.bonus-row')) {
      const [actionInput, amountInput] = row.querySelectorAll('input');
      const action = actionInput?.value.trim() ?? '';
      const amount = amountInput?.value.trim() ?? '';
      const ok = action !== '' && !(action in byAction) && isMoneyInput(amount);
      row.toggleAttribute('data-invalid', !ok);
      valid &&= ok;
      if (ok) byAction[action] = amount;
    }
    if (!valid) return null;
    const text = description.value.trim();
    return {
      id,
      input: {
        ...(text ? { description: text } : {}),
        ...amounts,
        token_unit: unit.value === '1000000' ? 1000000 : 1000,
        outcome_bonus_by_action: byAction,
        currency: currency.value.trim(),
      },
    };
  }

  let previewRequest = 0;
  let previewAbort: AbortController | undefined;
  const runPreview = debounce(async () => {
    const edited = collect();
    const counts = [sample.input, sample.output, sample.cached].map((control) => control.valueAsNumber);
    if (!edited || counts.some((count) => !Number.isInteger(count) || count < 0)) {
      status.textContent = 'Fix the highlighted fields to see the price.';
      return;
    }
    const [tokensInput = 0, tokensOutput = 0, cachedInput = 0] = counts;
    const mine = ++previewRequest;
    previewAbort?.abort();
    previewAbort = new AbortController();
    signal.addEventListener('abort', () => previewAbort?.abort(), { once: true });
    status.textContent = 'Pricing…';
    try {
      const action = sample.action.value.trim();
      const response = await api.post<SimulateResponse>(
        '/v1/simulate',
        {
          workload: {
            calls: 1,
            avg_tokens_input: tokensInput,
            avg_tokens_output: tokensOutput,
            avg_tokens_cached_input: cachedInput,
            successes: sample.outcome.value === 'success' ? 1 : 0,
            ...(action ? { action } : {}),
          },
          candidates: { preview: edited.input },
        },
        previewAbort.signal,
      );
      const result = response.results[0];
      if (mine !== previewRequest || !result) return;
      for (const key of ['base', 'tokens', 'outcome', 'total'] as const)
        cells[key].replaceChildren(money(result.revenue[key], result.currency));
      status.textContent = 'Priced by the server (POST /v1/simulate).';
    } catch (error) {
      if (!isAbort(error) && mine === previewRequest) status.textContent = message(error);
    }
  }, 200);
  const changed = () => {
    saveStatus.textContent = '';
    runPreview();
  };
  const addAndPrice = () => {
    addBonus();
    changed();
  };

  const form = h(
    'form',
    { class: 'tier-editor', novalidate: true, oninput: changed, onchange: changed },
    h(
      'div',
      { class: 'editor-fields' },
      h('div', { class: 'row' }, field('Tier id', idInput), field('Currency', currency)),
      field('Description', description),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Per call'),
        field('Base fee', inputs.base_fee, 'Charged on every call.'),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Per token'),
        h('div', { class: 'row' }, field('Token unit', unit)),
        h(
          'div',
          { class: 'row' },
          field('Input rate', inputs.token_rate_input),
          field('Output rate', inputs.token_rate_output),
        ),
        h(
          'div',
          { class: 'row' },
          field('Cached input rate', inputs.token_rate_cached_input),
          field('Cache write rate', inputs.token_rate_cache_write),
        ),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Per outcome'),
        field('Outcome bonus', inputs.outcome_bonus, 'Charged once when an outcome succeeds.'),
        h('div', { class: 'subhead' }, 'Bonus by action (overrides the default)'),
        bonusRows,
        h(
          'button',
          { type: 'button', class: 'button ghost small', onclick: addAndPrice },
          '+ Add action bonus',
        ),
      ),
    ),
    h(
      'aside',
      { class: 'preview', 'aria-label': 'Price preview' },
      h('h3', {}, 'Sample call'),
      h('div', { class: 'row' }, field('Input tokens', sample.input), field('Output tokens', sample.output)),
      h('div', { class: 'row' }, field('Cached input tokens', sample.cached), field('Action', sample.action)),
      field('Outcome', sample.outcome),
      h(
        'dl',
        { class: 'breakdown' },
        h('dt', {}, 'Base'),
        cells.base,
        h('dt', {}, 'Tokens'),
        cells.tokens,
        h('dt', {}, 'Outcome'),
        cells.outcome,
        h('dt', { class: 'preview-total' }, 'Price of this call'),
        cells.total,
      ),
      status,
    ),
    h('div', { class: 'editor-footer' }, saveButton, saveStatus),
  );

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const edited = collect();
    if (!edited) {
      saveStatus.textContent = 'Fix the highlighted fields first.';
      return;
    }
    saveButton.disabled = true;
    try {
      const saved = await api.put<Tier>(`/v1/tiers/${encodeURIComponent(edited.id)}`, edited.input, signal);
      idInput.readOnly = true;
      title.textContent = `Edit tier ${saved.tier_id}`;
      version.textContent = `v${saved.version}`;
      saveButton.textContent = 'Save new version';
      saveStatus.textContent = `Saved: ${saved.tier_id} is now version ${saved.version}.`;
      saveStatus.className = 'save-status ok';
      onSaved(saved);
    } catch (error) {
      if (isAbort(error)) return;
      saveStatus.textContent = message(error);
      saveStatus.className = 'save-status error';
      if (error instanceof ApiError) {
        for (const failing of error.fields) {
          const name = failing.field.replace(/^\//, '').split('/')[0] ?? '';
          const control = name in inputs ? inputs[name as MoneyField] : null;
          if (control) setFieldError(control, failing.message);
        }
      }
    } finally {
      saveButton.disabled = false;
    }
  });

  runPreview();
  return card(null, [
    h(
      'div',
      { class: 'card-header' },
      h('h2', {}, title, ' ', version),
      h('button', { type: 'button', class: 'button ghost', onclick: onClose }, 'Close'),
    ),
    form,
  ]);
}
