// Which OTLP spans are model calls, and their usage, by the rules of `@agentmeter/otel`'s span processor
// (packages/otel/src/span-usage.ts, nesting.ts, attribution.ts): the server depends on no integration
// package, so the rules are kept here too, and a parity test (traces-parity.test.ts) runs the same spans
// through both.

/** A span as the GenAI rules read it (the same shape as `@agentmeter/otel`'s `SpanView`). */
export interface OtlpSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  startMs: number;
  endMs: number;
  statusCode: number;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  scope: string | undefined;
  /** The instrumentation scope's version (some instrumentations changed what they record between versions). */
  scopeVersion?: string | undefined;
  /**
   * Why the span cannot be metered though it was read: an attribute metering reads (on the span or its
   * resource) holds a string that is not valid Unicode. Such a span still counts for nesting.
   */
  invalid?: string;
}

export type SpanRole = 'own' | 'aggregate' | 'call';

export interface SpanUsage {
  provider: string;
  operation: string;
  model: string | undefined;
  responseId: string | undefined;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  errorType: string | undefined;
  /** A model call that reported no usage at all: zero tokens, priced by its base fee only. */
  usageMissing: boolean;
}

/**
 * A span as the rules read it. `scopeVersion` (the instrumentation scope's version) is read when the decoder
 * gives it: some instrumentations changed what a count means between versions.
 */
export type RuleSpan = OtlpSpan & { scopeVersion?: string | undefined };

const INPUT = [
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.prompt_tokens',
  'llm.token_count.prompt',
  'ai.usage.inputTokens',
  'ai.usage.promptTokens',
  'ai.usage.tokens',
];
const OUTPUT = [
  'gen_ai.usage.output_tokens',
  'gen_ai.usage.completion_tokens',
  'llm.token_count.completion',
  'ai.usage.outputTokens',
  'ai.usage.completionTokens',
];
const CACHE_READ = [
  'gen_ai.usage.cache_read.input_tokens',
  'gen_ai.usage.cache_read_input_tokens',
  'llm.token_count.prompt_details.cache_read',
  'ai.usage.inputTokenDetails.cacheReadTokens',
  'ai.usage.cachedInputTokens',
];
const CACHE_WRITE = [
  'gen_ai.usage.cache_creation.input_tokens',
  'gen_ai.usage.cache_write.input_tokens',
  'gen_ai.usage.cache_creation_input_tokens',
  'llm.token_count.prompt_details.cache_write',
  'ai.usage.inputTokenDetails.cacheWriteTokens',
];
const REASONING = [
  'gen_ai.usage.reasoning.output_tokens',
  'gen_ai.usage.reasoning_tokens',
  'llm.token_count.completion_details.reasoning',
  'ai.usage.outputTokenDetails.reasoningTokens',
  'ai.usage.reasoningTokens',
];
const PROVIDER = ['gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system', 'ai.model.provider'];
const REQUEST_MODEL = ['gen_ai.request.model', 'llm.request.model_name', 'ai.model.id'];
const RESPONSE_MODEL = ['gen_ai.response.model', 'llm.response.model_name', 'ai.response.model'];
const RESPONSE_ID = ['gen_ai.response.id', 'ai.response.id'];
const MODEL_FALLBACK = ['llm.model_name', 'embedding.model_name'];
const LLM_REQUEST_TYPE = 'llm.request.type';
const ERROR_TYPE = 'error.type';
const OWN_EVENT_ID = 'agentmeter.event_id';
const OPERATION = 'gen_ai.operation.name';
const OPENINFERENCE_KIND = 'openinference.span.kind';
const TRACELOOP_KIND = 'traceloop.span.kind';
const AI_SDK_OPERATION = 'ai.operationId';
const AI_SDK_PROVIDER = 'ai.model.provider';
const AGENT = ['agentmeter.agent_id', 'gen_ai.agent.name'];
const ACTION = ['agentmeter.action'];
const CUSTOMER = ['agentmeter.customer_id'];
const SERVICE_NAME = 'service.name';
/**
 * The AI SDK's copy of the provider's metadata, as JSON: on every step span in ai 5, on doGenerate spans
 * (when outputs are recorded) in ai 6.
 */
