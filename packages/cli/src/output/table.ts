import { visibleWidth } from './style.js';

export interface Column {
  header: string;
  /** Numbers right-aligned, text left-aligned. Default: `left`. */
  align?: 'left' | 'right';
}

function pad(text: string, width: number, align: 'left' | 'right'): string {
  const gap = ' '.repeat(Math.max(0, width - visibleWidth(text)));
  return align === 'right' ? gap + text : text + gap;
}

export interface TableOptions {
  /** Spaces before every line. Default: 2. */
  indent?: number;
  /** Styles the header row (e.g. bold or dim). Default: unchanged. */
  header?: (text: string) => string;
  /** Row indexes after which a rule is drawn (e.g. before a totals row). Default: none. */
  rulesAfter?: number[];
}

/** Aligned columns: a header row, then one line per row. Cells may carry ANSI styling. */
export function renderTable(columns: Column[], rows: string[][], options: TableOptions = {}): string {
  const { indent = 2, header = (text: string) => text, rulesAfter = [] } = options;
  const widths = columns.map((column, index) =>
    Math.max(visibleWidth(column.header), ...rows.map((row) => visibleWidth(row[index] ?? ''))),
  );
  const margin = ' '.repeat(indent);
  const line = (cells: string[]) =>
    margin +
    columns
      .map((column, index) => pad(cells[index] ?? '', widths[index] ?? 0, column.align ?? 'left'))
      .join('  ')
      .trimEnd();
  const rule = margin + widths.map((width) => '─'.repeat(width)).join('  ');
  const out = [header(line(columns.map((column) => column.header)))];
  rows.forEach((row, index) => {
    out.push(line(row));
    if (rulesAfter.includes(index)) out.push(rule);
  });
  return out.join('\n');
}
