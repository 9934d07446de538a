import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { captureEvent, captureResolution, portableUtf8Length, toOutcomeId, utf8Length } from './capture.js';

describe.each([
  ['utf8Length (native in Node)', utf8Length],
  ['portableUtf8Length (runtimes without Buffer)', portableUtf8Length],
])('%s', (_name, length) => {
  it('equals the UTF-8 encoding length for any string', () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => length(text) === encoder.encode(text).length),
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => length(text) === encoder.encode(text).length),
    );
  });
});

describe('captureEvent', () => {
  const now = Date.parse('2026-03-01T12:00:00.123Z');
  it('mints a UUIDv7 id, stamps the time, and serializes exactly what will be sent', () => {
    const result = captureEvent({ agent_id: 'a', action: 'b', tokens_input: 3 }, undefined, now);
    if (!result.ok) throw new Error(result.message);
    expect(result.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(JSON.parse(result.json)).toEqual({
      agent_id: 'a',
      action: 'b',
      tokens_input: 3,
      event_id: result.id,
      timestamp: '2026-03-01T12:00:00.123Z',
    });
    expect(result.bytes).toBe(new TextEncoder().encode(result.json).length);
  });
  it('keeps a given id and timestamp, and does not modify the caller’s object', () => {
    const input = { agent_id: 'a', action: 'b', event_id: 'mine-1', timestamp: '2026-01-01T00:00:00Z' };
    const result = captureEvent(input, { customer_id: 'c' }, now);
    expect(result).toMatchObject({ ok: true, id: 'mine-1' });
    expect(input).toEqual({
      agent_id: 'a',
      action: 'b',
      event_id: 'mine-1',
      timestamp: '2026-01-01T00:00:00Z',
    });
  });
  it('refuses an id the contract would refuse, and an unserializable event', () => {
    expect(captureEvent({ agent_id: 'a', action: 'b', event_id: 'has space' }, undefined, now)).toMatchObject(
      { ok: false, id: 'has space' },
    );
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(captureEvent({ agent_id: 'a', action: 'b', metadata: circular }, undefined, now)).toMatchObject({
      ok: false,
    });
  });
});

describe('outcome ids', () => {
  it('maps an event id to `out_` + id and leaves an outcome id alone', () => {
    expect(toOutcomeId('evt-1')).toBe('out_evt-1');
    expect(toOutcomeId('out_evt-1')).toBe('out_evt-1');
    expect(captureResolution('evt-1', 'success', undefined)).toMatchObject({
      ok: true,
      json: '{"outcome_id":"out_evt-1","outcome":"success"}',
    });
  });
});

describe('captureEvent with a context', () => {
  const now = Date.parse('2026-03-01T12:00:00.123Z');
  it('fills only what the event lacks, merges metadata (the event wins), and never writes a key twice', () => {
    const result = captureEvent(
      { action: 'own', metadata: { plan: 'team', ticket: 7 } },
      {
        customer_id: 'ctx-c',
        agent_id: 'ctx-a',
        action: 'ctx-action',
        metadata: { plan: 'pro', region: 'eu' },
      },
      now,
    );
    if (!result.ok) throw new Error(result.message);
    expect(JSON.parse(result.json)).toEqual({
      action: 'own',
      metadata: { plan: 'team', region: 'eu', ticket: 7 },
      event_id: result.id,
      timestamp: '2026-03-01T12:00:00.123Z',
      agent_id: 'ctx-a',
      customer_id: 'ctx-c',
    });
    expect(result.json.match(/"action"/g)).toHaveLength(1);
  });
  it("takes an explicit null as the event's own value, and refuses it", () => {
    expect(captureEvent({ agent_id: null, action: 'b' } as never, { agent_id: 'ctx' }, now)).toMatchObject({
      ok: false,
    });
    expect(
      captureEvent({ agent_id: 'a', action: 'b', event_id: null } as never, undefined, now),
    ).toMatchObject({
      ok: false,
      id: 'null',
    });
  });
});