const AI_SDK_PROVIDER_METADATA = 'ai.response.providerMetadata';
/** Metadata longer than this, in UTF-16 code units (a provider's log probabilities, say), is not parsed for usage. */
const AI_SDK_PROVIDER_METADATA_MAX = 65_536;
/** The AI SDK's step total: in ai 5 a provider's `totalTokens` as the provider reported it. */
const AI_SDK_TOTAL = 'ai.usage.totalTokens';

/**
 * Every attribute key the rules below read, on a span or its resource. The decoder keeps these and skips
 * every other attribute without decoding its value: a span's other attributes (prompts, completions,
 * tool payloads, arrays of any length) are most of its bytes and nothing metering needs.
 */
const METERING_KEYS: ReadonlySet<string> = new Set([
  ...INPUT,
  ...OUTPUT,
  ...CACHE_READ,
  ...CACHE_WRITE,
  ...REASONING,
  ...PROVIDER,
  ...REQUEST_MODEL,
  ...RESPONSE_MODEL,
  ...RESPONSE_ID,
  ...MODEL_FALLBACK,
  LLM_REQUEST_TYPE,
  ERROR_TYPE,
  OWN_EVENT_ID,
  OPERATION,
  OPENINFERENCE_KIND,
  TRACELOOP_KIND,
  AI_SDK_OPERATION,
  AI_SDK_PROVIDER,
  ...AGENT,
  ...ACTION,
  ...CUSTOMER,
  SERVICE_NAME,
  AI_SDK_PROVIDER_METADATA,
  AI_SDK_TOTAL,
]);

/** Whether metering reads the attribute `key` (of a span or of its resource). */
export function isMeteringAttribute(key: string): boolean {
  return METERING_KEYS.has(key);
}

/**
 * Kept attributes whose string value is only ever searched for counts, by key, with the longest string the
 * rules read (in UTF-16 code units). The decoder drops a longer string without decoding more of it than it
 * must, and keeps a string that is not valid Unicode as it decodes (leniently) rather than refusing the
 * span: no identity is read from it, and a count it spoils is only a count not found.
 */
export const BOUNDED_TEXT_ATTRIBUTES: ReadonlyMap<string, number> = new Map([
  [AI_SDK_PROVIDER_METADATA, AI_SDK_PROVIDER_METADATA_MAX],
]);

/** The longest key `isMeteringAttribute` accepts, in UTF-8 bytes (the keys are ASCII): longer keys need no decoding. */
export const MAX_METERING_KEY_BYTES = Math.max(...[...METERING_KEYS].map((key) => key.length));

const AGGREGATE_OPERATIONS = new Set(['invoke_workflow', 'execute_tool', 'workflow', 'task', 'tool', 'plan']);
const AGENT_OPERATIONS = new Set(['invoke_agent', 'create_agent']);
const OPENINFERENCE_CALLS = new Set(['LLM', 'EMBEDDING']);
const TRACELOOP_AGGREGATES = new Set(['workflow', 'task', 'agent', 'tool']);
const CLIENT_KIND = 2;
const CALL_OPERATIONS = new Set(['chat', 'text_completion', 'embeddings', 'generate_content']);
const TRACELOOP_CALL_TYPES = new Set(['chat', 'completion']);
const AI_SDK_CALL = /^ai\.\w+\.do(?:Generate|Stream|Embed)$/;
/**
 * Instrumentations that write Anthropic's `input_tokens` as Anthropic means it (cache reads and writes left
 * out), by scope name, up to the last version known to (OpenLLMetry's, through 0.27.0). A span whose scope
 * version is not known is read as the released versions write it.
 */
const RAW_ANTHROPIC_INPUT: ReadonlyMap<string, readonly [number, number, number]> = new Map([
  ['@traceloop/instrumentation-anthropic', [0, 27, 0]],
]);

