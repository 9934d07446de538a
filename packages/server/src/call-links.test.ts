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
    expect(plan).toEqual({
      decisions: [{ kind: 'taken' }, { kind: 'taken' }],
      links: [],
      supersede: [],
      unlink: [],
      unlinkUnderOf: [],
    });
  });

  describe('the last resort: an event naming only the span its call started under', () => {
    // A LangChain callback sees the call start under the app's span P, never the call's own span.
    const facts = (source: 'meter' | 'span', input: number, output: number, usageMissing = false) => ({
      source,
      provider: 'OpenAI',
      tokensInput: input,
      tokensOutput: output,
      usageMissing,
    });
    const handler = (eventId: string, input = 1200, output = 300, streamed = false) =>
      meter(
        eventId,
        ...linkKeys({ trace_id: 'T', parent_span_id: 'P', streamed }, facts('meter', input, output)),
      );
    const child = (spanId: string, input = 1200, output = 300, usageMissing = false) =>
      span(
        `otel:T:${spanId}`,
        ...linkKeys(
          { trace_id: 'T', span_id: spanId, parent_span_id: 'P' },
          facts('span', input, output, usageMissing),
        ),
      );

    it('names keys only for a meter event without its own span, and one key for a span', () => {
      expect(handler('h').links).toEqual(['under:T:P:openai:1200/300']);
      // A streamed call's span may carry no counts (OpenLLMetry and OpenInference record none on streams).
      expect(handler('h', 1200, 300, true).links).toEqual([
        'under:T:P:openai:1200/300',
        'under:T:P:openai:missing',
      ]);
      expect(child('S').links).toEqual(['span:T:S', 'under:T:P:openai:1200/300']);
      expect(child('S', 0, 0, true).links).toEqual(['span:T:S', 'under:T:P:openai:missing']);
      // A meter event that names its call's span needs nothing else.
      expect(linkKeys({ trace_id: 'T', span_id: 'S', parent_span_id: 'P' }, facts('meter', 1, 1))).toEqual([
        'span:T:S',
      ]);
    });

    it('meter first: the span under it with the same counts is linked; the keys are spent', () => {
      const plan = planLinks([handler('h'), child('S')], new Set(), []);
      expect(plan.decisions).toEqual([
        { kind: 'insert', supersededBy: null },
        { kind: 'linked', existing: 'h' },
      ]);
      expect(plan.links.filter((link) => link.linkKey.startsWith('under:'))).toEqual([]);
      expect(plan.links).toContainEqual({ linkKey: 'span:T:S', eventId: 'h', source: 'meter' });
    });

    it('nothing exact before the last resort: a meter event that replaced its span by id takes no other span', () => {
      // Call A (unique id) and call B (another call under the same agent span, same counts, no id) were
      // charged from their spans; then A's callback event arrives naming both its id and its parent.
      const holders: LinkHolder[] = [
        {
          linkKey: 'id:chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
          eventId: 'otel:T:A',
          source: 'span',
          supersededBy: null,
        },
        { linkKey: 'under:T:P:openai:1200/300', eventId: 'otel:T:B', source: 'span', supersededBy: null },
      ];
      const event = meter(
        'h',
        ...linkKeys(
          { trace_id: 'T', parent_span_id: 'P', response_id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT' },
          facts('meter', 1200, 300),
        ),
      );
      const plan = planLinks([event], new Set(), holders);
      expect(plan.supersede).toEqual([{ eventId: 'otel:T:A', by: 'h' }]);
    });

    it('a span charge replaced through an exact link gives up its under: key', () => {
      const holders: LinkHolder[] = [
        { linkKey: 'span:T:S', eventId: 'otel:T:S', source: 'span', supersededBy: null },
      ];
      const plan = planLinks([meter('w', 'span:T:S')], new Set(), holders);
      expect(plan.supersede).toEqual([{ eventId: 'otel:T:S', by: 'w' }]);
      expect(plan.unlinkUnderOf).toEqual(['otel:T:S']);
    });

    it('a meter event whose span was found exactly gives up its under: keys, stored or not', () => {
      const id = 'id:chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT';
      const holders: LinkHolder[] = [{ linkKey: id, eventId: 'h', source: 'meter', supersededBy: null }];
      const plan = planLinks([span('otel:T:A', id)], new Set(), holders);
      expect(plan.decisions).toEqual([{ kind: 'linked', existing: 'h' }]);
      expect(plan.unlinkUnderOf).toEqual(['h']);
    });

    it('span first: the meter event supersedes it; a stored span charge too, and its key is deleted', () => {
      expect(planLinks([child('S'), handler('h')], new Set(), []).decisions).toEqual([
        { kind: 'insert', supersededBy: 'h' },
        { kind: 'insert', supersededBy: null },
      ]);
      const holders: LinkHolder[] = [
        { linkKey: 'span:T:S', eventId: 'otel:T:S', source: 'span', supersededBy: null },
        { linkKey: 'under:T:P:openai:1200/300', eventId: 'otel:T:S', source: 'span', supersededBy: null },
      ];
      const plan = planLinks([handler('h')], new Set(), holders);
      expect(plan.supersede).toEqual([{ eventId: 'otel:T:S', by: 'h' }]);
      expect(plan.unlink).toEqual([{ linkKey: 'under:T:P:openai:1200/300', eventId: 'otel:T:S' }]);
      expect(plan.links).toEqual([]);
    });

    it('one for one: two calls under one span, each event takes one span; a third span is charged', () => {
      const plan = planLinks(
        [handler('h1'), handler('h2'), child('S1'), child('S2'), child('S3')],
        new Set(),
        [],
      );
      expect(plan.decisions.map((decision) => decision.kind)).toEqual([
        'insert',
        'insert',
        'linked',
        'linked',
        'insert',
      ]);
      expect(plan.decisions.slice(2, 4)).toEqual([
        { kind: 'linked', existing: 'h1' },
        { kind: 'linked', existing: 'h2' },
      ]);
    });

    it('a span traced without counts matches a streamed call only; other counts or another provider never', () => {
      expect(
        planLinks([handler('h', 1200, 300, true), child('S', 0, 0, true)], new Set(), []).decisions[1],
      ).toEqual({ kind: 'linked', existing: 'h' });
      expect(planLinks([handler('h'), child('S', 0, 0, true)], new Set(), []).decisions[1]).toEqual({
        kind: 'insert',
        supersededBy: null,
      });
      expect(planLinks([handler('h'), child('S', 1201, 300)], new Set(), []).decisions[1]).toEqual({
        kind: 'insert',
        supersededBy: null,
      });
      const anthropic = span(
        'otel:T:A',
        ...linkKeys(
          { trace_id: 'T', span_id: 'A', parent_span_id: 'P' },
          { ...facts('span', 1200, 300), provider: 'anthropic' },
        ),
      );
      expect(planLinks([handler('h'), anthropic], new Set(), []).decisions[1]).toEqual({
        kind: 'insert',
        supersededBy: null,
      });
    });

    it('a stored event whose key was spent is not matched again', () => {
      const holders: LinkHolder[] = [
        { linkKey: 'span:T:S1', eventId: 'h', source: 'meter', supersededBy: null },
      ];
      expect(planLinks([child('S2')], new Set(), holders).decisions).toEqual([
        { kind: 'insert', supersededBy: null },
      ]);
    });
  });
});
