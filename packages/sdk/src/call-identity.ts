import { sharedState } from './shared-state.js';

// What identifies one model call across the layers that can see it (see docs/call-identity.md): the
// provider's response id when it cannot repeat, and the OpenTelemetry span the call ran in.

/**
 * True when a provider response id is unique enough to identify one call: after a leading word and
 * `-` or `_` (`chatcmpl-`, `msg_`, `resp_`, `gen-`), at least 16 characters, not all digits (a counter
 * or a timestamp), with at least 8 different characters (`aaaa…` and `0000…` are placeholders).
 *
 * OpenAI (`chatcmpl-` + 29 random characters), Anthropic (`msg_01…`), the Responses API, vLLM
 * (`chatcmpl-` + 32 hex digits) and OpenRouter (`gen-<time>-<random>`) pass; Ollama (`chatcmpl-0` …
 * `chatcmpl-998`, counting round) and servers answering `chatcmpl-123` to every call do not. An id that
 * fails never becomes an idempotency key and never links two records. The server applies the same
 * predicate to what it receives.
 */
export function isUniqueResponseId(id: string): boolean {
  // Every layer asks this of every call's id, several times: one pass, no regular expression, no
  // Set of the whole id, stopping as soon as the answer is known.
  let start = 0;
  while (start < id.length && isLetter(id.charCodeAt(start))) start++;
  const separator = id.charCodeAt(start);
  start = start > 0 && (separator === 0x2d || separator === 0x5f) ? start + 1 : 0;
  if (id.length - start < 16) return false;
  const distinct: string[] = [];
  let onlyDigits = true;
  for (const character of start === 0 ? id : id.slice(start)) {
    if (onlyDigits && (character < '0' || character > '9')) onlyDigits = false;
    if (distinct.length < 8 && !distinct.includes(character)) distinct.push(character);
    if (!onlyDigits && distinct.length >= 8) break;
  }
  // The length counts UTF-16 units and the distinct characters code points, as before.
  return !onlyDigits && distinct.length >= 8;
}

function isLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

/** The OpenTelemetry span a call ran in: lowercase hex, 32 and 16 digits. */
export interface CallSpan {
  traceId: string;
  spanId: string;
}

/** `@opentelemetry/api` 1.x registers its context manager here (`Symbol.for` is shared by every copy of the API). */
const OTEL_API = Symbol.for('opentelemetry.js.api.1');
/** The context key under which the API keeps the active span. */
const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');
const TRACE_ID = /^(?!0{32})[0-9a-f]{32}$/;
const SPAN_ID = /^(?!0{16})[0-9a-f]{16}$/;

interface ContextLike {
  getValue?: (key: symbol) => unknown;
}
interface SpanLike {
  spanContext?: () => { traceId?: unknown; spanId?: unknown } | undefined;
}

/**
 * The span active in the OpenTelemetry context now, or undefined when OpenTelemetry is not registered
 * in this process or no valid span is active. Read from the API's process-wide registration, so the
 * SDK depends on no OpenTelemetry package; it never throws.
 */
export function activeSpanContext(): CallSpan | undefined {
  try {
    const api = (globalThis as Record<symbol, { context?: { active?: () => ContextLike } } | undefined>)[
      OTEL_API
    ];
    const span = api?.context?.active?.()?.getValue?.(SPAN_KEY) as SpanLike | undefined;
    const context = span?.spanContext?.();
    const traceId = context?.traceId;
    const spanId = context?.spanId;
    if (typeof traceId !== 'string' || typeof spanId !== 'string') return undefined;
    if (!TRACE_ID.test(traceId) || !SPAN_ID.test(spanId)) return undefined;
    return { traceId, spanId };
  } catch {
    return undefined;
  }
}

/** One wrapped call in flight: the span its provider request was sent in, once it is sent. */
export interface CallScope {
  span: CallSpan | undefined;
}

// The process's store, not this module's (see `shared-state.ts`): read only as a fallback, for a call
// scope an older copy of the SDK (0.1, which ran wrapped calls in this AsyncLocalStorage) opened.
const callScopes = sharedState().callScopes;

/** Where a request's call scope rides in its `fetch` init; `Symbol.for`, so every copy of the SDK agrees. */
const CALL_SCOPE = Symbol.for('agentmeter.callScope');

/**
 * The caller's request options (`client.chat.completions.create(body, options)`) with `scope`
 * added to their `fetchOptions`, which openai-node and @anthropic-ai/sdk spread into the `fetch`
 * init of every request the call sends (retries included); the client's observed `fetch` reads it
 * there. Nothing else of the caller's options changes. No AsyncLocalStorage: `run()` of one turns on
 * Node's promise hooks (before Node 24) for the whole process, a cost every promise of the
 * application would then pay. A non-object `requestOptions` (not a real request options value) is returned as it is.
 */
export function withCallScope(requestOptions: unknown, scope: CallScope): unknown {
  if (requestOptions != null && typeof requestOptions !== 'object') return requestOptions;
  const options = (requestOptions ?? {}) as { fetchOptions?: unknown };
  const fetchOptions =
    typeof options.fetchOptions === 'object' && options.fetchOptions !== null ? options.fetchOptions : {};
  return { ...options, fetchOptions: { ...fetchOptions, [CALL_SCOPE]: scope } };
}

function scopeOf(init: unknown): CallScope | undefined {
  const scope =
    typeof init === 'object' && init !== null ? (init as Record<symbol, unknown>)[CALL_SCOPE] : undefined;
  return typeof scope === 'object' && scope !== null ? (scope as CallScope) : callScopes.getStore();
}

const OBSERVED = Symbol.for('agentmeter.observedFetch');

/**
 * Makes a provider client (`openai`, `@anthropic-ai/sdk`: both keep the `fetch` they send with in a
 * `fetch` property) record, for the call in flight (`withCallScope`), the OpenTelemetry span active
 * when each request is sent. An instrumentation that traces the call (OpenLLMetry, OpenInference, the
 * Anthropic SDK's own spans) has its call span active then, so the wrapper's event names that span and
 * the span is not charged a second time. Calls outside a call scope pass straight through. Observing
 * a client twice observes it once.
 */
export function observeClientFetch(client: object): void {
  const holder = client as { fetch?: unknown };
  const original = holder.fetch;
  if (typeof original !== 'function' || (original as { [OBSERVED]?: true })[OBSERVED]) return;
  const observed = function (this: unknown, ...args: unknown[]): unknown {
    const scope = scopeOf(args[1]);
    if (scope) {
      const span = activeSpanContext();
      if (span) scope.span = span;
    }
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  Object.defineProperty(observed, OBSERVED, { value: true });
  try {
    holder.fetch = observed;
  } catch {
    // A frozen client cannot be observed; its calls are metered without a span link.
  }
}
