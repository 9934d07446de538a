export { OtelMeterError, type OtelMeterErrorCode } from './errors.js';
export { instrumentMeter } from './instrument-meter.js';
export { AgentMeterSpanProcessor } from './span-processor.js';
export { roleOf, type SpanRole, type SpanView, usageOf } from './span-usage.js';
export type {
  AgentMeterSpanProcessorOptions,
  AttributeSource,
  FinishedSpan,
  InstrumentMeterOptions,
  MeterInstrumentation,
  SemconvVersion,
  SpanAttributionMap,
  StartedSpan,
} from './types.js';
