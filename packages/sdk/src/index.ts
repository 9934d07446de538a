/**
 * `@agentmeter/sdk`: what agent code imports. `createMeter`, the `Meter` and its types, and the
 * errors it throws. What integrations (provider wrappers, framework callbacks, span processors)
 * need is in `@agentmeter/sdk/integration`; the in-memory Meter for tests in `@agentmeter/sdk/testing`.
 */
export { MeterError } from './errors.js';
export { createMeter } from './meter.js';
export type { MeterOptions, OutboxOptions, OverflowPolicy } from './options.js';
export type {
  Meter,
  MeterContext,
  MeterErrorCode,
  MeterErrorInfo,
  MeterEvents,
  OutcomeResolution,
  PricedEvent,
  ShutdownResult,
  TrackEvent,
} from './types.js';
