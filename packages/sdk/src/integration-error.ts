const INTEGRATION_MARKER = Symbol.for('agentmeter.integration.error');

/**
 * The codes every integration throws at construction: `invalid_meter` (the meter is not a Meter),
 * `invalid_client` (the wrapped thing is not a client or model the integration can meter) and
 * `invalid_option` (an option, or `options` itself, is unknown or bad).
 */
export type IntegrationErrorCode = 'invalid_meter' | 'invalid_client' | 'invalid_option';

/**
 * The one error class behind every integration's own error (`OpenAIMeterError`,
 * `AnthropicMeterError`, …). An integration subclasses it only to set its `name` and its `marker`,
 * so that `isInstance()` tells its errors apart across duplicate installs, where `instanceof` fails.
 * `code` is stable; `field` names the argument, option or per-call key at fault.
 */
export class IntegrationError<Code extends string = IntegrationErrorCode> extends Error {
  /** The `Symbol.for()` key set on every instance of this class; each subclass declares its own. */
  static readonly marker: symbol = INTEGRATION_MARKER;
  override name = 'IntegrationError';
  readonly code: Code;
  /** The argument, option or per-call key at fault, e.g. `customer_id`. */
  readonly field: string;

  constructor(code: Code, field: string, message: string) {
    super(message);
    this.code = code;
    this.field = field;
    // Every instance carries the base marker and its own class's, so `IntegrationError.isInstance()`
    // answers for any integration and `OpenAIMeterError.isInstance()` for that one only.
    const marked = this as unknown as Record<symbol, boolean>;
    marked[INTEGRATION_MARKER] = true;
    marked[(new.target as unknown as { marker: symbol }).marker] = true;
  }

  /** True for an error of this class from any copy of its package; unlike `instanceof`, works across installs. */
  static isInstance<T>(this: abstract new (...args: never[]) => T, error: unknown): error is T {
    // `this` is the class `isInstance` is called on, so each subclass checks its own marker.
    // biome-ignore lint/complexity/noThisInStatic: the subclass's marker, not this class's.
    const marker = (this as unknown as { marker: symbol }).marker;
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }
}

/** How an integration's error class is built: a subclass of `IntegrationError` with its own codes. */
export type IntegrationErrorClass = new (code: IntegrationErrorCode, field: string, message: string) => Error;
