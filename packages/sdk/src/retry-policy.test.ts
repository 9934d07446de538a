import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AttemptError, backoffDelay, isRetryable, parseRetryAfter } from './retry-policy.js';

describe('backoffDelay', () => {
  it('is min(30 s, 1 s·2^n) × U[0.5, 1], never under 500 ms', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (retry, random) => {
          const ceiling = Math.min(30_000, 1000 * 2 ** retry);
          const delay = backoffDelay(retry, random);
          expect(delay).toBeGreaterThanOrEqual(Math.max(500, ceiling / 2));
          expect(delay).toBeLessThanOrEqual(ceiling);
        },
      ),
    );
    expect([backoffDelay(0, 0), backoffDelay(3, 0.999999), backoffDelay(10, 0)]).toEqual([500, 8000, 15_000]);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  const headers = (init: Record<string, string>) => new Headers(init);
  it('reads delta-seconds, an HTTP-date and retry-after-ms', () => {
    expect(parseRetryAfter(headers({ 'retry-after': '5' }), now)).toBe(5000);
    expect(parseRetryAfter(headers({ 'retry-after': '1.5' }), now)).toBe(1500);
    expect(parseRetryAfter(headers({ 'retry-after': 'Sun, 01 Mar 2026 12:00:30 GMT' }), now)).toBe(30_000);
    expect(parseRetryAfter(headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now)).toBe(250);
  });
  it('takes a past date or 0 as no wait, and ignores what it cannot read', () => {
    expect(parseRetryAfter(headers({ 'retry-after': 'Sun, 01 Mar 2026 11:00:00 GMT' }), now)).toBe(0);
    expect(parseRetryAfter(headers({ 'retry-after': '0' }), now)).toBe(0);
    expect(parseRetryAfter(headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(parseRetryAfter(headers({}), now)).toBeUndefined();
  });
  it('clamps the wait an error carries to 300 s', () => {
    const error = new AttemptError('http', 'x', {
      status: 429,
      headers: headers({ 'retry-after': '86400' }),
    });
    expect(error.retryAfterMs).toBe(300_000);
  });
});

describe('isRetryable', () => {
  const http = (status: number, problem?: unknown, extra: Record<string, string> = {}) =>
    new AttemptError('http', 'x', { status, problem, headers: new Headers(extra) });
  it('retries 408, 409, 429 and 500/502/503/504, never 400/401/403/404/413/422/501/505', () => {
    for (const status of [408, 409, 429, 500, 502, 503, 504]) expect(isRetryable(http(status))).toBe(true);
    for (const status of [400, 401, 403, 404, 413, 422, 501, 505])
      expect(isRetryable(http(status))).toBe(false);
  });
  it('does not retry a 409 whose code no retry can fix', () => {
    expect(isRetryable(http(409, { code: 'idempotency_key_reused' }))).toBe(false);
    expect(isRetryable(http(409, { code: 'outcome_already_resolved' }))).toBe(false);
  });
  it('follows the x-should-retry hint', () => {
    expect(isRetryable(http(400, undefined, { 'x-should-retry': 'true' }))).toBe(true);
    expect(isRetryable(http(503, undefined, { 'x-should-retry': 'false' }))).toBe(false);
  });
  it('retries network errors and timeouts, and recognises a reset socket', () => {
    const reset = new AttemptError('network', 'x', {
      cause: new TypeError('fetch failed', {
        cause: Object.assign(new Error('read'), { code: 'ECONNRESET' }),
      }),
    });
    expect(isRetryable(reset)).toBe(true);
    expect(reset.connectionReset).toBe(true);
    expect(new AttemptError('network', 'x', { cause: new Error('refused') }).connectionReset).toBe(false);
    expect(isRetryable(new AttemptError('timeout', 'x'))).toBe(true);
  });
});
