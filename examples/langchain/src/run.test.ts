import { describe, expect, it } from 'vitest';
import { formatReport, runExample } from './run.js';

describe('the LangChain example', () => {
  it('meters each call once and prints the price the server charged', async () => {
    const reports = await runExample();

    expect(
      reports.map((report) => [
        report.label,
        report.customer,
        report.agent,
        report.usage.inputTokens,
        report.price?.price.total,
      ]),
    ).toEqual([
      // 0.01 + 25×2.5/1M + 13×10/1M
      ['invoke', 'cus_acme', 'support-bot', 25, '0.0101925'],
      // 0.01 + 1212×2.5/1M + 3000×1.25/1M + 77×10/1M
      ['invoke, prompt cache', 'cus_acme', 'support-bot', 4212, '0.01755'],
      // 0.01 + 64×2.5/1M + 420×10/1M
      ['stream, reasoning', 'cus_globex', 'support-bot', 64, '0.01436'],
      // 0.01 + 25×2.5/1M + 13×10/1M
      ['chain, run metadata', 'cus_initech', 'support-bot', 25, '0.0101925'],
      // Metered once, by the openai wrapper; the handler skipped it.
      ['client also wrapped', 'cus_acme', 'openai-layer', 25, '0.0101925'],
    ]);
    expect(formatReport(reports[2]!)).toMatch(/in 64, out 420, reasoning 300 +0\.01436 USD$/);
  });
});
