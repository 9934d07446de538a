import { withCallScope } from '@agentmeter/sdk/integration';
import type { PendingResponses } from './background.js';
import { ChatStreamObserver, chatOutcome, withStreamUsage } from './chat.js';
import { type Api, MeteredCall, serverOf } from './metered-call.js';
import { embeddingsCounts, hasUsage, isMissing, stringField } from './normalize.js';
import type { MeterConfig } from './options.js';
import { isPendingResponse, ResponsesStreamObserver, responseOutcome } from './responses.js';
import {
  type ErrorBody,
  endpointOf,
  readErrorBodies,
  refusedStreamOptions,
  refusesStreamOptions,
  rememberAcceptance,
  rememberRefusal,
  warnStreamUsageMissing,
  withErrorBody,
} from './stream-options.js';
import {
  isAsyncIterable,
  isStreamLike,
  type Settles,
  type StreamObserver,
  wrapIterable,
  wrapStream,
} from './wrap-stream.js';

type Parse = (client: unknown, props: unknown) => unknown;

/** The openai SDK's `APIPromise`, as far as the wrapper relies on it. */
interface APIPromiseLike<T> extends PromiseLike<T> {
  _thenUnwrap<U>(transform: (data: T, props: unknown) => U): APIPromiseLike<U>;
  asResponse(): Promise<unknown>;
  /** The promise of the HTTP response (a field of every 5.x and 6.x `APIPromise`). */
  responsePromise?: unknown;
  parseResponse?: unknown;
}

type APIPromiseConstructor = new (
  client: unknown,
  responsePromise: Promise<unknown>,
  parseResponse: Parse,
) => APIPromiseLike<unknown>;

type Create = (body: unknown, requestOptions?: unknown) => unknown;

function isAPIPromiseLike(value: unknown): value is APIPromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<APIPromiseLike<unknown>>)._thenUnwrap === 'function' &&
    typeof (value as Partial<APIPromiseLike<unknown>>).asResponse === 'function'
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as Partial<PromiseLike<unknown>>).then === 'function'
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' && name !== 'Object' ? `a ${name}` : 'an object';
}

const warnedUnmetered = new Set<string>();
function warnUnmetered(api: Api, method: string, result: unknown): void {
  const key = `${api}.${method}`;
  if (warnedUnmetered.has(key)) return;
  warnedUnmetered.add(key);
  console.warn(
    `[@agentmeter/openai] ${key}() returned ${describe(result)}: neither a promise, nor a stream of ` +
      'chunks, nor a response with usage, so the call was not metered. Something patched the client ' +
      'in a way the wrapper cannot read; wrap the client after it, or report the library.',
  );
}

/** One request of a metered call: the first, or the one made again without the wrapper's `stream_options`. */
interface Attempt {
  readonly api: Api;
  readonly method: string;
  readonly call: MeteredCall;
  readonly config: MeterConfig;
  readonly pending: PendingResponses;
  readonly client: unknown;
  readonly endpoint: string;
  readonly signal: AbortSignal | undefined;
  /** The wrapper added `stream_options.include_usage` to this request. */
  readonly injected: boolean;
  /** This request is the caller's own, made after the server refused the wrapper's `stream_options`. */
  readonly retried: boolean;
  /** Makes the call again exactly as the caller asked; only on an attempt that may be retried. */
  readonly again: (() => unknown) | undefined;
  /** The raw body of a 400 or 422 answer to this request; only on an attempt that may be retried. */
  readonly errorBody: ErrorBody | undefined;
}

/** The attempt that follows a refusal of the wrapper's `stream_options`, when that is a refusal. */
async function retryOf(attempt: Attempt, error: unknown): Promise<Attempt | undefined> {
  if (!attempt.again || !(await refusedStreamOptions(error, attempt.errorBody))) return undefined;
  return { ...attempt, injected: false, retried: true, again: undefined, errorBody: undefined };
}

/** The request reached the server and was answered: what it shows about the endpoint. */
function answered(attempt: Attempt): void {
  if (attempt.retried) rememberRefusal(attempt.endpoint);
  else if (attempt.injected) rememberAcceptance(attempt.endpoint);
}

