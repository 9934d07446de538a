import type { BatchResponse } from '@agentmeter/client';
import { v7 as uuidv7 } from 'uuid';
import { type Batch, buildBatch, EMPTY_BATCH_BYTES, interpretResults, rejectionReports } from './batch.js';
import { sendBatch } from './batch-sender.js';
import { type Captured, utf8Length } from './capture.js';
import type { Emitter } from './emitter.js';
import { MeterError } from './errors.js';
import type { ResolvedOptions } from './options.js';
import type { Outbox, RecoveredItem } from './outbox.js';
import { OverflowGuard } from './overflow.js';
import { ItemQueue, type QueueItem } from './queue.js';
import { AttemptError, isRetryable } from './retry-policy.js';
import type { FetchResult, PostSerialized } from './serialized-requests.js';
import { AbortedError, Cancellation, type Timers } from './timers.js';
import { runAttempt, withRetries } from './transport.js';
import type { MeterErrorInfo, ShutdownResult } from './types.js';

/** How one drain ended: everything asked for was handled, a batch exhausted its retries, or the deadline hit. */
export type DrainResult = 'done' | 'exhausted' | 'aborted';

export interface PipelineParts {
  options: ResolvedOptions;
  /** Sends a batch's serialized body. */
  post: PostSerialized;
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
 * Every drain is chained after the previous one, so concurrent flushes never send twice. It owns
 * all of the Meter's delivery state (the queue, the counts, the shutdown deadline); the Meter only
 * captures items, hands them over and asks it to flush, send one request now, or shut down.
 */
export class Pipeline {
  readonly #queue = new ItemQueue();
  readonly #controller = new AbortController();
  /** Every wait and attempt of the Meter listens here; aborting the controller (the shutdown deadline) ends them. */
  readonly #cancel = new Cancellation(this.#controller.signal);
  /** Items acknowledged by the server. */
  #sent = 0;
  /** Items given up on (rejected for good, too large, or removed by the overflow policy). */
  #failed = 0;
  /** The shutdown deadline (epoch ms), once shutdown began. */
  #deadline: number | undefined;
  #closed = false;
  #shutdown: Promise<ShutdownResult> | undefined;
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
      this.#queue,
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

  /** True once shutdown began: nothing more is queued or sent. */
  get closed(): boolean {
    return this.#closed;
  }

  #pendingIds(): string[] {
    return [...this.#inflight.map((item) => item.id), ...[...this.#queue].map((item) => item.id)];
  }

  /** Queues what a previous run left in the outbox and starts delivering it at once, ahead of anything new. */
  replay(recovered: readonly RecoveredItem[]): void {
    for (const item of recovered) {
      const captured = { id: item.id, json: item.json, bytes: utf8Length(item.json) };
      this.#admit(item.kind, captured, {
        batchKey: item.batchKey,
        batchSize: item.batchSize,
        segment: item.segment,
      });
    }
    if (this.#queue.size > 0) this.#scheduleAuto();
  }

