import {
  type BatchRequest,
  type BatchResponse,
  type MeterEvent,
  type MeterResponse,
  VERSION,
} from '@agentmeter/client';

/**
 * The SDK's two hottest requests, `POST /v1/meter/batch` (every batch) and `POST /v1/meter`
 * (`trackNow()`), go around the typed client on purpose. Their bodies are the JSON captured at
 * `track()` time: serialized once, kept in the queue (and the outbox) as text, and sent byte for
 * byte on every attempt, so a retry under the same key carries the same bytes. The typed client
 * takes a body only as the object it serializes itself, which would mean parsing that text back (or
 * casting a string to an object type) on every attempt. The routes, what they take and what they
 * answer are still the contract's generated types, named here.
 */
export interface SerializedRoutes {
  '/v1/meter/batch': { body: BatchRequest; answer: BatchResponse };
  '/v1/meter': { body: MeterEvent; answer: MeterResponse };
}

declare const jsonOf: unique symbol;
/** JSON text of a `T`: any string is one (no cast makes it so); the parameter says what it holds. */
export type JsonOf<T> = string & { readonly [jsonOf]?: T };

/** What one request resolved to: the parsed answer of a 2xx, or the server's problem body. */
export interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

export interface SerializedRequest<P extends keyof SerializedRoutes> {
  path: P;
  body: JsonOf<SerializedRoutes[P]['body']>;
  idempotencyKey: string;
  attempt: number;
  signal: AbortSignal;
}

export type PostSerialized = <P extends keyof SerializedRoutes>(
  request: SerializedRequest<P>,
) => Promise<FetchResult<SerializedRoutes[P]['answer']>>;

/**
 * Sends a serialized body as the typed client would: the same base URL, bearer key and client
 * identity headers (`agentmeter-client/<version> agentmeter-sdk`), through the configured `fetch`
 * (read at each request when none is given, as the global one may be replaced).
 */
export function serializedPoster(options: {
  baseUrl: string;
  apiKey: string;
  fetch: typeof globalThis.fetch | undefined;
}): PostSerialized {
  const base = options.baseUrl.replace(/\/+$/, '');
  const agent = `agentmeter-client/${VERSION} agentmeter-sdk`;
  // Browsers refuse to set User-Agent; X-Agentmeter-Client carries the same value everywhere.
  const setsUserAgent = !(globalThis as { window?: unknown }).window;
  return async <P extends keyof SerializedRoutes>(
    request: SerializedRequest<P>,
  ): Promise<FetchResult<SerializedRoutes[P]['answer']>> => {
    const headers = new Headers({
      'content-type': 'application/json',
      'idempotency-key': request.idempotencyKey,
      'x-agentmeter-attempt': String(request.attempt),
      'x-agentmeter-client': agent,
    });
    if (options.apiKey) headers.set('authorization', `Bearer ${options.apiKey}`);
    if (setsUserAgent) headers.set('user-agent', agent);
    const send = options.fetch ?? globalThis.fetch;
    const response = await send(
      new Request(`${base}${request.path}`, {
        method: 'POST',
        headers,
        body: request.body,
        signal: request.signal,
      }),
    );
    const text = await response.text();
    if (response.ok) {
      // An unreadable 2xx throws here (a SyntaxError), which the attempt reports as invalid_response.
      const data: SerializedRoutes[P]['answer'] | undefined = text ? JSON.parse(text) : undefined;
      return { data, response };
    }
    let error: unknown = text;
    try {
      error = JSON.parse(text);
    } catch {
      // A problem body that is not JSON is kept as text.
    }
    return { error, response };
  };
}
