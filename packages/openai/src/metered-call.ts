import {
  baseAttribution,
  type CallScope,
  failureOf,
  type NormalizedTokenCounts,
  type NormalizedUsage,
  recordUsage,
  type UsageAttribution,
} from '@agentmeter/sdk/integration';
import { addContent, requestContent } from './content.js';
import { ZERO_COUNTS } from './normalize.js';
import type { MeterConfig } from './options.js';

/** The metered OpenAI endpoints (`completions` is the legacy text completions API). */
export type Api = 'chat.completions' | 'completions' | 'responses' | 'embeddings';

const OPERATIONS: Record<Api, string> = {
  'chat.completions': 'chat',
  completions: 'text_completion',
  responses: 'chat',
  embeddings: 'embeddings',
};

/** What one call produced, as far as it is known when the call ends. */
export interface CallOutcome {
  counts: NormalizedTokenCounts;
  /** False when the provider's usage never arrived (stream broken off, aborted, or no usage sent). */
  complete: boolean;
  /** True when no usage at all arrived: the call's tokens are unknown, not zero. */
  usageMissing?: boolean | undefined;
  responseId?: string | undefined;
  responseModel?: string | undefined;
  errorType?: string | undefined;
  /** Completion text; only collected with `captureContent`. */
  outputText?: string | undefined;
}

export interface ServerInfo {
  address?: string;
  port?: number;
}

let lastBaseURL: unknown;
let lastServer: ServerInfo = {};

/** `server.address` / `server.port` of a client's `baseURL` (the port filled from the scheme when absent). */
export function serverOf(baseURL: unknown): ServerInfo {
  if (baseURL === lastBaseURL) return lastServer;
  let server: ServerInfo = {};
  try {
    const url = new URL(String(baseURL));
    const port = url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
    server = { address: url.hostname, port };
  } catch {
    // An unparsable base URL only loses the server attributes.
  }
  lastBaseURL = baseURL;
  lastServer = server;
  return server;
}

/**
 * One metered provider call, from request to its single meter event. It captures the attribution and
 * the async context when the call starts; whichever of `finish()` / `fail()` comes first decides the
 * event, and every later call is ignored, so a call is never metered twice.
 */
export class MeteredCall {
  readonly #config: MeterConfig;
  readonly #api: Api;
  readonly #streamed: boolean;
  readonly #requestModel: string | undefined;
  readonly #server: ServerInfo;
  readonly #inputText: string | undefined;
  readonly #startedAt = Date.now();
  readonly #startTick = performance.now();
  #settled = false;
  /**
   * The call in flight, for the client's observed `fetch`: it records the OpenTelemetry span the
   * request is sent in (an instrumentation's call span, else the caller's), which the event names.
   */
  readonly scope: CallScope = { span: undefined };
  /** Completion text of the settled call; only with `captureContent`. */
  #outputText: string | undefined;
  #deliver!: (usage: NormalizedUsage) => void;

  constructor(config: MeterConfig, api: Api, body: unknown, streamed: boolean, server: ServerInfo) {
    this.#config = config;
    this.#api = api;
    this.#streamed = streamed;
    const model = (body as { model?: unknown } | null)?.model;
    this.#requestModel = typeof model === 'string' && model.length > 0 ? model : undefined;
    this.#server = server;
    this.#inputText = config.captureContent ? requestContent(api, body) : undefined;
    // The reaction below runs in the async context of this constructor (the caller's, at request
    // time), whoever settles the call: context (hence attribution) and outer-layer scopes are those
    // of the call site, not of the code that happens to drain a stream later.
    new Promise<NormalizedUsage>((resolve) => {
      this.#deliver = resolve;
    }).then((usage) => this.#record(usage));
  }

  get settled(): boolean {
    return this.#settled;
  }

  /** The call ended (fully or not) with what is known of its usage. */
  finish(outcome: CallOutcome): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#deliver(this.#usage(outcome));
  }

  /**
   * The provider rejected the call (or it never reached it): metered only with `meterErrors`, with
   * zero tokens, complete when the provider answered with an HTTP error status (`failureOf()`).
   */
  fail(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    if (!this.#config.meterErrors) return;
    const { errorType, complete } = failureOf(error);
    this.#deliver(this.#usage({ counts: ZERO_COUNTS, complete, errorType }));
  }

  #usage(outcome: CallOutcome): NormalizedUsage {
    const usage: NormalizedUsage = {
      provider: 'openai',
      operation: OPERATIONS[this.#api],
      ...outcome.counts,
      startedAt: this.#startedAt,
      latencyMs: Math.round(performance.now() - this.#startTick),
      complete: outcome.complete,
      streamed: this.#streamed,
    };
    if (this.#requestModel) usage.requestModel = this.#requestModel;
    if (outcome.responseModel) usage.responseModel = outcome.responseModel;
    // Whether the id may key the event or link it to other records is decided by `recordUsage`
    // (ids that repeat, like `chatcmpl-123` or Ollama's counter, never do).
    if (outcome.responseId) usage.responseId = outcome.responseId;
    if (outcome.usageMissing) usage.usageMissing = true;
    const span = this.scope.span;
    if (span) {
      usage.traceId = span.traceId;
      usage.spanId = span.spanId;
    }
    if (this.#server.address) usage.serverAddress = this.#server.address;
    if (this.#server.port) usage.serverPort = this.#server.port;
    if (outcome.errorType) usage.errorType = outcome.errorType;
    if (outcome.outputText !== undefined) this.#outputText = outcome.outputText;
    return usage;
  }

  /** Read in the call site's async context (see the constructor), so `meter.withContext()` applies. */
  #attribution(): UsageAttribution {
    const attribution = baseAttribution(this.#config);
    const metadata: Record<string, unknown> = { ...attribution.metadata };
    addContent(metadata, this.#inputText, this.#outputText);
    if (Object.keys(metadata).length > 0) attribution.metadata = metadata;
    else delete attribution.metadata;
    return attribution;
  }

  #record(usage: NormalizedUsage): void {
    try {
      recordUsage(this.#config.meter, usage, this.#attribution(), { layer: 'provider' });
    } catch (error) {
      // Metering never breaks the caller.
      try {
        this.#config.onError(error);
      } catch {
        // Not even through a throwing onError.
      }
    }
  }
}
