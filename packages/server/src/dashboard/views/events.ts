import { isAbort } from '../api.js';
import { h } from '../dom.js';
import { compareDecimal, formatCount, formatTimestamp } from '../format.js';
import type { LedgerEvent } from '../types.js';
import {
  type Column,
  card,
  dataTable,
  empty,
  errorBox,
  loading,
  money,
  pageHeader,
  type View,
} from '../ui.js';

const PAGE = 50;

const columns: Column<LedgerEvent>[] = [
  { label: 'Time', cell: (e) => h('span', { title: e.timestamp }, formatTimestamp(e.timestamp)) },
  { label: 'Customer', cell: (e) => e.customer_id ?? h('span', { class: 'muted' }, '–') },
  { label: 'Agent', cell: (e) => e.agent_id },
  { label: 'Action', cell: (e) => h('span', { class: 'mono small' }, e.action) },
  { label: 'Model', cell: (e) => e.model ?? h('span', { class: 'muted' }, '–') },
  {
    label: 'Tokens in',
    numeric: true,
    cell: (e) =>
      e.usage_missing
        ? h(
            'span',
            {
              class: 'pill pill-missing',
              title:
                'Seen without token counts: charged the base fee alone. Meter the call with a wrapper for exact counts.',
            },
            'no usage',
          )
        : formatCount(e.tokens.input),
  },
  { label: 'Tokens out', numeric: true, cell: (e) => formatCount(e.tokens.output) },
  {
    label: 'Outcome',
    cell: (e) =>
      e.outcome_status === 'none'
        ? h('span', { class: 'muted' }, '–')
        : h('span', { class: `pill pill-${e.outcome_status}` }, e.outcome_status),
  },
  { label: 'Tier', cell: (e) => h('span', { class: 'mono small' }, `${e.tier} v${e.tier_version}`) },
  { label: 'Charged', numeric: true, cell: (e) => money(e.price.total, e.currency) },
  {
    label: 'On resolution',
    numeric: true,
    cell: (e) =>
      compareDecimal(e.outcome_charged, '0') > 0
        ? money(e.outcome_charged, e.currency)
        : h('span', { class: 'muted' }, '–'),
  },
];

/** The event ledger, newest first; "Load more" follows the server's cursor. */
export const renderEvents: View = (container, { api, signal }) => {
  const events: LedgerEvent[] = [];
  const body = h('div');
  let cursor: string | null = null;

  function draw() {
    const more = h('button', { type: 'button', class: 'button' }, 'Load more');
    more.addEventListener('click', () => {
      more.disabled = true;
      more.textContent = 'Loading…';
      load();
    });
    body.replaceChildren(
      events.length === 0
        ? empty('No events yet', 'Metered calls appear here, newest first.')
        : card(`${formatCount(events.length)} most recent events`, [
            dataTable(columns, events, { label: 'Event ledger', nowrap: true }),
            h(
              'p',
              { class: 'hint muted' },
              'Charged is what metering the event charged; a pending outcome charges its bonus when it is resolved as a success.',
            ),
            cursor ? h('div', { class: 'center' }, more) : null,
          ]),
    );
  }

  async function load() {
    try {
      const page = await api.get(
        '/v1/events',
        { limit: String(PAGE), ...(cursor ? { cursor } : {}) },
        signal,
      );
      events.push(...page.data);
      cursor = page.next_cursor;
      draw();
    } catch (error) {
      if (!isAbort(error)) body.replaceChildren(errorBox(error));
    }
  }

  body.append(loading());
  container.append(
    pageHeader('Events', 'The ledger: every metered call with the tier version and exact price.'),
    body,
  );
  load();
};
