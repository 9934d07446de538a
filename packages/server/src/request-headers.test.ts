import fc from 'fast-check';
import type { Context } from 'hono';
import { describe, expect, it } from 'vitest';
import { requestHeader } from './request-headers.js';

const nodeContext = (rawHeaders: string[]) =>
  ({
    env: { incoming: { rawHeaders } },
    req: {
      header: () => {
        throw new Error('the Node request is there: its raw headers must be read');
      },
    },
  }) as unknown as Context;

const NAMES = ['Authorization', 'authorization', 'Idempotency-Key', 'Content-Length', 'X-Agentmeter-Attempt'];

describe('requestHeader', () => {
  it('gives what the Fetch API Headers give, for any raw header list', () => {
    const value = fc.stringMatching(/^[ \t]*[!-~]([ -~]*[!-~])?[ \t]*$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...NAMES), value), { maxLength: 8 }), (pairs) => {
        const context = nodeContext(pairs.flat());
        const headers = new Headers(pairs);
        for (const name of [
          'authorization',
          'idempotency-key',
          'content-length',
          'x-agentmeter-attempt',
          'absent',
        ]) {
          expect(requestHeader(context, name)).toBe(headers.get(name) ?? undefined);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('joins repeated headers and ignores case, as Headers does', () => {
    const context = nodeContext(['Authorization', 'Bearer a ', 'AUTHORIZATION', ' Bearer b']);
    expect(requestHeader(context, 'authorization')).toBe('Bearer a, Bearer b');
  });

  it('asks Hono where no Node request is at hand', () => {
    const context = {
      env: undefined,
      req: { header: (name: string) => `hono:${name}` },
    } as unknown as Context;
    expect(requestHeader(context, 'authorization')).toBe('hono:authorization');
  });
});
