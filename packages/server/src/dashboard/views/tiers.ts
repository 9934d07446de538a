import { isAbort } from '../api.js';
import { h } from '../dom.js';
import { formatTimestamp } from '../format.js';
import type { Tier } from '../types.js';
import { type Column, card, dataTable, errorBox, loading, money, pageHeader, type View } from '../ui.js';
import { tierEditor } from './tier-editor.js';

const unitLabel = (unit: number) => (unit === 1000000 ? '1M' : '1K');

const rate = (tier: Tier, value: string) =>
  h(
    'span',
    {},
    money(value, tier.currency),
    h('span', { class: 'muted' }, ` / ${unitLabel(tier.token_unit)}`),
  );

export const renderTiers: View = (container, { api, signal }) => {
  const editorSlot = h('div');
  const listSlot = h('div');
  let tiers: Tier[] = [];

  function edit(tier: Tier | null) {
    editorSlot.replaceChildren(
      tierEditor(
        api,
        tier,
        signal,
        () => load(),
        () => editorSlot.replaceChildren(),
      ),
    );
    editorSlot.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  const columns: Column<Tier>[] = [
    {
      label: 'Tier',
      cell: (t) =>
        h(
          'div',
          {},
          h('strong', { class: 'mono' }, t.tier_id),
          t.description ? h('div', { class: 'muted small' }, t.description) : null,
        ),
    },
    { label: 'Version', numeric: true, cell: (t) => h('span', { class: 'badge' }, `v${t.version}`) },
    { label: 'Base fee', numeric: true, cell: (t) => money(t.base_fee, t.currency) },
    { label: 'Input', numeric: true, cell: (t) => rate(t, t.token_rate_input) },
    { label: 'Output', numeric: true, cell: (t) => rate(t, t.token_rate_output) },
    { label: 'Cached input', numeric: true, cell: (t) => rate(t, t.token_rate_cached_input) },
    {
      label: 'Outcome bonus',
      numeric: true,
      cell: (t) => {
        const extra = Object.keys(t.outcome_bonus_by_action).length;
        return h(
          'span',
          {},
          money(t.outcome_bonus, t.currency),
          extra ? h('div', { class: 'muted small' }, `+${extra} by action`) : null,
        );
      },
    },
    { label: 'Currency', cell: (t) => t.currency },
    { label: 'Updated', cell: (t) => h('span', { class: 'muted' }, formatTimestamp(t.created_at)) },
    {
      label: '',
      cell: (t) =>
        h(
          'button',
          {
            type: 'button',
            class: 'button small',
            'aria-label': `Edit ${t.tier_id}`,
            onclick: () => edit(t),
          },
          'Edit',
        ),
    },
  ];

  async function load() {
    if (tiers.length === 0) listSlot.replaceChildren(loading());
    try {
      tiers = (await api.get('/v1/tiers', {}, signal)).data;
      listSlot.replaceChildren(
        card('All tiers', [
          dataTable(columns, tiers, { label: 'Pricing tiers' }),
          h(
            'p',
            { class: 'hint muted' },
            'Saving publishes a new version; events already priced keep the version that priced them. An event is priced by its ',
            h('code', {}, 'tier'),
            ', else its customer’s tier, else its agent’s, else ',
            h('code', {}, 'default'),
            '.',
          ),
        ]),
      );
    } catch (error) {
      if (!isAbort(error)) listSlot.replaceChildren(errorBox(error));
    }
  }

  container.append(
    pageHeader('Pricing tiers', 'Base fee per call + per-token rates + outcome bonus; any of them zero.', [
      h('button', { type: 'button', class: 'button primary', onclick: () => edit(null) }, 'New tier'),
    ]),
    editorSlot,
    listSlot,
  );
  load();
};
