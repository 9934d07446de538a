// Reads the whole ledger, usage and every invoice back from the server and compares them with the
// workload, event by event and to the last digit of the totals.
import { decimal, expectedCharge, units } from './expected.js';
import { type ChaosRun, CUSTOMERS, eventFor } from './workload.mjs';

export interface Reconciliation {
  expectedEvents: number;
  ledgerEvents: number;
  /** Workload events not in the ledger. */
  missing: number;
  /** Ledger rows seen twice (a second charge). */
  duplicates: number;
  /** Ledger rows that are not workload events (e.g. an event that lost its id). */
  unexpected: string[];
  /** Events charged a different amount, or showing a different outcome, than computed here (first 20). */
  wrong: string[];
  /** Pending outcomes resolved as success: expected, and found resolved (their charge is checked per event). */
  successResolutions: { expected: number; charged: number };
  /** Exact totals as decimal strings with 12 digits. */
  expectedTotal: string;
  ledgerTotal: string;
  usageTotal: string;
  invoiceTotal: string;
  usageCalls: number;
}

type Admin = (path: string) => Promise<any>;

export function adminReader(url: string, adminKey: string): Admin {
  return async (path) => {
    const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${adminKey}` } });
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
}

const ID = /^(.+)-a(\d+)-e(\d+)$/;

export async function reconcile(
  read: Admin,
  run: ChaosRun,
  counts: readonly number[],
): Promise<Reconciliation> {
  let expectedTotal = 0n;
  let expectedSuccesses = 0;
  for (const [agent, count] of counts.entries()) {
    for (let index = 0; index < count; index++) {
      const { event, resolution } = eventFor(run, agent, index);
      const charge = expectedCharge(event, resolution);
      expectedTotal += charge.atMeter + charge.atResolution;
      if (event.outcome === 'pending' && resolution === 'success') expectedSuccesses++;
    }
  }

  const seen = counts.map((count) => new Uint8Array(count));
  const result = {
    ledgerEvents: 0,
    duplicates: 0,
    unexpected: [] as string[],
    wrong: [] as string[],
    charged: 0,
    total: 0n,
  };
  for (let cursor: string | null = null; ; ) {
    const page: { data: any[]; next_cursor: string | null } = await read(
      `/v1/events?limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
    );
    for (const row of page.data) {
      result.ledgerEvents++;
      const charged = units(row.price.total);
      const resolved = units(row.outcome_charged);
      result.total += charged + resolved;
      const match = ID.exec(row.event_id);
      const agent = Number(match?.[2]);
      const index = Number(match?.[3]);
      const marks = seen[agent];
      if (!match || match[1] !== run.tag || !marks || index >= marks.length) {
        if (result.unexpected.length < 20) result.unexpected.push(row.event_id);
        continue;
      }
      if (marks[index]) result.duplicates++;
      marks[index] = 1;
      const { event, resolution } = eventFor(run, agent, index);
      const expected = expectedCharge(event, resolution);
      if (event.outcome === 'pending' && row.outcome_status === 'success') result.charged++;
      if (
        charged !== expected.atMeter ||
        resolved !== expected.atResolution ||
        row.outcome_status !== expected.status
      ) {
        if (result.wrong.length < 20) {
          result.wrong.push(
            `${row.event_id}: charged ${decimal(charged)} + ${decimal(resolved)} (${row.outcome_status}), expected ${decimal(expected.atMeter)} + ${decimal(expected.atResolution)} (${expected.status})`,
          );
        }
      }
    }
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  const missing = seen.reduce((sum, marks) => sum + marks.filter((mark) => mark === 0).length, 0);

  const usage = await read('/v1/usage');
  if (usage.totals.length > 1)
    throw new Error(`usage has several currencies: ${JSON.stringify(usage.totals)}`);
  let invoiceTotal = 0n;
  for (let customer = 0; customer < CUSTOMERS; customer++) {
    const invoice = await read(`/v1/invoices/preview?customer_id=cust-${customer}`);
    invoiceTotal += units(invoice.total);
  }
  return {
    expectedEvents: counts.reduce((sum, count) => sum + count, 0),
    ledgerEvents: result.ledgerEvents,
    missing,
    duplicates: result.duplicates,
    unexpected: result.unexpected,
    wrong: result.wrong,
    successResolutions: { expected: expectedSuccesses, charged: result.charged },
    expectedTotal: decimal(expectedTotal),
    ledgerTotal: decimal(result.total),
    usageTotal: decimal(units(usage.totals[0]?.amounts.total ?? '0.00')),
    invoiceTotal: decimal(invoiceTotal),
    usageCalls: usage.totals[0]?.calls ?? 0,
  };
}
