import { describe, expect, it } from 'vitest';
import { formatReport, runExample } from './run.js';

describe('the OpenAI example', () => {
  it('prices each of its six calls as the tier says', async () => {
    const reports = await runExample();

    expect(
      reports.map((report) => [
        report.label,
        report.customer,
        report.usage.complete,
        report.price?.price.total,
      ]),
    ).toEqual([
      // 0.001 + 25×2/1M + 13×8/1M
      ['chat.completions.create', 'cus_acme', true, '0.001154'],
      // 0.001 + 128×2/1M + 1920×0.5/1M + 96×8/1M
      ['chat.completions.create, cached', 'cus_acme', true, '0.002984'],
      // 0.001 + 64×2/1M + 420×8/1M
      ['chat stream, reasoning', 'cus_globex', true, '0.004488'],
      ['responses.stream', 'cus_globex', true, '0.001154'],
      // 0.001 + 3×2/1M
      ['embeddings.create', 'cus_globex', true, '0.001006'],
      // Broken off before the usage chunk: the call is billed, its tokens are unknown
      ['chat stream broken off early', 'cus_globex', false, '0.001'],
    ]);
    expect(formatReport(reports[2]!)).toContain('in 64, out 420, reasoning 300');
    expect(formatReport(reports[5]!)).toMatch(/0\.001 USD \(partial\)$/);
  });
});
