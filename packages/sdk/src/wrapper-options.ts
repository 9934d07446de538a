import type { Meter } from './types.js';
import type { UsageAttribution } from './usage.js';

/**
 * Option checks shared by the integrations (`@agentmeter/openai`, `@agentmeter/anthropic`,
 * `@agentmeter/langchain`, `@agentmeter/ai-sdk`): the contract's patterns in one place, so every
 * wrapper refuses at construction what the server would refuse later. Each integration keeps its
 * own error class and codes: it passes a factory, and this module only writes the message,
 * "Expected `field` to be …, got ….".
 */

/** Builds an integration's own error for the option at fault; `field` names it, `message` says why. */
export type OptionErrorFactory = (field: string, message: string) => Error;

/** The attribution fields a call can carry: `agent_id`, `action` and `customer_id` are Identifiers, `tier` a TierId. */
export type AttributionField = 'agent_id' | 'action' | 'customer_id' | 'tier';

/** The attribution options every integration takes, once validated. */
export interface AttributionSettings {
  agentId: string;
  action: string;
  customerId: string | undefined;
  tier: string | undefined;
  metadata: Record<string, unknown> | undefined;
}

/** What `validateAttributionOptions()` returns: the attribution, and `onError` when one was given. */
export interface ValidatedAttributionOptions extends AttributionSettings {
  onError: ((error: unknown) => void) | undefined;
}

/** The contract's `Metadata` (openapi.yaml): at most this many keys. */
export const MAX_METADATA_KEYS = 64;

/** How the contract's `Identifier` is described in messages. */
export const IDENTIFIER_EXPECTATION = 'a string of 1 to 128 characters without control characters';

/** How the contract's `TierId` is described in messages. */
export const TIER_ID_EXPECTATION = 'a tier id (lower-case letters, digits and `_.-`, up to 64 characters)';

/** How a `Meter` is described in messages. */
export const METER_EXPECTATION = 'an agentmeter Meter (with `track()` and `currentContext()`)';

// The contract's `Identifier` and `TierId` (openapi.yaml). With the `u` flag a length counts code
// points, as the server's JSON Schema `maxLength` does.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the contract's Identifier excludes exactly these.
const IDENTIFIER = /^[^\u0000-\u001F\u007F]{1,128}$/u;
const TIER_ID = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

const ATTRIBUTION_FIELDS: readonly AttributionField[] = ['agent_id', 'action', 'customer_id', 'tier'];

/** How a bad value is shown in an error message: short (strings cut at 40 characters), never the whole object. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  return String(value);
}

/** "Expected `field` to be expectation, got value." */
export function expectedMessage(field: string, expectation: string, value: unknown): string {
  return `Expected \`${field}\` to be ${expectation}, got ${describeValue(value)}.`;
}

/** True for `{}`-literal and `Object.create(null)` objects; false for arrays, class instances and `null`. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** The contract's `Identifier`: a string of 1 to 128 characters, none of them a control character. */
export function isContractIdentifier(value: unknown): value is string {
  return typeof value === 'string' && IDENTIFIER.test(value);
}

/** The contract's `TierId`: lower-case letters, digits and `_.-`, starting with a letter or digit, up to 64 characters. */
export function isContractTierId(value: unknown): value is string {
  return typeof value === 'string' && TIER_ID.test(value);
}

/** True for anything with the `Meter` methods the integrations call (`track()` and `currentContext()`). */
export function isMeter(value: unknown): value is Meter {
  const candidate = value as Partial<Meter> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.track === 'function' &&
    typeof candidate.currentContext === 'function'
  );
}

/** Why `value` cannot be the attribution field `field`, as a message naming `name`; `undefined` when it can. */
function attributionProblem(field: AttributionField, name: string, value: unknown): string | undefined {
  if (field === 'tier')
    return isContractTierId(value) ? undefined : expectedMessage(name, TIER_ID_EXPECTATION, value);
  return isContractIdentifier(value) ? undefined : expectedMessage(name, IDENTIFIER_EXPECTATION, value);
}

/**
 * Validates the attribution options every integration takes, in this order: `agent_id` and `action`
 * (required Identifiers), `customer_id` (optional Identifier), `tier` (optional TierId), `metadata`
 * (optional plain object of at most 64 keys) and `onError` (optional function). The first bad one
 * is thrown as `invalid(field, message)`. Other keys are the caller's to check.
 */
