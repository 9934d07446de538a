import { describe, expect, it } from 'vitest';
import { formatReport, runExample } from './run.js';

describe('the Anthropic example', () => {
  it('prices each of its four calls as the tier says', async () => {
    const reports = await runExample();

    expect(
      reports.map((report) => [
        report.label,
        report.customer,
        report.usage.complete,
        report.price?.price.total,
      ]),
    ).toEqual([
      // 0.01 + 25×3/1M + 13×15/1M
      ['messages.create', 'cus_acme', true, '0.01027'],
      // 0.01 + 12×3/1M + 3000×0.3/1M + 1200×3.75/1M + 77×15/1M
      ['messages.create, prompt cache', 'cus_acme', true, '0.016591'],
      // 0.01 + 64×3/1M + 420×15/1M
      ['messages.stream, thinking', 'cus_globex', true, '0.016492'],
      // What was known when the caller broke off: 25 input, 1 output (from message_start)
      ['stream broken off after 2 words', 'cus_globex', false, '0.01009'],
    ]);
    expect(formatReport(reports[1]!)).toContain('in 4212, cached 3000, cache-write 1200, out 77');
    expect(formatReport(reports[3]!)).toMatch(/0\.01009 USD \(partial\)$/);
  });
});
