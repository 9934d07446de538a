/**
 * `@agentmeter/sdk/integration`: what an integration (a provider wrapper such as
 * `@agentmeter/openai`, a framework callback, a span processor) needs from the SDK, kept off the
 * root entry that agent code imports. Agent code needs only `createMeter`, the `Meter` types and
 * the errors; everything here is for the authors of integrations, documented in
 * `docs/integrations.md`, and versioned like the rest of the package.
 */

/** The contract's Identifier rule, one predicate everywhere (the pricing package's, re-exported). */
export { IDENTIFIER_EXPECTATION, isIdentifier } from '@agentmeter/pricing';
export {
  activeSpanContext,
  type CallScope,
  type CallSpan,
  isUniqueResponseId,
  observeClientFetch,
  withCallScope,
} from './call-identity.js';
export { type CallFailure, failureOf } from './failure.js';
export {
  IntegrationError,
  type IntegrationErrorClass,
  type IntegrationErrorCode,
} from './integration-error.js';
export {
  type LayerScope,
  onUsage,
  type RecordUsageOptions,
  recordUsage,
  runOuterLayer,
  type UsageListener,
  wasMeteredByProvider,
} from './layers.js';
export {
  isTokenCount,
  type NormalizedTokenCounts,
  reconcileTokenCounts,
  tokenCount,
} from './token-counts.js';
export {
  deriveEventId,
  hasUniqueResponseId,
  type NormalizedUsage,
  type UsageAttribution,
} from './usage.js';
export {
  type AttributionField,
  type AttributionOverrides,
  type AttributionSettings,
  baseAttribution,
  type CaptureContentOption,
  callAttribution,
  expectedMessage,
  isPlainObject,
  type OptionSpec,
  type ResolvedWrapperSettings,
  resolveWrapperSettings,
  STANDARD_OPTIONS,
  unknownOptionMessage,
  type WrapperOptions,
  type WrapperSettings,
  type WrapperSpec,
} from './wrapper-options.js';
