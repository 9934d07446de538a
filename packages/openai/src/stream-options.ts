// `stream_options.include_usage`: OpenAI sends a streamed chat completion's usage only when asked, so the
// wrapper asks. Some OpenAI-compatible servers refuse the field with a 400 although the caller never
// sent it; the call is then made again without it, and the endpoint is remembered so later calls do
// not pay the failed request again.

/** Endpoints (client base URLs) remembered at most; the oldest is forgotten first. */
const LIMIT = 1000;

/** Endpoints that refused `stream_options` (a retry without it succeeded). */
const refusing = new Set<string>();
/** Endpoints that served a stream asked for usage: a later 400 there is not about `stream_options`. */
const accepting = new Set<string>();

function remember(set: Set<string>, endpoint: string): void {
  if (set.has(endpoint)) return;
  if (set.size >= LIMIT) {
    const oldest = set.values().next().value;
    if (oldest !== undefined) set.delete(oldest);
  }
  set.add(endpoint);
}

/** The endpoint a client sends to, as remembered here. */
export function endpointOf(baseURL: unknown): string {
  return String(baseURL ?? '').replace(/\/+$/, '');
}

export function refusesStreamOptions(endpoint: string): boolean {
  return refusing.has(endpoint);
}

export function rememberRefusal(endpoint: string): void {
  accepting.delete(endpoint);
  remember(refusing, endpoint);
}

export function rememberAcceptance(endpoint: string): void {
  remember(accepting, endpoint);
}

function statusOf(error: unknown): unknown {
  return (error as { status?: unknown } | null)?.status;
}

function mentionsStreamOptions(error: unknown): boolean {
  let text = '';
  try {
    const { message, error: body } = error as { message?: unknown; error?: unknown };
    text = `${typeof message === 'string' ? message : ''} ${JSON.stringify(body) ?? ''}`;
  } catch {
    // An error that cannot be read says nothing about the field.
  }
  return /stream_options|include_usage/.test(text);
}

/**
 * Whether a failed request that carried the wrapper's own `stream_options` is worth making again
 * without it: the server refused the request as invalid (400, or 422 from servers validating with a
 * schema), and either says the field is the problem or is not known to accept it. The retry is what
 * the caller's own request would have been; if it fails too, its error is the caller's.
 */
export function refusedStreamOptions(error: unknown, endpoint: string): boolean {
  const status = statusOf(error);
  if (status !== 400 && status !== 422) return false;
  return mentionsStreamOptions(error) || !accepting.has(endpoint);
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
  accepting.clear();
  warnedMissing = false;
}
