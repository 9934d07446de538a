// Key types of @agentmeter/otel's public surface, checked by the compiler (`tsc -p tsconfig.tests.json`);
// public-api.test.ts pins the names themselves.
import {
  AgentMeterSpanProcessor,
  type AgentMeterSpanProcessorOptions,
  AgentmeterSpanProcessor,
  type AgentmeterSpanProcessorOptions,
} from '@agentmeter/otel';
import type { Meter } from '@agentmeter/sdk';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expectTypeOf, it } from 'vitest';

describe('@agentmeter/otel', () => {
  it('has four values: the processor (and its deprecated alias), instrumentMeter and the error', () => {
    expectTypeOf<keyof typeof import('@agentmeter/otel')>().toEqualTypeOf<
      'AgentMeterSpanProcessor' | 'AgentmeterSpanProcessor' | 'OtelMeterError' | 'instrumentMeter'
    >();
  });

  it('AgentmeterSpanProcessor is an OpenTelemetry SpanProcessor built from a Meter and its options', () => {
    expectTypeOf<AgentmeterSpanProcessor>().toExtend<SpanProcessor>();
    expectTypeOf(AgentmeterSpanProcessor).constructorParameters.toEqualTypeOf<
      [meter: Meter, options?: AgentmeterSpanProcessorOptions]
    >();
  });

  it('the deprecated names are the same class and the same options, as value and as type', () => {
    expectTypeOf(AgentMeterSpanProcessor).toEqualTypeOf<typeof AgentmeterSpanProcessor>();
    expectTypeOf<AgentMeterSpanProcessor>().toEqualTypeOf<AgentmeterSpanProcessor>();
    expectTypeOf<AgentMeterSpanProcessorOptions>().toEqualTypeOf<AgentmeterSpanProcessorOptions>();
  });
});
