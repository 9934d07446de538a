// Hand-written SVG charts. Amounts are exact decimal strings; they become numbers only to size a bar
// (geometry), and every label or tooltip shows the exact string.
import { type Child, h, s } from './dom.js';
import { formatMoney } from './format.js';

export type Component = 'base' | 'tokens' | 'outcome';

export const COMPONENTS: { key: Component; label: string }[] = [
  { key: 'base', label: 'Base fees' },
  { key: 'tokens', label: 'Tokens' },
  { key: 'outcome', label: 'Outcome bonuses' },
];

export function legend(items: { className: string; label: string }[]): HTMLElement {
  return h(
    'ul',
    { class: 'legend' },
    items.map((item) => h('li', {}, h('span', { class: `swatch ${item.className}` }), item.label)),
  );
}

export const componentLegend = () =>
  legend(COMPONENTS.map((c) => ({ className: `c-${c.key}`, label: c.label })));

export interface BarRow {
  label: string;
  currency: string;
  amounts: Record<Component | 'total', string>;
  badge?: string;
}

/** Horizontal bars, one per row, split by component; bars are scaled per currency. */
export function stackedBars(rows: BarRow[], ariaLabel: string): HTMLElement {
  const max = new Map<string, number>();
  for (const row of rows)
    max.set(row.currency, Math.max(max.get(row.currency) ?? 0, Number(row.amounts.total)));
  return h(
    'div',
    { class: 'bars', role: 'img', 'aria-label': ariaLabel },
    rows.map((row) => {
      const scale = max.get(row.currency) || 1;
      let x = 0;
      const rects: Child[] = [
        s('rect', { class: 'track', x: 0, y: 0, width: '100%', height: '100%', rx: 3 }),
      ];
      for (const { key, label } of COMPONENTS) {
        const width = (Number(row.amounts[key]) / scale) * 100;
        if (width <= 0) continue;
        rects.push(
          s(
            'rect',
            { class: `c-${key}`, x: `${x}%`, y: 0, width: `${width}%`, height: '100%' },
            s('title', {}, `${label}: ${formatMoney(row.amounts[key], row.currency)}`),
          ),
        );
        x += width;
      }
      return h(
        'div',
        { class: 'bar-row' },
        h(
          'div',
          { class: 'bar-label', title: row.label },
          row.label,
          row.badge ? h('span', { class: 'badge' }, row.badge) : null,
        ),
        s('svg', { class: 'bar-track', preserveAspectRatio: 'none', 'aria-hidden': 'true' }, rects),
        h('div', { class: 'bar-value num' }, formatMoney(row.amounts.total, row.currency)),
      );
    }),
  );
}

export interface ColumnSeries {
  label: string;
  /** Stacked from the bottom; `value` sizes the segment, `title` is its exact tooltip. */
  parts: { className: string; value: number; title: string }[];
}

export interface ColumnChartOptions {
  ariaLabel: string;
  /** Label the value axis with these ticks (counts); omit for money, which is labelled exactly elsewhere. */
  ticks?: (max: number) => number[];
  /** A line over the columns on a 0–1 scale (a rate), with null for "no data". */
  line?: { values: (number | null)[]; className: string; title: (value: number) => string };
}

const W = 760;
const H = 240;
const M = { top: 16, right: 44, bottom: 28, left: 44 };

/** Columns per day (stacked), with an optional rate line on a 0–100% right-hand axis. */
export function columnChart(series: ColumnSeries[], options: ColumnChartOptions): SVGSVGElement {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const totals = series.map((column) => column.parts.reduce((sum, part) => sum + part.value, 0));
  const ticks = options.ticks?.(Math.max(...totals, 0)) ?? [];
  const max = Math.max(...totals, ...ticks, 0) || 1;
  const y = (value: number) => M.top + plotH - (value / max) * plotH;
  const step = plotW / Math.max(series.length, 1);
  const barW = Math.max(2, Math.min(36, step * 0.62));
  const every = Math.ceil(series.length / 12);
  const children: Child[] = [];
  for (const tick of ticks) {
    children.push(
      s('line', { class: 'grid', x1: M.left, x2: W - M.right, y1: y(tick), y2: y(tick) }),
      s('text', { class: 'axis', x: M.left - 8, y: y(tick) + 4, 'text-anchor': 'end' }, String(tick)),
    );
  }
  if (ticks.length === 0)
    children.push(s('line', { class: 'grid', x1: M.left, x2: W - M.right, y1: y(0), y2: y(0) }));
  series.forEach((column, index) => {
    const cx = M.left + step * index + step / 2;
    let base = 0;
    for (const part of column.parts) {
      if (part.value <= 0) continue;
      const top = y(base + part.value);
      children.push(
        s(
          'rect',
          { class: part.className, x: cx - barW / 2, y: top, width: barW, height: y(base) - top },
          s('title', {}, `${column.label} · ${part.title}`),
        ),
      );
      base += part.value;
    }
    if (index % every === 0) {
      children.push(s('text', { class: 'axis', x: cx, y: H - 8, 'text-anchor': 'middle' }, column.label));
    }
  });
  const line = options.line;
  if (line) {
    const ry = (rate: number) => M.top + plotH - rate * plotH;
    for (const rate of [0, 0.5, 1]) {
      children.push(s('text', { class: 'axis', x: W - M.right + 8, y: ry(rate) + 4 }, `${rate * 100}%`));
    }
    let path = '';
    const dots: Child[] = [];
    line.values.forEach((value, index) => {
      if (value === null) return;
      const x = M.left + step * index + step / 2;
      path += `${path === '' || line.values[index - 1] === null ? 'M' : 'L'}${x.toFixed(1)},${ry(value).toFixed(1)}`;
      dots.push(
        s(
          'circle',
          { class: `${line.className} dot`, cx: x, cy: ry(value), r: 3.5 },
          s('title', {}, `${series[index]?.label ?? ''} · ${line.title(value)}`),
        ),
      );
    });
    if (path) children.push(s('path', { class: `${line.className} line`, d: path }));
    children.push(...dots);
  }
  return s(
    'svg',
    { class: 'columns', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': options.ariaLabel },
    children,
  );
}

/** Up to five round ticks from 0 to at least `max`. */
export function countTicks(max: number): number[] {
  if (max <= 0) return [0, 1];
  const rough = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= rough) ?? rough;
  const ticks: number[] = [];
  for (let tick = 0; tick < max + step; tick += step) ticks.push(Math.round(tick));
  return ticks;
}
