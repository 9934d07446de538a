import { isAbort } from '../api.js';
import { componentLegend, stackedBars } from '../charts.js';
import { debounce, h } from '../dom.js';
import { compareDecimal, formatCount, percentToDecimal } from '../format.js';
import type { SimulationResult, Workload } from '../types.js';
import {
  type Column,
  card,
  dataTable,
  errorBox,
  field,
  message,
  money,
  pageHeader,
  setFieldError,
  type View,
} from '../ui.js';

/** Display names of the four reference models the simulator compares by default (keyed by the server's names). */
const GUIDE_MODELS: Record<string, string> = {
  per_token: 'Per-token',
  per_call: 'Per-call',
  outcome: 'Outcome-based',
  hybrid: 'Hybrid',
};

const numberInput = (id: string, value: number, max = 1_000_000_000, step = 1) =>
  h('input', { id, type: 'number', min: 0, max, step, value });

const nameOf = (result: SimulationResult) =>
  result.tier_version == null ? (GUIDE_MODELS[result.name] ?? result.name) : result.name;

/** The highest revenue per currency, compared exactly. */
function leaders(results: SimulationResult[]): Set<SimulationResult> {
  const best = new Map<string, SimulationResult>();
  for (const result of results) {
    const current = best.get(result.currency);
    if (!current || compareDecimal(result.revenue.total, current.revenue.total) > 0)
      best.set(result.currency, result);
  }
  return new Set(best.values());
}

