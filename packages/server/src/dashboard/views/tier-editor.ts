import { type Api, ApiError, isAbort } from '../api.js';
import { h } from '../dom.js';
import { bonusesByAction, isMoneyInput } from '../format.js';
import type { Tier, TierInput } from '../types.js';
import { card, field, message, setFieldError } from '../ui.js';
import { pricePreview } from './price-preview.js';

type MoneyField =
  | 'base_fee'
  | 'token_rate_input'
  | 'token_rate_output'
  | 'token_rate_cached_input'
  | 'token_rate_cache_write'
  | 'outcome_bonus';

/** Rates of usage billed apart: blank leaves them out, so the rate they are part of applies. */
type OptionalMoneyField =
  | 'token_rate_cache_write_1h'
  | 'token_rate_audio_input'
  | 'token_rate_audio_output'
  | 'web_search_request_fee';

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

const moneyInput = (name: string, value: string, placeholder?: string) =>
  h('input', {
    id: `tier-${name}`,
    type: 'text',
    inputmode: 'decimal',
    autocomplete: 'off',
    value,
    class: 'mono',
    ...(placeholder === undefined ? {} : { placeholder }),
  });

/** Edits one tier (or a new one) beside a live, server-priced preview of a sample call. Saving publishes a version. */
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
  const optionalInputs: Record<OptionalMoneyField, HTMLInputElement> = {
    token_rate_cache_write_1h: moneyInput(
      'token_rate_cache_write_1h',
      start.token_rate_cache_write_1h ?? '',
      'cache write rate',
    ),
    token_rate_audio_input: moneyInput(
      'token_rate_audio_input',
      start.token_rate_audio_input ?? '',
      'input rate',
    ),
    token_rate_audio_output: moneyInput(
      'token_rate_audio_output',
      start.token_rate_audio_output ?? '',
      'output rate',
    ),
    web_search_request_fee: moneyInput('web_search_request_fee', start.web_search_request_fee ?? '', '0'),
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
    const separately: Partial<Record<OptionalMoneyField, string>> = {};
    for (const [name, control] of Object.entries(optionalInputs) as [
      OptionalMoneyField,
      HTMLInputElement,
    ][]) {
      const value = control.value.trim();
      check(control, value === '' || isMoneyInput(value), MONEY_HINT);
      if (value !== '') separately[name] = value;
    }
    const rows = [...bonusRows.querySelectorAll('.bonus-row')];
    const { byAction, invalid } = bonusesByAction(
      rows.map((row) => {
        const [actionInput, amountInput] = row.querySelectorAll('input');
        return [actionInput?.value ?? '', amountInput?.value ?? ''] as const;
      }),
    );
    rows.forEach((row, index) => {
      row.toggleAttribute('data-invalid', invalid.has(index));
    });
    valid &&= invalid.size === 0;
    if (!valid) return null;
    const text = description.value.trim();
    return {
      id,
      input: {
        ...(text ? { description: text } : {}),
        ...amounts,
        ...separately,
        token_unit: unit.value === '1000000' ? 1000000 : 1000,
        outcome_bonus_by_action: byAction,
        currency: currency.value.trim(),
      },
    };
  }

  const preview = pricePreview(
    api,
    signal,
    () => collect()?.input ?? null,
    Object.keys(start.outcome_bonus_by_action)[0] ?? '',
  );
  const changed = () => {
    saveStatus.textContent = '';
    preview.refresh();
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
        h('legend', {}, 'Billed apart (optional)'),
        h(
          'div',
          { class: 'subhead' },
          'Usage providers bill at their own rates. Blank: priced at the rate it is part of.',
        ),
        h(
          'div',
          { class: 'row' },
          field('Audio input rate', optionalInputs.token_rate_audio_input),
          field('Audio output rate', optionalInputs.token_rate_audio_output),
        ),
        h(
          'div',
          { class: 'row' },
          field('1-hour cache write rate', optionalInputs.token_rate_cache_write_1h),
          field('Web search fee', optionalInputs.web_search_request_fee, 'Per search the provider ran.'),
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
    preview.element,
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
      const saved = await api.put(`/v1/tiers/${encodeURIComponent(edited.id)}`, edited.input, signal);
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
          const control =
            name in inputs
              ? inputs[name as MoneyField]
              : name in optionalInputs
                ? optionalInputs[name as OptionalMoneyField]
                : null;
          if (control) setFieldError(control, failing.message);
        }
      }
    } finally {
      saveButton.disabled = false;
    }
  });

  preview.refresh();
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
