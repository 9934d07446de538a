// What a conformance driver tells the suite (suite.ts) about one integration: how to build the metered
// thing, how to make each kind of call through it, how the intercepted provider answers, and which cases
// the integration cannot express at all (with the reason, shown in the skipped case's name).
// A new integration joins by adding one `<name>.test.ts` here that builds a `ConformanceDriver` and
// calls `conformanceSuite(driver)`; the provider scripts (openai-chat-api.ts, anthropic-messages-api.ts)
// serve any integration over those providers.

/** Token counts the provider reports for a call. */
export interface Usage {
  input: number;
  output: number;
}

/** How the provider answers one call: its text (streamed in two or more pieces) and its usage. */
export interface Reply {
  text: string;
  usage: Usage;
  /** Wait this long before answering (to reorder concurrent calls). */
  delayMs?: number;
}

/** The provider's API as the test scripts it; each method replaces the previous script. */
export interface ProviderScript {
  /** Every call is answered with the reply for its prompt: a JSON body, or the provider's stream when streamed. */
  answer(reply: (prompt: string) => Reply): void;
  /** Every call is refused with HTTP 429 and the provider's own rate-limit error body. */
  rateLimit(): void;
  /** Every call fails to connect (the network refuses it; no HTTP answer at all). */
  unreachable(): void;
  /** Every call is accepted and never answered; only the client going away ends it. */
  hang(): { received: Promise<void> };
  /**
   * Every (streamed) call: the stream's start and its first piece of text at once, then nothing until the
   * client goes away.
   */
  stallStream(reply: Reply): { received: Promise<void> };
  /**
   * Every (streamed) call: the stream's start and its first piece of text, then the provider's own error
   * event (an overload or server error) ending the stream; `errorType` is that error's API type.
   */
  failStream(reply: Reply): { errorType: string };
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Give up after this many milliseconds, with the provider package's (or framework's) own per-call timeout. */
  timeoutMs?: number;
}

export interface StreamOptions {
  signal?: AbortSignal;
  /** Called with each piece of text as the caller's loop receives it (0-based index). */
  onText?: (text: string, index: number) => void;
  /** `break` out of the caller's loop right after this many pieces of text. */
  breakAfter?: number;
}

/** The calls a caller makes through the metered thing (or its bare twin). */
export interface Calls {
  /** One plain (not streamed) call; resolves with the answer's text. */
  call(prompt: string, options?: CallOptions): Promise<string>;
  /** One streamed call read by the caller's own loop; resolves with the text the loop received. */
  stream(prompt: string, options?: StreamOptions): Promise<string>;
}

/** Supported, or not expressible by this integration, with the reason. */
export type Capability = true | { unsupported: string };

/** Which event-level fields a cut-off stream is expected to carry: the usage seen before the cut. */
export interface SeenSoFar {
  tokens_input: number;
  tokens_output: number;
  /** True when the integration had seen no token count at all before the cut. */
  usage_missing?: true;
}

/** A layer of another kind metering the same provider calls, so each call is seen twice. */
export interface Layering {
  /** What is stacked, for the test's name. */
  description: string;
  /** The two layers over one provider, the inner one with `inner` options and the outer one with `outer`. */
  build(meter: unknown, inner: Record<string, unknown>, outer: Record<string, unknown>): Calls;
  /** Which layer's event is the one kept (the provider-level one, or the last wrap of a re-wrapped client). */
  winner: 'inner' | 'outer';
}

export interface ConformanceDriver {
  /** The package, e.g. `@agentmeter/openai`. */
  name: string;
  provider: ProviderScript;
  /** Builds the metered thing; throws whatever the integration throws for bad arguments. */
  wrap(meter: unknown, options: unknown): Calls;
  /** The same thing over the same provider, without the integration. */
  bare(): Calls;
  /** True for the integration's own error class. */
  isIntegrationError(error: unknown): boolean;
  /** The API error `type` the provider's 429 body carries (what `agentmeter.error_type` must say). */
  rateLimitErrorType: string;
  /** What is known of a stream cut after its first piece of text, given the usage the whole call would report. */
  seenSoFar(usage: Usage): SeenSoFar;
  capabilities: {
    /** Streamed calls (`stream()` is never called without it). */
    streaming: Capability;
    /** `meterErrors: true`: a failed call recorded as a zero-token event. */
    meterErrors: Capability;
    /** `captureContent: true`: the prompt and completion in the event. */
    captureContent: Capability;
    /** A stream the caller leaves with `break` is seen by the integration. */
    earlyBreak: Capability;
    layering: Capability;
  };
  layering?: Layering;
}
