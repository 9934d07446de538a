const MARKER = Symbol.for('agentmeter.langchain.error');

/** Stable codes of what the LangChain handler refuses. */
export type LangChainMeterErrorCode = 'invalid_option' | 'invalid_meter' | 'invalid_metadata';

/** A typed refusal of bad input to the handler; `field` names the failing option or run-metadata key. */
export class LangChainMeterError extends Error {
  readonly [MARKER] = true;
  override readonly name = 'LangChainMeterError';
  readonly code: LangChainMeterErrorCode;
  readonly field: string;

  constructor(code: LangChainMeterErrorCode, field: string, message: string) {
    super(message);
    this.code = code;
    this.field = field;
  }

  /** Works across duplicate installs of this package, unlike `instanceof`. */
  static isInstance(error: unknown): error is LangChainMeterError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}
