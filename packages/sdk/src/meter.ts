import {
  type AgentmeterClient,
  createClient,
  type MeterEvent,
  type MeterResponse,
  type ResolveResponse,
} from '@agentmeter/client';
import { captureEvent, captureResolution, utf8Length } from './capture.js';
import { ContextScope } from './context.js';
import { Emitter } from './emitter.js';
import { MeterError } from './errors.js';
import { installExitHandlers } from './exit-handlers.js';
import { type MeterOptions, resolveOptions } from './options.js';
import { Outbox } from './outbox.js';
import { Pipeline } from './pipeline.js';
import { AttemptError, isRetryable } from './retry-policy.js';
import { AbortedError, Timers } from './timers.js';
import { runAttempt, withRetries } from './transport.js';
import type {
  Meter,
  MeterErrorInfo,
  OutcomeResolution,
  PricedEvent,
  ShutdownResult,
  TrackEvent,
} from './types.js';

/**
 * Creates a Meter: `track()` queues events (and `resolve()` outcome resolutions) in one ordered,
 * bounded queue that leaves in batches to `POST /v1/meter/batch`, retried with backoff and sent
 * under one idempotency key per batch; each event carries an `event_id` minted at capture, so the
 * server charges it once however often it is sent. `meter()` and `resolveNow()` send at once.
 *
 * Serverless: `await meter.flush()` before the handler returns (reuse the Meter while the instance
 * stays warm), or pass `waitUntil`. Long-running processes: `await meter.shutdown()` on exit, or
 * `meter.registerExitHandlers()`.
 */