function first(attributes: Record<string, unknown>, keys: readonly string[]): unknown {
  for (const key of keys) {
    const value = attributes[key];
    if (value !== undefined && value !== null && value !== '') return value;
  }
  return undefined;
}

function count(value: unknown): number | undefined {
  const number = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number >= 0
    ? Math.floor(number)
    : undefined;
}

function text(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, max) : undefined;
}

export function roleOf(span: OtlpSpan): SpanRole {
  const attributes = span.attributes;
  if (span.scope === '@agentmeter/otel' || attributes[OWN_EVENT_ID] !== undefined) return 'own';
  const operation = attributes[OPERATION];
  if (typeof operation === 'string') {
    if (AGGREGATE_OPERATIONS.has(operation)) return 'aggregate';
    if (AGENT_OPERATIONS.has(operation) && span.kind !== CLIENT_KIND) return 'aggregate';
  }
  const openinference = attributes[OPENINFERENCE_KIND];
  if (typeof openinference === 'string' && !OPENINFERENCE_CALLS.has(openinference.toUpperCase()))
    return 'aggregate';
  const traceloop = attributes[TRACELOOP_KIND];
  if (typeof traceloop === 'string' && TRACELOOP_AGGREGATES.has(traceloop)) return 'aggregate';
  const operationId = attributes[AI_SDK_OPERATION];
  if (typeof operationId === 'string' && operationId.startsWith('ai.') && !operationId.includes('.do'))
    return 'aggregate';
  return 'call';
}

export function hasUsage(span: OtlpSpan): boolean {
  return first(span.attributes, INPUT) !== undefined || first(span.attributes, OUTPUT) !== undefined;
}

/**
 * True when the span is plainly one model call, with or without usage: a marker of one call (an operation
 * of one call, OpenLLMetry's `llm.request.type`, an OpenInference LLM or EMBEDDING span, an AI SDK `do*`
 * span) and a provider or a model. An HTTP span, or any span without such a marker, never is.
 */
export function isModelCall(span: OtlpSpan): boolean {
  const attributes = span.attributes;
  const operation = attributes[OPERATION];
  const requestType = attributes[LLM_REQUEST_TYPE];
  const openinference = attributes[OPENINFERENCE_KIND];
  const operationId = attributes[AI_SDK_OPERATION];
  const marked =
    (typeof operation === 'string' && CALL_OPERATIONS.has(operation)) ||
    (typeof requestType === 'string' && TRACELOOP_CALL_TYPES.has(requestType)) ||
    (typeof openinference === 'string' && OPENINFERENCE_CALLS.has(openinference.toUpperCase())) ||
    (typeof operationId === 'string' && AI_SDK_CALL.test(operationId));
  return (
    marked &&
    (first(attributes, PROVIDER) !== undefined ||
      first(attributes, REQUEST_MODEL) !== undefined ||
      first(attributes, RESPONSE_MODEL) !== undefined ||
      first(attributes, MODEL_FALLBACK) !== undefined)
  );
}

/** The span as the nesting rule sees it: whether it reports usage, and whether it is a call to meter. */
export function nestingNodeOf(span: OtlpSpan): NestingNode {
  const usage = hasUsage(span);
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    usage,
    call: roleOf(span) === 'call' && (usage || isModelCall(span)),
  };
}

function operationOf(span: OtlpSpan): string {
  const operation = span.attributes[OPERATION];
  if (typeof operation === 'string' && operation.length > 0) return operation;
  const openinference = span.attributes[OPENINFERENCE_KIND];
  if (typeof openinference === 'string' && openinference.toUpperCase() === 'EMBEDDING') return 'embeddings';
  const operationId = span.attributes[AI_SDK_OPERATION];
  if (typeof operationId === 'string' && operationId.includes('.doEmbed')) return 'embeddings';
  return 'chat';
}

function providerOf(span: OtlpSpan): string {
  const raw = text(first(span.attributes, PROVIDER), 64);
  if (!raw) return 'unknown';
  const lower = raw.toLowerCase();
  const aiSdk = span.attributes[AI_SDK_PROVIDER] === raw && !lower.startsWith('azure.');
  return aiSdk ? (lower.split('.')[0] ?? lower) : lower;
}

