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

/**
 * The background responses still running, by response id: the one owner of this per-wrapper state.
 * `withMeter()` makes one and hands it to the metered `create` and to `retrieve` / `cancel` (and to the
 * client's `withOptions()` copies), so the validated settings stay plain data.
 */
export class PendingResponses {
  readonly #calls = new Map<string, MeteredCall>();

  /** Holds `call` open until a finished response with this id is seen; without an id it cannot settle. */
  track(responseId: string | undefined, call: MeteredCall): void {
    if (responseId === undefined) {
      call.finish({ counts: { ...ZERO_COUNTS }, complete: false, usageMissing: true });
      return;
    }
    if (this.#calls.size >= PENDING_LIMIT) {
      const oldest = this.#calls.entries().next().value;
      if (oldest) {
        this.#calls.delete(oldest[0]);
        oldest[1].finish({
          counts: { ...ZERO_COUNTS },
          complete: false,
          usageMissing: true,
          responseId: oldest[0],
        });
      }
    }
    this.#calls.set(responseId, call);
  }

  has(responseId: string): boolean {
    return this.#calls.has(responseId);
  }

  /** Meters the call of `responseId` with `outcome`, once, if it is still open. */
  settle(responseId: string, outcome: CallOutcome): void {
    const call = this.#calls.get(responseId);
    if (!call) return;
    this.#calls.delete(responseId);
    call.finish(outcome);
  }
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
  pending: PendingResponses,
  client: unknown,
): Method {
  return function settling(...args: unknown[]): unknown {
    const result = method.apply(resource, args);
    const id = args[0];
    if (typeof id !== 'string' || !pending.has(id) || !canUnwrap(result)) return result;
    const settle = (outcome: CallOutcome) => {
      if (outcome.complete) pending.settle(id, outcome);
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
