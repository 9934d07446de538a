import { AgentmeterSpanProcessor } from './span-processor.js';
import type { AgentmeterSpanProcessorOptions } from './types.js';

export { OtelMeterError, type OtelMeterErrorCode } from './errors.js';
export { instrumentMeter } from './instrument-meter.js';
export { AgentmeterSpanProcessor } from './span-processor.js';
export type {
  AgentmeterSpanProcessorOptions,
  AttributeSource,
  FinishedSpan,
  InstrumentMeterOptions,
  MeterInstrumentation,
  SemconvVersion,
  SpanAttributionMap,
  StartedSpan,
} from './types.js';

/** @deprecated since 0.2 — use AgentmeterSpanProcessor; removed in 1.0 */
export const AgentMeterSpanProcessor = AgentmeterSpanProcessor;
/** @deprecated since 0.2 — use AgentmeterSpanProcessor; removed in 1.0 */
export type AgentMeterSpanProcessor = AgentmeterSpanProcessor;
/** @deprecated since 0.2 — use AgentmeterSpanProcessorOptions; removed in 1.0 */
export type AgentMeterSpanProcessorOptions = AgentmeterSpanProcessorOptions;
