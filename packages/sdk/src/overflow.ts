import type { ResolvedOptions } from './options.js';
import type { ItemQueue, QueueItem } from './queue.js';
import type { MeterErrorInfo } from './types.js';

export interface InflightView {
  readonly count: number;
  readonly bytes: number;
}

export interface Admission {
  readonly admitted: boolean;
  readonly dropped: readonly QueueItem[];
}

const NOTHING_DROPPED: readonly QueueItem[] = Object.freeze([]);
const ADMITTED: Admission = Object.freeze({ admitted: true, dropped: NOTHING_DROPPED });
const REFUSED: Admission = Object.freeze({ admitted: false, dropped: NOTHING_DROPPED });

/**
 * The queue bound (`maxQueueEvents` items, `maxQueueBytes` bytes, in flight included) and the
 * overflow policy. Nothing leaves silently: every refused or dropped id is reported, coalesced into
 * one `overflow` error per microtask.
 */
export class OverflowGuard {
  readonly #options: ResolvedOptions;
  readonly #queue: ItemQueue;
  /** What is in flight, read live (a view, so the check allocates nothing per `track()`). */
  readonly #inflight: InflightView;
  readonly #report: (info: MeterErrorInfo) => void;
  #ids: string[] = [];

  constructor(
    options: ResolvedOptions,
    queue: ItemQueue,
    inflight: InflightView,
    report: (info: MeterErrorInfo) => void,
  ) {
    this.#options = options;
    this.#queue = queue;
    this.#inflight = inflight;
    this.#report = report;
  }

  /** Makes room for an item of `bytes` under the policy: whether it fits now, and what was dropped for it. */
  admit(bytes: number): Admission {
    if (!this.#full(bytes)) return ADMITTED;
    if (this.#options.overflow !== 'drop-oldest') return REFUSED;
    const dropped: QueueItem[] = [];
    while (this.#full(bytes) && this.#queue.size > 0) {
      const oldest = this.#queue.shift();
      if (oldest) dropped.push(oldest);
    }
    for (const item of dropped) this.reportLost(item.id);
    return { admitted: !this.#full(bytes), dropped };
  }

  #full(bytes: number): boolean {
    const { maxQueueEvents, maxQueueBytes } = this.#options;
    const inflight = this.#inflight;
    return (
      this.#queue.size + inflight.count + 1 > maxQueueEvents ||
      this.#queue.bytes + inflight.bytes + bytes > maxQueueBytes
    );
  }

  /** Reports an id the policy refused or dropped. */
  reportLost(id: string): void {
    this.#ids.push(id);
    if (this.#ids.length === 1) queueMicrotask(() => this.flushReport());
  }

  flushReport(): void {
    if (this.#ids.length === 0) return;
    const ids = this.#ids;
    this.#ids = [];
    const { overflow, maxQueueEvents, maxQueueBytes } = this.#options;
    const verb = overflow === 'drop-oldest' ? 'dropped the oldest' : 'refused';
    this.#report({
      code: 'overflow',
      message: `The queue is full (maxQueueEvents ${maxQueueEvents}, maxQueueBytes ${maxQueueBytes}); overflow '${overflow}' ${verb} ${ids.length} item(s).`,
      ids,
    });
  }
}
