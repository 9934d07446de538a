// @agentmeter/otel's public surface, pinned: the exact names its root exports, at run time and to the
// compiler. A name added, removed or renamed fails here until the list says so. The span rules the
// processor reads are not here: they are @agentmeter/genai-spans'. `AgentMeterSpanProcessor` and its
// options are the deprecated 0.1 names of `AgentmeterSpanProcessor`, removed in 1.0.
import { describe, expect, it } from 'vitest';
import { describePublicSurface } from '../../../test/support/public-api.js';

describePublicSurface([
  {
    name: '@agentmeter/otel',
    source: 'packages/otel/src/index.ts',
    expected: {
      values: ['AgentMeterSpanProcessor', 'AgentmeterSpanProcessor', 'OtelMeterError', 'instrumentMeter'],
      types: [
        'AgentMeterSpanProcessorOptions',
        'AgentmeterSpanProcessorOptions',
        'AttributeSource',
        'FinishedSpan',
        'InstrumentMeterOptions',
        'MeterInstrumentation',
        'OtelMeterErrorCode',
        'SemconvVersion',
        'SpanAttributionMap',
        'StartedSpan',
      ],
    },
    load: () => import('@agentmeter/otel'),
  },
]);

describe('the deprecated AgentMeterSpanProcessor', () => {
  it('is the very class AgentmeterSpanProcessor, not a subclass or a copy', async () => {
    const otel = await import('@agentmeter/otel');
    expect(otel.AgentMeterSpanProcessor).toBe(otel.AgentmeterSpanProcessor);
  });
});
