import { IDENTIFIER_EXPECTATION, isIdentifier, isTierId, TIER_ID_EXPECTATION } from '@agentmeter/pricing';
import type { IntegrationErrorClass } from './integration-error.js';
import type { Meter } from './types.js';
import type { UsageAttribution } from './usage.js';

/**
 * Option checks shared by the integrations (`@agentmeter/openai`, `@agentmeter/anthropic`,
 * `@agentmeter/langchain`, `@agentmeter/ai-sdk`): the contract's patterns in one place, so every
 * wrapper refuses at construction what the server would refuse later, with the same codes, the
 * same messages ("Expected `field` to be …, got …."), the same defaults and the same attribution.
 * Each integration keeps its own error class, a subclass of `IntegrationError`, and passes it in.
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

// How the contract's `Identifier` and `TierId` are described in messages: the pricing package's
// words, which the server's own checks share.
export { IDENTIFIER_EXPECTATION, TIER_ID_EXPECTATION };

/** How a `Meter` is described in messages. */
export const METER_EXPECTATION = 'an agentmeter Meter (with `track()` and `currentContext()`)';

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
    return isTierId(value) ? undefined : expectedMessage(name, TIER_ID_EXPECTATION, value);
  return isIdentifier(value) ? undefined : expectedMessage(name, IDENTIFIER_EXPECTATION, value);
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

/**
 * The options every integration takes (`withMeter(client, meter, options)`,
 * `new AgentmeterCallbackHandler(meter, options)`, `meterMiddleware(meter, options)`), documented
 * once here; each integration's options type extends it. Attribution keys are snake_case, as in
 * the events; flags are camelCase. No option has an environment-variable fallback: what a wrapper
 * does is what its code says. Any other key is refused (`invalid_option`), so a typo such as
 * `customerId` fails at construction instead of billing nobody.
 */
export interface WrapperOptions {
  /** The agent every call is billed under; a surrounding `meter.withContext({ agent_id })` wins. Required. */
  agent_id: string;
  /** The action every call is billed as; a surrounding `meter.withContext({ action })` wins. Required. */
  action: string;
  /** The customer billed; a surrounding `meter.withContext({ customer_id })` wins. Default: none (the context's, if any). */
  customer_id?: string;
  /** The pricing tier forced on every call (a TierId: `a-z0-9_.-`, up to 64). Default: none (the server picks the customer's, agent's or project tier). */
  tier?: string;
  /** Added to every event's metadata (at most 64 keys), under the context's metadata key by key. Default: none. */
  metadata?: Record<string, unknown>;
  /** Called when recording a call throws (or a per-call attribution value is invalid); the caller's call is never affected. Default: `console.error`. */
  onError?: (error: unknown) => void;
  /**
   * Also meter a call that failed before any response: one event with zero tokens and
   * `agentmeter.error_type` (see `failureOf()`), complete when the provider answered with an HTTP
   * error status, incomplete for an abort, a timeout or a connection failure. A call that fails
   * mid-stream is metered either way, with what is known. Default: `false`.
   */
  meterErrors?: boolean;
}

/** The option of the integrations that can see a call's text (`@agentmeter/openai`, `@agentmeter/anthropic`). */
export interface CaptureContentOption {
  /**
   * Copy the prompt and completion text into the event metadata (`agentmeter.prompt`,
   * `agentmeter.completion`), each cut to 1,000 characters (less if the metadata would pass
   * 8 KiB). Default: `false`: no prompt or completion text ever leaves.
   */
  captureContent?: boolean;
}

/** An integration's own option: its kind and its default. */
export interface OptionSpec {
  kind: 'boolean';
  default: boolean;
}

/** The options several integrations share, so each has one default everywhere. */
export const STANDARD_OPTIONS = {
  meterErrors: { kind: 'boolean', default: false },
  captureContent: { kind: 'boolean', default: false },
} as const satisfies Record<string, OptionSpec>;

/** What an integration tells `resolveWrapperSettings()` about itself. */
export interface WrapperSpec<Extra extends Record<string, OptionSpec>> {
  /** The package, e.g. `@agentmeter/openai`: the default `onError` names it. */
  integration: string;
  /** The integration's error class (a subclass of `IntegrationError`). */
  error: IntegrationErrorClass;
  /** Its options beyond the attribution and `onError`, by name, e.g. `{ meterErrors: STANDARD_OPTIONS.meterErrors }`. */
  options: Extra;
}

/** What every integration resolves from its `(meter, options)` arguments. */
export interface WrapperSettings extends AttributionSettings {
  meter: Meter;
  onError: (error: unknown) => void;
}

/** The settings, with each of the integration's own options resolved to its value or default. */
export type ResolvedWrapperSettings<Extra extends Record<string, OptionSpec>> = WrapperSettings & {
  [Name in keyof Extra]: boolean;
};

const BASE_OPTION_NAMES: readonly string[] = [...ATTRIBUTION_FIELDS, 'metadata', 'onError'];

/** Spelling-insensitive form of an option name: `customerId`, `customer-id` and `CUSTOMER_ID` agree. */
function foldName(name: string): string {
  return name.toLowerCase().replace(/[_\-\s]/g, '');
}

