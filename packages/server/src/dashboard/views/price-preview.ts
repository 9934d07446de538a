import { type Api, isAbort } from '../api.js';
import { debounce, h } from '../dom.js';
import type { TierInput } from '../types.js';
import { field, message, money } from '../ui.js';

const countInput = (name: string, value: number) =>
  h('input', { id: `sample-${name}`, type: 'number', min: 0, max: 1_000_000_000, step: 1, value });

/**
 * The price of one sample call under the tier being edited. It comes from POST /v1/simulate with
 * the edited tier as the only candidate and `calls: 1`: the server's own engine, to the digit.
 * `edited()` returns null while the form is invalid. `refresh()` is debounced.
 */
export function pricePreview(
  api: Api,
  signal: AbortSignal,
  edited: () => TierInput | null,
  sampleAction: string,
): { element: HTMLElement; refresh: () => void } {
  const sample = {
    input: countInput('tokens_input', 2800),
    output: countInput('tokens_output', 650),
    cached: countInput('tokens_cached_input', 0),
    action: h('input', { id: 'sample-action', type: 'text', value: sampleAction, placeholder: 'any action' }),
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
  let request = 0;
  let inFlight: AbortController | undefined;
  signal.addEventListener('abort', () => inFlight?.abort(), { once: true });

  const refresh = debounce(async () => {
    const tier = edited();
    const counts = [sample.input, sample.output, sample.cached].map((control) => control.valueAsNumber);
    if (!tier || counts.some((count) => !Number.isInteger(count) || count < 0 || count > 1_000_000_000)) {
      status.textContent = 'Fix the highlighted fields to see the price.';
      return;
    }
    const [tokensInput = 0, tokensOutput = 0, cachedInput = 0] = counts;
    const action = sample.action.value.trim();
    const mine = ++request;
    inFlight?.abort();
    inFlight = new AbortController();
    status.textContent = 'Pricing…';
    try {
      const response = await api.post(
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
          candidates: { preview: tier },
        },
        inFlight.signal,
      );
      const result = response.results[0];
      if (mine !== request || !result) return;
      for (const key of ['base', 'tokens', 'outcome', 'total'] as const)
        cells[key].replaceChildren(money(result.revenue[key], result.currency));
      status.textContent = 'Priced by the server (POST /v1/simulate).';
    } catch (error) {
      if (!isAbort(error) && mine === request) status.textContent = message(error);
    }
  }, 200);

  const element = h(
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
  );
  return { element, refresh };
}