function versionOf(version: string | undefined): [number, number, number] | undefined {
  const match = version === undefined ? null : /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

function atMost(version: readonly number[], last: readonly number[]): boolean {
  for (let index = 0; index < last.length; index++) {
    const part = version[index] as number;
    const limit = last[index] as number;
    if (part !== limit) return part < limit;
  }
  return true;
}

/** Counts the provider reported in its own words, as the AI SDK span carries them. */
interface ProviderCounts {
  /** Anthropic's usage: `input` leaves the cache reads and writes out. */
  anthropic?: { input: number; cacheRead: number | undefined; cacheWrite: number | undefined };
  /** Google's usage metadata: `output` (`candidatesTokenCount`) leaves the reasoning (`thoughtsTokenCount`) out. */
  google?: { output: number | undefined; reasoning: number | undefined; cacheRead: number | undefined };
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;

/**
 * The counts in the AI SDK span's copy of the provider metadata: @ai-sdk/anthropic keeps Anthropic's own
 * usage object there (`anthropic.usage`), @ai-sdk/google its usage metadata (`google.usageMetadata`). ai 5
 * records a generated step's cache and reasoning counts nowhere else. The sender writes this JSON: it is
 * parsed only up to `AI_SDK_PROVIDER_METADATA_MAX` characters, and metadata that is no JSON object, or
 * whose counts are no counts, gives nothing.
 */
function providerCountsOf(attributes: Readonly<Record<string, unknown>>): ProviderCounts | undefined {
  const json = attributes[AI_SDK_PROVIDER_METADATA];
  if (typeof json !== 'string' || json.length > AI_SDK_PROVIDER_METADATA_MAX) return undefined;
  if (!json.includes('"anthropic"') && !json.includes('"google"')) return undefined;
  let metadata: Record<string, unknown> | undefined;
  try {
    metadata = record(JSON.parse(json));
  } catch {
    return undefined;
  }
  const counts: ProviderCounts = {};
  const anthropic = record(metadata?.['anthropic']);
  const anthropicUsage = record(anthropic?.['usage']);
  const anthropicInput = count(anthropicUsage?.['input_tokens']);
  if (anthropicUsage && anthropicInput !== undefined) {
    counts.anthropic = {
      input: anthropicInput,
      cacheRead: count(anthropicUsage['cache_read_input_tokens']),
      cacheWrite:
        count(anthropicUsage['cache_creation_input_tokens']) ??
        count(anthropic?.['cacheCreationInputTokens']),
    };
  }
  const google = record(record(metadata?.['google'])?.['usageMetadata']);
  if (google) {
    counts.google = {
      output: count(google['candidatesTokenCount']),
      reasoning: count(google['thoughtsTokenCount']),
      cacheRead: count(google['cachedContentTokenCount']),
    };
  }
  return counts;
}

/**
 * Whether the input count is Anthropic's own (cache left out): from a known instrumentation, below what
 * Anthropic's own usage in the span's provider metadata adds up to with the cache (the AI SDK with
 * @ai-sdk/anthropic 2), or an Anthropic span whose cache counts exceed it.
 */
function anthropicInput(
  span: RuleSpan,
  provider: string,
  input: number,
  cached: number,
  own: ProviderCounts['anthropic'],
): boolean {
  const last = span.scope === undefined ? undefined : RAW_ANTHROPIC_INPUT.get(span.scope);
  if (last) {
    const version = versionOf(span.scopeVersion);
    if (version === undefined || atMost(version, last)) return true;
  }
  if (own && input < own.input + (own.cacheRead ?? 0) + (own.cacheWrite ?? 0)) return true;
  return provider === 'anthropic' && cached > input;
}

/**
 * The call's usage (input includes cache reads and writes, read with Anthropic's meaning where the span
 * has it; output includes reasoning, added where the span's count leaves it out); a model call without
 * usage gets zero tokens and `usageMissing`. Undefined for any other span without usage.
 */
export function usageOf(span: RuleSpan): SpanUsage | undefined {
  const attributes = span.attributes;
  const input = count(first(attributes, INPUT));
  const output = count(first(attributes, OUTPUT));
  const usageMissing = input === undefined && output === undefined;
  if (usageMissing && !isModelCall(span)) return undefined;
  const provider = providerOf(span);
  // The span's own cache and reasoning counts first; those in its provider metadata where it has none.
  const own = usageMissing ? undefined : providerCountsOf(attributes);
  const cacheRead =
    count(first(attributes, CACHE_READ)) ?? own?.anthropic?.cacheRead ?? own?.google?.cacheRead ?? 0;
  const cacheWrite = count(first(attributes, CACHE_WRITE)) ?? own?.anthropic?.cacheWrite ?? 0;
  const reasoning = count(first(attributes, REASONING)) ?? own?.google?.reasoning ?? 0;
  // An output count that leaves the reasoning out (Google's, as ai 5 reports it): the step total adds up
  // with the reasoning, or the count is Google's own output count. The call's output includes it.
  const total = count(attributes[AI_SDK_TOTAL]);
  const reasoningOutside =
    reasoning > 0 &&
    output !== undefined &&
    ((input !== undefined && total === input + output + reasoning) || output === own?.google?.output);
  const outputTokens = (output ?? 0) + (reasoningOutside ? reasoning : 0);
  let inputTokens = input ?? 0;
  let cachedInputTokens: number;
  let cacheWriteTokens: number;
  if (!usageMissing && anthropicInput(span, provider, inputTokens, cacheRead + cacheWrite, own?.anthropic)) {
    inputTokens += cacheRead + cacheWrite;
    cachedInputTokens = cacheRead;
    cacheWriteTokens = cacheWrite;
  } else {
    cachedInputTokens = Math.min(cacheRead, inputTokens);
    cacheWriteTokens = Math.min(cacheWrite, inputTokens - cachedInputTokens);
  }
  const requestModel =
    text(first(attributes, REQUEST_MODEL), 256) ?? text(first(attributes, MODEL_FALLBACK), 256);
  return {
    provider,
    operation: operationOf(span),
    model: text(first(attributes, RESPONSE_MODEL), 256) ?? requestModel,
    responseId: text(first(attributes, RESPONSE_ID), 200),
    inputTokens,
    outputTokens,
    cachedInputTokens,
    cacheWriteTokens,
    reasoningTokens: Math.min(reasoning, outputTokens),
    errorType: text(attributes[ERROR_TYPE], 128) ?? (span.statusCode === 2 ? '_OTHER' : undefined),
    usageMissing,
  };
}

/** The contract's `Identifier`. */
function identifier(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 128) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the contract forbids control characters.
  return /[\u0000-\u001f\u007f]/.test(value) ? undefined : value;
}

function fromKeys(span: OtlpSpan, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = identifier(span.attributes[key]);
    if (value) return value;
  }
  for (const key of keys) {
    const value = identifier(span.resource[key]);
    if (value) return value;
  }
  return undefined;
}

