// Exactly-once under chaos (npm test size): 20,000 events from 4 agent processes through the fault
// proxy, the server SIGKILLed and restarted twice, one agent SIGKILLed and restarted on its outbox.
// The soak (npm run soak) runs the same scenario at 1,000,000 events.
import { describe, it } from 'vitest';
import { STORE_KINDS } from '../support/stores.js';
import { expectExactlyOnce } from './expect-exactly-once.js';
import { faultSummary, runChaos } from './run-chaos.js';

const EVENTS = 20_000;

describe.each(STORE_KINDS)('exactly-once billing under chaos on %s', (kind) => {
  it(`charges each of ${EVENTS} events and each success once, to the exact total`, async () => {
    const lines: string[] = [];
    const report = await runChaos({
      kind,
      events: EVENTS,
      agents: 4,
      seed: kind === 'sqlite' ? 0x5eed1 : 0x5eed2,
      chunk: 2000,
      maxBatchEvents: 500,
      passesPerDeck: 24,
      requestTimeoutMs: 5000,
      log: (message) => lines.push(message),
    });
    console.log(
      `${lines.map((line) => `[chaos ${kind}] ${line}\n`).join('')}[chaos ${kind}] ${EVENTS} events in ${report.deliverySeconds.toFixed(1)} s (${report.eventsPerSecond}/s); ` +
        `total ${report.reconciliation.expectedTotal}; faults: ${faultSummary(report.faults)}; ` +
        `agent errors: ${JSON.stringify(report.agentErrors)}`,
    );
    expectExactlyOnce(report, EVENTS);
  }, 300_000);
});
