import { isAbort } from '../api.js';
import { COMPONENTS, type ColumnSeries, columnChart, componentLegend, stackedBars } from '../charts.js';
import { h } from '../dom.js';
import {
  compareDecimal,
  countShare,
  formatCompactCount,
  formatCount,
  formatDay,
  formatMoney,
} from '../format.js';
import { periodFrom, periodPicker } from '../period.js';
import type { InvoiceLine, InvoicePreview, UsageDimension, UsageGroup, UsageReport } from '../types.js';
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
  segmented,
  type View,
} from '../ui.js';

const DIMENSIONS: { value: UsageDimension; label: string; noun: string }[] = [
  { value: 'customer_id', label: 'Customer', noun: 'customer' },
  { value: 'agent_id', label: 'Agent', noun: 'agent' },
  { value: 'action', label: 'Action', noun: 'action' },
  { value: 'day', label: 'Day', noun: 'day' },
];

let groupBy: UsageDimension = 'customer_id';

function groupLabel(group: UsageGroup, dimension: UsageDimension): string {
  const value = group.key[dimension];
  if (value === null || value === undefined) return dimension === 'customer_id' ? '(no customer)' : '–';
  return dimension === 'day' ? formatDay(value) : value;
}

/** Consecutive days from the first to the last, so quiet days show as gaps in the chart. */
function everyDay(days: string[]): string[] {
  const sorted = [...days].sort();
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (!first || !last) return [];
  const all: string[] = [];
  for (let at = Date.parse(`${first}T00:00:00Z`); at <= Date.parse(`${last}T00:00:00Z`); at += 86_400_000)
    all.push(new Date(at).toISOString().slice(0, 10));
  return all;
}

function revenueChart(groups: UsageGroup[], dimension: UsageDimension): HTMLElement | SVGSVGElement {
  if (dimension !== 'day') {
    const rows = groups.slice(0, 12).map((group) => ({
      label: groupLabel(group, dimension),
      currency: group.currency,
      amounts: group.amounts,
    }));
    return stackedBars(rows, `Revenue by ${dimension}, split by component`);
  }
  const currency = groups[0]?.currency ?? 'USD';
  const byDay = new Map(groups.filter((g) => g.currency === currency).map((g) => [g.key.day ?? '', g]));
  const series: ColumnSeries[] = everyDay([...byDay.keys()]).map((day) => {
    const group = byDay.get(day);
    return {
      label: formatDay(day),
      parts: COMPONENTS.map(({ key, label }) => ({
        className: `c-${key}`,
        value: group ? Number(group.amounts[key]) : 0,
        title: `${label}: ${formatMoney(group?.amounts[key] ?? '0.00', currency)}`,
      })),
    };
  });
  return columnChart(series, { ariaLabel: `Revenue per day in ${currency}, split by component` });
}

function keyFigures(totals: UsageGroup[]): HTMLElement {
  const sum = (pick: (group: UsageGroup) => number) =>
    totals.reduce((total, group) => total + pick(group), 0);
  const input = sum((g) => g.tokens.input);
  const output = sum((g) => g.tokens.output);
  const success = sum((g) => g.outcomes.success);
  const resolved = success + sum((g) => g.outcomes.failure) + sum((g) => g.outcomes.expired);
  const missing = sum((g) => g.usage_missing_events);
  const only = totals.length === 1 ? totals[0] : undefined;
  return h(
    'div',
    { class: 'kpis' },
    kpi(
      'Revenue',
      totals.map((group) => h('div', {}, money(group.amounts.total, group.currency))),
      only
        ? `Base ${formatMoney(only.amounts.base, only.currency)} · Tokens ${formatMoney(only.amounts.tokens, only.currency)} · Outcomes ${formatMoney(only.amounts.outcome, only.currency)}`
        : `${totals.length} currencies`,
      'kpi-revenue',
    ),
    kpi(
      'Calls',
      formatCount(sum((g) => g.calls)),
      missing > 0
        ? h(
            'span',
            { class: 'warn', 'data-testid': 'kpi-calls-missing' },
            `${formatCount(missing)} without token counts (base fee only)`,
          )
        : null,
      'kpi-calls',
    ),
    kpi(
      'Tokens',
      formatCompactCount(input + output),
      `${formatCount(input)} in · ${formatCount(output)} out`,
    ),
    kpi(
      'Outcome success rate',
      countShare(success, resolved),
      `${formatCount(success)} of ${formatCount(resolved)} resolved · ${formatCount(sum((g) => g.outcomes.pending))} pending`,
    ),
  );
}

