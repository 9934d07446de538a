const MARKER = Symbol.for('agentmeter.otel.error');

export type OtelMeterErrorCode = 'invalid_option' | 'invalid_argument';

/** A bad argument or option of `@agentmeter/otel`, naming the field. */
export class OtelMeterError extends Error {
  readonly [MARKER] = true;
  readonly code: OtelMeterErrorCode;
  /** The option or argument at fault. */
  readonly field: string;

  constructor(code: OtelMeterErrorCode, field: string, message: string) {
    super(message);
    this.name = 'OtelMeterError';
    this.code = code;
    this.field = field;
  }

  /** True for an `OtelMeterError`, even one from another copy of this package. */
  static isInstance(error: unknown): error is OtelMeterError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

export function invalidOption(field: string, expected: string, value: unknown): OtelMeterError {
  return new OtelMeterError(
    'invalid_option',
    field,
    `Expected \`${field}\` to be ${expected}, got ${describeValue(value)}.`,
  );
}
