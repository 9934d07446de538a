// Prompt and completion text, only ever read when the caller opted in with `captureContent: true`.

/** Characters of prompt and of completion kept in event metadata. */
export const CONTENT_LIMIT = 1000;

export function truncate(text: string): string {
  return text.length > CONTENT_LIMIT ? `${text.slice(0, CONTENT_LIMIT)}…` : text;
}

/** The contract's limit on an event's metadata, as JSON (8 KiB), less room for the event's own keys. */
const METADATA_BUDGET = 8192 - 256;
const encoder = new TextEncoder();

/** Bytes `value` takes in the metadata JSON. */
export function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value) ?? '').length;
}

/** Shortens `text` until it takes at most `budget` bytes as a JSON string (escapes and UTF-8 counted). */
export function fitBytes(text: string, budget: number): string | undefined {
  let fitted = text;
  for (let size = jsonBytes(fitted); size > budget; size = jsonBytes(fitted)) {
    const keep = Math.floor((fitted.length * budget) / size) - 2;
    if (keep <= 0) return undefined;
    fitted = `${fitted.slice(0, keep)}…`;
  }
  return fitted;
}

/**
 * Adds the captured prompt and completion to `metadata`, each shortened so the whole stays within the
 * contract's metadata limit; whatever cannot fit is left out rather than risking a rejected event.
 */
export function addContent(metadata: Record<string, unknown>, prompt?: string, completion?: string): void {
  const texts = [
    ['agentmeter.prompt', prompt],
    ['agentmeter.completion', completion],
  ].filter((entry): entry is [string, string] => entry[1] !== undefined);
  if (texts.length === 0) return;
  const share = Math.floor((METADATA_BUDGET - jsonBytes(metadata)) / texts.length) - 32;
  for (const [key, text] of texts) {
    const fitted = share > 0 ? fitBytes(text, share) : undefined;
    if (fitted !== undefined) metadata[key] = fitted;
  }
}

function serialize(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** The prompt of a request body: chat `messages`, Responses `instructions` + `input`, completions `prompt`, embeddings `input`. */
export function requestContent(api: string, body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  if (api === 'chat.completions') return truncateMaybe(serialize(record['messages']));
  if (api === 'completions') return truncateMaybe(serialize(record['prompt']));
  if (api === 'responses') {
    const parts = [serialize(record['instructions']), serialize(record['input'])].filter(Boolean);
    return parts.length > 0 ? truncate(parts.join('\n')) : undefined;
  }
  return truncateMaybe(serialize(record['input']));
}

function truncateMaybe(text: string | undefined): string | undefined {
  return text === undefined ? undefined : truncate(text);
}

/** Collects streamed text deltas, keeping no more than the limit. */
export class TextCollector {
  #text = '';

  add(delta: unknown): void {
    if (typeof delta === 'string' && this.#text.length <= CONTENT_LIMIT) this.#text += delta;
  }

  get text(): string | undefined {
    return this.#text.length > 0 ? truncate(this.#text) : undefined;
  }
}
