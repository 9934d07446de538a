// The soak: the chaos scenario of test/chaos at 1,000,000 events per store (npm run soak; not part of
// npm test). Prints the delivery rate and the final reconciliation. SOAK_EVENTS overrides the size.
import { describe, it } from 'vitest';
import { expectExactlyOnce } from '../chaos/expect-exactly-once.js';
import { faultSummary, runChaos } from '../chaos/run-chaos.js';
import { STORE_KINDS } from '../support/stores.js';

const EVENTS = Number(process.env['SOAK_EVENTS'] ?? 1_000_000);

describe.each(STORE_KINDS)('soak: exactly-once billing under chaos on %s', (kind) => {
  it(`charges each of ${EVENTS} events and each success once, to the exact total`, async () => {
    const report = await runChaos({
      kind,
      events: EVENTS,
      agents: 4,
      seed: kind === 'sqlite' ? 0x50a61 : 0x50a62,
      chunk: 10_000,
      maxBatchEvents: 1000,
      passesPerDeck: 60,
      requestTimeoutMs: 10_000,
      log: (message) => console.log(`[soak ${kind}] ${message}`),
    });
    const r = report.reconciliation;
    console.log(
      [
        `[soak ${kind}] delivered ${EVENTS} events in ${report.deliverySeconds.toFixed(1)} s: ${report.eventsPerSecond} events/s through the fault proxy`,
        `[soak ${kind}] faults: ${faultSummary(report.faults)}; server starts ${report.serverStarts}; agent starts ${report.agentStarts.join(',')}`,
        `[soak ${kind}] agent errors: ${JSON.stringify(report.agentErrors)}`,
        `[soak ${kind}] ledger ${r.ledgerEvents}/${r.expectedEvents} events, missing ${r.missing}, duplicates ${r.duplicates}, wrong ${r.wrong.length}, success resolutions ${r.successResolutions.charged}/${r.successResolutions.expected}`,
        `[soak ${kind}] expected ${r.expectedTotal} | ledger ${r.ledgerTotal} | usage ${r.usageTotal} | invoices ${r.invoiceTotal}`,
      ].join('\n'),
    );
    expectExactlyOnce(report, EVENTS);
  });
});