/**
 * Edit distance between two short strings: insertions, deletions, substitutions and swaps of two
 * neighbouring letters (`teir` → `tier`) each count one.
 */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, index) => index)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const above = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (above[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (above[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = best;
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/**
 * The known option `key` was most likely meant to be: one spelled the same but for case,
 * underscores and dashes, else the nearest within a small edit distance (1 for names of up to
 * four letters, 2 beyond); `undefined` when none is that close.
 */
export function closestOption(key: string, known: readonly string[]): string | undefined {
  const folded = foldName(key);
  const same = known.find((name) => foldName(name) === folded);
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestDistance = folded.length <= 4 ? 1 : 2;
  for (const name of known) {
    const distance = editDistance(folded, foldName(name));
    if (distance <= bestDistance && (best === undefined || distance < bestDistance)) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/** The message refusing option `key`, with the likely meant one or the list of known ones. */
export function unknownOptionMessage(key: string, known: readonly string[]): string {
  const suggestion = closestOption(key, known);
  if (suggestion !== undefined) return `Unknown option \`${key}\`; did you mean \`${suggestion}\`?`;
  return `Unknown option \`${key}\`. Known options: ${known.map((name) => `\`${name}\``).join(', ')}.`;
}

/**
 * Validates an integration's `(meter, options)` arguments, the same way in every integration: a
 * Meter (else `invalid_meter`), an options object ("an object with `agent_id` and `action`"), no
 * key beyond the attribution, `metadata`, `onError` and the integration's own options (each
 * unknown key refused, naming the key and the option it most likely meant), the attribution
 * (`validateAttributionOptions()`), then each own option (its kind, else its default). Every
 * option error is `invalid_option` with `field` naming the option.
 */
export function resolveWrapperSettings<Extra extends Record<string, OptionSpec>>(
  meter: unknown,
  options: unknown,
  spec: WrapperSpec<Extra>,
): ResolvedWrapperSettings<Extra> {
  const invalid = (field: string, message: string) => new spec.error('invalid_option', field, message);
  if (!isMeter(meter)) {
    throw new spec.error('invalid_meter', 'meter', expectedMessage('meter', METER_EXPECTATION, meter));
  }
  if (!isPlainObject(options)) {
    throw invalid('options', expectedMessage('options', 'an object with `agent_id` and `action`', options));
  }
  const known = [...BASE_OPTION_NAMES, ...Object.keys(spec.options)];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw invalid(key, unknownOptionMessage(key, known));
  }
  const { onError, ...attribution } = validateAttributionOptions(options, invalid);
  const own: Record<string, boolean> = {};
  for (const [name, option] of Object.entries(spec.options)) {
    const value = options[name];
    if (value !== undefined && typeof value !== 'boolean') {
      throw invalid(name, expectedMessage(name, 'a boolean', value));
    }
    own[name] = value ?? option.default;
  }
  const defaultOnError = (error: unknown) => {
    console.error(`[${spec.integration}] could not record a call:`, error);
  };
  return {
    ...own,
    meter,
    ...attribution,
    onError: onError ?? defaultOnError,
  } as ResolvedWrapperSettings<Extra>;
}

/**
 * Who a call is billed to before any per-call override: `meter.withContext()` wins over the
 * integration's options for `agent_id`, `action` and `customer_id`, and its metadata over the
 * options' `metadata` key by key; `tier` comes from the options. Every integration bills through
 * this one function, so the four agree on who wins.
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
  if (settings.metadata !== undefined || context?.metadata !== undefined) {
    attribution.metadata = { ...settings.metadata, ...context?.metadata };
  }
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
 * against the contract; an invalid value is handed to `reject` and left out, never thrown. A key of
 * the source that is none of them (any key when `keyPrefix` is empty; a key starting with the
 * prefix otherwise) is reported the same way, naming the key meant: a per-call `customerId` must not
 * bill nobody, any more than the option of the same name.
 */
export function applyAttributionOverrides(
  attribution: UsageAttribution,
  overrides: AttributionOverrides,
): void {
  const { source, keyPrefix, fieldPrefix, reject } = overrides;
  for (const field of ATTRIBUTION_FIELDS) {
    const key = `${keyPrefix}${field}`;
    const value = source[key];
    if (value === undefined) continue;
    const name = `${fieldPrefix}${key}`;
    const problem = attributionProblem(field, name, value);
    if (problem === undefined) attribution[field] = value as string;
    else reject(name, problem);
  }
  for (const key of Object.keys(source)) {
    if (!key.startsWith(keyPrefix)) continue;
    if ((ATTRIBUTION_FIELDS as readonly string[]).includes(key.slice(keyPrefix.length))) continue;
    const known = ATTRIBUTION_FIELDS.map((field) => `${fieldPrefix}${keyPrefix}${field}`);
    reject(`${fieldPrefix}${key}`, unknownOptionMessage(`${fieldPrefix}${key}`, known));
  }
}

/**
 * Who one call is billed to: `baseAttribution(settings)`, then the call's own values over it
 * (`applyAttributionOverrides()`) when it carries any. The framework integrations read per-call
 * values (LangChain run metadata, the AI SDK's `providerOptions.agentmeter`); each says only where
 * they are and how a bad one is reported.
 */
export function callAttribution(
  settings: AttributionSettings & { meter: Meter },
  overrides: AttributionOverrides | undefined,
): UsageAttribution {
  const attribution = baseAttribution(settings);
  if (overrides !== undefined) applyAttributionOverrides(attribution, overrides);
  return attribution;
}
