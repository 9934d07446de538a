// The ids a wrapper derives from a provider's response id are idempotency keys the server keeps:
// a process upgraded between a send and its retry, or two layers at different versions metering
// one call, must derive the same id, or the call is charged twice. So the derivation is frozen,
// and pinned here by literal values, not recomputed by the code under test. Other packages' tests
// that expect "the id the wrapper would derive" use `deriveEventId()` because these pin it.
import { describe, expect, it } from 'vitest';
import { deriveEventId } from './usage.js';

const VECTORS: [provider: string, responseId: string, agentId: string, action: string, id: string][] = [
  [
    'openai',
    'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
    'support-bot',
    'answer',
    'openai:chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT:3s25j35wsy',
  ],
  [
    'openai',
    'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
    'support-bot',
    'summarize',
    'openai:chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT:2031ohyfmwy',
  ],
  [
    'anthropic',
    'msg_01XFDUDYJgAACzvnptvVoYEL',
    'support-bot',
    'answer',
    'anthropic:msg_01XFDUDYJgAACzvnptvVoYEL:3s25j35wsy',
  ],
  [
    'openrouter',
    'gen-1741569952-abcdefghijklmnop',
    'agent-ü',
    'chat',
    'openrouter:gen-1741569952-abcdefghijklmnop:6e15asl3hz',
  ],
  // An id the contract would refuse as an event id is hashed, not copied.
  ['openai', 'id with spaces/and slashes', 'a', 'b', 'openai:h18nyun9tj9c12xjfxatv0l:wmao3leoz1'],
];

describe('deriveEventId is frozen', () => {
  it.each(VECTORS)('%s %s for %s/%s', (provider, responseId, agentId, action, id) => {
    expect(deriveEventId(provider, responseId, agentId, action)).toBe(id);
  });
});