/** Attribution: `agentmeter.*` (span, then resource), then `gen_ai.agent.name` / `service.name` and the operation. */
export function attributionOf(span: OtlpSpan, operation: string) {
  return {
    agent_id: fromKeys(span, AGENT) ?? identifier(span.resource[SERVICE_NAME]) ?? 'unknown_agent',
    action: fromKeys(span, ACTION) ?? identifier(operation) ?? 'chat',
    customer_id: fromKeys(span, CUSTOMER),
  };
}

/** One span of a batch, for the nesting rule (`nestingNodeOf`). */
export interface NestingNode {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  /** The span reports token usage (whatever its role). */
  usage: boolean;
  /** The span is a model call that may be metered, with usage or as a call whose usage is missing. Unset: false. */
  call?: boolean;
}

const MAX_REMEMBERED = 100_000;

/**
 * "Meter the innermost model call only", batch by batch, remembering across batches; spans under a span
 * metered in an earlier batch (exported out of order) are the same call (see packages/otel nesting.ts,
 * which this keeps in step with). A call without usage is the call only when nothing better covers it: a
 * descendant with usage, a descendant that is a call without usage, a call with usage above it metered in
 * the same batch, or a span above it metered earlier.
 *
 * Parent links come from the sender and may be wrong: a span on a parent cycle (its own parent, or two
 * spans each other's parent) counts as having no parent. Each span's parent is looked up once and every
 * answer is kept, so a batch costs time linear in its spans, however deep its traces.
 */
