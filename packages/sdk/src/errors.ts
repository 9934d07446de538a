import type { MeterErrorCode } from './types.js';

const MARKER = Symbol.for('agentmeter.sdk.error');

/**
 * What `trackNow()`, `resolveNow()` and `createMeter()` throw. The `code` is stable; `ids` names the
 * events or outcomes concerned; `status` and `problem` carry the server's answer when there was one.
 * Use `MeterError.isInstance(error)` rather than `instanceof`, which fails across duplicate installs.
 */
export class MeterError extends Error {
  readonly [MARKER] = true;
  readonly code: MeterErrorCode;
  readonly ids: string[];
  /** The HTTP status of the server's final answer, when there was one. */
  readonly status: number | undefined;
  /** The server's RFC 9457 problem body, when there was one. */
  readonly problem: unknown;

  constructor(
    code: MeterErrorCode,
    message: string,
    details: { ids?: string[]; status?: number; problem?: unknown; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'MeterError';
    this.code = code;
    this.ids = details.ids ?? [];
    this.status = details.status;
    this.problem = details.problem;
  }

  static isInstance(error: unknown): error is MeterError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}
