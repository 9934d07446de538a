/**
 * When to retry and how long to wait (docs/delivery.md): network errors, timeouts, 408,
 * 409 (key in use), 429, 500, 502, 503, 504; never 400/401/403/404/413/422 or 501/505. Backoff is
 * `min(30 s, 1 s·2^n) × U[0.5, 1]` with a 500 ms floor. A Retry-After (seconds, HTTP-date or
 * `retry-after-ms`) is honoured exactly, clamped to 300 s, and does not consume the retry budget.
 */

/** The longest wait a Retry-After may impose. */
export const RETRY_AFTER_CAP_MS = 300_000;
/** Total Retry-After waiting one delivery cycle accepts before it gives up (the batch stays queued). */
export const RETRY_AFTER_BUDGET_MS = 15 * 60_000;
const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 30_000;
const BACKOFF_FLOOR_MS = 500;

/** The wait before retry number `retry` (0 for the first retry); `random` is U[0, 1). */
export function backoffDelay(retry: number, random: number = Math.random()): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(retry, 30));
  return Math.max(BACKOFF_FLOOR_MS, Math.round(ceiling * (0.5 + 0.5 * random)));
}

/**
 * The server's requested wait in ms, from `retry-after-ms`, then `Retry-After` as delta-seconds or an
 * HTTP-date; `undefined` when absent or unreadable. A past date or `0` is a wait of 0.
 */
export function parseRetryAfter(headers: Headers, now: number = Date.now()): number | undefined {
  const milliseconds = headers.get('retry-after-ms');
  if (milliseconds !== null && /^\s*\d+(\.\d+)?\s*$/.test(milliseconds))
    return Math.ceil(Number(milliseconds));
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** A failed attempt, classified. Every error an attempt throws is one of these. */
export class AttemptError extends Error {
  /** `network` (no answer), `timeout`, `http` (an error status), `invalid_response` (an unreadable 2xx). */
  readonly kind: 'network' | 'timeout' | 'http' | 'invalid_response';
  readonly status: number | undefined;
  /** The server's problem body, for `http`. */
  readonly problem: unknown;
  /** Clamped Retry-After in ms, when the server sent one. */
  readonly retryAfterMs: number | undefined;
  /** The server's `x-should-retry` hint, when sent. */
  readonly shouldRetryHint: boolean | undefined;
  /** A reset or broken pipe on a connection: typically a stale keep-alive socket. */
  readonly connectionReset: boolean;

  constructor(
    kind: AttemptError['kind'],
    message: string,
    details: {
      status?: number;
      problem?: unknown;
      headers?: Headers;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'AttemptError';
    this.kind = kind;
    this.status = details.status;
    this.problem = details.problem;
    const retryAfter = details.headers ? parseRetryAfter(details.headers) : undefined;
    this.retryAfterMs = retryAfter === undefined ? undefined : Math.min(retryAfter, RETRY_AFTER_CAP_MS);
    const hint = details.headers?.get('x-should-retry');
    this.shouldRetryHint = hint === 'true' ? true : hint === 'false' ? false : undefined;
    this.connectionReset = kind === 'network' && isConnectionReset(details.cause);
  }
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED']);

function isConnectionReset(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && RESET_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Problem codes of a 409 that no retry can fix. */
const PERMANENT_CONFLICTS = new Set([
  'idempotency_key_reused',
  'outcome_already_resolved',
  'outcome_expired',
  'last_admin_key',
]);

/** True when sending the same request again later may succeed. */
export function isRetryable(error: AttemptError): boolean {
  if (error.shouldRetryHint !== undefined) return error.shouldRetryHint;
  if (error.kind !== 'http') return true;
  const status = error.status ?? 0;
  if (status === 409) {
    const code = (error.problem as { code?: unknown } | undefined)?.code;
    return !(typeof code === 'string' && PERMANENT_CONFLICTS.has(code));
  }
  return (
    status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504
  );
}
