import { DEFAULT_DB_PATH as SERVER_DEFAULT_DB_PATH } from '@agentmeter/server';
import { describe, expect, it } from 'vitest';
import { problemMessage } from './api.js';
import { DEFAULT_DB_PATH } from './commands/serve.js';

describe('problemMessage', () => {
  it('a validation error lists each field by the flag the user typed', () => {
    const problem = {
      code: 'validation_error',
      detail: 'Invalid request: /base_fee must be x; query.from must be y.',
      errors: [
        { field: '/base_fee', message: 'must be x' },
        { field: 'query.from', message: 'must be y' },
      ],
    };
    expect(problemMessage(400, problem, { '/base_fee': '--base-fee', 'query.from': '--from' })).toBe(
      'invalid request: --base-fee must be x; --from must be y (400 validation_error)',
    );
  });

  it('other problems keep the detail and name a field it does not mention', () => {
    const problem = {
      code: 'unknown_tier',
      detail: 'There is no tier "gold".',
      errors: [{ field: '/tier', message: 'There is no tier "gold".' }],
    };
    expect(problemMessage(422, problem, { '/tier': '--tier' })).toBe(
      'There is no tier "gold". [--tier] (422 unknown_tier)',
    );
    expect(problemMessage(401, { code: 'invalid_api_key', detail: 'Unknown key.' })).toBe(
      'Unknown key. Pass --api-key or set AGENTMETER_API_KEY. (401 invalid_api_key)',
    );
  });
});

describe('serve', () => {
  it("defaults to the server's own SQLite path", () => {
    expect(DEFAULT_DB_PATH).toBe(SERVER_DEFAULT_DB_PATH);
  });
});
