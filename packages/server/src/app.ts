import { type Context, Hono } from 'hono';
import { ConfigCache } from './config-cache.js';
import { type OperationSpec, operations, toFieldErrors } from './contract.js';
import { parseJsonBodyItems } from './json-body.js';
import { hashKey, sameHash } from './keys.js';
import { ByteBudget, DEFAULT_LIMITS, Overloaded } from './load-shed.js';
import { ApiError, type FieldError, validationError } from './problem.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';
import { checkDeclaredLength, checkJsonContentType, readBody } from './request-body.js';
import { requestHeader } from './request-headers.js';
import { problemForError } from './store/errors.js';
import type { Scope, Store } from './store/types.js';

export interface AppOptions {
  /** Where events, tiers and keys live. */
  store: Store;
  /** The clock, in epoch milliseconds. Default: `Date.now`. */
  now?: () => number;
  /** Per-key rate limit, or `false` for none. Default: 1000 requests/s with bursts of 2000. */
  rateLimit?: RateLimitOptions | false;
  /** Check every response against openapi.yaml and fail loudly on a mismatch (tests). Default: false. */
  validateResponses?: boolean;
  /**
   * Where the cause of every 5xx is reported, once (never to the client): a store failure, transient
   * (503) or permanent (500), and any unexpected error. Default: `console.error`.
   */
  onError?: (error: unknown) => void;
  /** Reported by `/healthz`. */
  version?: string;
  /** Serves the dashboard (static files) for paths outside the API, when given. */
  dashboard?: (path: string) => Promise<Response | null> | Response | null;
  /**
   * Request-body bytes held in memory at once across all requests; a body that would go over is
   * refused with 503 `overloaded` before it is kept. Default 64 MiB.
   */
  maxBufferedBytes?: number;
  /** Longest pause inside a request body before it is refused with 408. Default 10 s. */
  bodyIdleTimeoutMs?: number;
  /** Debug-level lines (a client abandoning its upload). Default: none. */
  debug?: (message: string) => void;
}

/** What a route handler gets: the caller's project and scope, the validated input, the clock. */
export interface RequestContext {
  store: Store;
  config: ConfigCache;
  projectId: string;
  keyId: string;
  scope: Scope;
  /** The key may set an event's `tier`: admin keys, and ingest keys created with `allow_tier_override`. */
  tierOverride: boolean;
  configVersion: number;
  now: number;
  params: Record<string, string>;
  query: Record<string, string | number | undefined>;
  body: unknown;
  header(name: string): string | undefined;
  /**
   * Reports a failure the route answers without throwing (a per-item `rejected` of a batch) to the
   * app's `onError`. A thrown error is reported by the app itself.
   */
  reportError(error: unknown): void;
  /**
   * What the JSON reading refused inside items of the route's `itemArrays` (a lone surrogate, an
   * inexact number in `/events/3/…`), for the route to reject those items alone. Empty otherwise.
   */
  itemErrors: FieldError[];
}

export interface RouteResult {
  status: number;
  /** Sent as JSON; a `Uint8Array` is sent as is, with `headers` naming its content type. */
  body: unknown;
  headers?: Record<string, string>;
}

export interface RouteDefinition {
  operationId: string;
  /** The least scope that may call it. */
  scope: Scope | 'public';
  /** Body size limit in bytes. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Skip the spec's body validation (the batch route validates each event on its own). */
  validateBody?: boolean;
  /** Hand the body over as raw bytes (`Uint8Array`), unparsed and unvalidated, for non-JSON media types. */
  rawBody?: boolean;
  /**
   * Top-level arrays whose items are accepted or refused one by one (a batch's `events`): a field the
   * JSON reading refuses inside one of their items reaches the route as `itemErrors` instead of
   * failing the whole request.
   */
  itemArrays?: readonly string[];
  handler: (context: RequestContext) => Promise<RouteResult> | RouteResult;
}

export const DEFAULT_MAX_BODY = 64 * 1024;

function problemResponse(error: ApiError, instance: string): Response {
  return new Response(JSON.stringify(error.toProblem(instance)), {
    status: error.status,
    headers: { 'content-type': 'application/problem+json', ...error.headers },
  });
}

const honoPath = (path: string) => path.replace(/\{([^}]+)\}/g, ':$1');

