import { isAbort } from '../api.js';
import { type ColumnSeries, columnChart, countTicks, legend } from '../charts.js';
import { h } from '../dom.js';
import { countShare, formatCount, formatDay } from '../format.js';
import { periodFrom, periodPicker } from '../period.js';
import type { OutcomeCounts, UsageGroup } from '../types.js';
import {
  type Column,
  card,
  dataTable,
  empty,
  errorBox,
  kpi,
  loading,
  money,
  pageHeader,
  type View,
} from '../ui.js';

const STATES: { key: keyof OutcomeCounts; label: string }[] = [
  { key: 'success', label: 'Succeeded' },
  { key: 'failure', label: 'Failed' },
  { key: 'expired', label: 'Expired' },
  { key: 'pending', label: 'Pending' },
];

const resolved = (counts: OutcomeCounts) => counts.success + counts.failure + counts.expired;

/** Success rate among resolved outcomes (succeeded, failed or expired), 0 to 1; null when none resolved. */
const successRate = (counts: OutcomeCounts) =>
  resolved(counts) === 0 ? null : counts.success / resolved(counts);

function addCounts(into: OutcomeCounts, from: OutcomeCounts): OutcomeCounts {
  for (const { key } of STATES) into[key] += from[key];
  return into;
}

const zero = (): OutcomeCounts => ({ pending: 0, success: 0, failure: 0, expired: 0 });

function perDay(groups: UsageGroup[]): { day: string; counts: OutcomeCounts }[] {
  const byDay = new Map<string, OutcomeCounts>();
  for (const group of groups) {
    const day = group.key.day ?? '';
    byDay.set(day, addCounts(byDay.get(day) ?? zero(), group.outcomes));
  }
  const days = [...byDay.keys()].sort();
  const result: { day: string; counts: OutcomeCounts }[] = [];
  const first = days[0];
  const last = days[days.length - 1];
  if (!first || !last) return result;
  for (let at = Date.parse(`${first}T00:00:00Z`); at <= Date.parse(`${last}T00:00:00Z`); at += 86_400_000) {
    const day = new Date(at).toISOString().slice(0, 10);
    result.push({ day, counts: byDay.get(day) ?? zero() });
  }
  return result;
}

function chart(days: { day: string; counts: OutcomeCounts }[]): SVGSVGElement {
  const series: ColumnSeries[] = days.map(({ day, counts }) => ({
    label: formatDay(day),
    parts: STATES.map(({ key, label }) => ({
      className: `o-${key}`,
      value: counts[key],
      title: `${label}: ${formatCount(counts[key])}`,
    })),
  }));
  return columnChart(series, {
    ariaLabel: 'Outcomes per day, with the success rate',
    ticks: countTicks,
    line: {
      values: days.map(({ counts }) => successRate(counts)),
      className: 'o-rate',
      title: (rate) => `Success rate ${(rate * 100).toFixed(1)}%`,
    },
  });
}

export const renderOutcomes: View = (container, { api, signal }) => {
  const body = h('div', { class: 'stack' });
  let request = 0;

  async function load() {
    const mine = ++request;
    body.replaceChildren(loading());
    try {
      const report = await api.get('/v1/usage', { group_by: 'day', from: periodFrom() }, signal);
      if (mine !== request) return;
      const totals = report.totals.reduce((sum, group) => addCounts(sum, group.outcomes), zero());
      if (resolved(totals) + totals.pending === 0) {
        body.replaceChildren(
          empty(
            'No outcomes yet',
            'Meter an event with outcome "pending" and resolve it later, or send outcome "success".',
          ),
        );
        return;
      }
      const currencies = new Set(report.groups.map((group) => group.currency));
      const columns: Column<UsageGroup>[] = [
        { label: 'Day', cell: (g) => formatDay(g.key.day ?? '') },
        ...(currencies.size > 1 ? [{ label: 'Currency', cell: (g: UsageGroup) => g.currency }] : []),
        { label: 'Calls', numeric: true, cell: (g) => formatCount(g.calls) },
        ...STATES.map(({ key, label }) => ({
          label,
          numeric: true,
          cell: (g: UsageGroup) => formatCount(g.outcomes[key]),
        })),
        {
          label: 'Success rate',
          numeric: true,
          cell: (g) => countShare(g.outcomes.success, resolved(g.outcomes)),
        },
        { label: 'Outcome revenue', numeric: true, cell: (g) => money(g.amounts.outcome, g.currency) },
      ];
      body.replaceChildren(
        h(
          'div',
          { class: 'kpis' },
          kpi('Pending', formatCount(totals.pending), 'awaiting resolution', 'kpi-pending'),
          kpi('Succeeded', formatCount(totals.success), 'bonus charged', 'kpi-success'),
          kpi('Failed', formatCount(totals.failure), 'no bonus', 'kpi-failure'),
          kpi('Expired', formatCount(totals.expired), 'unresolved past expiry', 'kpi-expired'),
          kpi(
            'Success rate',
            countShare(totals.success, resolved(totals)),
            `of ${formatCount(resolved(totals))} resolved`,
            'kpi-rate',
          ),
        ),
        card('Outcomes per day', [
          chart(perDay(report.groups)),
          legend([
            ...STATES.map(({ key, label }) => ({ className: `o-${key}`, label })),
            { className: 'o-rate', label: 'Success rate (right axis)' },
          ]),
        ]),
        card('By day', [
          dataTable(columns, [...report.groups].reverse(), { label: 'Outcomes by day' }),
          h(
            'p',
            { class: 'hint muted' },
            'Outcome revenue counts on the day the bonus was charged: at resolution for pending outcomes.',
          ),
        ]),
      );
    } catch (error) {
      if (!isAbort(error) && mine === request) body.replaceChildren(errorBox(error));
    }
  }

  container.append(
    pageHeader(
      'Outcomes',
      'Deferred outcomes by the day their event happened; the success rate counts resolved ones.',
      [periodPicker(load)],
    ),
    body,
  );
  load();
};
