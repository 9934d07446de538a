import { DEFAULT_BASE_URL } from '@agentmeter/client';
import type { MeterErrorInfo } from './types.js';

/**
 * What the Meter does with an item when the queue is at `maxQueueEvents` or `maxQueueBytes`:
 * `'drop-newest'` (the default) refuses the new item, `'drop-oldest'` discards the oldest queued
 * items to make room; either way every id removed or refused is reported (code `overflow`) and
 * `track()` never throws. `'error'` is the old name of `'drop-newest'`.
 */
export type OverflowPolicy = 'drop-newest' | 'drop-oldest' | DeprecatedOverflowPolicy;

/**
 * The old name of `'drop-newest'`, which it always behaved as: it never threw.
 * @deprecated since 0.2 — use `'drop-newest'`; removed in 1.0
 */
export type DeprecatedOverflowPolicy = 'error';

/** A policy under its current name (what `'error'` is normalized to). */
export type ResolvedOverflowPolicy = Exclude<OverflowPolicy, DeprecatedOverflowPolicy>;

/** A local write-ahead log: every item is on disk before it can be sent, and replayed after a crash. */
export interface OutboxOptions {
  /** Directory of the log (created if missing). One live Meter per directory. Env: `AGENTMETER_OUTBOX_DIR`. */
  dir: string;
  /** `fdatasync` each group commit, so a power loss cannot lose what `persisted()` confirmed. Default: `true`. */
  fsync?: boolean;
  /** How long a group commit waits to collect more items, in ms. Default: 2. */
  commitDelayMs?: number;
  /** Start a new segment file once the current one is this large, in bytes. Default: 8 MiB. */
  segmentBytes?: number;
}

export interface MeterOptions {
  /** The project's API key (`ingest` scope). Default: env `AGENTMETER_API_KEY`. Required. */
  apiKey?: string;
  /** The server's base URL. Default: env `AGENTMETER_URL`, else `http://127.0.0.1:8787`. */
  baseUrl?: string;
  /** Send as soon as this many items are queued. Default: 100. Env: `AGENTMETER_FLUSH_AT`. */
  flushAt?: number;
  /** Send this long after the first unsent item (an unref'd timer), in ms. Default: 5000. Env: `AGENTMETER_FLUSH_INTERVAL_MS`. */
  flushIntervalMs?: number;
  /** Most items (events plus resolutions) in one batch request, 1 to 1000. Default: 500. Env: `AGENTMETER_MAX_BATCH_EVENTS`. */
  maxBatchEvents?: number;
  /** Largest batch body in bytes, up to 1 MiB; a bigger single event is reported as `event_too_large`. Default: 512 KiB. Env: `AGENTMETER_MAX_BATCH_BYTES`. */
  maxBatchBytes?: number;
  /** Most items queued or in flight. Default: 10000. Env: `AGENTMETER_MAX_QUEUE_EVENTS`. */
  maxQueueEvents?: number;
  /** Most bytes queued or in flight. Default: 16 MiB. Env: `AGENTMETER_MAX_QUEUE_BYTES`. */
  maxQueueBytes?: number;
  /**
   * At the queue bound: `'drop-newest'` refuses the new item and reports it (code `overflow`);
   * `'drop-oldest'` discards the oldest queued items to make room and reports those. `'error'` is
   * accepted as the deprecated name of `'drop-newest'`. Default: `'drop-newest'`. Env: `AGENTMETER_OVERFLOW`.
   */
  overflow?: OverflowPolicy;
  /** Deadline of one attempt, response headers and body included, in ms. Default: 10000. Env: `AGENTMETER_REQUEST_TIMEOUT_MS`. */
  requestTimeoutMs?: number;
  /** Retries after the first attempt, per delivery cycle (Retry-After waits do not count). Default: 5. Env: `AGENTMETER_MAX_RETRIES`. */
  maxRetries?: number;
  /** A durable local outbox (Node only). Default: none, or `{dir: AGENTMETER_OUTBOX_DIR}` when that is set. */
  outbox?: OutboxOptions | false;
  /** The `fetch` used for every request. Default: the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Shorthand for `meter.on('error', listener)`. Default: none. */
  onError?: (info: MeterErrorInfo) => void;
  /** Serverless: called with each flush promise the Meter starts after a `track()` (e.g. Vercel's or Cloudflare's `waitUntil`). Default: none. */
  waitUntil?: (promise: Promise<unknown>) => void;
}

