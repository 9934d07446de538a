import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bodyHash, canonicalJson } from './ingest.js';

// The stored `body_hash` of every event ever ingested was computed this way; a replay compares
// against it, so any faster implementation must give the very same string for every JSON value.
function referenceCanonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(referenceCanonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${referenceCanonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const referenceHash = (value: unknown) =>
  createHash('sha256').update(referenceCanonicalJson(value)).digest('base64url');

describe('body hash', () => {
  it('is the SHA-256 of the key-sorted JSON, pinned for a known event', () => {
    const event = {
      agent_id: 'support-bot',
      action: 'chat',
      customer_id: 'acme',
      tokens_input: 1200,
      tokens_output: 300,
      event_id: 'evt-1',
      timestamp: '2026-01-05T10:00:00.000Z',
      metadata: { z: [1, { b: 'é', a: null }], a: true },
    };
    expect(canonicalJson(event)).toBe(
      '{"action":"chat","agent_id":"support-bot","customer_id":"acme","event_id":"evt-1","metadata":{"a":true,"z":[1,{"a":null,"b":"é"}]},"timestamp":"2026-01-05T10:00:00.000Z","tokens_input":1200,"tokens_output":300}',
    );
    expect(bodyHash(event)).toBe('aYd9mtTxaGwtGYjdGULdhqJGhozEA8z0ODBQ-MOEN4c');
  });

  it('matches the reference for any JSON value, whatever its key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(referenceCanonicalJson(value));
        expect(bodyHash(value)).toBe(referenceHash(value));
      }),
      { numRuns: 500 },
    );
  });

  it('matches the reference for events of the contract fields, in any key order', () => {
    const scalar = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
    const field = fc.constantFrom(
      'agent_id',
      'action',
      'customer_id',
      'event_id',
      'timestamp',
      'tokens_input',
      'tokens_output',
      'tokens_cached_input',
      'model',
      'provider',
      'outcome',
      'expires_at',
      'tier',
    );
    const event = fc
      .tuple(
        fc.uniqueArray(fc.tuple(field, scalar), { selector: ([name]) => name, maxLength: 13 }),
        fc.option(fc.dictionary(fc.string(), fc.jsonValue()), { nil: undefined }),
      )
      .map(([entries, metadata]) =>
        Object.fromEntries(metadata === undefined ? entries : [...entries, ['metadata', metadata]]),
      );
    fc.assert(
      fc.property(event, (value) => {
        expect(bodyHash(value)).toBe(referenceHash(value));
      }),
      { numRuns: 500 },
    );
  });

  it('covers the id the event is recorded under, however it was sent', () => {
    const event = {
      agent_id: 'support-bot',
      action: 'chat',
      tokens_input: 10,
      metadata: { event_id: 'inner' },
    };
    const withId = { ...event, event_id: 'K' };
    // The id as `event_id`, as a header or derived from a batch key: one hash, the one stored for a
    // body that carried `event_id` (so rows stored that way keep matching).
    expect(bodyHash(event, 'K')).toBe(bodyHash(withId));
    expect(bodyHash(withId, 'K')).toBe(bodyHash(withId));
    expect(bodyHash(event, 'K')).toBe(referenceHash(withId));
    expect(bodyHash(event, 'K')).not.toBe(bodyHash(event, 'L'));
    // `null`: the form once stored for an id that came from a header, the body without `event_id`.
    expect(bodyHash(withId, null)).toBe(bodyHash(event));
    expect(bodyHash(withId, null)).toBe(referenceHash(event));
    // A field outside the contract (sorted the general way) gets the id the same way.
    expect(bodyHash({ ...event, zzz: 1 }, 'K')).toBe(referenceHash({ ...withId, zzz: 1 }));
    expect(bodyHash({ ...withId, zzz: 1 }, null)).toBe(referenceHash({ ...event, zzz: 1 }));
  });

  it('with an id given, matches the reference of the body with that event_id, for any event', () => {
    const event = fc.record(
      {
        agent_id: fc.string(),
        action: fc.string(),
        event_id: fc.string(),
        tokens_input: fc.integer(),
        tier: fc.string(),
        metadata: fc.dictionary(fc.string(), fc.jsonValue()),
      },
      { requiredKeys: ['agent_id', 'action'] },
    );
    fc.assert(
      fc.property(event, fc.string(), (value, id) => {
        const { event_id: _sent, ...rest } = value;
        expect(bodyHash(value, id)).toBe(referenceHash({ ...rest, event_id: id }));
        expect(bodyHash(value, null)).toBe(referenceHash(rest));
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on key order, and tells different bodies apart', () => {
    const a = { agent_id: 'a', action: 'chat', tokens_input: 1 };
    const reordered = { tokens_input: 1, action: 'chat', agent_id: 'a' };
    expect(bodyHash(reordered)).toBe(bodyHash(a));
    expect(bodyHash({ ...a, tokens_input: 2 })).not.toBe(bodyHash(a));
  });
});
