import { AttemptError, backoffDelay, isRetryable, RETRY_AFTER_BUDGET_MS } from './retry-policy.js';
import type { FetchResult } from './serialized-requests.js';
import { AbortedError, type Cancellation, type Timers } from './timers.js';

/**
 * One attempt under a deadline that covers the response headers and body. The deadline is a race,
 * so it holds even for a custom `fetch` that ignores the abort signal; the signal is still aborted so
 * that a real socket is released. Resolves with the parsed 2xx body, or throws an `AttemptError`
 * (or an `AbortedError` when `cancel`, the shutdown deadline, fires).
 */
export function runAttempt<T>(
  call: (signal: AbortSignal) => Promise<FetchResult<T>>,
  options: { timeoutMs: number; cancel: Cancellation; timers: Timers },
): Promise<{ data: T; response: Response }> {
  const { timeoutMs, cancel, timers } = options;
  if (cancel.aborted) return Promise.reject(new AbortedError());
  const controller = new AbortController();
  return new Promise<{ data: T; response: Response }>((resolve, reject) => {
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      timers.clear(deadline);
      unsubscribe();
      settle();
    };
    const onAbort = () => {
      controller.abort(new AbortedError());
      finish(() => reject(new AbortedError()));
    };
    const deadline = timers.work(() => {
      const error = new AttemptError('timeout', `No complete response within ${timeoutMs} ms.`);
      controller.abort(error);
      finish(() => reject(error));
    }, timeoutMs);
    const unsubscribe = cancel.subscribe(onAbort);
    call(controller.signal).then(
      (result) => finish(() => settleResult(result, resolve, reject)),
      (error: unknown) => finish(() => reject(classifyThrown(error))),
    );
  });
}

function settleResult<T>(
  result: FetchResult<T>,
  resolve: (value: { data: T; response: Response }) => void,
  reject: (error: unknown) => void,
): void {
  const { response } = result;
  if (response.ok && result.data !== undefined && result.data !== null) {
    resolve({ data: result.data, response });
    return;
  }
  if (response.ok) {
    reject(new AttemptError('invalid_response', `The server answered ${response.status} without a body.`));
    return;
  }
  const problem = result.error;
  const detail = (problem as { detail?: unknown; title?: unknown } | undefined) ?? {};
  const text =
    typeof detail.detail === 'string' ? detail.detail : typeof detail.title === 'string' ? detail.title : '';
  reject(
    new AttemptError('http', `The server answered ${response.status}${text ? `: ${text}` : '.'}`, {
      status: response.status,
      problem,
      headers: response.headers,
    }),
  );
}

function classifyThrown(error: unknown): Error {
  if (error instanceof AttemptError || error instanceof AbortedError) return error;
  if (error instanceof SyntaxError) {
    return new AttemptError('invalid_response', `The server's response is not valid JSON: ${error.message}`, {
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AttemptError('network', `The request failed: ${message}`, { cause: error });
}

export interface RetryOptions {
  maxRetries: number;
  timers: Timers;
  cancel: Cancellation;
  /** An absolute deadline (epoch ms): a retry that would start after it is not made. */
  deadline?: () => number | undefined;
  /** Source of U[0, 1) for jitter. */
  random?: () => number;
}

/**
 * Runs `operation(attemptNumber)` until it succeeds, fails for good, or the retry budget is spent.
 * Consumed retries wait `backoffDelay`; a Retry-After wait, and one immediate retry after a
 * connection reset on the first attempt (a stale keep-alive socket), are free. A Retry-After also
 * pauses every other request of the Meter. A retry that would start after `deadline` is not made.
 *
 * A plain loop rather than p-retry: every wait here must be a Meter work timer (referenced only while
 * someone awaits the Meter, so a background retry never holds a process open), jittered from the
 * injected `random` (p-retry's jitter is `Math.random` × [1, 2]; ours is × [0.5, 1] with a floor),
 * checked against the shutdown deadline before it starts, and stretched by Retry-After without using
 * up the budget. With all of that in hooks, p-retry was left running a loop with no policy of its own.
 */
export async function withRetries<T>(
  operation: (attemptNumber: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const { maxRetries, timers, cancel, deadline, random = Math.random } = options;
  let retryAfterSpent = 0;
  let retriesConsumed = 0;
  for (let attemptNumber = 1; ; attemptNumber++) {
    if (cancel.aborted) throw new AbortedError();
    try {
      await timers.waitForPause(cancel);
      return await operation(attemptNumber);
    } catch (error) {
      if (!(error instanceof AttemptError) || !isRetryable(error)) throw error;
      let wait: number;
      if (error.retryAfterMs !== undefined) {
        timers.pause(Date.now() + error.retryAfterMs);
        wait = Math.max(error.retryAfterMs, backoffDelay(retriesConsumed, random()));
        retryAfterSpent += wait;
        if (retryAfterSpent > RETRY_AFTER_BUDGET_MS) throw error;
      } else if (attemptNumber === 1 && error.connectionReset) {
        wait = 0;
      } else {
        if (retriesConsumed >= maxRetries) throw error;
        wait = backoffDelay(retriesConsumed, random());
        retriesConsumed++;
      }
      const limit = deadline?.();
      if (limit !== undefined && Date.now() + wait > limit) throw new AbortedError();
      await timers.sleep(wait, cancel);
    }
  }
}
