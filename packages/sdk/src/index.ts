export { type LayerScope, recordUsage, type RecordUsageOptions, runOuterLayer, wasMeteredByProvider } from './layers.js';
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
