const MARKER = Symbol.for('agentmeter.anthropic.error');

/** Stable codes of what `withMeter()` refuses. */
export type AnthropicMeterErrorCode = 'invalid_option' | 'invalid_client' | 'invalid_meter';

/** A typed refusal of bad input to `withMeter()`; `field` names the failing option. */
export class AnthropicMeterError extends Error {
  readonly [MARKER] = true;
  override readonly name = 'AnthropicMeterError';
  readonly code: AnthropicMeterErrorCode;
  readonly field: string;

  constructor(code: AnthropicMeterErrorCode, field: string, message: string) {
    super(message);
    this.code = code;
    this.field = field;
  }

  /** Works across duplicate installs of this package, unlike `instanceof`. */
  static isInstance(error: unknown): error is AnthropicMeterError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}
