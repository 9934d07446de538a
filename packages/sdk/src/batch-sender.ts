import type { BatchResponse } from '@agentmeter/client';
import type { Batch } from './batch.js';
import type { ResolvedOptions } from './options.js';
import type { Outbox } from './outbox.js';
import { AttemptError, backoffDelay, isRetryable } from './retry-policy.js';
import type { PostSerialized } from './serialized-requests.js';
import { AbortedError, type Cancellation, type Timers } from './timers.js';
import { runAttempt, withRetries } from './transport.js';

/** How sending one batch ended. */
export type SendOutcome =
  | { kind: 'answered'; response: BatchResponse }
  /** 413: the batch must be split. */
  | { kind: 'too_large' }
  /** A status no retry can fix (400, 401, 403, 404, 422, …). */
  | { kind: 'refused'; error: AttemptError }
  /** The retries of this cycle are used up. */
  | { kind: 'exhausted'; error: Error }
  /** The shutdown deadline cut it off. */
  | { kind: 'aborted' };

export interface SenderParts {
  post: PostSerialized;
  options: ResolvedOptions;
  timers: Timers;
  outbox: Outbox | undefined;
  random: () => number;
}

/**
 * Sends one batch under its key until the server answers or the cycle's retries run out. The key
 * (recorded in the outbox first, so a replay after a crash reuses it) and the body bytes are the
 * same on every attempt; only the attempt header changes.
 */
export async function sendBatch(
  batch: Batch,
  parts: SenderParts,
  cancel: Cancellation,
  deadline: () => number | undefined,
): Promise<SendOutcome> {
  const { post, options, timers, outbox, random } = parts;
  try {
    await outbox?.recordBatch(batch.key, batch.items);
    // Items the server answered "retryable" before wait out a backoff before they go again.
    const rejections = Math.max(...batch.items.map((item) => item.rejections));
    if (rejections > 0) await timers.sleep(backoffDelay(rejections - 1, random()), cancel);
    const { data } = await withRetries(
      (attempt) =>
        runAttempt(
          (signal) =>
            // Serialized once, from each item's captured JSON: the bytes never change between attempts.
            post({ path: '/v1/meter/batch', body: batch.body, idempotencyKey: batch.key, attempt, signal }),
          { timeoutMs: options.requestTimeoutMs, cancel, timers },
        ),
      { maxRetries: options.maxRetries, timers, cancel, deadline, random },
    );
    return { kind: 'answered', response: data };
  } catch (error) {
    if (error instanceof AbortedError || cancel.aborted) return { kind: 'aborted' };
    if (error instanceof AttemptError && error.status === 413) return { kind: 'too_large' };
    if (error instanceof AttemptError && !isRetryable(error)) return { kind: 'refused', error };
    return { kind: 'exhausted', error: error instanceof Error ? error : new Error(String(error)) };
  }
}
