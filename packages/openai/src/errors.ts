const MARKER = Symbol.for('agentmeter.openai.error');

export type OpenAIMeterErrorCode = 'invalid_option' | 'invalid_argument';

/** The one error `@agentmeter/openai` throws itself: a bad argument to `withMeter()`, naming the field. */
export class OpenAIMeterError extends Error {
  readonly code: OpenAIMeterErrorCode;
  /** The option or argument at fault, e.g. `agent_id`. */
  readonly field: string;
  readonly [MARKER] = true;

  constructor(code: OpenAIMeterErrorCode, field: string, message: string) {
    super(message);
    this.name = 'OpenAIMeterError';
    this.code = code;
    this.field = field;
  }

  /** True for an `OpenAIMeterError` from any copy of this package. */
  static isInstance(error: unknown): error is OpenAIMeterError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}
