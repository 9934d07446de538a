import { trackPending } from './background.js';
import { ChatStreamObserver, chatOutcome, withStreamUsage } from './chat.js';
import { type Api, MeteredCall, serverOf } from './metered-call.js';
import { embeddingsCounts, hasUsage, stringField } from './normalize.js';
import type { MeterConfig } from './options.js';
import { isPendingResponse, ResponsesStreamObserver, responseOutcome } from './responses.js';
import { isStreamLike, wrapStream } from './wrap-stream.js';

/** The openai SDK's `APIPromise`, as far as the wrapper relies on it. */
interface APIPromiseLike<T> extends PromiseLike<T> {
  _thenUnwrap<U>(transform: (data: T, props: unknown) => U): APIPromiseLike<U>;
  asResponse(): Promise<unknown>;
}

type Create = (body: unknown, requestOptions?: unknown) => unknown;

function isAPIPromiseLike(value: unknown): value is APIPromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<APIPromiseLike<unknown>>)._thenUnwrap === 'function' &&
    typeof (value as Partial<APIPromiseLike<unknown>>).asResponse === 'function'
  );
}

let warned = false;
function warnUnmetered(api: Api, method: string): void {
  if (warned) return;
  warned = true;
  console.warn(
    `[@agentmeter/openai] ${api}.${method}() did not return an APIPromise; this openai version is not supported and the call was not metered.`,
  );
}

/** Meters the result of one finished (or started, for streams) call. */
function onData(
  api: Api,
  data: unknown,
  call: MeteredCall,
  config: MeterConfig,
  client: unknown,
  injected: boolean,
): unknown {
  if (isStreamLike(data)) {
    const observer =
      api === 'responses'
        ? new ResponsesStreamObserver(config.captureContent)
        : new ChatStreamObserver(injected, config.captureContent);
    return wrapStream(data, call, observer, client);
  }
  if (api === 'chat.completions' || api === 'completions')
    call.finish(chatOutcome(data, config.captureContent));
  else if (api === 'responses') {
    if (isPendingResponse(data)) trackPending(config, stringField(data, 'id'), call);
    else call.finish(responseOutcome(data, config.captureContent));
  } else {
    const usage = (data as { usage?: unknown } | null)?.usage;
    call.finish({
      counts: embeddingsCounts(usage),
      complete: hasUsage(usage, 'prompt_tokens'),
      responseModel: stringField(data, 'model'),
    });
  }
  return data;
}

/**
 * The metered `create` (or `method`) of one resource: calls the original on the original resource and
 * returns an `APIPromise` derived from the SDK's own (`_thenUnwrap`), so `.withResponse()`,
 * `.asResponse()` and the SDK helpers built on `create` (`parse`, `stream`, `runTools`) keep working,
 * and each call is metered exactly once.
 */
export function meteredCreate(
  resource: object,
  api: Api,
  config: MeterConfig,
  client: { baseURL?: unknown },
  method = 'create',
): Create {
  return function create(body: unknown, requestOptions?: unknown): unknown {
    const streamed = (body as { stream?: unknown } | null)?.stream === true;
    let params = body;
    let injected = false;
    if (streamed && (api === 'chat.completions' || api === 'completions') && config.streamUsage) {
      ({ body: params, injected } = withStreamUsage(body as object));
    }
    const call = new MeteredCall(config, api, body, streamed, serverOf(client.baseURL));
    let promise: unknown;
    try {
      promise = (resource as unknown as Record<string, Create>)[method]!(params, requestOptions);
    } catch (error) {
      call.fail(error);
      throw error;
    }
    if (!isAPIPromiseLike(promise)) {
      warnUnmetered(api, method);
      return promise;
    }
    // Observe a rejected request without reading the body (the caller's to read).
    promise.asResponse().then(undefined, (error: unknown) => call.fail(error));
    return promise._thenUnwrap((data) => onData(api, data, call, config, client, injected));
  };
}