export const renderSimulator: View = (container, { api, signal }) => {
  const inputs = {
    calls: numberInput('sim-calls', 1000),
    input: numberInput('sim-tokens-input', 2000),
    output: numberInput('sim-tokens-output', 800),
    cached: numberInput('sim-tokens-cached', 0),
    rate: numberInput('sim-success-rate', 15, 100, 0.1),
    action: h('input', { id: 'sim-action', type: 'text', placeholder: 'any action' }),
  };
  const slider = h('input', {
    type: 'range',
    min: 0,
    max: 100,
    step: 0.5,
    value: 15,
    'aria-label': 'Success rate slider',
  });
  slider.addEventListener('input', () => {
    inputs.rate.value = slider.value;
  });
  inputs.rate.addEventListener('input', () => {
    slider.value = inputs.rate.value;
  });

  const guideChecks = h('div', { class: 'checks' });
  const tierChecks = h('div', { class: 'checks' });
  const selectedGuide = new Set(Object.keys(GUIDE_MODELS));
  const selectedTiers = new Set<string>();
  const check = (group: Set<string>, name: string, label: string, detail: string | null) => {
    const box = h('input', { type: 'checkbox', value: name, checked: group.has(name) });
    box.addEventListener('change', () => {
      if (box.checked) group.add(name);
      else group.delete(name);
    });
    return h(
      'label',
      { class: 'check' },
      box,
      h('span', {}, label, detail ? h('span', { class: 'muted small' }, ` ${detail}`) : null),
    );
  };
  guideChecks.append(
    ...Object.entries(GUIDE_MODELS).map(([name, label]) => check(selectedGuide, name, label, null)),
  );

  const summary = h('p', { class: 'muted', role: 'status' });
  const results = h('div', { class: 'stack' });

  function workload(): Workload | null {
    let valid = true;
    const counts: number[] = [];
    for (const control of [inputs.calls, inputs.input, inputs.output, inputs.cached]) {
      const value = control.valueAsNumber;
      const ok = Number.isInteger(value) && value >= 0 && value <= 1_000_000_000;
      setFieldError(control, ok ? null : 'A whole number from 0 to 1,000,000,000.');
      valid &&= ok;
      counts.push(value);
    }
    const rate = percentToDecimal(inputs.rate.value);
    setFieldError(inputs.rate, rate === null ? 'A percentage from 0 to 100.' : null);
    if (!valid || rate === null) return null;
    const [calls = 0, tokensInput = 0, tokensOutput = 0, cachedInput = 0] = counts;
    const action = inputs.action.value.trim();
    return {
      calls,
      avg_tokens_input: tokensInput,
      avg_tokens_output: tokensOutput,
      avg_tokens_cached_input: cachedInput,
      success_rate: rate,
      ...(action ? { action } : {}),
    };
  }

  const columns: Column<SimulationResult>[] = [
    {
      label: 'Model',
      cell: (r) =>
        h(
          'div',
          { 'data-candidate': r.name },
          h('strong', {}, nameOf(r)),
          r.tier_version ? h('span', { class: 'muted small' }, ` tier v${r.tier_version}`) : null,
        ),
    },
    {
      label: 'Revenue',
      numeric: true,
      cell: (r) => h('strong', { 'data-testid': `sim-total-${r.name}` }, money(r.revenue.total, r.currency)),
    },
    { label: 'Base', numeric: true, cell: (r) => money(r.revenue.base, r.currency) },
    { label: 'Tokens', numeric: true, cell: (r) => money(r.revenue.tokens, r.currency) },
    { label: 'Outcome', numeric: true, cell: (r) => money(r.revenue.outcome, r.currency) },
    { label: 'Per call', numeric: true, cell: (r) => money(r.revenue_per_call, r.currency) },
    {
      label: 'Per success',
      numeric: true,
      cell: (r) => (r.revenue_per_success === null ? '–' : money(r.revenue_per_success, r.currency)),
    },
  ];

  let request = 0;
  let inFlight: AbortController | undefined;
  signal.addEventListener('abort', () => inFlight?.abort(), { once: true });

  const run = debounce(async () => {
    const described = workload();
    if (!described) {
      summary.textContent = 'Fix the highlighted inputs to see revenue.';
      return;
    }
    const mine = ++request;
    inFlight?.abort();
    inFlight = new AbortController();
    summary.textContent = 'Simulating…';
    try {
      const guide =
        selectedGuide.size > 0 ? api.post('/v1/simulate', { workload: described }, inFlight.signal) : null;
      const tiers =
        selectedTiers.size > 0
          ? api.post('/v1/simulate', { workload: described, tiers: [...selectedTiers] }, inFlight.signal)
          : null;
      const [guideAnswer, tierAnswer] = await Promise.all([guide, tiers]);
      if (mine !== request) return;
      const first = guideAnswer ?? tierAnswer;
      if (!first) {
        summary.textContent = 'Pick at least one pricing model to compare.';
        results.replaceChildren();
        return;
      }
      const shown = [
        ...(guideAnswer?.results.filter((result) => selectedGuide.has(result.name)) ?? []),
        ...(tierAnswer?.results ?? []),
      ];
      const best = leaders(shown);
      summary.textContent = `${formatCount(first.calls)} calls · ${formatCount(first.successes)} successes · ${formatCount(first.tokens.input)} input and ${formatCount(first.tokens.output)} output tokens, each call priced as one event by the server's engine.`;
      results.replaceChildren(
        card('Revenue by pricing model', [
          stackedBars(
            shown.map((result) => ({
              label: nameOf(result),
              currency: result.currency,
              amounts: result.revenue,
              ...(best.has(result) && shown.length > 1 ? { badge: 'highest' } : {}),
            })),
            'Revenue under each pricing model, split by component',
          ),
          componentLegend(),
        ]),
        card('Side by side', [dataTable(columns, shown, { label: 'Simulation results' })]),
      );
    } catch (error) {
      if (!isAbort(error) && mine === request) {
        summary.textContent = '';
        results.replaceChildren(errorBox(error));
      }
    }
  }, 250);

  async function loadTiers() {
    try {
      const tiers = (await api.get('/v1/tiers', {}, signal)).data;
      tierChecks.replaceChildren(
        ...tiers.map((tier) =>
          check(selectedTiers, tier.tier_id, tier.tier_id, tier.description ? `– ${tier.description}` : null),
        ),
      );
    } catch (error) {
      if (!isAbort(error)) tierChecks.replaceChildren(h('p', { class: 'muted' }, message(error)));
    }
  }

  const form = h(
    'form',
    {
      class: 'simulator-form',
      novalidate: true,
      oninput: run,
      onchange: run,
      onsubmit: (event: Event) => event.preventDefault(),
    },
    card('Workload', [
      field('Calls', inputs.calls, 'Agent runs in the period.'),
      h(
        'div',
        { class: 'row' },
        field('Avg input tokens', inputs.input),
        field('Avg output tokens', inputs.output),
      ),
      field('Avg cached input tokens', inputs.cached, 'Part of the input tokens.'),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'sim-success-rate' }, 'Success rate (%)'),
        h('div', { class: 'rate' }, slider, inputs.rate),
        h('div', { class: 'field-error' }),
      ),
      field('Action', inputs.action, 'Optional: prices per-action outcome bonuses.'),
    ]),
    card('Pricing models', [
      h('div', { class: 'subhead' }, 'Reference models'),
      guideChecks,
      h('div', { class: 'subhead' }, 'Your tiers'),
      tierChecks,
    ]),
  );

  container.append(
    pageHeader(
      'Pricing simulator',
      'Plug in your call volume, average tokens and expected success rate; see revenue under each model.',
    ),
    h('div', { class: 'simulator' }, form, h('div', { class: 'simulator-results' }, summary, results)),
  );
  loadTiers();
  run();
};
