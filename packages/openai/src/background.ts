// Background responses (`background: true`): `responses.create()` answers while the model still runs,
// without usage. The call stays open until a `responses.retrieve()` / `responses.cancel()` through the
// same wrapped client shows the response finished; it is metered then, once.
import type { CallOutcome, MeteredCall } from './metered-call.js';
import { ZERO_COUNTS } from './normalize.js';
import type { MeterConfig } from './options.js';
import { isPendingResponse, ResponsesStreamObserver, responseOutcome } from './responses.js';
import { isStreamLike, wrapStream } from './wrap-stream.js';

/** Background calls awaiting their usage, per wrapper; the oldest is metered as incomplete past this. */
export const PENDING_LIMIT = 1000;

export type PendingCalls = Map<string, MeteredCall>;

export function trackPending(config: MeterConfig, responseId: string | undefined, call: MeteredCall): void {
  if (responseId === undefined) {
    call.finish({ counts: { ...ZERO_COUNTS }, complete: false, usageMissing: true });
    return;
  }
  if (config.pending.size >= PENDING_LIMIT) {
    const oldest = config.pending.entries().next().value;
    if (oldest) {
      config.pending.delete(oldest[0]);
      oldest[1].finish({
        counts: { ...ZERO_COUNTS },
        complete: false,
        usageMissing: true,
        responseId: oldest[0],
      });
    }
  }
  config.pending.set(responseId, call);
}

type Method = (...args: unknown[]) => unknown;

interface Unwrappable {
  _thenUnwrap<U>(transform: (data: unknown) => U): unknown;
}

function canUnwrap(value: unknown): value is Unwrappable {
  return (
    typeof value === 'object' && value !== null && typeof (value as Unwrappable)._thenUnwrap === 'function'
  );
}

/**
 * `responses.retrieve` / `responses.cancel` that settle a pending background call when the response
 * they return (or stream) has finished. Calls for other ids pass through untouched.
 */
export function settlingMethod(
  method: Method,
  resource: object,
  config: MeterConfig,
  client: unknown,
): Method {
  return function settling(...args: unknown[]): unknown {
    const result = method.apply(resource, args);
    const id = args[0];
    if (typeof id !== 'string' || !config.pending.has(id) || !canUnwrap(result)) return result;
    const settle = (outcome: CallOutcome) => {
      if (!outcome.complete) return;
      const call = config.pending.get(id);
      if (!call) return;
      config.pending.delete(id);
      call.finish(outcome);
    };
    return result._thenUnwrap((data) => {
      if (isStreamLike(data)) {
        return wrapStream(
          data,
          { finish: settle },
          new ResponsesStreamObserver(config.captureContent),
          client,
        );
      }
      if (!isPendingResponse(data)) settle(responseOutcome(data, config.captureContent));
      return data;
    });
  };
}
