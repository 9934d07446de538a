/**
 * What a failed provider call is metered as, the same in every integration: `agentmeter.error_type`
 * and whether the call's (zero) counts are complete.
 */
export interface CallFailure {
  /**
   * A low-cardinality error class: the provider API's own error code or type when it sent one
   * (`rate_limit_exceeded`, `rate_limit_error`, `overloaded_error`…), else the HTTP status
   * (`"429"`), else `aborted`, `timeout` or `connection_error`, else the error's class name.
   */
  errorType: string;
  /**
   * True when the provider answered with an HTTP error status: it billed no tokens, so zero is the
   * call's complete count. False for an abort, a timeout, a connection failure or anything else
   * that ended the call before (or while) the provider answered: its tokens are not known.
   */
  complete: boolean;
}

// An API's error type is a snake_case word, as OpenAI's and Anthropic's are; anything else (a
// message, a URL, an object) is no type and would only add cardinality.
const API_ERROR_TYPE = /^[a-z][a-z0-9_]{0,63}$/;

const ABORTS = new Set(['AbortError', 'APIUserAbortError', 'ModelAbortError']);
const TIMEOUTS = new Set(['APIConnectionTimeoutError', 'TimeoutError']);
const CONNECTION_FAILURES = new Set(['APIConnectionError']);
// Node's and undici's codes for a request that never got its answer.
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
// What `fetch` rejects with when the network fails (undici's wording, then browsers' and msw's).
const FETCH_FAILED = /^(fetch failed|failed to fetch)$/i;

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function apiType(value: unknown): string | undefined {
  // `error` is the envelope's own type in Anthropic's `{ type: 'error', error: { type } }`, not a class.
  return typeof value === 'string' && value !== 'error' && API_ERROR_TYPE.test(value) ? value : undefined;
}

/**
 * The API's error class, wherever the provider's SDK keeps it: `.code`/`.type` (openai;
 * @anthropic-ai/sdk since 0.81), the API error body `.error` as Anthropic sends it
 * (`{ error: { type } }`) or as openai keeps it (`{ code, type }`), or the AI SDK's parsed body
 * `.data` (`{ error: { code, type } }`). An API's `code` wins over its `type` where both exist:
 * OpenAI's `type` is coarse (a 429 is `requests` or `tokens`) where its `code` says what happened
 * (`rate_limit_exceeded`, `insufficient_quota`, `context_length_exceeded`); Anthropic sends only a
 * `type` (`rate_limit_error`). Node's and undici's own codes are upper case and never match.
 */
function apiErrorTypeOf(error: unknown): string | undefined {
  const body = field(error, 'error');
  const parsed = field(field(error, 'data'), 'error');
  for (const key of ['code', 'type']) {
    const found =
      apiType(field(error, key)) ??
      apiType(field(field(body, 'error'), key)) ??
      apiType(field(body, key)) ??
      apiType(field(parsed, key));
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The HTTP error status the provider answered with (`status`, or the AI SDK's `statusCode`). */
function httpStatusOf(error: unknown): number | undefined {
  for (const key of ['status', 'statusCode']) {
    const status = field(error, key);
    if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599)
      return status;
  }
  return undefined;
}

function classNames(error: unknown): string[] {
  const names: string[] = [];
  if (typeof error !== 'object' || error === null) return names;
  const name = field(error, 'name');
  if (typeof name === 'string' && name !== '') names.push(name);
  const constructorName = (error as { constructor?: { name?: unknown } } | null | undefined)?.constructor
    ?.name;
  if (typeof constructorName === 'string' && constructorName !== '') names.push(constructorName);
  return names;
}

/** The error's class name: its `name` unless that is the bare `Error`, else its constructor's. */
function className(error: unknown): string {
  const name = classNames(error).find((candidate) => candidate !== 'Error' && candidate !== 'Object');
  if (name !== undefined) return name.slice(0, 64);
  return error instanceof Error ? 'Error' : '_OTHER';
}

/** `aborted`, `timeout` or `connection_error` when `error` is one of those, else `undefined`. */
function kindOf(error: unknown): 'aborted' | 'timeout' | 'connection_error' | undefined {
  const names = classNames(error);
  if (names.some((name) => ABORTS.has(name))) return 'aborted';
  if (names.some((name) => TIMEOUTS.has(name))) return 'timeout';
  if (names.some((name) => CONNECTION_FAILURES.has(name))) return 'connection_error';
  const code = field(error, 'code');
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) return 'timeout';
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return 'connection_error';
  return undefined;
}

/**
 * True for an error that only says the network failed, whose cause may say how (a timeout):
 * `fetch`'s own TypeError, and the AI SDK's `APICallError` without an HTTP status (it has one
 * whenever an answer came; without, it is the "Cannot connect to API" it wraps a network failure
 * in). Status 0 is no answer either: it is what the Fetch standard gives a network error
 * (`Response.error()`), which a `fetch` can hand back instead of rejecting.
 */
function isNetworkFailure(error: unknown): boolean {
  if (error instanceof TypeError && FETCH_FAILED.test(error.message)) return true;
  const status = field(error, 'statusCode');
  return classNames(error).includes('AI_APICallError') && (status === undefined || status === 0);
}

/**
 * How a failed provider call is metered (with `meterErrors`, for a failure before any response;
 * a failure mid-stream is metered with the counts known so far, incomplete, and this `errorType`).
 */
export function failureOf(error: unknown): CallFailure {
  const status = httpStatusOf(error);
  const type = apiErrorTypeOf(error);
  if (type !== undefined) return { errorType: type, complete: status !== undefined };
  if (status !== undefined) return { errorType: String(status), complete: true };
  // The error itself, else what it wraps: a framework's own error around a network failure (the AI
  // SDK's `APICallError` "Cannot connect to API") is still a connection failure.
  let cause: unknown = error;
  let networkFailure = false;
  for (let depth = 0; depth < 4 && typeof cause === 'object' && cause !== null; depth++) {
    const kind = kindOf(cause);
    if (kind !== undefined) return { errorType: kind, complete: false };
    networkFailure ||= isNetworkFailure(cause);
    cause = field(cause, 'cause');
  }
  if (networkFailure) return { errorType: 'connection_error', complete: false };
  // Frameworks (LangChain among them) rethrow a provider's abort as a bare `Error` saying so.
  if (error instanceof Error && error.name === 'Error' && /\babort/i.test(error.message)) {
    return { errorType: 'aborted', complete: false };
  }
  return { errorType: className(error), complete: false };
}