export class NestingRule {
  readonly #covered = new Map<string, true>();
  /** Spans with a descendant that is a call without usage, seen in an earlier batch. */
  readonly #callCovered = new Map<string, true>();
  /** Spans metered, and spans seen under them. */
  readonly #metered = new Map<string, true>();

  /** `capacity`: the most span keys each of the rule's memories keeps (the oldest are dropped). */
  constructor(readonly capacity = MAX_REMEMBERED) {}

  /** The span keys remembered. */
  get size(): number {
    return this.#covered.size + this.#callCovered.size + this.#metered.size;
  }

  /** Records that the span was metered: spans under it that arrive later are the same call. */
  metered(traceId: string, spanId: string): void {
    remember(this.#metered, `${traceId}:${spanId}`, this.capacity);
  }

  /** Undoes `metered()` for a call whose event was not recorded after all. */
  forget(traceId: string, spanId: string): void {
    this.#metered.delete(`${traceId}:${spanId}`);
  }

  /**
   * The keys (`traceId:spanId`) of the batch's spans not to meter: those with a usage-reporting descendant,
   * and those under a span metered in an earlier batch (spans exported out of order: the outer call was
   * metered first, so its inner calls are the same call).
   */
  skipped(batch: readonly NestingNode[]): Set<string> {
    const work = this.decide(batch, () => false);
    for (;;) {
      const step = work.next();
      if (step.done) return step.value;
    }
  }

  /**
   * `skipped()`, a slice at a time: yields whenever `due()` says the slice is spent, for the caller to give
   * the event loop back (and to keep other batches from deciding until this one is done).
   */
  *decide(batch: readonly NestingNode[], due: () => boolean): Generator<void, Set<string>> {
    const graph = yield* graphOf(batch, due);
    const { keys, parentKeys, parentAt, usage, call } = graph;
    const count = keys.length;
    const skipped = new Set<string>();

    // Spans with a usage-reporting descendant (`covered`), and spans with a descendant that is a call
    // without usage (`callCovered`): from each span that is one (or was marked by an earlier batch), mark
    // its ancestors up to the first one already marked, whose ancestors are then marked too.
    const covered = new Uint8Array(count);
    const callCovered = new Uint8Array(count);
    for (let index = 0; index < count; index++) {
      const self = keys[index] as string;
      // A span covered by an earlier batch passes the mark on to its own ancestors.
      const coveredBefore = this.#covered.delete(self);
      if (coveredBefore) covered[index] = 1;
      if (usage[index] || coveredBefore) markAncestors(index, covered, graph, this.#covered, this.capacity);
      const callCoveredBefore = this.#callCovered.delete(self);
      if (callCoveredBefore) callCovered[index] = 1;
      if ((call[index] && !usage[index]) || callCoveredBefore)
        markAncestors(index, callCovered, graph, this.#callCovered, this.capacity);
      if (due()) yield;
    }
    for (let index = 0; index < count; index++) {
      const usageLess = call[index] && !usage[index];
      if (covered[index] || (usageLess && callCovered[index])) skipped.add(keys[index] as string);
    }

    // Spans under a span metered earlier, and calls without usage under a call with usage metered in this
    // batch: decided parent first, each answer kept for its children.
    const under = new Uint8Array(count); // 0 not decided yet, 1 under a metered span, 2 not
    const belowCall = new Uint8Array(count); // 1: under a call with usage that this batch meters
    const path: number[] = [];
    for (let start = 0; start < count; start++) {
      let at = start;
      while (under[at] === 0) {
        path.push(at);
        const parent = parentAt[at] as number;
        if (parent === -1) break;
        at = parent;
      }
      while (path.length > 0) {
        const index = path.pop() as number;
        const parent = parentAt[index] as number;
        const parentKey = parentKeys[index];
        const isUnder =
          (parentKey !== undefined && this.#metered.has(parentKey)) || (parent !== -1 && under[parent] === 1);
        under[index] = isUnder ? 1 : 2;
        if (
          parent !== -1 &&
          (belowCall[parent] === 1 ||
            (call[parent] && usage[parent] && covered[parent] === 0 && under[parent] === 2))
        )
          belowCall[index] = 1;
        if (isUnder || (belowCall[index] === 1 && call[index] && !usage[index])) {
          const self = keys[index] as string;
          skipped.add(self);
          remember(this.#metered, self, this.capacity);
        }
      }
      if (due()) yield;
    }
    return skipped;
  }
}

/**
 * Marks the ancestors of the span at `index` in `marks`, up to the first one already marked; when the walk
 * leaves the batch, the ancestor outside it is remembered in `memory`, for when it arrives.
 */
function markAncestors(
  index: number,
  marks: Uint8Array,
  { parentAt, parentKeys }: { parentAt: Int32Array; parentKeys: (string | undefined)[] },
  memory: Map<string, true>,
  capacity: number,
): void {
  let top = index;
  let parent = parentAt[index] as number;
  while (parent !== -1 && marks[parent] === 0) {
    marks[parent] = 1;
    top = parent;
    parent = parentAt[parent] as number;
  }
  const outside = parentKeys[top];
  if (parent === -1 && outside !== undefined) remember(memory, outside, capacity);
}

/**
 * The batch as a graph: one entry per span key (a span sent twice keeps its last parent, and reports
 * usage, or is a call, if either copy does), the parent's index when the parent is in the batch (else -1), and the
 * parent's key. Spans on a parent cycle lose their parent.
 */
function* graphOf(batch: readonly NestingNode[], due: () => boolean) {
  const indexOf = new Map<string, number>();
  const keys: string[] = [];
  const parentKeys: (string | undefined)[] = [];
  const usage: boolean[] = [];
  const call: boolean[] = [];
  for (const node of batch) {
    const self = `${node.traceId}:${node.spanId}`;
    const parent = node.parentSpanId ? `${node.traceId}:${node.parentSpanId}` : undefined;
    const index = indexOf.get(self);
    if (index === undefined) {
      indexOf.set(self, keys.length);
      keys.push(self);
      parentKeys.push(parent);
      usage.push(node.usage);
      call.push(node.call === true);
    } else {
      parentKeys[index] = parent;
      usage[index] = usage[index] || node.usage;
      call[index] = call[index] || node.call === true;
    }
    if (due()) yield;
  }
  const count = keys.length;
  const parentAt = new Int32Array(count);
  for (let index = 0; index < count; index++) {
    const parent = parentKeys[index];
    parentAt[index] = parent === undefined ? -1 : (indexOf.get(parent) ?? -1);
  }
  // Walk up from each span not walked yet; reaching a span of the current walk again closes a cycle.
  const state = new Uint8Array(count); // 0 not walked, 1 on the current walk, 2 done
  const walk: number[] = [];
  for (let start = 0; start < count; start++) {
    let at = start;
    while (at !== -1 && state[at] === 0) {
      state[at] = 1;
      walk.push(at);
      at = parentAt[at] as number;
    }
    if (at !== -1 && state[at] === 1) {
      for (let position = walk.length - 1; position >= 0; position--) {
        const member = walk[position] as number;
        parentAt[member] = -1;
        parentKeys[member] = undefined;
        if (member === at) break;
      }
    }
    for (const member of walk) state[member] = 2;
    walk.length = 0;
    if (due()) yield;
  }
  return { keys, parentKeys, parentAt, usage, call };
}

function remember(keys: Map<string, true>, spanKey: string, capacity: number): void {
  if (keys.size >= capacity) {
    const oldest = keys.keys().next().value;
    if (oldest !== undefined) keys.delete(oldest);
  }
  keys.set(spanKey, true);
}
