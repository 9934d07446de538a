import { describe, expect, it } from 'vitest';
import { formatSpan, runExample } from './run.js';

describe('the OpenTelemetry example', () => {
  it('exports each metered call as a priced GenAI span, in the request’s trace, and the GenAI and charge metrics', async () => {
    const report = await runExample();
    const calls = report.spans.filter((span) => span.scope === '@agentmeter/otel');
    // 0.01 + (1200 − 1024) × 2/1M + 1024 × 0.5/1M + 80 × 8/1M
    expect(calls.map(formatSpan).sort()).toEqual([
      'chat gpt-4.1-mini: in 1200 (cached 1024), out 80 → 0.011504 USD for cus_acme',
      'chat gpt-4.1: in 1200 (cached 1024), out 80 → 0.011504 USD for cus_acme',
    ]);
    expect(calls.map((span) => span.kind)).toEqual([3, 3]); // OTLP SPAN_KIND_CLIENT
    expect(calls.find((span) => span.name === 'chat gpt-4.1-mini')?.attributes['gen_ai.request.stream']).toBe(
      true,
    );
    const request = report.spans.find((span) => span.name === 'POST /tickets/42/reply');
    for (const call of calls) {
      expect(call.traceId).toBe(request?.traceId);
      expect(call.parentSpanId).toBe(request?.spanId);
    }
    const everything = JSON.stringify(report.spans);
    for (const secret of ['Where is my order', 'invoice', 'ships tomorrow', 'sk-example']) {
      expect(everything).not.toContain(secret);
    }
    expect(report.metrics).toEqual(
      expect.arrayContaining([
        'agentmeter.calls',
        'agentmeter.charge',
        'gen_ai.client.operation.duration',
        'gen_ai.client.token.usage',
      ]),
    );
  });
});
