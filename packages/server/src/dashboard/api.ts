// The dashboard's HTTP client: same-origin fetch with the admin key, problems turned into ApiError.
import type { RequestBodyAt, SuccessBodyAt } from '../contract-types.js';
import type { Problem } from './types.js';

const KEY_STORAGE = 'agentmeter.adminKey';

/** The admin key of this browser tab (sessionStorage only: it is gone when the tab closes). */
export const keyStore = {
  get: (): string | null => sessionStorage.getItem(KEY_STORAGE),
  set: (key: string): void => sessionStorage.setItem(KEY_STORAGE, key),
  clear: (): void => sessionStorage.removeItem(KEY_STORAGE),
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: { field: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The message with each failing field, as the server named them. */
  describe(): string {
    if (this.fields.length === 0) return this.message;
    return `${this.message} ${this.fields.map((error) => `${error.field} ${error.message}`).join('; ')}.`;
  }
}

export const isAbort = (error: unknown): boolean =>
  error instanceof DOMException && error.name === 'AbortError';

/**
 * The API's calls, typed by openapi.yaml: each answers the success body of the operation at its path
 * (`/v1/tiers/${id}` is `GET /v1/tiers/{tier_id}`'s Tier) and takes that operation's request body.
 */
export interface Api {
  get<P extends string>(
    path: P,
    query?: Record<string, string | undefined>,
    signal?: AbortSignal,
  ): Promise<SuccessBodyAt<'get', P>>;
  post<P extends string>(
    path: P,
    body: RequestBodyAt<'post', P>,
    signal?: AbortSignal,
  ): Promise<SuccessBodyAt<'post', P>>;
  put<P extends string>(
    path: P,
    body: RequestBodyAt<'put', P>,
    signal?: AbortSignal,
  ): Promise<SuccessBodyAt<'put', P>>;
}

async function failure(response: Response): Promise<ApiError> {
  let problem: Partial<Problem> = {};
  try {
    problem = (await response.json()) as Partial<Problem>;
  } catch {}
  return new ApiError(
    response.status,
    problem.code ?? 'http_error',
    problem.detail ?? problem.title ?? `The server answered ${response.status}.`,
    problem.errors ?? [],
  );
}

/**
 * A client for this server's API. `onUnauthorized` runs when the key stops working (revoked while
 * signed in), before the error is thrown.
 */
export function createApi(key: string, onUnauthorized: (error: ApiError) => void = () => {}): Api {
  async function call<T>(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
        cache: 'no-store',
      });
    } catch (error) {
      if (isAbort(error)) throw error;
      throw new ApiError(0, 'network_error', 'Cannot reach the agentmeter server.');
    }
    if (!response.ok) {
      const error = await failure(response);
      if (response.status === 401) onUnauthorized(error);
      throw error;
    }
    return (await response.json()) as T;
  }
  return {
    get(path, query = {}, signal) {
      const search = new URLSearchParams();
      for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, value);
      const suffix = search.size > 0 ? `?${search}` : '';
      return call('GET', `${path}${suffix}`, undefined, signal);
    },
    post: (path, body, signal) => call('POST', path, body, signal),
    put: (path, body, signal) => call('PUT', path, body, signal),
  };
}