export function createMeter(options: MeterOptions = {}): Meter {
  const resolved = resolveOptions(options);
  const client: AgentmeterClient = createClient({
    apiKey: resolved.apiKey,
    baseUrl: resolved.baseUrl,
    ...(resolved.fetch ? { fetch: resolved.fetch } : {}),
    userAgent: 'agentmeter-sdk',
  });
  const emitter = new Emitter();
  if (resolved.onError) emitter.on('error', resolved.onError);
  const report = (info: MeterErrorInfo) => {
    if (emitter.has('error')) emitter.emit('error', info);
    else
      console.warn(
        `[agentmeter] ${info.code}: ${info.message} (ids: ${info.ids.slice(0, 10).join(', ')}${info.ids.length > 10 ? ', …' : ''})`,
      );
  };
  const timers = new Timers();
  let outbox: Outbox | undefined;
  if (resolved.outbox) {
    try {
      outbox = new Outbox(resolved.outbox, (error, ids) =>
        report({
          code: 'outbox_error',
          message: `The outbox could not be written: ${String(error)}`,
          ids,
          cause: error,
        }),
      );
    } catch (error) {
      throw new MeterError(
        'outbox_error',
        `The outbox ${resolved.outbox.dir} cannot be opened: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
  const pipeline = new Pipeline({
    options: resolved,
    client,
    emitter,
    timers,
    outbox,
    report,
    random: Math.random,
  });
  for (const item of outbox?.recovered ?? []) {
    const captured = { id: item.id, json: item.json, bytes: utf8Length(item.json) };
    pipeline.enqueue(item.kind, captured, {
      batchKey: item.batchKey,
      batchSize: item.batchSize,
      segment: item.segment,
    });
  }
  // What a previous run left in the outbox goes out now, ahead of anything new.
  pipeline.kick();
  const context = new ContextScope();
  let shutdownPromise: Promise<ShutdownResult> | undefined;

  const afterShutdown = (id: string, what: string) =>
    report({ code: 'after_shutdown', message: `${what} after shutdown(); it was not queued.`, ids: [id] });

  /** One request with the pipeline's retries, Retry-After pause and shutdown deadline. */
  const retried = async <T>(
    ids: string[],
    request: (
      attempt: number,
      signal: AbortSignal,
    ) => Promise<{ data?: T; error?: unknown; response: Response }>,
  ): Promise<T> => {
    const cancel = pipeline.cancel;
    const release = timers.own();
    try {
      const { data } = await withRetries(
        (attempt) =>
          runAttempt((attemptSignal) => request(attempt, attemptSignal), {
            timeoutMs: resolved.requestTimeoutMs,
            cancel,
            timers,
          }),
        { maxRetries: resolved.maxRetries, timers, cancel, deadline: () => pipeline.deadline },
      );
      pipeline.sent++;
      return data;
    } catch (error) {
      if (error instanceof AttemptError) {
        // A refusal no retry can fix is `rejected`; anything else ran out of retries.
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
  };

  const meter: Meter = {
    track(event: TrackEvent): string {
      try {
        const captured = captureEvent(event, context.current(), Date.now());
        if (!captured.ok) {
          report({ code: 'invalid_event', message: captured.message, ids: [captured.id] });
          return captured.id;
        }
        if (pipeline.closed) afterShutdown(captured.id, 'track()');
        else pipeline.enqueue('event', captured);
        return captured.id;
      } catch (error) {
        report({ code: 'invalid_event', message: `track() failed: ${String(error)}`, ids: [], cause: error });
        return '';
      }
    },

    async meter(event: TrackEvent): Promise<MeterResponse> {
      const captured = captureEvent(event, context.current(), Date.now());
      if (!captured.ok) throw new MeterError('invalid_event', captured.message, { ids: [captured.id] });
      if (pipeline.closed)
        throw new MeterError('after_shutdown', 'meter() after shutdown().', { ids: [captured.id] });
      const response = await retried<MeterResponse>([captured.id], (attempt, signal) =>
        client.POST('/v1/meter', {
          params: { header: { 'Idempotency-Key': captured.id } },
          headers: { 'X-Agentmeter-Attempt': String(attempt) },
          body: captured.json as unknown as MeterEvent,
          bodySerializer: (body: unknown) => body as string,
          signal,
        }),
      );
      emitter.emit('flush', [response.event_id]);
      emitter.emit('priced', [pricedFromResponse(response)]);
      return response;
    },

    resolve(
      outcomeIdOrEventId: string,
      outcome: OutcomeResolution,
      metadata?: Record<string, unknown>,
    ): void {
      try {
        const captured = captureResolution(outcomeIdOrEventId, outcome, metadata);
        if (!captured.ok) report({ code: 'invalid_event', message: captured.message, ids: [captured.id] });
        else if (pipeline.closed) afterShutdown(captured.id, 'resolve()');
        else pipeline.enqueue('resolution', captured);
      } catch (error) {
        report({
          code: 'invalid_event',
          message: `resolve() failed: ${String(error)}`,
          ids: [],
          cause: error,
        });
      }
    },

    async resolveNow(outcomeIdOrEventId, outcome, metadata) {
      const captured = captureResolution(outcomeIdOrEventId, outcome, metadata);
      if (!captured.ok) throw new MeterError('invalid_event', captured.message, { ids: [captured.id] });
      if (pipeline.closed)
        throw new MeterError('after_shutdown', 'resolveNow() after shutdown().', { ids: [captured.id] });
      // The event that opened the outcome may still be queued: it must reach the server first.
      if (pipeline.holdsEvent(captured.id.slice(4))) await pipeline.flush();
      return retried<ResolveResponse>([captured.id], (attempt, signal) =>
        client.POST('/v1/outcomes/{outcome_id}/resolve', {
          params: { path: { outcome_id: captured.id } },
          headers: { 'X-Agentmeter-Attempt': String(attempt) },
          body: { outcome: captured.resolution.outcome, ...(metadata === undefined ? {} : { metadata }) },
          signal,
        }),
      );
    },

    withContext: (ctx, fn) => context.run(ctx, fn),
    currentContext: () => context.current(),

    async flush(): Promise<void> {
      await pipeline.flush();
    },

    async persisted(): Promise<void> {
      if (!outbox) return;
      const release = timers.own();
      try {
        await outbox.whenPersisted(pipeline.lastSeq);
      } finally {
        release();
      }
    },

    shutdown(shutdownOptions = {}) {
      const timeoutMs = shutdownOptions.timeoutMs ?? 10_000;
      if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
        return Promise.reject(
          new TypeError(`Expected \`timeoutMs\` to be a non-negative number, got ${String(timeoutMs)}.`),
        );
      }
      shutdownPromise ??= shutdown(timeoutMs);
      return shutdownPromise;
    },

    on: (event, listener) => emitter.on(event, listener),
    registerExitHandlers: (exitOptions) => installExitHandlers(meter, exitOptions),
  };

  async function shutdown(timeoutMs: number): Promise<ShutdownResult> {
    pipeline.closed = true;
    pipeline.stopTimers();
    const release = timers.own();
    pipeline.deadline = Date.now() + timeoutMs;
    const deadline = timers.work(() => pipeline.controller.abort(new AbortedError()), timeoutMs);
    try {
      for (;;) {
        const before = pipeline.sent + pipeline.failed;
        const result = await pipeline.drain(pipeline.lastSeq);
        if (result !== 'exhausted' || pipeline.controller.signal.aborted) break;
        if (pipeline.sent + pipeline.failed === before) break;
      }
    } finally {
      timers.clear(deadline);
      pipeline.flushOverflowReport();
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
    const pendingIds = pipeline.pendingIds();
    return { sent: pipeline.sent, failed: pipeline.failed, pending: pendingIds.length, pendingIds };
  }

  return meter;
}

function pricedFromResponse(response: MeterResponse): PricedEvent {
  return {
    event_id: response.event_id,
    status: response.replayed ? 'duplicate' : 'accepted',
    price_charged: response.price_charged,
    price: response.price,
    currency: response.currency,
    tier: response.tier,
    outcome_id: response.outcome_id ?? null,
  };
}