export interface ResolvedOptions {
  apiKey: string;
  baseUrl: string;
  flushAt: number;
  flushIntervalMs: number;
  maxBatchEvents: number;
  maxBatchBytes: number;
  maxQueueEvents: number;
  maxQueueBytes: number;
  overflow: ResolvedOverflowPolicy;
  requestTimeoutMs: number;
  maxRetries: number;
  outbox: Required<OutboxOptions> | undefined;
  fetch: typeof globalThis.fetch | undefined;
  onError: ((info: MeterErrorInfo) => void) | undefined;
  waitUntil: ((promise: Promise<unknown>) => void) | undefined;
}

const KIB = 1024;
const MIB = 1024 * KIB;
/** Each accepted `overflow` value, and the policy it names. */
const OVERFLOW_POLICIES: ReadonlyMap<unknown, ResolvedOverflowPolicy> = new Map([
  ['drop-newest', 'drop-newest'],
  ['drop-oldest', 'drop-oldest'],
  ['error', 'drop-newest'],
]);

function readEnv(name: string): string | undefined {
  let value: string | undefined;
  try {
    value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
  } catch {
    // Deno throws when the variable is not covered by --allow-env: a Meter or client given its
    // options explicitly must still start there, so a variable the runtime will not show is unset.
    return undefined;
  }
  return value === '' ? undefined : value;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

function label(name: string, env: string | undefined): string {
  return env ? `\`${name}\` (from ${env})` : `\`${name}\``;
}

/** An integer option: the given value, else the environment variable, else the default. */
function integer(
  name: string,
  given: unknown,
  envName: string,
  fallback: number,
  { min, max }: { min: number; max?: number },
): number {
  const raw = given === undefined ? readEnv(envName) : undefined;
  const value = raw === undefined ? (given ?? fallback) : Number(raw);
  const shown = raw === undefined ? show(value) : show(raw);
  const what = label(name, raw === undefined ? undefined : envName);
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < min ||
    (max !== undefined && value > max)
  ) {
    const range =
      max !== undefined
        ? `an integer from ${min} to ${max}`
        : min === 0
          ? 'a non-negative integer'
          : min === 1
            ? 'a positive integer'
            : `an integer of at least ${min}`;
    throw new TypeError(`Expected ${what} to be ${range}, got ${shown}.`);
  }
  return value;
}

function outboxOptions(given: MeterOptions['outbox']): Required<OutboxOptions> | undefined {
  if (given === false) return undefined;
  const envDir = given === undefined ? readEnv('AGENTMETER_OUTBOX_DIR') : undefined;
  if (given === undefined && envDir === undefined) return undefined;
  const options: OutboxOptions = given ?? { dir: envDir as string };
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `Expected \`outbox\` to be an object such as {dir: './outbox'} or false, got ${show(given)}.`,
    );
  }
  if (typeof options.dir !== 'string' || options.dir.length === 0) {
    throw new TypeError(`Expected \`outbox.dir\` to be a non-empty string, got ${show(options.dir)}.`);
  }
  const fsync = options.fsync ?? true;
  if (typeof fsync !== 'boolean')
    throw new TypeError(`Expected \`outbox.fsync\` to be a boolean, got ${show(fsync)}.`);
  const commitDelayMs = options.commitDelayMs ?? 2;
  if (typeof commitDelayMs !== 'number' || !Number.isInteger(commitDelayMs) || commitDelayMs < 0) {
    throw new TypeError(
      `Expected \`outbox.commitDelayMs\` to be a non-negative integer, got ${show(commitDelayMs)}.`,
    );
  }
  const segmentBytes = options.segmentBytes ?? 8 * MIB;
  if (typeof segmentBytes !== 'number' || !Number.isInteger(segmentBytes) || segmentBytes < 1) {
    throw new TypeError(
      `Expected \`outbox.segmentBytes\` to be a positive integer, got ${show(segmentBytes)}.`,
    );
  }
  return { dir: options.dir, fsync, commitDelayMs, segmentBytes };
}

