// The demo's printed output: live rows while it runs, then invoices, models side by side, and the pick.

import { invoiceTotal, renderInvoice } from '../commands/invoice.js';
import { renderFramework } from '../commands/simulate.js';
import { formatCount, groupDigits } from '../output/decimal.js';
import { describeBest, describeTraffic, renderSimulation } from '../output/simulation.js';
import { createStyle, type Style, visibleWidth } from '../output/style.js';
import { renderTable } from '../output/table.js';
import { summarizeTier } from '../output/tier-summary.js';
import type { DemoSetup, DemoSummary } from './run-demo.js';
import { AGENTS, type AgentId, CUSTOMERS } from './scenario.js';
import type { CallRow, ResolutionRow } from './traffic.js';

/** A table printed row by row as the calls happen: fixed column widths, numbers right-aligned. */
function liveLine(cells: [string, number, 'left' | 'right'][]): string {
  return `  ${cells
    .map(([text, width, align]) => {
      const gap = ' '.repeat(Math.max(0, width - visibleWidth(text)));
      return align === 'right' ? gap + text : text + gap;
    })
    .join('  ')}`.trimEnd();
}

/** A price aligned on its decimal point (every digit kept; longer values just extend to the right). */
function priceCell(price: string): string {
  const [integer = '0', fraction = ''] = groupDigits(price).split('.');
  return `${integer.padStart(3)}.${fraction}`;
}

const when = (iso: string) => iso.slice(0, 16).replace('T', ' ');

export function createDemoReporter(write: (line: string) => void = console.log) {
  const style: Style = createStyle();
  const heading = (text: string) => write(`\n${style.bold(text)}`);
  const callColumns = (row: CallRow | null): [string, number, 'left' | 'right'][] => [
    [row ? when(row.at) : 'WHEN (UTC)', 16, 'left'],
    [row ? row.customer : 'CUSTOMER', 8, 'left'],
    [row ? row.agent : 'AGENT', 17, 'left'],
    [row ? (row.streamed ? 'stream' : 'plain') : 'CALL', 6, 'left'],
    [row ? formatCount(row.tokens_input) : 'IN', 6, 'right'],
    [row ? formatCount(row.tokens_output) : 'OUT', 5, 'right'],
    [row ? row.tier : 'TIER', 9, 'left'],
    [row ? priceCell(row.price) : '  PRICE', 15, 'left'],
    [row ? (row.fate ? style.dim('outcome pending') : '') : '', 0, 'left'],
  ];
  return {
    setup(info: DemoSetup) {
      write(
        style.bold('agentmeter demo') +
          ' — three agents on the real openai client, metered in one line each,',
      );
      write('priced by the reference pricing models on an embedded server.\n');
      write(`  server    ${info.serverUrl}  ${style.dim(`(in-process, SQLite ${info.dbPath})`)}`);
      write(
        `  provider  ${info.providerUrl}  ${style.dim(info.providerUrl.startsWith('http://127.0.0.1') ? '(local mock OpenAI; --live uses api.openai.com)' : '(live)')}`,
      );
      heading('Tiers');
      const who = (tierId: string) => [
        ...Object.entries(info.agentTiers)
          .filter(([, tier]) => tier === tierId)
          .map(([agent]) => `agent ${agent}`),
        ...Object.entries(info.customerTiers)
          .filter(([, tier]) => tier === tierId)
          .map(([customer]) => `customer ${customer} (wins over its agents' tiers)`),
      ];
      write(
        renderTable(
          [{ header: 'TIER' }, { header: 'PRICE' }, { header: 'APPLIES TO' }],
          info.tiers.map((tier) => [
            tier.tier_id,
            summarizeTier(tier),
            style.cyan(who(tier.tier_id).join(', ')),
          ]),
          { header: style.dim },
        ),
      );
      heading("Calls — two weeks of traffic replayed; each price is the server's answer to the Meter");
      write(style.dim(liveLine(callColumns(null))));
    },
    call(row: CallRow) {
      write(liveLine(callColumns(row)));
    },
    resolution(row: ResolutionRow, first: boolean) {
      if (first) heading('Replies to the outreach emails (resolved days after they were sent)');
      const status =
        row.status === 'success'
          ? style.green('success')
          : row.status === 'failure'
            ? style.yellow('failure')
            : row.status === 'refused'
              ? style.red('expired')
              : style.dim('pending');
      const charged = row.charged === null ? '' : `+${groupDigits(row.charged)}`;
      write(
        liveLine([
          [row.customer, 8, 'left'],
          [row.prospect, 27, 'left'],
          [`sent ${row.sent_at.slice(0, 10)}`, 15, 'left'],
          [status, 7, 'left'],
          [charged, 6, 'right'],
          [style.dim(row.note), 0, 'left'],
        ]),
      );
    },
    summary(summary: DemoSummary, elapsedMs: number) {
      heading('Invoices (GET /v1/invoices/preview, all time)');
      for (const customer of CUSTOMERS) {
        const { invoice, reconciled } = summary.customers[customer];
        const check = reconciled.equal
          ? style.green(
              `✓ equals the ${reconciled.calls} call prices + ${reconciled.outcomeCharges} resolutions the Meter reported`,
            )
          : style.red(`✗ the Meter reported ${reconciled.sum}`);
        write(`\n  ${style.bold(customer)}  ${style.bold(invoiceTotal(invoice))}  ${check}`);
        write(renderInvoice(invoice, 4));
      }
      heading('The same traffic under each model (POST /v1/simulate with history; ★ earns most)');
      for (const customer of CUSTOMERS) {
        const { simulation, invoice } = summary.customers[customer];
        write(
          `\n  ${style.bold(customer)}: ${describeTraffic(simulation)}; invoiced ${invoiceTotal(invoice)}`,
        );
        write(renderSimulation(simulation, 4));
      }
      heading('Which model fits each agent? Three questions, answered from the ledger');
      for (const agent of Object.keys(AGENTS) as AgentId[]) {
        const { simulation, framework } = summary.agents[agent];
        write(`\n  ${style.bold(agent)} (${AGENTS[agent].role}; billed ${AGENTS[agent].tier})`);
        write(renderFramework(framework, 4));
        const best = describeBest(simulation);
        if (best) write(`    ${style.dim(`on this traffic, ${best}`)}`);
      }
      const resolved = summary.resolutions.filter(
        (row) => row.status === 'success' || row.status === 'failure',
      );
      write(
        `\nDone in ${(elapsedMs / 1000).toFixed(1)} s: ${summary.calls.length} calls, ${resolved.length} outcomes resolved. The server, the mock and the Meter are stopped.`,
      );
      if (summary.db)
        write(
          `The database is kept at ${summary.db}. Explore it:\n  AGENTMETER_ADMIN_KEY=${summary.adminKey} agentmeter serve --db ${summary.db}\n  AGENTMETER_API_KEY=${summary.adminKey} agentmeter usage --group-by customer_id,agent_id`,
        );
    },
  };
}
