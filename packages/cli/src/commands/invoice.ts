import type { InvoicePreview } from '@agentmeter/client';
import type { Command } from 'commander';
import { connect, printJson, request } from '../api.js';
import { alignDecimals, formatCount, groupDigits } from '../output/decimal.js';
import { createStyle } from '../output/style.js';
import { renderTable } from '../output/table.js';
import { timeOption } from '../parse.js';
import { FILTER_LABELS } from './usage.js';

const UNIT = {
  base: ['call', 'calls'],
  tokens: ['token', 'tokens'],
  outcome: ['success', 'successes'],
} as const;
const DEFAULT_FROM = '1970-01-01T00:00:00.000Z';
const DEFAULT_TO = '9999-12-31T23:59:59.999Z';

/** The period as people read it: `all time`, or `from → to`. */
export function describePeriod(from: string, to: string): string {
  if (from === DEFAULT_FROM && to === DEFAULT_TO) return 'all time';
  return `${from === DEFAULT_FROM ? 'start' : from} → ${to === DEFAULT_TO ? 'now' : to}`;
}

/** The invoice lines and the exact total, as the API computed them. */
export function renderInvoice(invoice: InvoicePreview, indent = 0): string {
  const style = createStyle();
  const margin = ' '.repeat(indent);
  if (invoice.lines.length === 0)
    return `${margin}No charges for ${invoice.customer_id} (${describePeriod(invoice.from, invoice.to)}).`;
  const amounts = alignDecimals([
    ...invoice.lines.map((line) => line.amount),
    ...invoice.totals.map((total) => total.total),
  ]);
  const rows = invoice.lines.map((line, index) => [
    line.description,
    `${formatCount(line.quantity)} ${UNIT[line.component][line.quantity === 1 ? 0 : 1]}`,
    line.currency,
    amounts[index] ?? '',
  ]);
  invoice.totals.forEach((total, index) => {
    rows.push(
      ['Total', '', total.currency, amounts[invoice.lines.length + index] ?? ''].map((cell) =>
        style.bold(cell),
      ),
    );
  });
  return renderTable(
    [
      { header: 'LINE' },
      { header: 'QUANTITY', align: 'right' },
      { header: 'CUR' },
      { header: 'AMOUNT', align: 'right' },
    ],
    rows,
    { indent, header: style.dim, rulesAfter: [invoice.lines.length - 1] },
  );
}

/** `USD 12.3456` from the invoice's exact total (or every currency's, when mixed). */
export function invoiceTotal(invoice: InvoicePreview): string {
  if (invoice.total !== null && invoice.currency !== null)
    return `${invoice.currency} ${groupDigits(invoice.total)}`;
  if (invoice.totals.length === 0) return groupDigits(invoice.total ?? '0.00');
  return invoice.totals.map((total) => `${total.currency} ${groupDigits(total.total)}`).join(' + ');
}

export function registerInvoice(program: Command): void {
  program
    .command('invoice')
    .description('What a customer owes for a period, line by line, with the exact total.')
    .requiredOption('--customer <customer_id>', 'the customer to invoice')
    .option('--from <time>', 'inclusive start: a date (2026-01-01) or RFC 3339 time')
    .option('--to <time>', 'exclusive end: a date or RFC 3339 time')
    .option('--json', 'print the API response as JSON')
    .action(
      async (options: { customer: string; from?: string; to?: string; json?: boolean }, command: Command) => {
        const connection = connect(command);
        const query = {
          customer_id: options.customer,
          ...(options.from !== undefined ? { from: timeOption(options.from) } : {}),
          ...(options.to !== undefined ? { to: timeOption(options.to) } : {}),
        };
        const invoice = await request(
          connection,
          connection.client.GET('/v1/invoices/preview', { params: { query } }),
          FILTER_LABELS,
        );
        if (options.json) return printJson(invoice);
        const style = createStyle();
        console.log(
          `${style.bold(`Invoice preview for ${invoice.customer_id}`)} (${describePeriod(invoice.from, invoice.to)})`,
        );
        console.log(renderInvoice(invoice));
      },
    );
}