function coerceQuery(raw: string, schema: Record<string, unknown>): string | number {
  return schema['type'] === 'integer' && /^-?\d{1,16}$/.test(raw) ? Number(raw) : raw;
}

/** Validates path, query and header parameters against the operation's spec. */
function readParameters(operation: OperationSpec, context: Context) {
  const params: Record<string, string> = {};
  const query: Record<string, string | number | undefined> = {};
  const errors: FieldError[] = [];
  const allowedQuery = new Set(operation.parameters.filter((p) => p.in === 'query').map((p) => p.name));
  for (const name of Object.keys(context.req.queries())) {
    if (!allowedQuery.has(name)) errors.push({ field: `query.${name}`, message: 'is not a known parameter' });
  }
  for (const parameter of operation.parameters) {
    let value: string | number | undefined;
    if (parameter.in === 'path') value = context.req.param(parameter.name);
    else if (parameter.in === 'query') {
      const all = context.req.queries(parameter.name);
      if (all && all.length > 1) {
        errors.push({ field: `query.${parameter.name}`, message: 'is given more than once' });
        continue;
      }
      value = all?.[0];
    } else value = requestHeader(context, parameter.name.toLowerCase());
    const field = `${parameter.in}.${parameter.name}`;
    if (value === undefined || value === '') {
      if (parameter.required) errors.push({ field, message: 'is required' });
      continue;
    }
    if (parameter.in === 'query') value = coerceQuery(value, parameter.schema);
    const validate = parameter.validator();
    if (!validate(value)) {
      for (const error of toFieldErrors(validate.errors)) errors.push({ field, message: error.message });
      continue;
    }
    if (parameter.in === 'path') params[parameter.name] = String(value);
    else if (parameter.in === 'query') query[parameter.name] = value;
  }
  if (errors.length > 0) throw validationError(errors);
  return { params, query };
}

/**
 * Builds the HTTP app. No side effects: no listening, no environment reads, no timers — the
 * entry file (`main.ts`) or `startServer()` does those.
 */
