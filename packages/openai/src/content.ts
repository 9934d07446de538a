// Prompt and completion text, only ever read when the caller opted in with `captureContent: true`.

/** Characters of prompt and of completion kept in event metadata. */
export const CONTENT_LIMIT = 1000;

export function truncate(text: string): string {
  return text.length > CONTENT_LIMIT ? `${text.slice(0, CONTENT_LIMIT)}…` : text;
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
