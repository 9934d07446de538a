import { describe, expect, it } from 'vitest';
import { parseJsonBody, parseJsonBodyItems } from './json-body.js';
import { fieldAt, inexactNumbers, MAX_FINDINGS, numberIsExact, scanJson } from './json-scan.js';
import type { ApiError } from './problem.js';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(
    parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part))),
  );

function refusal(body: Uint8Array): { status: number; code: string; fields: string[]; detail: string } {
  try {
    parseJsonBody(body);
  } catch (error) {
    const problem = error as ApiError;
    return {
      status: problem.status,
      code: problem.code,
      fields: (problem.errors ?? []).map((item) => item.field),
      detail: problem.message,
    };
  }
  throw new Error('the body was accepted');
}

describe('numbers a double cannot hold exactly', () => {
  it('tells exact tokens from inexact ones by their decimal value', () => {
    for (const token of [
      '0',
      '-0',
      '1.10',
      '1e2',
      '1E-7',
      '0.1',
      '123456789012345',
      '9007199254740992',
      '0.0000000000000001',
      '1.5e300',
    ])
      expect([token, numberIsExact(token)]).toEqual([token, true]);
    for (const token of [
      '1234567.123456789012',
      '9007199254740993',
      '1e400',
      '-1e400',
      '4.9e-324',
      '0.12345678901234567',
    ])
      expect([token, numberIsExact(token)]).toEqual([token, false]);
  });

  it('names each inexact number by its JSON pointer, escaping ~ and /', () => {
    const text = JSON.stringify({ a: [1, 2, { 'b/c~d': 1 }], s: '12345678901234567890' }).replace(
      '{"b/c~d":1}',
      '{"b/c~d": 9007199254740993, "x": [1e400]}',
    );
    expect(inexactNumbers(text)).toEqual([
      { field: '/a/2/b~1c~0d', token: '9007199254740993' },
      { field: '/a/2/x/0', token: '1e400' },
    ]);
    // A long run of digits inside a string is no number.
    expect(inexactNumbers('{"id":"12345678901234567890","n":1}')).toEqual([]);
    expect(inexactNumbers('1e400')).toEqual([{ field: '/', token: '1e400' }]);
  });

  it('refuses them with a 400 naming the field and asking for a decimal string', () => {
    const refused = refusal(bytes('{"base_fee": 1234567.123456789012, "token_unit": 1000}'));
    expect(refused).toMatchObject({ status: 400, code: 'validation_error', fields: ['/base_fee'] });
    expect(refused.detail).toContain('send a decimal string');
    expect(
      refusal(bytes('{"events":[{"tokens_input":1},{"tokens_input":9007199254740993}]}')).fields,
    ).toEqual(['/events/1/tokens_input']);
  });

  it('accepts what reads back as written', () => {
    expect(parseJsonBody(bytes('{"base_fee": 1.10, "n": 1e2, "id": "4e5f-1234567890123456789"}'))).toEqual({
      base_fee: 1.1,
      n: 100,
      id: '4e5f-1234567890123456789',
    });
  });
});

