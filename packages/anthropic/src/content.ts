/** Prompt and completion text for `captureContent: true`, bounded so the event stays within the contract's 8 KiB metadata. */

/** Characters kept of the prompt and of the completion each. */
export const CONTENT_LIMIT = 1000;
const METADATA_BYTE_LIMIT = 8 * 1024;

export const PROMPT_KEY = 'agentmeter.prompt';
export const COMPLETION_KEY = 'agentmeter.completion';
export const TRUNCATED_KEY = 'agentmeter.content_truncated';

/** Appends text up to `CONTENT_LIMIT` characters; O(1) once full. */
export class TextCollector {
  text = '';
  truncated = false;

  append(piece: unknown): void {
    if (typeof piece !== 'string' || piece === '') return;
    if (this.truncated) return;
    const room = CONTENT_LIMIT - this.text.length;
    if (piece.length > room) {
      this.text += piece.slice(0, room);
      this.truncated = true;
    } else {
      this.text += piece;
    }
  }
}

/** The request's `system` and `messages`, as JSON, truncated. */
export function promptText(params: unknown): TextCollector {
  const collector = new TextCollector();
  if (typeof params !== 'object' || params === null) return collector;
  const { system, messages } = params as { system?: unknown; messages?: unknown };
  try {
    collector.append(JSON.stringify(system === undefined ? { messages } : { system, messages }));
  } catch {
    // A prompt that cannot be serialized is left out.
  }
  return collector;
}

/** Appends the text a response's content blocks carry: text and tool-call inputs (as JSON); not thinking. */
export function appendCompletion(collector: TextCollector, content: unknown): void {
  if (!Array.isArray(content)) return;
  for (const block of content) {
    if (typeof block !== 'object' || block === null) continue;
    const { type, text, input } = block as { type?: unknown; text?: unknown; input?: unknown };
    if (type === 'text') collector.append(text);
    else if (type === 'tool_use' || type === 'server_tool_use') {
      try {
        collector.append(JSON.stringify(input));
      } catch {
        // An input that cannot be serialized is left out.
      }
    }
  }
}

function byteSize(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value)).byteLength;
}

/**
 * Adds prompt and completion to `metadata`, shortening the longer of the two until the metadata
 * fits the contract's 8 KiB; marks `agentmeter.content_truncated` when anything was cut.
 */
export function withContent(
  metadata: Record<string, unknown>,
  promptCollector: TextCollector,
  completionCollector: TextCollector,
): Record<string, unknown> {
  let prompt = promptCollector.text;
  let completion = completionCollector.text;
  try {
    let cut = promptCollector.truncated || completionCollector.truncated;
    const build = () => {
      const result: Record<string, unknown> = {
        ...metadata,
        [PROMPT_KEY]: prompt,
        [COMPLETION_KEY]: completion,
      };
      if (cut) result[TRUNCATED_KEY] = true;
      return result;
    };
    let candidate = build();
    while (byteSize(candidate) > METADATA_BYTE_LIMIT && (prompt !== '' || completion !== '')) {
      cut = true;
      if (prompt.length >= completion.length) prompt = prompt.slice(0, Math.floor((prompt.length * 3) / 4));
      else completion = completion.slice(0, Math.floor((completion.length * 3) / 4));
      candidate = build();
    }
    return byteSize(candidate) > METADATA_BYTE_LIMIT ? metadata : candidate;
  } catch {
    return metadata;
  }
}