export function buildApp(options: AppOptions, routes: RouteDefinition[]): Hono {
  const {
    store,
    now = Date.now,
    validateResponses = false,
    onError = (error) => console.error(error),
    bodyIdleTimeoutMs = DEFAULT_LIMITS.bodyIdleTimeoutMs,
    debug,
  } = options;
  const config = new ConfigCache(store);
  const bodyBudget = new ByteBudget(options.maxBufferedBytes ?? DEFAULT_LIMITS.maxBufferedBytes);
  const limiter =
    options.rateLimit === false
      ? undefined
      : new RateLimiter(options.rateLimit ?? { requestsPerSecond: 1000, burst: 2000 });
  const app = new Hono();
  const byId = new Map(operations.map((operation) => [operation.operationId, operation]));

  app.onError((error, context) => {
    // One classification for every route: a transient store failure is a 503 with Retry-After, any
    // other unexpected error a 500. Every 5xx is reported with what caused it.
    const problem = problemForError(error);
    if (problem.status >= 500) onError(problem.cause ?? problem);
    return problemResponse(problem, context.req.path);
  });

  for (const route of routes) {
    const operation = byId.get(route.operationId);
    if (!operation) throw new Error(`Route ${route.operationId} is not in openapi.yaml`);
    const limit = route.maxBodyBytes ?? DEFAULT_MAX_BODY;
    app.on(operation.method, honoPath(operation.path), async (context) => {
      // A declared size over the limit is refused first, as a body-limit middleware would; then the
      // caller is authenticated, before a byte of the body is read: an anonymous client must not be
      // able to make the server hold its uploads.
      if (operation.requestBody) checkDeclaredLength(context, limit);
      const auth =
        route.scope === 'public' ? undefined : await authenticate(context, store, limiter, now, route.scope);
      if (operation.requestBody && !route.rawBody) checkJsonContentType(context);
      // The body's bytes count against the server-wide budget until the answer is built.
      const lease = operation.requestBody ? bodyBudget.lease() : undefined;
      try {
        const bytes = lease
          ? await readBody(context, limit, {
              lease,
              idleTimeoutMs: bodyIdleTimeoutMs,
              ...(debug
                ? { debug: (line: string) => debug(`${context.req.method} ${context.req.path}: ${line}`) }
                : {}),
            })
          : undefined;
        const { params, query } = readParameters(operation, context);
        let body: unknown;
        let itemErrors: FieldError[] = [];
        if (route.rawBody) body = new Uint8Array(bytes ?? (await context.req.arrayBuffer()));
        else if (operation.requestBody && bytes) {
          ({ value: body, itemErrors } = parseJsonBodyItems(bytes, route.itemArrays ?? []));
          const validate = operation.requestBody();
          if (route.validateBody !== false && !validate(body))
            throw validationError(toFieldErrors(validate.errors));
        }
        const result = await route.handler({
          store,
          config,
          projectId: auth?.projectId ?? '',
          keyId: auth?.keyId ?? '',
          scope: auth?.scope ?? 'ingest',
          tierOverride: auth !== undefined && (auth.scope === 'admin' || auth.allowTierOverride),
          configVersion: auth?.configVersion ?? 0,
          now: now(),
          params,
          query,
          body,
          // An empty header is no header (`Idempotency-Key:` must not become an empty event id).
          header: (name) => requestHeader(context, name.toLowerCase()) || undefined,
          reportError: onError,
          itemErrors,
        });
        const raw = result.body instanceof Uint8Array;
        if (validateResponses && !(raw && operation.responses.has(String(result.status)))) {
          const validate = operation.responses.get(String(result.status))?.();
          if (!operation.responses.has(String(result.status)) || (validate && !validate(result.body))) {
            throw new Error(
              `Response of ${operation.operationId} (${result.status}) does not match openapi.yaml: ${JSON.stringify(validate?.errors ?? 'undocumented status')}`,
            );
          }
        }
        if (raw)
          return new Response(result.body as Uint8Array, { status: result.status, headers: result.headers });
        return context.json(result.body as object, result.status as 200, result.headers);
      } catch (error) {
        // Shedding load is no fault: answered here, so the error report does not see it.
        if (error instanceof Overloaded) return problemResponse(error, context.req.path);
        throw error;
      } finally {
        lease?.release();
      }
    });
  }

  app.notFound(async (context) => {
    const method = context.req.method;
    if (
      options.dashboard &&
      (method === 'GET' || method === 'HEAD') &&
      !context.req.path.startsWith('/v1/')
    ) {
      const page = await options.dashboard(context.req.path);
      if (page)
        return method === 'HEAD' ? new Response(null, { status: page.status, headers: page.headers }) : page;
    }
    const known = operations.some((operation) =>
      new RegExp(`^${operation.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(context.req.path),
    );
    const error = known
      ? new ApiError(
          405,
          'method_not_allowed',
          `${context.req.method} is not allowed on ${context.req.path}.`,
        )
      : new ApiError(404, 'route_not_found', `There is no route ${context.req.method} ${context.req.path}.`);
    return problemResponse(error, context.req.path);
  });
  return app;
}

async function authenticate(
  context: Context,
  store: Store,
  limiter: RateLimiter | undefined,
  now: () => number,
  needed: Scope,
) {
  const header = requestHeader(context, 'authorization');
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match?.[1]) {
    throw new ApiError(401, 'missing_api_key', 'Send your API key as `Authorization: Bearer <key>`.', {
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
  const hash = hashKey(match[1], store.keySecret);
  let key = await store.findKeyByHash(hash);
  let matched = hash;
  if (!key && store.keySecret) {
    // A key stored before the database had a key secret: found by its plain hash, then upgraded.
    matched = hashKey(match[1]);
    key = await store.findKeyByHash(matched);
    if (key && sameHash(key.keyHash, matched)) await store.rehashKey(key.keyId, matched, hash);
  }
  if (!key || !sameHash(key.keyHash, matched) || key.revokedAt !== null) {
    throw new ApiError(401, 'invalid_api_key', 'The API key is unknown or revoked.', {
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
  if (limiter) {
    const wait = limiter.take(key.keyId, now());
    if (wait > 0) {
      throw new ApiError(429, 'rate_limited', `This key is over its request rate; retry in ${wait} s.`, {
        headers: { 'retry-after': String(wait) },
      });
    }
  }
  if (needed === 'admin' && key.scope !== 'admin') {
    throw new ApiError(
      403,
      'insufficient_scope',
      'This route needs an `admin` key; this key has the `ingest` scope.',
    );
  }
  return key;
}