export function validateAttributionOptions(
  options: Record<string, unknown>,
  invalid: OptionErrorFactory,
): ValidatedAttributionOptions {
  for (const field of ATTRIBUTION_FIELDS) {
    const value = options[field];
    if (value === undefined && (field === 'customer_id' || field === 'tier')) continue;
    const problem = attributionProblem(field, field, value);
    if (problem !== undefined) throw invalid(field, problem);
  }
  const metadata = options['metadata'];
  if (metadata !== undefined) {
    if (!isPlainObject(metadata))
      throw invalid('metadata', expectedMessage('metadata', 'a plain object', metadata));
    const keys = Object.keys(metadata).length;
    if (keys > MAX_METADATA_KEYS) {
      throw invalid(
        'metadata',
        `Expected \`metadata\` to have at most ${MAX_METADATA_KEYS} keys, got ${keys}.`,
      );
    }
  }
  const onError = options['onError'];
  if (onError !== undefined && typeof onError !== 'function') {
    throw invalid('onError', expectedMessage('onError', 'a function', onError));
  }
  return {
    agentId: options['agent_id'] as string,
    action: options['action'] as string,
    customerId: options['customer_id'] as string | undefined,
    tier: options['tier'] as string | undefined,
    metadata: metadata as Record<string, unknown> | undefined,
    onError: onError as ((error: unknown) => void) | undefined,
  };
}

/** What every integration resolves from its `(meter, options)` arguments. */
export interface WrapperSettings extends AttributionSettings {
  meter: Meter;
  onError: (error: unknown) => void;
}

/** How an integration reports bad arguments, and recording failures when the caller gave no `onError`. */
export interface WrapperArgumentErrors {
  /** Builds the error for a `meter` that is not a Meter. */
  invalidMeter: OptionErrorFactory;
  /** Builds the error for a bad option (`options` itself included). */
  invalidOption: OptionErrorFactory;
  /** The `onError` used when the options give none. */
  defaultOnError: (error: unknown) => void;
}

/**
 * Validates an integration's `(meter, options)` arguments: a Meter, an options object ("an object
 * with `agent_id` and `action`") and its attribution options (`validateAttributionOptions()`).
 * Returns the settings, and the options object for the integration's own options.
 */
export function resolveWrapperSettings(
  meter: unknown,
  options: unknown,
  errors: WrapperArgumentErrors,
): { settings: WrapperSettings; options: Record<string, unknown> } {
  if (!isMeter(meter)) throw errors.invalidMeter('meter', expectedMessage('meter', METER_EXPECTATION, meter));
  if (!isPlainObject(options)) {
    throw errors.invalidOption(
      'options',
      expectedMessage('options', 'an object with `agent_id` and `action`', options),
    );
  }
  const { onError, ...attribution } = validateAttributionOptions(options, errors.invalidOption);
  return { settings: { meter, ...attribution, onError: onError ?? errors.defaultOnError }, options };
}

/**
 * Who a call is billed to before any per-call override: `meter.withContext()` wins over the
 * integration's options for `agent_id`, `action` and `customer_id`; `tier` and `metadata` come from
 * the options (the Meter merges the context's metadata under them when it tracks the event).
 */
export function baseAttribution(settings: AttributionSettings & { meter: Meter }): UsageAttribution {
  const context = settings.meter.currentContext();
  const attribution: UsageAttribution = {
    agent_id: context?.agent_id ?? settings.agentId,
    action: context?.action ?? settings.action,
  };
  const customerId = context?.customer_id ?? settings.customerId;
  if (customerId !== undefined) attribution.customer_id = customerId;
  if (settings.tier !== undefined) attribution.tier = settings.tier;
  if (settings.metadata !== undefined) attribution.metadata = { ...settings.metadata };
  return attribution;
}

/** Where per-call attribution is read from, and how a bad value in it is reported. */
export interface AttributionOverrides {
  /** The per-call values, e.g. LangChain run metadata or the AI SDK's `providerOptions.agentmeter`. */
  source: Record<string, unknown>;
  /** Prefix of each key in `source`: `agentmeter_` reads `agentmeter_tier` for `tier`. */
  keyPrefix: string;
  /** Prefix of the key in the field an error names: `metadata.` names `metadata.agentmeter_tier`. */
  fieldPrefix: string;
  /** Called with the field and the message of each invalid value, which is then ignored. */
  reject: (field: string, message: string) => void;
}

/**
 * Applies per-call `agent_id`, `action`, `customer_id` and `tier` over `attribution`, each checked
 * against the contract; an invalid value is handed to `reject` and left out, never thrown.
 */
export function applyAttributionOverrides(
  attribution: UsageAttribution,
  overrides: AttributionOverrides,
): void {
  for (const field of ATTRIBUTION_FIELDS) {
    const key = `${overrides.keyPrefix}${field}`;
    const value = overrides.source[key];
    if (value === undefined) continue;
    const name = `${overrides.fieldPrefix}${key}`;
    const problem = attributionProblem(field, name, value);
    if (problem === undefined) attribution[field] = value as string;
    else overrides.reject(name, problem);
  }
}
