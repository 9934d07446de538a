// The assertions of every chaos run, shared by the chaos test and the soak.
import { expect } from 'vitest';
import { FAULTS } from './fault-proxy.js';
import type { ChaosReport } from './run-chaos.js';

export function expectExactlyOnce(report: ChaosReport, events: number): void {
  const { reconciliation: r } = report;
  expect(r.expectedEvents).toBe(events);
  expect({ missing: r.missing, duplicates: r.duplicates, unexpected: r.unexpected, wrong: r.wrong }).toEqual({
    missing: 0,
    duplicates: 0,
    unexpected: [],
    wrong: [],
  });
  expect(r.ledgerEvents).toBe(events);
  expect(r.usageCalls).toBe(events);
  expect(r.successResolutions.charged).toBe(r.successResolutions.expected);
  expect(r.ledgerTotal).toBe(r.expectedTotal);
  expect(r.usageTotal).toBe(r.expectedTotal);
  expect(r.invoiceTotal).toBe(r.expectedTotal);
  // Nothing was refused, dropped or left behind: every item was acknowledged.
  for (const code of ['rejected', 'overflow', 'event_too_large', 'invalid_event', 'outbox_error'])
    expect(report.agentErrors[code] ?? 0, code).toBe(0);
  for (const result of report.agentResults) expect(result).toMatchObject({ failed: 0, pending: 0 });
  expect(report.outboxLeft).toEqual([]);
  // The chaos happened: the server restarted twice, one agent once, and every fault was injected.
  expect(report.serverStarts).toBe(3);
  expect(report.agentKills).toHaveLength(1);
  expect([...report.agentStarts].sort()).toEqual([...Array(report.agentStarts.length - 1).fill(1), 2]);
  for (const fault of FAULTS) expect(report.faults[fault], fault).toBeGreaterThan(0);
}
