// Small building blocks shared by the views: cards, key figures, tables, messages.
import { type Api, ApiError } from './api.js';
import { type Child, h } from './dom.js';
import { formatMoney } from './format.js';

/** What a view gets: the API and a signal aborted when the user leaves the view. */
export interface ViewContext {
  api: Api;
  signal: AbortSignal;
}

export type View = (container: HTMLElement, context: ViewContext) => void;

export function card(title: string | null, children: Child[], actions: Child[] = []): HTMLElement {
  const header =
    title === null && actions.length === 0
      ? null
      : h(
          'div',
          { class: 'card-header' },
          title ? h('h2', {}, title) : null,
          h('div', { class: 'card-actions' }, actions),
        );
  return h('section', { class: 'card' }, header, children);
}

export function pageHeader(title: string, subtitle: string, actions: Child[] = []): HTMLElement {
  return h(
    'div',
    { class: 'page-header' },
    h('div', {}, h('h1', {}, title), h('p', { class: 'muted' }, subtitle)),
    h('div', { class: 'page-actions' }, actions),
  );
}

/** A key figure: label, big value, optional detail line. */
export function kpi(
  label: string,
  value: Child | Child[],
  detail: Child = null,
  testId?: string,
): HTMLElement {
  return h(
    'div',
    { class: 'kpi', 'data-testid': testId },
    h('div', { class: 'kpi-label' }, label),
    h('div', { class: 'kpi-value' }, value),
    detail === null ? null : h('div', { class: 'kpi-detail muted' }, detail),
  );
}

/** An amount exactly as the API wrote it, formatted; the raw decimal stays in `data-value`. */
export function money(decimal: string, currency: string): HTMLElement {
  return h(
    'span',
    { class: 'money', 'data-value': decimal, title: `${decimal} ${currency}` },
    formatMoney(decimal, currency),
  );
}

export function message(error: unknown): string {
  if (error instanceof ApiError) return error.describe();
  return error instanceof Error ? error.message : String(error);
}

export function errorBox(error: unknown): HTMLElement {
  return h('div', { class: 'alert alert-error', role: 'alert' }, message(error));
}

export function loading(text = 'Loading…'): HTMLElement {
  return h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spinner' }), text);
}

export function empty(title: string, text: string): HTMLElement {
  return h('div', { class: 'empty' }, h('strong', {}, title), h('p', { class: 'muted' }, text));
}

export interface Column<T> {
  label: string;
  numeric?: boolean;
  cell: (row: T) => Child;
}

/** A table; `onRowClick` makes rows selectable (and keyboard-focusable). */
export function dataTable<T>(
  columns: Column<T>[],
  rows: T[],
  options: {
    footer?: T[];
    onRowClick?: (row: T, element: HTMLElement) => void;
    label?: string;
    nowrap?: boolean;
  } = {},
): HTMLElement {
  const cells = (row: T, tag: 'td' | 'th') =>
    columns.map((column) => h(tag, { class: column.numeric ? 'num' : null }, column.cell(row)));
  const body = rows.map((row) => {
    const click = options.onRowClick;
    const tr = h('tr', click ? { class: 'clickable', tabindex: 0 } : {}, cells(row, 'td'));
    if (click) {
      tr.addEventListener('click', () => click(row, tr));
      tr.addEventListener('keydown', (event) => {
        if (event.key === 'Enter') click(row, tr);
      });
    }
    return tr;
  });
  return h(
    'div',
    { class: options.nowrap ? 'table-wrap nowrap' : 'table-wrap' },
    h(
      'table',
      { 'aria-label': options.label },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          columns.map((column) =>
            h('th', { class: column.numeric ? 'num' : null, scope: 'col' }, column.label),
          ),
        ),
      ),
      h('tbody', {}, body),
      options.footer?.length
        ? h(
            'tfoot',
            {},
            options.footer.map((row) => h('tr', {}, cells(row, 'td'))),
          )
        : null,
    ),
  );
}

/** A row of toggle buttons; exactly one is pressed. */
export function segmented<V extends string>(
  label: string,
  choices: { value: V; label: string }[],
  current: V,
  onChange: (value: V) => void,
): HTMLElement {
  const group = h('div', { class: 'segmented', role: 'group', 'aria-label': label });
  for (const choice of choices) {
    const button = h(
      'button',
      { type: 'button', 'aria-pressed': String(choice.value === current) },
      choice.label,
    );
    button.addEventListener('click', () => {
      for (const other of group.querySelectorAll('button')) other.setAttribute('aria-pressed', 'false');
      button.setAttribute('aria-pressed', 'true');
      onChange(choice.value);
    });
    group.append(button);
  }
  return group;
}

/** A labelled form control with an optional hint and a slot for its error. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    control,
    hint ? h('div', { class: 'hint muted' }, hint) : null,
    h('div', { class: 'field-error', 'aria-live': 'polite' }),
  );
}

/** Shows (or clears) the error under a field built by `field()`. */
export function setFieldError(control: HTMLElement, text: string | null): void {
  if (text === null) control.removeAttribute('aria-invalid');
  else control.setAttribute('aria-invalid', 'true');
  const slot = control.closest('.field')?.querySelector('.field-error');
  if (slot) slot.textContent = text ?? '';
}
