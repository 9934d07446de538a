// `stream_options.include_usage`: OpenAI sends a streamed chat completion's usage only when asked, so the
// wrapper asks. Some OpenAI-compatible servers refuse the field with a 400 (or a 422 from a schema
// validator) although the caller never sent it; the call is then made again without it, and the
// endpoint is remembered for a while so later calls do not pay the failed request again.
//
// Only a refusal that names the field counts. Any other 400 is the caller's (a bad parameter, a
// content filter, a transient upstream failure): it is surfaced as it is, sent once, and changes
// nothing here, so one unrelated error never turns usage off for an endpoint.

/** Endpoints (client base URLs) remembered at most; the oldest is forgotten first. */
const LIMIT = 1000;

/**
 * How long an endpoint that refused the field is believed to refuse it. After that the next stream
 * asks again, so a server that was upgraded (or a proxy that was fixed) reports usage again; one
 * refused request per endpoint per period is the price.
 */
export const REFUSAL_MEMORY_MS = 10 * 60_000;

/** Endpoints that refused `stream_options` (a retry without it succeeded) → when that was seen. */
const refusing = new Map<string, number>();

/** The endpoint a client sends to, as remembered here. */
export function endpointOf(baseURL: unknown): string {
  return String(baseURL ?? '').replace(/\/+$/, '');
}

export function refusesStreamOptions(endpoint: string): boolean {
  const since = refusing.get(endpoint);
  if (since === undefined) return false;
  if (Date.now() - since < REFUSAL_MEMORY_MS) return true;
  refusing.delete(endpoint);
  return false;
}

export function rememberRefusal(endpoint: string): void {
  refusing.delete(endpoint);
  if (refusing.size >= LIMIT) {
    const oldest = refusing.keys().next().value;
    if (oldest !== undefined) refusing.delete(oldest);
  }
  refusing.set(endpoint, Date.now());
}

/** The endpoint served a stream that carried the field: whatever was remembered of it is out of date. */
export function rememberAcceptance(endpoint: string): void {
  refusing.delete(endpoint);
}

/**
 * The raw body of an error answer to a request that carried the wrapper's `stream_options`. openai-node
 * keeps an error's explanation only when the body is `{ "error": { … } }`; servers validating with
 * pydantic answer `{ "detail": [ … ] }` or `{ "object": "error", "message": … }` (as Mistral's API
 * does), which it drops, leaving "422 status code (no body)". The wrapper reads such a body itself.
 */
export interface ErrorBody {
  text?: Promise<string>;
}

/** Kept on the request's `fetchOptions`, so the client's `fetch` knows where an error body goes. */
const ERROR_BODY = Symbol('agentmeter.streamOptionsErrorBody');
/** Error bodies longer than this are read only this far: a refusal names the field early. */
const BODY_LIMIT = 16_384;
const readingClients = new WeakSet<object>();

/**
 * Request options carrying `sink`, so the client's `fetch` (see `readErrorBodies`) hands it the raw
 * body of a 400 or 422 answer. The caller's own options, `fetchOptions` included, are kept.
 */
export function withErrorBody(requestOptions: unknown, sink: ErrorBody): unknown {
  if (requestOptions != null && typeof requestOptions !== 'object') return requestOptions;
  const options = (requestOptions ?? {}) as { fetchOptions?: unknown };
  const fetchOptions =
    typeof options.fetchOptions === 'object' && options.fetchOptions !== null ? options.fetchOptions : {};
  return { ...options, fetchOptions: { ...fetchOptions, [ERROR_BODY]: sink } };
}

function isResponse(value: unknown): value is Response {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<Response>).status === 'number' &&
    typeof (value as Partial<Response>).clone === 'function'
  );
}

/**
 * Makes a client's `fetch` give a request marked by `withErrorBody` a copy of the body of a 400 or 422
 * answer; the client reads its own copy as before. Every other request and answer passes untouched.
 * Doing it twice to a client does it once; a client whose `fetch` cannot be replaced is left alone
 * (refusals are then read from what openai-node keeps).
 */
export function readErrorBodies(client: object): void {
  if (readingClients.has(client)) return;
  const holder = client as { fetch?: unknown };
  const original = holder.fetch;
  if (typeof original !== 'function') return;
  const reading = function (this: unknown, ...args: unknown[]): unknown {
    const result = (original as (...a: unknown[]) => unknown).apply(this, args);
    const sink = (args[1] as { [ERROR_BODY]?: ErrorBody } | null | undefined)?.[ERROR_BODY];
    if (!sink || !(result instanceof Promise)) return result;
    return result.then((response: unknown) => {
      if (isResponse(response) && (response.status === 400 || response.status === 422)) {
        try {
          sink.text = response
            .clone()
            .text()
            .then(
              (text) => text.slice(0, BODY_LIMIT),
              () => '',
            );
        } catch {
          // A body that cannot be copied is read from what openai-node keeps.
        }
      }
      return response;
    });
  };
  try {
    holder.fetch = reading;
    readingClients.add(client);
  } catch {
    // A frozen client: refusals are read from what openai-node keeps.
  }
}

function statusOf(error: unknown): unknown {
  return (error as { status?: unknown } | null)?.status;
}

const NAMES_FIELD = /stream_options|include_usage/;

/** Whether the error, as openai-node keeps it (`param`, `message`, the body's `error`), names the field. */
function namesStreamOptions(error: unknown): boolean {
  let text = '';
  try {
    const { param, message, error: body } = error as { param?: unknown; message?: unknown; error?: unknown };
    text = [param, message].filter((part) => typeof part === 'string').join(' ');
    text += ` ${JSON.stringify(body) ?? ''}`;
  } catch {
    // An error that cannot be read says nothing about the field.
  }
  return NAMES_FIELD.test(text);
}

/**
 * Whether a failed request that carried the wrapper's own `stream_options` is worth making again
 * without it: the server refused the request as invalid (400, or 422 from servers validating with a
 * schema) and says the field is the problem, in what openai-node kept of the error or in the raw
 * body (`body`). Any other error is the caller's, surfaced after one request. The retry is what the
 * caller's own request would have been; if it fails too, its error is the caller's.
 */
export async function refusedStreamOptions(error: unknown, body?: ErrorBody): Promise<boolean> {
  const status = statusOf(error);
  if (status !== 400 && status !== 422) return false;
  if (namesStreamOptions(error)) return true;
  const text = body?.text ? await body.text : '';
  return NAMES_FIELD.test(text);
}

let warnedMissing = false;

/**
 * Warns once per process that streamed chat completions of `endpoint` report no token counts, so
 * they are metered as `usage_missing` (billed by their base fee only), with the reason and the fix.
 */
export function warnStreamUsageMissing(endpoint: string, refused: boolean): void {
  if (warnedMissing) return;
  warnedMissing = true;
  const why = refused
    ? 'refuses `stream_options` (it answered 400 until the wrapper stopped sending it), so it reports no usage on streamed chat completions'
    : 'sent no usage on a streamed chat completion although `stream_options.include_usage` was set';
  console.warn(
    `[@agentmeter/openai] ${endpoint || 'The server'} ${why}. Such calls are metered with usage_missing ` +
      '(no tokens; only a base fee is billed). To meter their tokens, enable usage on streams at that ' +
      'server (accept `stream_options: { include_usage: true }`), or make these calls without `stream: true`.',
  );
}

/** Test-only: forgets every endpoint and lets the warning be given again. */
export function resetStreamOptionsMemory(): void {
  refusing.clear();
  warnedMissing = false;
}
