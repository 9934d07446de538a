/** One queued item: an event or the resolution of an outcome, serialized once at capture. */
export interface QueueItem {
  /** Capture order, increasing; `flush()` waits for every item up to a sequence number. */
  readonly seq: number;
  readonly kind: 'event' | 'resolution';
  /** The `event_id`, or the `outcome_id` of a resolution. */
  readonly id: string;
  readonly json: string;
  /** UTF-8 length of `json`. */
  readonly bytes: number;
  /** The request key of the batch this item was composed into; kept when that batch returns to the queue whole. */
  batchKey: string | undefined;
  /** How many items that batch holds. */
  batchSize: number;
  /** Times the server answered this item with a retryable rejection in the current delivery cycle. */
  rejections: number;
  /** The outbox segment holding it (-1 without an outbox). */
  segment: number;
}

/**
 * An ordered queue with O(1) push and shift and a running byte count. Items return to the head
 * (`unshiftAll`) when a batch must be sent again, so the head is always the oldest unsent item.
 */
export class ItemQueue {
  #items: (QueueItem | undefined)[] = [];
  #head = 0;
  #bytes = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  push(item: QueueItem): void {
    this.#items.push(item);
    this.#bytes += item.bytes;
  }

  peek(offset = 0): QueueItem | undefined {
    return this.#items[this.#head + offset];
  }

  shift(): QueueItem | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head++;
    if (item) this.#bytes -= item.bytes;
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Takes the first `count` items off the head. */
  take(count: number): QueueItem[] {
    const taken: QueueItem[] = [];
    for (let index = 0; index < count; index++) {
      const item = this.shift();
      if (!item) break;
      taken.push(item);
    }
    return taken;
  }

  /** Puts items back at the head, in the order given. */
  unshiftAll(items: readonly QueueItem[]): void {
    if (items.length === 0) return;
    for (const item of items) this.#bytes += item.bytes;
    if (this.#head >= items.length) {
      this.#head -= items.length;
      for (let index = 0; index < items.length; index++) this.#items[this.#head + index] = items[index];
    } else {
      this.#items = [...items, ...this.#items.slice(this.#head)];
      this.#head = 0;
    }
  }

  *[Symbol.iterator](): IterableIterator<QueueItem> {
    for (let index = this.#head; index < this.#items.length; index++) {
      const item = this.#items[index];
      if (item) yield item;
    }
  }
}
