// Typechecked only (the lane's tsconfig.json): an SDK 3 app's code takes the span processor as its
// tracing SDK's SpanProcessor, in NodeSDK and in a tracer provider, and instrumentMeter() takes its
// providers, with the SDK 3 packages' own types.
import { AgentmeterSpanProcessor, instrumentMeter } from '@agentmeter/otel';
import type { Meter } from '@agentmeter/sdk';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { type SpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

export function setUp(meter: Meter): NodeSDK {
  const processor: SpanProcessor = new AgentmeterSpanProcessor(meter);
  const tracerProvider = new TracerProvider({ spanProcessors: [processor] });
  instrumentMeter(meter, { tracerProvider, meterProvider: new MeterProvider() });
  return new NodeSDK({ spanProcessors: [new AgentmeterSpanProcessor(meter)] });
}
