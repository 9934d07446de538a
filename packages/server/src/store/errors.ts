import { ApiError } from '../problem.js';

/**
 * Whether an error a store threw may go away on its own (`transient`: the database is busy, locked,
 * full, restarting or unreachable; the same request later may succeed) or not (`permanent`: a
 * missing column, a syntax error, a violated constraint, a bug in our own code).
 */
export type StoreErrorKind = 'transient' | 'permanent';

/** Seconds a client is asked to wait after a transient store failure. */
export const STORE_RETRY_AFTER_SECONDS = 1;

// SQLite result codes, as better-sqlite3 names them (`SQLITE_BUSY`, `SQLITE_IOERR_WRITE`, …): another
// connection holds the lock, the disk is full or failing, the file cannot be opened or written right
// now, memory ran out, or the statement was interrupted.
const SQLITE_TRANSIENT =
  /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|READONLY|NOMEM|PROTOCOL|INTERRUPT)(_[A-Z_]+)?$/;

// PostgreSQL SQLSTATE classes whose every code is transient: 08 connection exception, 53 insufficient
// resources (disk full, out of memory, too many connections).
const PG_TRANSIENT_CLASSES = new Set(['08', '53']);
const PG_TRANSIENT_CODES = new Set([
  '40001', // serialization_failure
  '40003', // statement_completion_unknown
  '40P01', // deadlock_detected
  '55P03', // lock_not_available (lock_timeout)
  '57014', // query_canceled (statement_timeout, pg_cancel_backend)
  '57P01', // admin_shutdown (pg_terminate_backend, a fast shutdown)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, in recovery)
  '57P05', // idle_session_timeout
  '25006', // read_only_sql_transaction (a standby, mid-failover)
  '25P03', // idle_in_transaction_session_timeout
  '58000', // system_error
  '58030', // io_error
]);

// Socket-level failures on the way to the database (Node's `code` on system errors).
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

// The drivers' own failures that carry no code: pg's lost or closed connections, its connect and read
// timeouts (an exhausted pool waits for a connection until `connectionTimeoutMillis`), a pool that is
// shutting down; better-sqlite3's closed connection (a request that outlived `close()`).
const DRIVER_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Client was closed and is not queryable|Cannot use a pool after calling end on the pool|The database connection is not open)/;

/** How many `cause`/`errors` links are followed at most (a cycle must not loop). */
const MAX_DEPTH = 8;

function isTransient(error: unknown, depth: number): boolean {
  if (typeof error !== 'object' || error === null || depth > MAX_DEPTH) return false;
  const { code, message, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string') {
    if (SQLITE_TRANSIENT.test(code)) return true;
    if (
      /^[0-9A-Z]{5}$/.test(code) &&
      (PG_TRANSIENT_CLASSES.has(code.slice(0, 2)) || PG_TRANSIENT_CODES.has(code))
    )
      return true;
    if (NETWORK_CODES.has(code)) return true;
  }
  if (typeof message === 'string' && DRIVER_MESSAGES.test(message)) return true;
  // A wrapped error (`cause`) or several attempts at once (`AggregateError`, as Node's connect raises
  // when every address of a host refused).
  if (cause !== undefined && isTransient(cause, depth + 1)) return true;
  return Array.isArray(errors) && errors.some((inner) => isTransient(inner, depth + 1));
}

/**
 * Classifies any error a store (or anything else in a request) threw. Transient failures are the
 * database's condition, not the request's: the client should come back shortly. Everything else,
 * including errors not from a store at all, is permanent: retrying the same request meets the same
 * fault until someone fixes it.
 */
export function classifyStoreError(error: unknown): StoreErrorKind {
  return isTransient(error, 0) ? 'transient' : 'permanent';
}

/**
 * The problem an unexpected error answers with: transient → 503 `store_unavailable` with
 * `Retry-After`, permanent → 500 `internal_error`. The original error is kept as `cause`, for the
 * log only (the client never sees it). An `ApiError` is returned as is.
 */
export function problemForError(
  error: unknown,
  details: { transient?: string; permanent?: string } = {},
): ApiError {
  if (error instanceof ApiError) return error;
  const problem =
    classifyStoreError(error) === 'transient'
      ? new ApiError(
          503,
          'store_unavailable',
          details.transient ?? 'The store is unavailable right now; retry after `Retry-After` seconds.',
          { headers: { 'retry-after': String(STORE_RETRY_AFTER_SECONDS) } },
        )
      : new ApiError(
          500,
          'internal_error',
          details.permanent ?? 'An unexpected error occurred; it has been logged.',
          // The same request meets the same fault until someone fixes it: clients that honour this
          // hint (the agentmeter SDK, OpenAI-style clients) report it instead of retrying forever.
          { headers: { 'x-should-retry': 'false' } },
        );
  problem.cause = error;
  return problem;
}