describe('text that is not Unicode', () => {
  it('refuses bytes that are not UTF-8, naming the field when they are inside a string', () => {
    expect(refusal(bytes('{"agent_id":"a","customer_id":"a', [0xff], '"}'))).toMatchObject({
      status: 400,
      code: 'validation_error',
      fields: ['/customer_id'],
    });
    expect(refusal(bytes('{"customer_id":"a', [0xfe], '"}')).fields).toEqual(['/customer_id']);
    // A sequence cut short, and one that starts like U+FFFD's own bytes.
    expect(refusal(bytes('{"x":"ok","agent_id":"a', [0xe2, 0x82], '"}')).fields).toEqual(['/agent_id']);
    expect(refusal(bytes('{"events":[{"action":"', [0xef, 0x28], '"}]}')).fields).toEqual([
      '/events/0/action',
    ]);
    expect(refusal(bytes('{"metadata":{"k', [0xc3], '":1}}')).fields).toEqual(['/metadata/k\uFFFD']);
    expect(refusal(bytes('{"a":1', [0xff], '}')).fields).toEqual(['/']);
  });

  it('refuses lone surrogates, in values and in member names, and keeps pairs', () => {
    expect(refusal(bytes('{"customer_id":"\\ud800"}'))).toMatchObject({
      status: 400,
      fields: ['/customer_id'],
    });
    expect(refusal(bytes('{"events":[{"agent_id":"x\\udfff"}]}')).fields).toEqual(['/events/0/agent_id']);
    expect(refusal(bytes('{"metadata":{"\\ud800":1}}')).fields).toEqual(['/metadata/\ud800']);
    expect(parseJsonBody(bytes('{"a":"\\ud83d\\ude00","b":"\\\\ud800"}'))).toEqual({ a: '😀', b: '\\ud800' });
  });

  it('drops a leading byte order mark and keeps other text as is', () => {
    expect(parseJsonBody(bytes([0xef, 0xbb, 0xbf], '{"a":"é"}'))).toEqual({ a: 'é' });
    expect(fieldAt('{"a":{"b":"xyz"}}', 12)).toBe('/a/b');
  });

  it('answers empty and broken JSON as before', () => {
    expect(refusal(bytes('  '))).toMatchObject({ status: 400, code: 'validation_error', fields: ['/'] });
    expect(refusal(bytes('{"a":'))).toMatchObject({ status: 400, code: 'invalid_json', fields: ['/'] });
  });

  describe('the cost of reading a hostile body stays bounded', () => {
    it('refuses nesting deeper than 64 levels before naming anything inside it', () => {
      // Deep arrays around many rounding numbers and a surrogate: a scan that copied the path for each
      // of them took seconds (and, deeper, the heap) on one request.
      const deep = `{"agent_id":"a","action":"b","metadata":{"x":${'['.repeat(8000)}${Array(200).fill('1e400').join(',')},"\\ud800"${']'.repeat(8000)}}}`;
      const refused = refusal(bytes(deep));
      expect(refused).toMatchObject({ status: 400, fields: ['/'] });
      expect(refused.detail).toMatch(/nests deeper than 64 levels/);
      // 64 levels are read as usual.
      const fine = `{"x":${'['.repeat(62)}1e400${']'.repeat(62)}}`;
      expect(refusal(bytes(fine)).fields).toEqual([`/x${'/0'.repeat(62)}`]);
    });

    it('refuses every bad item of a batch, however many, while naming at most 50 fields elsewhere', () => {
      const events = [
        ...Array.from({ length: 60 }, (_, n) => `{"event_id":"s${n}","customer_id":"cus_\\ud800"}`),
        ...Array.from({ length: 60 }, (_, n) => `{"event_id":"m${n}","metadata":{"n":12345678901234567890}}`),
        '{"event_id":"fine"}',
      ];
      const { itemErrors } = parseJsonBodyItems(bytes(`{"events":[${events.join(',')}]}`), ['events']);
      expect(new Set(itemErrors.map((error) => error.field.split('/')[2])).size).toBe(120);
      expect(itemErrors.some((error) => error.field.startsWith('/events/120'))).toBe(false);
      // A finding outside the items after the cap still refuses the body.
      const late = `{"events":[${events.join(',')}],"extra":1e400}`;
      expect(() => parseJsonBodyItems(bytes(late), ['events'])).toThrow(/extra/);
    });

    it('stops at 5,000 findings and refuses the body whole', () => {
      const many = `{"events":[{"metadata":[${Array(6000).fill('1e400').join(',')}]}]}`;
      expect(() => parseJsonBodyItems(bytes(many), ['events'])).toThrow(/too many numbers/);
      expect(scanJson(`[${Array(6000).fill('1e400').join(',')}]`).total).toBe(MAX_FINDINGS);
    });
  });
});
