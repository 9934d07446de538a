export {
  activeSpanContext,
  type CallScope,
  type CallSpan,
  isUniqueResponseId,
  observeClientFetch,
  runInCallScope,
} from './call-identity.js';
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
export { isTokenCount, reconcileTokenCounts, type TokenCounts, tokenCount } from './token-counts.js';
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
export {
  deriveEventId,
  hasUniqueResponseId,
  type NormalizedUsage,
  type UsageAttribution,
  usageToEvent,
} from './usage.js';
export {
  type AttributionField,
  type AttributionOverrides,
  type AttributionSettings,
  applyAttributionOverrides,
  baseAttribution,
  describeValue,
  expectedMessage,
  IDENTIFIER_EXPECTATION,
  isContractIdentifier,
  isContractTierId,
  isMeter,
  isPlainObject,
  MAX_METADATA_KEYS,
  METER_EXPECTATION,
  type OptionErrorFactory,
  resolveWrapperSettings,
  TIER_ID_EXPECTATION,
  type ValidatedAttributionOptions,
  validateAttributionOptions,
  type WrapperArgumentErrors,
  type WrapperSettings,
} from './wrapper-options.js';
