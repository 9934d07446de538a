import {
  type AgentmeterClient,
  createClient,
  type MeterEvent,
  type MeterResponse,
  type ResolveResponse,
} from '@agentmeter/client';
import { captureEvent, captureResolution, IsoClock } from './capture.js';
import { ContextScope } from './context.js';
import { Emitter } from './emitter.js';
import { MeterError } from './errors.js';
import { installExitHandlers } from './exit-handlers.js';
import { type MeterOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { Outbox } from './outbox.js';
import { Pipeline } from './pipeline.js';
import { type JsonOf, type PostSerialized, serializedPoster } from './serialized-requests.js';
import { Timers } from './timers.js';
import type {
  Meter,
  MeterContext,
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
 * server charges it once however often it is sent. `trackNow()` and `resolveNow()` send at once.
 *
 * Serverless: `await meter.flush()` before the handler returns (reuse the Meter while the instance
 * stays warm), or pass `waitUntil`. Long-running processes: `await meter.shutdown()` on exit, or
 * `meter.registerExitHandlers()`.
 */
export function createMeter(options: MeterOptions = {}): Meter {
  const resolved = resolveOptions(options);
  const client = createClient({
    apiKey: resolved.apiKey,
    baseUrl: resolved.baseUrl,
    ...(resolved.fetch ? { fetch: resolved.fetch } : {}),
    userAgent: 'agentmeter-sdk',
  });
  const emitter = new Emitter();
  if (resolved.onError) emitter.on('error', resolved.onError);
  const report = reporter(emitter);
  const timers = new Timers();
  const outbox = openOutbox(resolved, report);
  const post = serializedPoster(resolved);
  const pipeline = new Pipeline({
    options: resolved,
    post,
    emitter,
    timers,
    outbox,
    report,
    random: Math.random,
  });
  pipeline.replay(outbox?.recovered ?? []);
  const core = new MeterCore(pipeline, post, client, emitter, report);
  // A plain object of functions, so that a method taken off the Meter (`const { track } = meter`) still works.
  const meter: Meter = {
    track: (event) => core.track(event),
    trackNow: (event) => core.trackNow(event, 'trackNow'),
    meter: (event) => core.trackNow(event, 'meter'),
    resolve: (outcomeIdOrEventId, outcome, metadata) => core.resolve(outcomeIdOrEventId, outcome, metadata),
    resolveNow: (outcomeIdOrEventId, outcome, metadata) =>
      core.resolveNow(outcomeIdOrEventId, outcome, metadata),
    withContext: (context, fn) => core.withContext(context, fn),
    currentContext: () => core.currentContext(),
    flush: () => core.flush(),
    persisted: () => pipeline.persisted(),
    shutdown: (shutdownOptions) => core.shutdown(shutdownOptions),
    on: (event, listener) => emitter.on(event, listener),
    registerExitHandlers: (exitOptions) => installExitHandlers(meter, exitOptions),
  };
  return meter;
}

/** Reports to the `error` listeners, or, with none, as a console warning: nothing fails unseen. */
function reporter(emitter: Emitter): (info: MeterErrorInfo) => void {
  return (info) => {
    if (emitter.has('error')) emitter.emit('error', info);
    else
      console.warn(
        `[agentmeter] ${info.code}: ${info.message} (ids: ${info.ids.slice(0, 10).join(', ')}${info.ids.length > 10 ? ', …' : ''})`,
      );
  };
}

function openOutbox(resolved: ResolvedOptions, report: (info: MeterErrorInfo) => void): Outbox | undefined {
  if (!resolved.outbox) return undefined;
  try {
    return new Outbox(resolved.outbox, (error, ids) =>
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
      { cause: error },
    );
  }
}

/** What the Meter does with each call: capture (context, id, timestamp), then hand over to the pipeline. */
class MeterCore {
  readonly #pipeline: Pipeline;
  readonly #post: PostSerialized;
  readonly #client: AgentmeterClient;
  readonly #emitter: Emitter;
  readonly #report: (info: MeterErrorInfo) => void;
  readonly #context = new ContextScope();
  readonly #clock = new IsoClock();

  constructor(
    pipeline: Pipeline,
    post: PostSerialized,
    client: AgentmeterClient,
    emitter: Emitter,
    report: (info: MeterErrorInfo) => void,
  ) {
    this.#pipeline = pipeline;
    this.#post = post;
    this.#client = client;
    this.#emitter = emitter;
    this.#report = report;
  }

  #afterShutdown(id: string, what: string): void {
    this.#report({
      code: 'after_shutdown',
      message: `${what} after shutdown(); it was not queued.`,
      ids: [id],
    });
  }

  track(event: TrackEvent): string {
    try {
      const captured = captureEvent(event, this.#context.current(), Date.now(), this.#clock);
      if (!captured.ok) {
        this.#report({ code: 'invalid_event', message: captured.message, ids: [captured.id] });
        return captured.id;
      }
      if (this.#pipeline.closed) this.#afterShutdown(captured.id, 'track()');
      else this.#pipeline.enqueue('event', captured);
      return captured.id;
    } catch (error) {
      this.#report({
        code: 'invalid_event',
        message: `track() failed: ${String(error)}`,
        ids: [],
        cause: error,
      });
      return '';
    }
  }

  /** `name` is the method the caller used (`trackNow`, or its deprecated alias `meter`), for messages. */
  async trackNow(event: TrackEvent, name: string): Promise<MeterResponse> {
    const captured = captureEvent(event, this.#context.current(), Date.now(), this.#clock);
    if (!captured.ok) throw new MeterError('invalid_event', captured.message, { ids: [captured.id] });
    if (this.#pipeline.closed)
      throw new MeterError('after_shutdown', `${name}() after shutdown().`, { ids: [captured.id] });
    const body: JsonOf<MeterEvent> = captured.json;
    const response = await this.#pipeline.request([captured.id], (attempt, signal) =>
      this.#post({ path: '/v1/meter', body, idempotencyKey: captured.id, attempt, signal }),
    );
    this.#emitter.emit('acknowledged', [response.event_id]);
    this.#emitter.emit('priced', [pricedFromResponse(response)]);
    return response;
  }

  resolve(outcomeIdOrEventId: string, outcome: OutcomeResolution, metadata?: Record<string, unknown>): void {
    try {
      const captured = captureResolution(outcomeIdOrEventId, outcome, metadata);
      if (!captured.ok)
        this.#report({ code: 'invalid_event', message: captured.message, ids: [captured.id] });
      else if (this.#pipeline.closed) this.#afterShutdown(captured.id, 'resolve()');
      else this.#pipeline.enqueue('resolution', captured);
    } catch (error) {
      this.#report({
        code: 'invalid_event',
        message: `resolve() failed: ${String(error)}`,
        ids: [],
        cause: error,
      });
    }
  }

  async resolveNow(
    outcomeIdOrEventId: string,
    outcome: OutcomeResolution,
    metadata?: Record<string, unknown>,
  ): Promise<ResolveResponse> {
    const captured = captureResolution(outcomeIdOrEventId, outcome, metadata);
    if (!captured.ok) throw new MeterError('invalid_event', captured.message, { ids: [captured.id] });
    if (this.#pipeline.closed)
      throw new MeterError('after_shutdown', 'resolveNow() after shutdown().', { ids: [captured.id] });
    // The event that opened the outcome may still be queued: it must reach the server first.
    if (this.#pipeline.holdsEvent(captured.id.slice(4))) await this.#pipeline.flush();
    // A small body built here: the typed client serializes it.
    return this.#pipeline.request([captured.id], (attempt, signal) =>
      this.#client.POST('/v1/outcomes/{outcome_id}/resolve', {
        params: { path: { outcome_id: captured.id } },
        headers: { 'X-Agentmeter-Attempt': String(attempt) },
        body: { outcome: captured.resolution.outcome, ...(metadata === undefined ? {} : { metadata }) },
        signal,
      }),
    );
  }

  withContext<T>(context: MeterContext, fn: () => T): T {
    return this.#context.run(context, fn);
  }

  currentContext(): MeterContext | undefined {
    return this.#context.current();
  }

  async flush(): Promise<void> {
    await this.#pipeline.flush();
  }

  shutdown(shutdownOptions: { timeoutMs?: number } = {}): Promise<ShutdownResult> {
    const timeoutMs = shutdownOptions.timeoutMs ?? 10_000;
    if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
      return Promise.reject(
        new TypeError(`Expected \`timeoutMs\` to be a non-negative number, got ${String(timeoutMs)}.`),
      );
    }
    return this.#pipeline.shutdown(timeoutMs);
  }
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
