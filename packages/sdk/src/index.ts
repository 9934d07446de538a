export { MeterError } from './errors.js';
export {
  type LayerScope,
  onUsage,
  type RecordUsageOptions,
  recordUsage,
  runOuterLayer,
  type UsageListener,
  wasMeteredByProvider,
} from './layers.js';
export { createMeter } from './meter.js';
export type { MeterOptions, OutboxOptions, OverflowPolicy } from './options.js';
export { backoffDelay, parseRetryAfter } from './retry-policy.js';
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
export { deriveEventId, type NormalizedUsage, type UsageAttribution, usageToEvent } from './usage.js';
