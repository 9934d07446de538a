// The reporting period shared by the usage and outcome views (kept while switching views).
import { h } from './dom.js';

export type Period = 'all' | '7' | '30' | '90';

const CHOICES: { value: Period; label: string }[] = [
  { value: 'all', label: 'All time' },
  { value: '7', label: 'Last 7 days' },
  { value: '30', label: 'Last 30 days' },
  { value: '90', label: 'Last 90 days' },
];

let current: Period = 'all';

/** The `from` query parameter of the period: UTC midnight N-1 days ago, so days are whole. */
export function periodFrom(period: Period = current): string | undefined {
  if (period === 'all') return undefined;
  const today = new Date();
  const start =
    Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) -
    (Number(period) - 1) * 86_400_000;
  return new Date(start).toISOString();
}

export function periodPicker(onChange: () => void): HTMLElement {
  const select = h(
    'select',
    { 'aria-label': 'Period', class: 'select' },
    CHOICES.map((choice) =>
      h('option', { value: choice.value, selected: choice.value === current }, choice.label),
    ),
  );
  select.addEventListener('change', () => {
    current = select.value as Period;
    onChange();
  });
  return select;
}