function optionalFunction<T>(name: string, value: unknown): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function')
    throw new TypeError(`Expected \`${name}\` to be a function, got ${show(value)}.`);
  return value as T;
}

/** Applies defaults and environment fallbacks, and validates every option, with messages naming the field. */
export function resolveOptions(options: MeterOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected \`options\` to be an object, got ${show(options)}.`);
  }
  const apiKey = options.apiKey ?? readEnv('AGENTMETER_API_KEY');
  if (typeof apiKey !== 'string' || apiKey.length === 0) {
    throw new TypeError(
      `Expected \`apiKey\` (or AGENTMETER_API_KEY) to be a non-empty string, got ${show(apiKey)}.`,
    );
  }
  const baseUrl = options.baseUrl ?? readEnv('AGENTMETER_URL') ?? DEFAULT_BASE_URL;
  if (typeof baseUrl !== 'string' || !/^https?:\/\/[^/]/.test(baseUrl)) {
    throw new TypeError(
      `Expected \`baseUrl\` (or AGENTMETER_URL) to be an http(s) URL, got ${show(baseUrl)}.`,
    );
  }
  const maxQueueEvents = integer(
    'maxQueueEvents',
    options.maxQueueEvents,
    'AGENTMETER_MAX_QUEUE_EVENTS',
    10_000,
    {
      min: 1,
    },
  );
  const maxBatchBytes = integer(
    'maxBatchBytes',
    options.maxBatchBytes,
    'AGENTMETER_MAX_BATCH_BYTES',
    512 * KIB,
    {
      min: 256,
      max: MIB,
    },
  );
  const maxQueueBytes = integer(
    'maxQueueBytes',
    options.maxQueueBytes,
    'AGENTMETER_MAX_QUEUE_BYTES',
    16 * MIB,
    {
      min: 1,
    },
  );
  if (maxQueueBytes < maxBatchBytes) {
    throw new TypeError(
      `Expected \`maxQueueBytes\` to be at least \`maxBatchBytes\` (${maxBatchBytes}), got ${maxQueueBytes}.`,
    );
  }
  const flushAt = integer('flushAt', options.flushAt, 'AGENTMETER_FLUSH_AT', 100, { min: 1 });
  const overflowName: unknown = options.overflow ?? readEnv('AGENTMETER_OVERFLOW') ?? 'drop-newest';
  const overflow = OVERFLOW_POLICIES.get(overflowName);
  if (overflow === undefined) {
    throw new TypeError(
      `Expected \`overflow\` to be 'drop-newest' or 'drop-oldest', got ${show(overflowName)}.`,
    );
  }
  return {
    apiKey,
    baseUrl,
    flushAt,
    flushIntervalMs: integer(
      'flushIntervalMs',
      options.flushIntervalMs,
      'AGENTMETER_FLUSH_INTERVAL_MS',
      5000,
      {
        min: 1,
      },
    ),
    maxBatchEvents: integer('maxBatchEvents', options.maxBatchEvents, 'AGENTMETER_MAX_BATCH_EVENTS', 500, {
      min: 1,
      max: 1000,
    }),
    maxBatchBytes,
    maxQueueEvents,
    maxQueueBytes,
    overflow,
    requestTimeoutMs: integer(
      'requestTimeoutMs',
      options.requestTimeoutMs,
      'AGENTMETER_REQUEST_TIMEOUT_MS',
      10_000,
      {
        min: 1,
      },
    ),
    maxRetries: integer('maxRetries', options.maxRetries, 'AGENTMETER_MAX_RETRIES', 5, { min: 0, max: 100 }),
    outbox: outboxOptions(options.outbox),
    fetch: optionalFunction('fetch', options.fetch),
    onError: optionalFunction('onError', options.onError),
    waitUntil: optionalFunction('waitUntil', options.waitUntil),
  };
}
