import { describe, expect, it } from 'vitest';
import { isUniqueResponseId, type LinkHolder, linkKeys, planLinks } from './call-links.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('isUniqueResponseId', () => {
  it('takes the ids providers mint at random', () => {
    const ids = {
      // OpenAI: chatcmpl- and 29 letters and digits.
      openai: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
      // vLLM: chatcmpl- and 32 hex digits.
      vllm: 'chatcmpl-9f3c2a7b1e4d4c0a8b6f5e2d1c0b9a87',
      anthropic: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      responses: `resp_${'67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b'}`,
      openrouter: 'gen-1733212345-AbCdEf1234567890abcd',
      // No leading word: the whole id is judged.
      bare: 'a1b2c3d4e5f6g7h8',
    };
    expect(ids.openai.length - 'chatcmpl-'.length).toBe(29);
    expect(ids.vllm.length - 'chatcmpl-'.length).toBe(32);
    expect(ids.responses.length - 'resp_'.length).toBe(48);
    for (const [provider, id] of Object.entries(ids))
      expect([provider, isUniqueResponseId(id)]).toEqual([provider, true]);
  });

  it('refuses ids that repeat: counters, constants, timestamps, placeholders', () => {
    // Ollama counts chatcmpl-0 … chatcmpl-998 and wraps round.
    for (let n = 0; n < 999; n++) expect(isUniqueResponseId(`chatcmpl-${n}`)).toBe(false);
    for (const id of [
      'chatcmpl-123', // a test server's answer to every call
      '12345678901234567890', // digits only
      'gen-17332123456789012345', // a timestamp after the word
      'chatcmpl-aaaaaaaaaaaaaaaaaaaa', // one character repeated
      'resp_0000000000000000000000',
      'chatcmpl-abcabcabcabcabcabc', // 3 different characters
      'chatcmpl-abcdefgabcdefgabcdefg', // 7
      'chatcmpl-chatcmpl-123', // only one leading word is taken off
      'a1b2c3d4e5f6g7h', // 15 characters
      '',
    ])
      expect([id, isUniqueResponseId(id)]).toEqual([id, false]);
  });

  it('counts from the character after the first word and separator only', () => {
    expect(isUniqueResponseId('x-abcdefgh12345678')).toBe(true); // 16 after `x-`
    expect(isUniqueResponseId('x-abcdefgh1234567')).toBe(false); // 15 after `x-`
    expect(isUniqueResponseId('-abcdefgh12345678')).toBe(true); // no word: the `-` counts, 17
    expect(isUniqueResponseId('abcdefgh12345678')).toBe(true); // exactly 8 different, 16 long
    expect(isUniqueResponseId('abcdefg123456712')).toBe(true);
    expect(isUniqueResponseId('abcdefgabcdefgab')).toBe(false); // 7 different
  });
});

describe('linkKeys', () => {
  it('names a call by its unique response id and by its span', () => {
    expect(linkKeys({ response_id: 'msg_01XFDUDYJgAACzvnptvVoYEL', trace_id: TRACE, span_id: SPAN })).toEqual(
      ['id:msg_01XFDUDYJgAACzvnptvVoYEL', `span:${TRACE}:${SPAN}`],
    );
    expect(linkKeys({ response_id: 'msg_01XFDUDYJgAACzvnptvVoYEL' })).toEqual([
      'id:msg_01XFDUDYJgAACzvnptvVoYEL',
    ]);
  });

  it('never links by an id that repeats, nor by half a span', () => {
    expect(linkKeys({ response_id: 'chatcmpl-123', trace_id: TRACE, span_id: SPAN })).toEqual([
      `span:${TRACE}:${SPAN}`,
    ]);
    expect(linkKeys({ response_id: 'chatcmpl-7' })).toEqual([]);
    expect(linkKeys({ span_id: SPAN })).toEqual([]);
    expect(linkKeys({ trace_id: TRACE })).toEqual([]);
    expect(linkKeys({})).toEqual([]);
    expect(linkKeys(undefined)).toEqual([]);
  });
});

describe('planLinks', () => {
  const meter = (eventId: string, ...links: string[]) => ({ eventId, links, source: 'meter' as const });
  const span = (eventId: string, ...links: string[]) => ({ eventId, links, source: 'span' as const });

  it('a span after the meter event of its call, in one write, is not charged', () => {
    const plan = planLinks([meter('m', 'id:R', 'span:t:s'), span('otel:t:s', 'span:t:s')], new Set(), []);
    expect(plan.decisions).toEqual([
      { kind: 'insert', supersededBy: null },
      { kind: 'linked', existing: 'm' },
    ]);
    expect(plan.supersede).toEqual([]);
  });

  it('a meter event after its span, in one write, writes the span superseded', () => {
    const plan = planLinks([span('otel:t:s', 'span:t:s'), meter('m', 'span:t:s')], new Set(), []);
    expect(plan.decisions).toEqual([
      { kind: 'insert', supersededBy: 'm' },
      { kind: 'insert', supersededBy: null },
    ]);
    expect(plan.supersede).toEqual([]);
  });

  it('a meter event supersedes a stored span charge, once, and never a meter event', () => {
    const holders: LinkHolder[] = [
      { linkKey: 'id:R', eventId: 'otel:t:s', source: 'span', supersededBy: null },
      { linkKey: 'span:t:s', eventId: 'otel:t:s', source: 'span', supersededBy: null },
      { linkKey: 'id:R', eventId: 'earlier-meter', source: 'meter', supersededBy: null },
    ];
    const plan = planLinks([meter('m', 'id:R', 'span:t:s'), meter('m2', 'id:R')], new Set(), holders);
    expect(plan.supersede).toEqual([{ eventId: 'otel:t:s', by: 'm' }]);
    expect(plan.decisions.map((decision) => decision.kind)).toEqual(['insert', 'insert']);
  });

  it('a span linked to a charge hands that charge its other links', () => {
    const holders: LinkHolder[] = [
      { linkKey: 'id:R', eventId: 'otel:t:a', source: 'span', supersededBy: null },
    ];
    const plan = planLinks(
      [span('otel:t:b', 'id:R', 'span:t:b'), meter('m', 'span:t:b')],
      new Set(),
      holders,
    );
    expect(plan.decisions[0]).toEqual({ kind: 'linked', existing: 'otel:t:a' });
    expect(plan.links).toContainEqual({ linkKey: 'span:t:b', eventId: 'otel:t:a', source: 'span' });
    // The wrapper's event names the call by the second span only: it still replaces the one charge.
    expect(plan.supersede).toEqual([{ eventId: 'otel:t:a', by: 'm' }]);
  });

  it('a span whose call was charged by a span since superseded links to the meter event', () => {
    const holders: LinkHolder[] = [
      { linkKey: 'id:R', eventId: 'otel:t:a', source: 'span', supersededBy: 'm' },
    ];
    const plan = planLinks([span('otel:t:b', 'id:R')], new Set(), holders);
    expect(plan.decisions).toEqual([{ kind: 'linked', existing: 'm' }]);
  });

  it('an id stored already is a replay: no links, no superseding, whatever it names', () => {
    const holders: LinkHolder[] = [
      { linkKey: 'span:t:s', eventId: 'otel:t:s', source: 'span', supersededBy: null },
    ];
    const plan = planLinks(
      [meter('m', 'span:t:s'), span('otel:t:s', 'span:t:s')],
      new Set(['m', 'otel:t:s']),
      holders,
    );
    expect(plan).toEqual({ decisions: [{ kind: 'taken' }, { kind: 'taken' }], links: [], supersede: [] });
  });
});