/** Settles the call from a stream's end, warning once when a server's streams never report usage. */
function streamSettler(attempt: Attempt): Settles {
  return {
    finish(outcome, end) {
      // Cut short by the caller's own abort (the SDK ends such a loop quietly): typed as the abort
      // it is, as every integration types it; a `break` aborts the stream's controller, not this.
      if (!outcome.complete && !outcome.errorType && attempt.signal?.aborted) {
        outcome.errorType = 'aborted';
      }
      if (
        end === 'done' &&
        outcome.usageMissing &&
        attempt.config.streamUsage &&
        (attempt.api === 'chat.completions' || attempt.api === 'completions')
      ) {
        warnStreamUsageMissing(attempt.endpoint, refusesStreamOptions(attempt.endpoint));
      }
      attempt.call.finish(outcome);
    },
  };
}

function observerFor(attempt: Attempt): StreamObserver<unknown> & { hideUsageChunk?: boolean } {
  return attempt.api === 'responses'
    ? new ResponsesStreamObserver(attempt.config.captureContent)
    : new ChatStreamObserver(attempt.injected, attempt.config.captureContent);
}

/** Meters the result of one finished (or started, for streams) call. */
function onData(data: unknown, attempt: Attempt): unknown {
  const { api, call, config, pending } = attempt;
  if (isStreamLike(data))
    return wrapStream(data, streamSettler(attempt), observerFor(attempt), attempt.client);
  if (isAsyncIterable(data)) {
    return wrapIterable(data, streamSettler(attempt), observerFor(attempt), {}, attempt.signal);
  }
  if (api === 'chat.completions' || api === 'completions')
    call.finish(chatOutcome(data, config.captureContent));
  else if (api === 'responses') {
    if (isPendingResponse(data)) pending.track(stringField(data, 'id'), call);
    else call.finish(responseOutcome(data, config.captureContent));
  } else {
    const usage = (data as { usage?: unknown } | null)?.usage;
    call.finish({
      counts: embeddingsCounts(usage),
      complete: hasUsage(usage, 'prompt_tokens'),
      usageMissing: isMissing(usage),
      responseModel: stringField(data, 'model'),
    });
  }
  return data;
}

/**
 * An `APIPromise` of the SDK's own class whose response is the first request's, or, when the server
 * refused the wrapper's `stream_options`, the response to the caller's own request made once more;
 * each response parsed by the promise that requested it. Undefined when the promise is not shaped
 * as this needs (the call is then not retried).
 */
function retryingAPIPromise(
  first: APIPromiseLike<unknown>,
  attempt: Attempt,
): APIPromiseLike<unknown> | undefined {
  const Constructor = first.constructor as unknown as APIPromiseConstructor;
  const firstResponse = first.responsePromise;
  const firstParse = first.parseResponse;
  if (
    typeof Constructor !== 'function' ||
    !(firstResponse instanceof Promise) ||
    typeof firstParse !== 'function'
  ) {
    return undefined;
  }
  // The response the retry answered, parsed by the promise that requested it (one retry at most).
  let retried: { props: object; parse: Parse } | undefined;
  const responsePromise = firstResponse.then(
    (props: unknown) => {
      answered(attempt);
      return props;
    },
    async (error: unknown) => {
      const retry = await retryOf(attempt, error);
      if (!retry) throw error;
      const second = (attempt.again as () => unknown)();
      const secondResponse = isAPIPromiseLike(second) ? second.responsePromise : undefined;
      const secondParse = isAPIPromiseLike(second) ? second.parseResponse : undefined;
      if (!(secondResponse instanceof Promise) || typeof secondParse !== 'function') {
        if (isThenable(second)) second.then(undefined, () => {});
        throw error;
      }
      const props = await secondResponse;
      if (typeof props === 'object' && props !== null)
        retried = { props, parse: secondParse.bind(second) as Parse };
      answered(retry);
      return props;
    },
  );
  const parse: Parse = (client, props) => {
    if (retried !== undefined && retried.props === props) return retried.parse(client, props);
    return (firstParse as Parse).call(first, client, props);
  };
  try {
    return new Constructor(attempt.client, responsePromise, parse);
  } catch {
    return undefined;
  }
}

/** Turns what the retried `create()` returned into its stream of chunks. */
async function chunksOf(result: unknown, error: unknown): Promise<AsyncIterable<unknown>> {
  const data = isThenable(result) ? await result : result;
  if (isAsyncIterable(data)) return data;
  throw error;
}

/**
 * Meters whatever `create()` returned: the SDK's `APIPromise` (kept, so its helpers work), another
 * promise (of a response or of a stream of chunks), an async iterable of chunks (what OpenLLMetry's
 * patched `create()` returns for a stream), or a response itself.
 */
