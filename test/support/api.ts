import { createApp, createProject, type Store } from '@agentmeter/server';
import type { Schemas, SuccessBodyAt } from '../../packages/server/src/contract-types.js';

export type { Schemas };

/**
 * What a call of `method` on `path` answers, typed by the operation openapi.yaml has there: `body` as
 * its success response, `problem` (the same JSON) as the contract's Problem, for a call that fails.
 * The harness checks every answer against openapi.yaml at run time; this makes a test that reads a
 * field the contract does not have fail to compile.
 */
export interface ContractResponse<M extends string, P extends string> {
  status: number;
  /** `unknown` when the path is no literal the contract's paths can be matched against. */
  body: SuccessBodyAt<M, P>;
  problem: Schemas['Problem'];
  headers: Headers;
}

export interface ContractApi extends Omit<ApiHarness, 'call'> {
  call<M extends string, P extends string>(
    method: M,
    path: P,
    options?: { key?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<ContractResponse<M, P>>;
}

/** An answer of the API (its parsed JSON) typed by the operation at `method` and `path` (see `ContractResponse`). */
export function contractResponse<M extends string, P extends string>(
  _method: M,
  _path: P,
  answer: { status: number; body: unknown; headers: Headers },
): ContractResponse<M, P> {
  return { ...answer, problem: answer.body } as ContractResponse<M, P>;
}

/** The harness with its answers typed by the contract (see `ContractResponse`). */
export function contractApi(harness: ApiHarness): ContractApi {
  return {
    ...harness,
    async call(method, path, options) {
      return contractResponse(method, path, await harness.call(method, path, options));
    },
  };
}

export const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);

export interface ApiHarness {
  store: Store;
  clock: { now: number };
  adminKey: string;
  projectId: string;
  /** Calls the in-process app; `body` is JSON-encoded unless it is a string. */
  call(
    method: string,
    path: string,
    options?: { key?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  /** A second project in the same store, with its own admin key. */
  otherProject(): Promise<{ projectId: string; adminKey: string }>;
}

/**
 * The server app in-process over a real store, with a settable clock and every response checked
 * against openapi.yaml (a mismatch fails the request with a 500, which fails the test).
 */
export async function apiHarness(
  store: Store,
  options: { rateLimit?: { requestsPerSecond: number; burst?: number } | false } = {},
): Promise<ApiHarness> {
  const clock = { now: T0 };
  const { projectId, adminKey } = await createProject(store, {
    adminKey: `admin-key-${Math.random().toString(36).slice(2)}-xyz`,
  });
  const errors: unknown[] = [];
  const app = createApp({
    store,
    now: () => clock.now,
    validateResponses: true,
    rateLimit: options.rateLimit ?? false,
    onError: (error) => errors.push(error),
  });
  return {
    store,
    clock,
    adminKey,
    projectId,
    async call(method, path, { key = adminKey, body, headers = {} } = {}) {
      const response = await app.request(path, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          'content-type': 'application/json',
          ...headers,
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      if (response.status >= 500 && errors.length > 0) throw errors.pop();
      return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
    },
    async otherProject() {
      return createProject(store, {
        adminKey: `admin-key-other-${Math.random().toString(36).slice(2)}-xyz`,
        now: clock.now,
      });
    },
  };
}
