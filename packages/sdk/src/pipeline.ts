import type { AgentmeterClient, BatchResponse } from '@agentmeter/client';
import { v7 as uuidv7 } from 'uuid';
import { type Batch, buildBatch, EMPTY_BATCH_BYTES, interpretResults, rejectionReports } from './batch.js';
import { sendBatch } from './batch-sender.js';
import type { Captured } from './capture.js';
import type { Emitter } from './emitter.js';
import type { ResolvedOptions } from './options.js';
import type { Outbox } from './outbox.js';
import { OverflowGuard } from './overflow.js';
import { ItemQueue, type QueueItem } from './queue.js';
import { Cancellation, type Timers } from './timers.js';
import type { MeterErrorInfo } from './types.js';

/** How one drain ended: everything asked for was handled, a batch exhausted its retries, or the deadline hit. */
export type DrainResult = 'done' | 'exhausted' | 'aborted';

export interface PipelineParts {
  options: ResolvedOptions;
  client: AgentmeterClient;
  emitter: Emitter;
  timers: Timers;
  outbox: Outbox | undefined;
  report: (info: MeterErrorInfo) => void;
  /** Source of U[0, 1) for backoff jitter. */
  random: () => number;
}

/**
 * The delivery engine: an ordered, bounded queue of events and resolutions, sent one batch at a
 * time (so a resolution never overtakes the event it resolves), each batch a prefix of the queue.
 * Every drain is chained after the previous one, so concurrent flushes never send twice.
 */
export class Pipeline {
  readonly queue = new ItemQueue();
  readonly controller = new AbortController();
  /** Every wait and attempt of the Meter listens here; `controller.abort()` (the shutdown deadline) ends them. */
  readonly cancel = new Cancellation(this.controller.signal);
  sent = 0;
  failed = 0;
  /** The shutdown deadline (epoch ms), once shutdown began. */
  deadline: number | undefined;
  closed = false;
  readonly #parts: PipelineParts;
  #seq = 0;
  #inflight: QueueItem[] = [];
  #inflightBytes = 0;
  #chain: Promise<unknown> = Promise.resolve();
  #autoScheduled = false;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #overflow: OverflowGuard;
  #coolDownUntil = 0;
  #batchCap: number;