  /** True when an event with this id is queued or in flight. */
  holdsEvent(id: string): boolean {
    if (this.#inflight.some((item) => item.kind === 'event' && item.id === id)) return true;
    for (const item of this.#queue) if (item.kind === 'event' && item.id === id) return true;
    return false;
  }

  /** Queues a captured item under the overflow policy; false when it was refused (and reported). */
  enqueue(kind: QueueItem['kind'], captured: Captured): boolean {
    return this.#admit(kind, captured, undefined);
  }

  /** Queues an item; a `recovered` one (replayed from the outbox) keeps its batch and bypasses the overflow bound. */
  #admit(
    kind: QueueItem['kind'],
    captured: Captured,
    recovered: { batchKey?: string; batchSize: number; segment: number } | undefined,
  ): boolean {
    const { options, outbox } = this.#parts;
    if (captured.bytes + EMPTY_BATCH_BYTES > options.maxBatchBytes) {
      this.#failed++;
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
      this.#failed += dropped.length;
      outbox?.markDone(dropped);
      if (!admitted) {
        this.#failed++;
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
    this.#queue.push(item);
    if (recovered) outbox?.adopt(item);
    else outbox?.append(item);
    this.#afterEnqueue();
    return true;
  }

  #afterEnqueue(): void {
    const { flushAt, flushIntervalMs, waitUntil } = this.#parts.options;
    if (this.#queue.size >= flushAt && Date.now() >= this.#coolDownUntil) this.#scheduleAuto();
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
    if (this.#autoScheduled || this.#closed) return;
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
    if (this.#closed || this.#queue.size === 0) return;
    const { flushAt, flushIntervalMs } = this.#parts.options;
    if (result === 'done' && this.#queue.size >= flushAt) {
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
    return this.#drain(this.#seq).finally(release);
  }

  /** Resolves when everything queued before the call is on disk (at once without an outbox). */
  async persisted(): Promise<void> {
    const { outbox, timers } = this.#parts;
    if (!outbox) return;
    const release = timers.own();
    try {
      await outbox.whenPersisted(this.#seq);
    } finally {
      release();
    }
  }

  /** Chains a drain up to `target` after whatever drain is running. */
  #drain(target: number): Promise<DrainResult> {
    const run = this.#chain.then(() => this.#drainTo(target));
    this.#chain = run;
    return run;
  }

  /**
   * One request sent now, outside the queue, under the Meter's retries, Retry-After pause and
   * shutdown deadline; a failure is a `MeterError` naming `ids`: `rejected` when no retry can fix
   * it, else `delivery_failed`.
   */
  async request<T>(
    ids: string[],
    call: (attempt: number, signal: AbortSignal) => Promise<FetchResult<T>>,
  ): Promise<T> {
    const { options, timers } = this.#parts;
    const cancel = this.#cancel;
    const release = timers.own();
    try {
      const { data } = await withRetries(
        (attempt) =>
          runAttempt((signal) => call(attempt, signal), {
            timeoutMs: options.requestTimeoutMs,
            cancel,
            timers,
          }),
        { maxRetries: options.maxRetries, timers, cancel, deadline: () => this.#deadline },
      );
      this.#sent++;
      return data;
    } catch (error) {
      if (error instanceof AttemptError) {
        const code = isRetryable(error) ? 'delivery_failed' : 'rejected';
        throw new MeterError(code, error.message, {
          ids,
          status: error.status,
          problem: error.problem,
          cause: error,
        });
      }
      if (error instanceof AbortedError) {
        throw new MeterError('delivery_failed', 'The request was cut off by the shutdown deadline.', {
          ids,
          cause: error,
        });
      }
      throw error;
    } finally {
      release();
    }
  }

  /**
   * Stops taking items and drains what is queued until `timeoutMs` passes, then reports what went,
   * what failed and what is still pending. The first call decides; later calls get the same result.
   */
  shutdown(timeoutMs: number): Promise<ShutdownResult> {
    this.#shutdown ??= this.#close(timeoutMs);
    return this.#shutdown;
  }

  async #close(timeoutMs: number): Promise<ShutdownResult> {
    const { timers, outbox, report } = this.#parts;
    this.#closed = true;
    timers.clear(this.#idleTimer);
    this.#idleTimer = undefined;
    const release = timers.own();
    this.#deadline = Date.now() + timeoutMs;
    const deadline = timers.work(() => this.#controller.abort(new AbortedError()), timeoutMs);
    try {
      for (;;) {
        const before = this.#sent + this.#failed;
        const result = await this.#drain(this.#seq);
        if (result !== 'exhausted' || this.#cancel.aborted) break;
        // A cycle that moved nothing will not move anything the next time either.
        if (this.#sent + this.#failed === before) break;
      }
    } finally {
      timers.clear(deadline);
      this.#overflow.flushReport();
      try {
        await outbox?.close();
      } catch (error) {
        report({
          code: 'outbox_error',
          message: `The outbox could not be closed: ${String(error)}`,
          ids: [],
          cause: error,
        });
      }
      release();
    }
    const pendingIds = this.#pendingIds();
    return { sent: this.#sent, failed: this.#failed, pending: pendingIds.length, pendingIds };
  }

  async #drainTo(target: number): Promise<DrainResult> {
    try {
      for (;;) {
        const head = this.#queue.peek();
        if (!head || head.seq > target) return 'done';
        if (this.#cancel.aborted) return 'aborted';
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
    const head = this.#queue.peek() as QueueItem;
    let count = 0;
    let key: string | undefined;
    if (head.batchKey !== undefined && this.#isWholeBatch(head, persistedSeq)) {
      count = head.batchSize;
      key = head.batchKey;
    } else {
      let bytes = EMPTY_BATCH_BYTES;
      for (let item = head; item && count < this.#batchCap; item = this.#queue.peek(count) as QueueItem) {
        if (item.seq > persistedSeq) break;
        if (count > 0 && bytes + item.bytes + 1 > maxBatchBytes) break;
        bytes += item.bytes + (count > 0 ? 1 : 0);
        count++;
      }
    }
    const items = this.#queue.take(count);
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
      const item = this.#queue.peek(offset);
      if (!item || item.batchKey !== head.batchKey || item.seq > persistedSeq) return false;
    }
    return true;
  }

  async #send(batch: Batch): Promise<'sent' | 'exhausted' | 'aborted'> {
    const outcome = await sendBatch(batch, this.#parts, this.#cancel, () => this.#deadline);
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
    this.#queue.unshiftAll(items);
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
    this.#failed += items.length;
    this.#parts.outbox?.markDone(items);
    this.#parts.report({ code, message, ids: items.map((item) => item.id), cause });
  }

  /** Applies per-item results; true when some items exhausted their retries in this cycle. */
  #settle(batch: Batch, response: BatchResponse): boolean {
    const { acked, rejected, retry, priced } = interpretResults(batch, response);
    this.#inflight = [];
    this.#inflightBytes = 0;
    this.#sent += acked.length;
    this.#failed += rejected.length;
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
      this.#queue.unshiftAll(retry);
    }
    const { emitter } = this.#parts;
    if (acked.length > 0)
      emitter.emit(
        'acknowledged',
        acked.map((item) => item.id),
      );
    if (priced.length > 0) emitter.emit('priced', priced);
    for (const info of rejectionReports(rejected)) this.#parts.report(info);
    return exhausted;
  }
}