function meterResult(result: unknown, attempt: Attempt): unknown {
  const { call } = attempt;
  if (isAPIPromiseLike(result)) {
    const retrying = attempt.again ? retryingAPIPromise(result, attempt) : undefined;
    const promise = retrying ?? result;
    // Observe a rejected request without reading the body (the caller's to read).
    promise.asResponse().then(
      () => {
        if (!retrying) answered(attempt);
      },
      (error: unknown) => call.fail(error),
    );
    return promise._thenUnwrap((data) => onData(data, attempt));
  }
  if (isThenable(result)) {
    return Promise.resolve(result).then(
      (data) => {
        answered(attempt);
        return onData(data, attempt);
      },
      async (error: unknown) => {
        const retry = await retryOf(attempt, error);
        if (!retry) {
          call.fail(error);
          throw error;
        }
        return start(retry, attempt.again as () => unknown);
      },
    );
  }
  if (isAsyncIterable(result)) {
    let current = attempt;
    const observer = observerFor(attempt);
    return wrapIterable(
      result,
      streamSettler(attempt),
      observer,
      {
        // Asked only of an attempt that may be retried; whether the error is a refusal of the field
        // is known once its body is read, so the answer is a promise: of the retried call's chunks, or
        // rejected with the error itself.
        retry: attempt.again
          ? async (error) => {
              const retry = await retryOf(attempt, error);
              if (!retry) throw error;
              current = retry;
              // The caller's own request gets no usage-only chunk the wrapper asked for: nothing to hide.
              observer.hideUsageChunk = false;
              return chunksOf((attempt.again as () => unknown)(), error);
            }
          : undefined,
        onFirstItem: () => answered(current),
      },
      attempt.signal,
    );
  }
  if (typeof result === 'object' && result !== null && ('usage' in result || 'object' in result)) {
    answered(attempt);
    return onData(result, attempt);
  }
  warnUnmetered(attempt.api, attempt.method, result);
  return result;
}

/** Makes one request of the call and meters what it returns. */
function start(attempt: Attempt, send: () => unknown): unknown {
  let result: unknown;
  try {
    result = send();
  } catch (error) {
    attempt.call.fail(error);
    throw error;
  }
  return meterResult(result, attempt);
}

function signalOf(requestOptions: unknown): AbortSignal | undefined {
  const signal = (requestOptions as { signal?: unknown } | null | undefined)?.signal;
  return signal instanceof AbortSignal ? signal : undefined;
}

/**
 * The metered `create` (or `method`) of one resource: calls the original on the original resource and
 * returns an `APIPromise` derived from the SDK's own (`_thenUnwrap`), so `.withResponse()`,
 * `.asResponse()` and the SDK helpers built on `create` (`parse`, `stream`, `runTools`) keep working,
 * and each call is metered exactly once. The call runs in a call scope, so the client's observed
 * `fetch` records the OpenTelemetry span the request is sent in.
 */
export function meteredCreate(
  resource: object,
  api: Api,
  config: MeterConfig,
  pending: PendingResponses,
  client: { baseURL?: unknown },
  method = 'create',
): Create {
  readErrorBodies(client);
  return function create(body: unknown, requestOptions?: unknown): unknown {
    const streamed = (body as { stream?: unknown } | null)?.stream === true;
    const endpoint = endpointOf(client.baseURL);
    let params = body;
    let injected = false;
    if (
      streamed &&
      (api === 'chat.completions' || api === 'completions') &&
      config.streamUsage &&
      !refusesStreamOptions(endpoint)
    ) {
      ({ body: params, injected } = withStreamUsage(body as object));
    }
    const call = new MeteredCall(config, api, body, streamed, serverOf(client.baseURL));
    const send =
      (sent: unknown, options: unknown = requestOptions) =>
      () =>
        (resource as unknown as Record<string, Create>)[method]!(sent, withCallScope(options, call.scope));
    // Only a field the wrapper added alone may be taken back: the caller's own `stream_options` stay.
    const callerSet = (body as { stream_options?: unknown } | null)?.stream_options != null;
    const mayRetry = injected && !callerSet;
    // A request that may be retried has the raw body of a 400 or 422 answer read, to tell a refusal
    // of the field from any other error when openai-node keeps no explanation of it.
    const errorBody: ErrorBody | undefined = mayRetry ? {} : undefined;
    const attempt: Attempt = {
      api,
      method,
      call,
      config,
      pending,
      client,
      endpoint,
      signal: signalOf(requestOptions),
      injected,
      retried: false,
      again: mayRetry ? send(body) : undefined,
      errorBody,
    };
    return start(
      attempt,
      send(params, errorBody ? withErrorBody(requestOptions, errorBody) : requestOptions),
    );
  };
}