function usageTable(
  report: UsageReport,
  groups: UsageGroup[],
  onCustomer: (id: string) => void,
): HTMLElement {
  const dimension = report.group_by[0] ?? 'customer_id';
  const currencies = new Set(report.totals.map((group) => group.currency));
  const columns: Column<UsageGroup & { total?: boolean }>[] = [
    {
      label: DIMENSIONS.find((d) => d.value === dimension)?.label ?? dimension,
      cell: (g) => (g.total ? h('strong', {}, 'Total') : groupLabel(g, dimension)),
    },
    ...(currencies.size > 1 ? [{ label: 'Currency', cell: (g: UsageGroup) => g.currency }] : []),
    { label: 'Calls', numeric: true, cell: (g) => formatCount(g.calls) },
    ...(report.totals.some((group) => group.usage_missing_events > 0)
      ? [{ label: 'No usage', numeric: true, cell: (g: UsageGroup) => formatCount(g.usage_missing_events) }]
      : []),
    { label: 'Input tokens', numeric: true, cell: (g) => formatCount(g.tokens.input) },
    { label: 'Output tokens', numeric: true, cell: (g) => formatCount(g.tokens.output) },
    ...COMPONENTS.map(({ key, label }) => ({
      label: label.replace(' bonuses', '').replace(' fees', ''),
      numeric: true,
      cell: (g: UsageGroup) => money(g.amounts[key], g.currency),
    })),
    { label: 'Total', numeric: true, cell: (g) => h('strong', {}, money(g.amounts.total, g.currency)) },
  ];
  return dataTable(columns, groups, {
    label: `Usage by ${dimension}`,
    footer: report.totals.map((group) => ({ ...group, total: true })),
    ...(dimension === 'customer_id'
      ? {
          onRowClick: (group: UsageGroup) => {
            if (group.key.customer_id) onCustomer(group.key.customer_id);
          },
        }
      : {}),
  });
}

function invoiceCard(invoice: InvoicePreview): HTMLElement {
  const columns: Column<InvoiceLine>[] = [
    { label: 'Line', cell: (line) => line.description },
    { label: 'Quantity', numeric: true, cell: (line) => formatCount(line.quantity) },
    { label: 'Amount', numeric: true, cell: (line) => money(line.amount, line.currency) },
  ];
  const total =
    invoice.total !== null && invoice.currency
      ? h('div', { class: 'invoice-total' }, 'Total ', money(invoice.total, invoice.currency))
      : h(
          'div',
          { class: 'invoice-total' },
          invoice.totals.map((t) => h('div', {}, `Total ${t.currency} `, money(t.total, t.currency))),
        );
  return card(`Invoice preview · ${invoice.customer_id}`, [
    invoice.lines.length === 0
      ? empty('Nothing to invoice', 'This customer has no charges in the period.')
      : dataTable(columns, invoice.lines, { label: 'Invoice lines' }),
    total,
  ]);
}

export const renderUsage: View = (container, { api, signal }) => {
  const figures = h('div');
  const body = h('div', { class: 'stack' });
  const invoiceSlot = h('div', { id: 'invoice' });
  let request = 0;

  async function showInvoice(customerId: string) {
    invoiceSlot.replaceChildren(loading('Loading invoice…'));
    try {
      const invoice = await api.get(
        '/v1/invoices/preview',
        { customer_id: customerId, from: periodFrom() },
        signal,
      );
      invoiceSlot.replaceChildren(invoiceCard(invoice));
      invoiceSlot.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
    } catch (error) {
      if (!isAbort(error)) invoiceSlot.replaceChildren(errorBox(error));
    }
  }

  async function load() {
    const mine = ++request;
    figures.replaceChildren(loading());
    body.replaceChildren();
    invoiceSlot.replaceChildren();
    try {
      const report = await api.get('/v1/usage', { group_by: groupBy, from: periodFrom() }, signal);
      if (mine !== request) return;
      if (report.totals.length === 0) {
        figures.replaceChildren(
          empty(
            'No events yet',
            'Meter a call with POST /v1/meter (or an agentmeter SDK) and it shows up here.',
          ),
        );
        return;
      }
      const groups =
        groupBy === 'day'
          ? report.groups
          : [...report.groups].sort(
              (a, b) =>
                a.currency.localeCompare(b.currency) || compareDecimal(b.amounts.total, a.amounts.total),
            );
      const noun = DIMENSIONS.find((d) => d.value === groupBy)?.noun ?? groupBy;
      figures.replaceChildren(keyFigures(report.totals));
      body.replaceChildren(
        card(`Revenue by ${noun}`, [revenueChart(groups, groupBy), componentLegend()]),
        card(`Usage by ${noun}`, [
          usageTable(report, groups, showInvoice),
          groupBy === 'customer_id'
            ? h('p', { class: 'hint muted' }, 'Select a customer to preview their invoice.')
            : null,
        ]),
      );
    } catch (error) {
      if (!isAbort(error) && mine === request) figures.replaceChildren(errorBox(error));
    }
  }

  container.append(
    pageHeader('Usage', 'Calls, tokens and revenue, exactly as the ledger holds them.', [
      segmented('Group by', DIMENSIONS, groupBy, (value) => {
        groupBy = value;
        load();
      }),
      periodPicker(load),
    ]),
    figures,
    body,
    invoiceSlot,
  );
  load();
};
