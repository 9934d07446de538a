// failureOf() on the errors the provider packages really throw, built by their own factories from the
// bodies the APIs really send.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { failureOf } from './failure.js';

const headers = new Headers({ 'x-request-id': 'req_1' });

describe('failureOf() on real provider errors', () => {
  it("OpenAI's 429: its code (rate_limit_exceeded), not its coarse type (requests)", () => {
    const body = {
      message: 'Rate limit reached',
      type: 'requests',
      param: null,
      code: 'rate_limit_exceeded',
    };
    const error = OpenAI.APIError.generate(429, { error: body }, undefined, headers);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(failureOf(error)).toEqual({ errorType: 'rate_limit_exceeded', complete: true });
  });

  it("OpenAI's error without a code: its type", () => {
    const body = { message: 'Bad', type: 'invalid_request_error', param: 'model', code: null };
    expect(failureOf(OpenAI.APIError.generate(400, { error: body }, undefined, headers))).toEqual({
      errorType: 'invalid_request_error',
      complete: true,
    });
  });

  it("Anthropic's 429 and 529: the error's type", () => {
    const limited = { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } };
    expect(failureOf(Anthropic.APIError.generate(429, limited, undefined, headers))).toEqual({
      errorType: 'rate_limit_error',
      complete: true,
    });
    const overloaded = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    expect(failureOf(Anthropic.APIError.generate(529, overloaded, undefined, headers))).toEqual({
      errorType: 'overloaded_error',
      complete: true,
    });
  });

  it('an answer without a body: the status; a connection failure and an abort: incomplete', () => {
    expect(failureOf(OpenAI.APIError.generate(503, undefined, undefined, headers))).toEqual({
      errorType: '503',
      complete: true,
    });
    expect(failureOf(new OpenAI.APIConnectionError({ message: 'Connection error.' }))).toEqual({
      errorType: 'connection_error',
      complete: false,
    });
    expect(failureOf(new OpenAI.APIConnectionTimeoutError())).toEqual({
      errorType: 'timeout',
      complete: false,
    });
    expect(failureOf(new Anthropic.APIUserAbortError())).toEqual({ errorType: 'aborted', complete: false });
  });
});
