import { describe, expect, it } from 'vitest';
import { deriveEventId } from './usage.js';

describe('deriveEventId', () => {
  it('is the same for the same call and differs by agent and by action, whatever order the pairs come in', () => {
    const a = deriveEventId('openai', 'chatcmpl-1', 'agent-a', 'chat');
    const b = deriveEventId('openai', 'chatcmpl-1', 'agent-b', 'chat');
    const c = deriveEventId('openai', 'chatcmpl-1', 'agent-a', 'summarize');
    expect(new Set([a, b, c]).size).toBe(3);
    // Alternating pairs (the scope hash of the last pair is kept) give the same ids again.
    expect(deriveEventId('openai', 'chatcmpl-1', 'agent-a', 'chat')).toBe(a);
    expect(deriveEventId('openai', 'chatcmpl-1', 'agent-a', 'summarize')).toBe(c);
    expect(deriveEventId('openai', 'chatcmpl-1', 'agent-b', 'chat')).toBe(b);
    expect(deriveEventId('openai', 'chatcmpl-1', 'agent-a', 'chat')).toBe(a);
    // The separator keeps ("ab", "c") and ("a", "bc") apart.
    expect(deriveEventId('openai', 'x', 'ab', 'c')).not.toBe(deriveEventId('openai', 'x', 'a', 'bc'));
  });

  it('keeps a safe provider id readable and hashes one the contract would refuse', () => {
    expect(deriveEventId('openai', 'chatcmpl-1', 'a', 'b')).toMatch(/^openai:chatcmpl-1:[0-9a-z]+$/);
    const hashed = deriveEventId('openai', 'id with spaces/and slashes', 'a', 'b');
    expect(hashed).toMatch(/^openai:h[0-9a-z]+:[0-9a-z]+$/);
    expect(deriveEventId('openai', 'id with spaces/and slashes', 'a', 'b')).toBe(hashed);
  });
});