  constructor(parts: PipelineParts) {
    this.#parts = parts;
    this.#batchCap = parts.options.maxBatchEvents;
    const pipeline = this;
    this.#overflow = new OverflowGuard(
      parts.options,
      this.queue,
      {
        get count() {
          return pipeline.#inflight.length;
        },
        get bytes() {
          return pipeline.#inflightBytes;
        },
      },
      parts.report,
    );
  }

  /** Reports, now, the ids the overflow policy refused or dropped since the last report. */
  flushOverflowReport(): void {
    this.#overflow.flushReport();
  }

  get lastSeq(): number {
    return this.#seq;
  }

  get pendingCount(): number {
    return this.queue.size + this.#inflight.length;
  }

  pendingIds(): string[] {
    return [...this.#inflight.map((item) => item.id), ...[...this.queue].map((item) => item.id)];
  }

  /** True when an event with this id is queued or in flight. */
  holdsEvent(id: string): boolean {
    if (this.#inflight.some((item) => item.kind === 'event' && item.id === id)) return true;
    for (const item of this.queue) if (item.kind === 'event' && item.id === id) return true;
    return false;
  }

  /** Queues a captured item under the overflow policy; false when it was refused. */
  enqueue(
    kind: QueueItem['kind'],
    captured: Captured,
    recovered?: { batchKey?: string; batchSize: number; segment: number },
  ): boolean {
    const { options, outbox } = this.#parts;
    if (captured.bytes + EMPTY_BATCH_BYTES > options.maxBatchBytes) {
      this.failed++;
      this.#parts.report({
        code: 'event_too_large',
        message: `The ${kind} is ${captured.bytes} bytes; the batch limit (maxBatchBytes) is ${options.maxBatchBytes}.`,
        ids: [captured.id],
      });
      // A replayed item that no longer fits (maxBatchBytes was lowered) is done with, not replayed forever.
      if (recovered) outbox?.markDone([{ kind, id: captured.id, segment: recovered.segment } as QueueItem]);
      return false;
    }
    if (!recovered) {
      const { admitted, dropped } = this.#overflow.admit(captured.bytes);
      this.failed += dropped.length;
      outbox?.markDone(dropped);
      if (!admitted) {
        this.failed++;
        this.#overflow.reportLost(captured.id);
        return false;
      }
    }
    const item: QueueItem = {
      seq: ++this.#seq,
      kind,
      id: captured.id,
      json: captured.json,
      bytes: captured.bytes,
      batchKey: recovered?.batchKey,
      batchSize: recovered?.batchSize ?? 0,
      rejections: 0,
      segment: recovered?.segment ?? -1,
    };
    this.queue.push(item);
    if (recovered) outbox?.adopt(item);
    else outbox?.append(item);
    this.#afterEnqueue();
    return true;
  }

  #afterEnqueue(): void {
    const { flushAt, flushIntervalMs, waitUntil } = this.#parts.options;
    if (this.queue.size >= flushAt && Date.now() >= this.#coolDownUntil) this.#scheduleAuto();
    else if (!this.#idleTimer && !this.#autoScheduled) {
      this.#idleTimer = this.#parts.timers.idle(() => {
        this.#idleTimer = undefined;
        this.#scheduleAuto();
      }, flushIntervalMs);
    }
    if (waitUntil) this.#handOverToWaitUntil(waitUntil);
  }

  #waitUntilPending = false;
  #handOverToWaitUntil(waitUntil: (promise: Promise<unknown>) => void): void {
    if (this.#waitUntilPending) return;
    this.#waitUntilPending = true;
    const flushed = Promise.resolve().then(() => {
      this.#waitUntilPending = false;
      return this.flush();
    });
    try {
      waitUntil(flushed);
    } catch {
      // The platform's waitUntil failing must not break track().
    }
  }

  #scheduleAuto(): void {
    if (this.#autoScheduled || this.closed) return;
    this.#autoScheduled = true;
    this.#parts.timers.clear(this.#idleTimer);
    this.#idleTimer = undefined;
    const run = this.#chain.then(() => this.#drainTo(this.#seq));
    this.#chain = run.then((result) => {
      this.#autoScheduled = false;
      this.#afterAutoDrain(result);
    });
  }

  #afterAutoDrain(result: DrainResult): void {
    if (this.closed || this.queue.size === 0) return;
    const { flushAt, flushIntervalMs } = this.#parts.options;
    if (result === 'done' && this.queue.size >= flushAt) {
      this.#scheduleAuto();
      return;
    }
    const wait = Math.max(flushIntervalMs, this.#parts.timers.pausedUntil - Date.now());
    // After a failed cycle, new events do not start another one before the next timer: no hammering.
    if (result !== 'done') this.#coolDownUntil = Date.now() + wait;
    this.#idleTimer ??= this.#parts.timers.idle(() => {
      this.#idleTimer = undefined;
      this.#scheduleAuto();
    }, wait);
  }

  /** Resolves once every item queued before the call is acknowledged or reported (it never rejects). */
  flush(): Promise<DrainResult> {
    const release = this.#parts.timers.own();
    return this.drain(this.#seq).finally(release);
  }

  /** Chains a drain up to `target` after whatever drain is running. */
  drain(target: number): Promise<DrainResult> {
    const run = this.#chain.then(() => this.#drainTo(target));
    this.#chain = run;
    return run;
  }

  /** Starts delivering at once (the items an outbox replayed on start). */
  kick(): void {
    if (this.queue.size > 0) this.#scheduleAuto();
  }

  stopTimers(): void {
    this.#parts.timers.clear(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  async #drainTo(target: number): Promise<DrainResult> {
    try {
      for (;;) {
        const head = this.queue.peek();
        if (!head || head.seq > target) return 'done';
        if (this.controller.signal.aborted) return 'aborted';
        const { outbox } = this.#parts;
        if (outbox && head.seq > outbox.persistedSeq) {
          await outbox.whenPersisted(head.seq);
          continue;
        }
        const result = await this.#send(
          this.#compose(outbox ? outbox.persistedSeq : Number.POSITIVE_INFINITY),
        );
        if (result !== 'sent') return result;
      }
    } catch (error) {
      this.#parts.report({
        code: 'delivery_failed',
        message: `Unexpected failure: ${String(error)}`,
        ids: [],
        cause: error,
      });
      return 'exhausted';
    }
  }

  /** Takes the next batch off the head: a batch returned whole keeps its key; otherwise a new prefix and key. */
  #compose(persistedSeq: number): Batch {
    const { maxBatchBytes } = this.#parts.options;
    const head = this.queue.peek() as QueueItem;
    let count = 0;
    let key: string | undefined;
    if (head.batchKey !== undefined && this.#isWholeBatch(head, persistedSeq)) {
      count = head.batchSize;
      key = head.batchKey;
    } else {
      let bytes = EMPTY_BATCH_BYTES;
      for (let item = head; item && count < this.#batchCap; item = this.queue.peek(count) as QueueItem) {
        if (item.seq > persistedSeq) break;
        if (count > 0 && bytes + item.bytes + 1 > maxBatchBytes) break;
        bytes += item.bytes + (count > 0 ? 1 : 0);
        count++;
      }
    }
    const items = this.queue.take(count);
    const batch = buildBatch(key ?? uuidv7(), items);
    for (const item of items) {
      item.batchKey = batch.key;
      item.batchSize = items.length;
    }
    this.#inflight = items;
    this.#inflightBytes = items.reduce((sum, item) => sum + item.bytes, 0);
    return batch;
  }

  #isWholeBatch(head: QueueItem, persistedSeq: number): boolean {
    for (let offset = 0; offset < head.batchSize; offset++) {
      const item = this.queue.peek(offset);
      if (!item || item.batchKey !== head.batchKey || item.seq > persistedSeq) return false;
    }
    return true;
  }

  async #send(batch: Batch): Promise<'sent' | 'exhausted' | 'aborted'> {
    const outcome = await sendBatch(batch, this.#parts, this.cancel, () => this.deadline);
    switch (outcome.kind) {
      case 'answered':
        return this.#settle(batch, outcome.response) ? 'exhausted' : 'sent';
      case 'too_large':
        this.#split(batch);
        return 'sent';
      case 'refused':
        this.#fail(
          batch.items,
          'rejected',
          `The server refused the batch: ${outcome.error.message}`,
          outcome.error.problem ?? outcome.error,
        );
        return 'sent';
      case 'aborted':
        this.#returnToHead(batch.items);
        return 'aborted';
      case 'exhausted':
        this.#returnToHead(batch.items);
        this.#parts.report({
          code: 'delivery_failed',
          message: `A batch of ${batch.items.length} item(s) was not delivered (${outcome.error.message}); it is back at the head of the queue.`,
          ids: batch.items.map((item) => item.id),
          cause: outcome.error,
        });
        return 'exhausted';
    }
  }

  #returnToHead(items: QueueItem[]): void {
    this.#inflight = [];
    this.#inflightBytes = 0;
    this.queue.unshiftAll(items);
  }

  /** A 413: halves go back to the head, each under a new key; a lone item is too large to send. */
  #split(batch: Batch): void {
    if (batch.items.length === 1) {
      this.#fail(
        batch.items,
        'event_too_large',
        'The server refused the item as too large (413).',
        undefined,
      );
      return;
    }
    const half = Math.ceil(batch.items.length / 2);
    this.#batchCap = Math.max(1, Math.min(this.#batchCap, half));
    for (const part of [batch.items.slice(0, half), batch.items.slice(half)]) {
      const key = uuidv7();
      for (const item of part) {
        item.batchKey = key;
        item.batchSize = part.length;
      }
    }
    this.#returnToHead(batch.items);
  }

  #fail(items: QueueItem[], code: 'rejected' | 'event_too_large', message: string, cause: unknown): void {
    this.#inflight = [];
    this.#inflightBytes = 0;
    this.failed += items.length;
    this.#parts.outbox?.markDone(items);
    this.#parts.report({ code, message, ids: items.map((item) => item.id), cause });
  }

  /** Applies per-item results; true when some items exhausted their retries in this cycle. */
  #settle(batch: Batch, response: BatchResponse): boolean {
    const { acked, rejected, retry, priced } = interpretResults(batch, response);
    this.#inflight = [];
    this.#inflightBytes = 0;
    this.sent += acked.length;
    this.failed += rejected.length;
    if (acked.length > 0) this.#coolDownUntil = 0;
    this.#parts.outbox?.markDone([...acked, ...rejected.map((entry) => entry.item)]);
    let exhausted = false;
    if (retry.length > 0) {
      for (const item of retry) {
        item.batchKey = undefined;
        item.rejections++;
        if (item.rejections > this.#parts.options.maxRetries) exhausted = true;
      }
      if (exhausted) {
        for (const item of retry) item.rejections = 0;
        this.#parts.report({
          code: 'delivery_failed',
          message: `${retry.length} item(s) were rejected as retryable too many times; they are back at the head of the queue.`,
          ids: retry.map((item) => item.id),
        });
      }
      this.queue.unshiftAll(retry);
    }
    const { emitter } = this.#parts;
    if (acked.length > 0)
      emitter.emit(
        'flush',
        acked.map((item) => item.id),
      );
    if (priced.length > 0) emitter.emit('priced', priced);
    for (const info of rejectionReports(rejected)) this.#parts.report(info);
    return exhausted;
  }
}
