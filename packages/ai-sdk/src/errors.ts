const MARKER = Symbol.for('agentmeter.ai-sdk.error');

/** Stable codes of what the AI SDK middleware refuses. */
export type AiSdkMeterErrorCode = 'invalid_option' | 'invalid_meter' | 'invalid_provider_option';

/** A typed refusal of bad input to the middleware; `field` names the failing option or provider option. */
export class AiSdkMeterError extends Error {
  readonly [MARKER] = true;
  override readonly name = 'AiSdkMeterError';
  readonly code: AiSdkMeterErrorCode;
  readonly field: string;

  constructor(code: AiSdkMeterErrorCode, field: string, message: string) {
    super(message);
    this.code = code;
    this.field = field;
  }

  /** Works across duplicate installs of this package, unlike `instanceof`. */
  static isInstance(error: unknown): error is AiSdkMeterError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}
