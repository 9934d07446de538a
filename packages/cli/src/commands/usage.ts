import type { UsageReport } from '@agentmeter/client';
import type { Command } from 'commander';
import { connect, type FieldLabels, printJson, request } from '../api.js';
import { CliError } from '../errors.js';
import { alignDecimals, formatCount } from '../output/decimal.js';
import { createStyle } from '../output/style.js';
import { renderTable } from '../output/table.js';
import { timeOption } from '../parse.js';

const DIMENSIONS = ['customer_id', 'agent_id', 'action', 'day'] as const;
type Dimension = (typeof DIMENSIONS)[number];

export const FILTER_LABELS: FieldLabels = {
  'query.customer_id': '--customer',
  'query.agent_id': '--agent',
  'query.action': '--action',
  'query.from': '--from',
  'query.to': '--to',
  'query.group_by': '--group-by',
};

/** `customer,agent` → `customer_id,agent_id`: the short names are accepted too. */
export function groupByOption(value: string | undefined): Dimension[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const name = (part === 'customer' || part === 'agent' ? `${part}_id` : part) as Dimension;
      if (!DIMENSIONS.includes(name))
        throw new CliError(`--group-by takes ${DIMENSIONS.join(', ')}, got ${JSON.stringify(part)}.`, 2);
      return name;
    });
}

const HEADERS: Record<Dimension, string> = {
  customer_id: 'CUSTOMER',
  agent_id: 'AGENT',
  action: 'ACTION',
  day: 'DAY',
};

/** The usage table: one row per group, then a rule and one totals row per currency. */
export function renderUsage(report: UsageReport): string {
  const style = createStyle();
  const groupBy = report.group_by as Dimension[];
  const rows = [...report.groups, ...report.totals];
  // Calls seen without token counts (priced by the base fee alone) get a column when there are any.
  const withoutUsage = rows.some((row) => row.usage_missing_events > 0);
  const amounts = (field: 'base' | 'tokens' | 'outcome' | 'total') =>
    alignDecimals(rows.map((row) => row.amounts[field]));
  const [base, tokens, outcome, total] = [
    amounts('base'),
    amounts('tokens'),
    amounts('outcome'),
    amounts('total'),
  ];
  const body = rows.map((row, index) => {
    const isTotal = index >= report.groups.length;
    const keys = groupBy.map((dimension, position) =>
      isTotal ? (position === 0 ? 'total' : '') : (row.key[dimension] ?? '(none)'),
    );
    const outcomes = row.outcomes;
    const cells = [
      ...keys,
      row.currency,
      formatCount(row.calls),
      ...(withoutUsage ? [formatCount(row.usage_missing_events)] : []),
      formatCount(row.tokens.input),
      formatCount(row.tokens.output),
      `${outcomes.success}/${outcomes.failure}/${outcomes.pending}/${outcomes.expired}`,
      base[index] ?? '',
      tokens[index] ?? '',
      outcome[index] ?? '',
      total[index] ?? '',
    ];
    return isTotal ? cells.map((cell) => style.bold(cell)) : cells;
  });
  const columns = [
    ...groupBy.map((dimension) => ({ header: HEADERS[dimension] })),
    { header: 'CUR' },
    { header: 'CALLS', align: 'right' as const },
    ...(withoutUsage ? [{ header: 'NO USAGE', align: 'right' as const }] : []),
    { header: 'TOKENS IN', align: 'right' as const },
    { header: 'TOKENS OUT', align: 'right' as const },
    { header: 'WON/LOST/OPEN/EXP', align: 'right' as const },
    { header: 'BASE', align: 'right' as const },
    { header: 'TOKENS', align: 'right' as const },
    { header: 'OUTCOME', align: 'right' as const },
    { header: 'TOTAL', align: 'right' as const },
  ];
  return renderTable(columns, body, {
    indent: 0,
    header: style.dim,
    rulesAfter: groupBy.length > 0 && report.groups.length > 0 ? [report.groups.length - 1] : [],
  });
}

export function registerUsage(program: Command): void {
  program
    .command('usage')
    .description('Calls, tokens, outcomes and money, in total or grouped.')
    .option('--group-by <dimensions>', `comma-separated: ${DIMENSIONS.join(', ')}`)
    .option('--customer <customer_id>', 'only this customer')
    .option('--agent <agent_id>', 'only this agent')
    .option('--action <action>', 'only this action')
    .option('--from <time>', 'inclusive start: a date (2026-01-31) or RFC 3339 time')
    .option('--to <time>', 'exclusive end: a date or RFC 3339 time')
    .option('--json', 'print the API response as JSON')
    .addHelpText(
      'after',
      `
Outcome counts are WON/LOST/OPEN/EXP: success, failure, pending, expired. Amounts are exact.

Example:
  agentmeter usage --group-by customer_id,day --from 2026-11-01 --to 2026-12-01`,
    )
    .action(
      async (
        options: {
          groupBy?: string;
          customer?: string;
          agent?: string;
          action?: string;
          from?: string;
          to?: string;
          json?: boolean;
        },
        command: Command,
      ) => {
        const groupBy = groupByOption(options.groupBy);
        const connection = connect(command);
        const query = {
          ...(groupBy.length > 0 ? { group_by: groupBy.join(',') } : {}),
          ...(options.customer !== undefined ? { customer_id: options.customer } : {}),
          ...(options.agent !== undefined ? { agent_id: options.agent } : {}),
          ...(options.action !== undefined ? { action: options.action } : {}),
          ...(options.from !== undefined ? { from: timeOption(options.from) } : {}),
          ...(options.to !== undefined ? { to: timeOption(options.to) } : {}),
        };
        const report = await request(
          connection,
          connection.client.GET('/v1/usage', { params: { query } }),
          FILTER_LABELS,
        );
        if (options.json) return printJson(report);
        if (report.totals.length === 0) {
          console.log('No usage in this period.');
          return;
        }
        console.log(renderUsage(report));
      },
    );
}
