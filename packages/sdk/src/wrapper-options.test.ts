import { isIdentifier, isTierId } from '@agentmeter/pricing';
import { describe, expect, it, vi } from 'vitest';
import { failureOf } from './failure.js';
import { IntegrationError } from './integration-error.js';
import { createTestMeter } from './testing.js';
import type { UsageAttribution } from './usage.js';
import {
  applyAttributionOverrides,
  baseAttribution,
  callAttribution,
  describeValue,
  isMeter,
  isPlainObject,
  resolveWrapperSettings,
  STANDARD_OPTIONS,
  validateAttributionOptions,
} from './wrapper-options.js';

class OptionError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
const invalid = (field: string, message: string) => new OptionError(field, message);

function refusal(options: Record<string, unknown>): { field: string; message: string } | undefined {
  try {
    validateAttributionOptions(options, invalid);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(OptionError);
    const { field, message } = error as OptionError;
    return { field, message };
  }
}

const BASE = { agent_id: 'support-bot', action: 'answer' };

describe('contract patterns', () => {
  it('Identifier: 1 to 128 code points, no control characters', () => {
    expect(isIdentifier('a')).toBe(true);
    expect(isIdentifier('x'.repeat(128))).toBe(true);
    expect(isIdentifier('x'.repeat(129))).toBe(false);
    // 128 emoji are 256 UTF-16 units but 128 characters, as the server's JSON Schema counts them.
    expect(isIdentifier('😀'.repeat(128))).toBe(true);
    expect(isIdentifier('😀'.repeat(129))).toBe(false);
    expect(isIdentifier('')).toBe(false);
    expect(isIdentifier('tab\there')).toBe(false);
    expect(isIdentifier('del\u007F')).toBe(false);
    expect(isIdentifier('é ü 名前')).toBe(true);
    expect(isIdentifier(7)).toBe(false);
  });

  it('TierId: lower-case letters, digits and _.-, starting with a letter or digit, up to 64', () => {
    expect(isTierId('pro')).toBe(true);
    expect(isTierId('enterprise_v2.1-eu')).toBe(true);
    expect(isTierId('p'.repeat(64))).toBe(true);
    expect(isTierId('p'.repeat(65))).toBe(false);
    expect(isTierId('Pro')).toBe(false);
    expect(isTierId('-pro')).toBe(false);
    expect(isTierId('pro tier')).toBe(false);
    expect(isTierId('')).toBe(false);
    expect(isTierId(undefined)).toBe(false);
  });
});

describe('describeValue()', () => {
  it('shows short strings quoted and escaped, cuts long ones, never dumps an object', () => {
    expect(describeValue('a\nb')).toBe('"a\\nb"');
    expect(describeValue('x'.repeat(41))).toBe(`"${'x'.repeat(40)}…"`);
    expect(describeValue({ secret: 'sk-123' })).toBe('an object');
    expect(describeValue([1])).toBe('an array');
    expect(describeValue(() => 1)).toBe('a function');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(42)).toBe('42');
  });
});

describe('isPlainObject() and isMeter()', () => {
  it('accepts object literals and null-prototype objects only', () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject([])).toBe(false);
    expect(isPlainObject(new Map())).toBe(false);
    expect(isPlainObject(null)).toBe(false);
  });

  it('recognizes a Meter by track() and currentContext()', () => {
    expect(isMeter(createTestMeter())).toBe(true);
    expect(isMeter({ track: () => 'id' })).toBe(false);
    expect(isMeter(null)).toBe(false);
  });
});

describe('validateAttributionOptions()', () => {
  it('returns the attribution and onError of valid options', () => {
    const onError = () => {};
    expect(
      validateAttributionOptions(
        { ...BASE, customer_id: 'cus_1', tier: 'pro', metadata: { app: 'help' }, onError, other: 1 },
        invalid,
      ),
    ).toEqual({
      agentId: 'support-bot',
      action: 'answer',
      customerId: 'cus_1',
      tier: 'pro',
      metadata: { app: 'help' },
      onError,
    });
    expect(validateAttributionOptions(BASE, invalid)).toEqual({
      agentId: 'support-bot',
      action: 'answer',
      customerId: undefined,
      tier: undefined,
      metadata: undefined,
      onError: undefined,
    });
  });

  it.each([
    [
      { action: 'a' },
      'agent_id',
      'Expected `agent_id` to be a string of 1 to 128 characters without control characters, got undefined.',
    ],
    [
      { agent_id: 'a', action: null },
      'action',
      'Expected `action` to be a string of 1 to 128 characters without control characters, got null.',
    ],
    [
      { ...BASE, customer_id: '' },
      'customer_id',
      'Expected `customer_id` to be a string of 1 to 128 characters without control characters, got "".',
    ],
    [
      { ...BASE, tier: 'Gold' },
      'tier',
      'Expected `tier` to be a tier id (lower-case letters, digits and `_.-`, up to 64 characters), got "Gold".',
    ],
    [{ ...BASE, metadata: [] }, 'metadata', 'Expected `metadata` to be a plain object, got an array.'],
    [{ ...BASE, onError: true }, 'onError', 'Expected `onError` to be a function, got true.'],
  ])('refuses %j naming `%s`, through the caller’s factory', (options, field, message) => {
    expect(refusal(options)).toEqual({ field, message });
  });

  it('refuses metadata of more than 64 keys', () => {
    const keys = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, 1]));
    expect(refusal({ ...BASE, metadata: keys(64) })).toBeUndefined();
    expect(refusal({ ...BASE, metadata: keys(65) })).toEqual({
      field: 'metadata',
      message: 'Expected `metadata` to have at most 64 keys, got 65.',
    });
  });

  it('names the first bad option in field order', () => {
    expect(refusal({ agent_id: '', action: '', tier: 'X' })?.field).toBe('agent_id');
    expect(refusal({ ...BASE, tier: 'X', metadata: 1, onError: 1 })?.field).toBe('tier');
  });
});

describe('resolveWrapperSettings()', () => {
  class TestIntegrationError extends IntegrationError {
    static override readonly marker: symbol = Symbol.for('agentmeter.test-integration.error');
    override name = 'TestIntegrationError';
  }
  const spec = {
    integration: '@agentmeter/test',
    error: TestIntegrationError,
    options: { meterErrors: STANDARD_OPTIONS.meterErrors, streamUsage: { kind: 'boolean', default: true } },
  } as const;

  function refused(meter: unknown, options: unknown): TestIntegrationError {
    try {
      resolveWrapperSettings(meter, options, spec);
    } catch (error) {
      if (TestIntegrationError.isInstance(error)) return error;
      throw error;
    }
    throw new Error('not refused');
  }

  it('refuses a non-Meter as invalid_meter and a non-object as invalid_option', () => {
    expect(refused({ track() {} }, BASE)).toMatchObject({
      name: 'TestIntegrationError',
      code: 'invalid_meter',
      field: 'meter',
      message:
        'Expected `meter` to be an agentmeter Meter (with `track()` and `currentContext()`), got an object.',
    });
    expect(refused(createTestMeter(), 'support-bot')).toMatchObject({
      code: 'invalid_option',
      field: 'options',
      message: 'Expected `options` to be an object with `agent_id` and `action`, got "support-bot".',
    });
    expect(refused(createTestMeter(), { ...BASE, tier: 'Pro' })).toMatchObject({
      code: 'invalid_option',
      field: 'tier',
    });
    expect(refused(createTestMeter(), { ...BASE, streamUsage: 'yes' })).toMatchObject({
      code: 'invalid_option',
      field: 'streamUsage',
      message: 'Expected `streamUsage` to be a boolean, got "yes".',
    });
  });

  it('refuses every unknown key, naming the option it most likely meant', () => {
    const cases: [string, string][] = [
      ['customerId', 'customer_id'],
      ['CUSTOMER_ID', 'customer_id'],
      ['agent-id', 'agent_id'],
      ['meterError', 'meterErrors'],
      ['on_error', 'onError'],
      ['stream_usage', 'streamUsage'],
      ['actoin', 'action'],
      ['teir', 'tier'],
      ['metdata', 'metadata'],
    ];
    for (const [key, meant] of cases) {
      expect(refused(createTestMeter(), { ...BASE, [key]: 'x' })).toMatchObject({
        code: 'invalid_option',
        field: key,
        message: `Unknown option \`${key}\`; did you mean \`${meant}\`?`,
      });
    }
  });

  it('lists the known options when no known one is close', () => {
    expect(refused(createTestMeter(), { ...BASE, foo: 1 })).toMatchObject({
      code: 'invalid_option',
      field: 'foo',
      message:
        'Unknown option `foo`. Known options: `agent_id`, `action`, `customer_id`, `tier`, `metadata`, `onError`, `meterErrors`, `streamUsage`.',
    });
    // An own option of another integration is unknown here.
    expect(refused(createTestMeter(), { ...BASE, captureContent: true }).field).toBe('captureContent');
  });

  it('returns the settings with each own option at its value or default, and a default onError', () => {
    const meter = createTestMeter();
    const resolved = resolveWrapperSettings(meter, { ...BASE, streamUsage: false }, spec);
    expect(resolved).toMatchObject({
      meter,
      agentId: 'support-bot',
      action: 'answer',
      meterErrors: false,
      streamUsage: false,
    });
    expect(resolveWrapperSettings(meter, { ...BASE, meterErrors: true }, spec)).toMatchObject({
      meterErrors: true,
      streamUsage: true,
    });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      resolved.onError('boom');
      expect(logged).toHaveBeenCalledWith('[@agentmeter/test] could not record a call:', 'boom');
    } finally {
      logged.mockRestore();
    }
    const own = () => {};
    expect(resolveWrapperSettings(meter, { ...BASE, onError: own }, spec).onError).toBe(own);
  });
});

describe('IntegrationError', () => {
  class OneError extends IntegrationError<'invalid_option' | 'invalid_thing'> {
    static override readonly marker: symbol = Symbol.for('agentmeter.one.error');
    override name = 'OneError';
  }
  class OtherError extends IntegrationError {
    static override readonly marker: symbol = Symbol.for('agentmeter.other.error');
    override name = 'OtherError';
  }

  it('keeps code, field, message and the subclass name', () => {
    const error = new OneError('invalid_thing', 'thing', 'Bad thing.');
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'OneError',
      code: 'invalid_thing',
      field: 'thing',
      message: 'Bad thing.',
    });
    expect(String(error)).toBe('OneError: Bad thing.');
  });

  it('isInstance() tells each integration apart, and across copies by its Symbol.for marker', () => {
    const one = new OneError('invalid_option', 'x', 'm');
    expect(OneError.isInstance(one)).toBe(true);
    expect(OtherError.isInstance(one)).toBe(false);
    expect(IntegrationError.isInstance(one)).toBe(true);
    expect(IntegrationError.isInstance(new Error('m'))).toBe(false);
    expect(OneError.isInstance(null)).toBe(false);
    // What another install of the same package would throw: another class, the same marker.
    const copy = Object.assign(new Error('m'), { [Symbol.for('agentmeter.one.error')]: true });
    expect(OneError.isInstance(copy)).toBe(true);
  });
});

describe('failureOf()', () => {
  class APIError extends Error {
    constructor(
      readonly status: number | undefined,
      readonly error: unknown,
      readonly type?: unknown,
    ) {
      super('api error');
    }
  }
  class APIUserAbortError extends Error {}
  class APIConnectionError extends Error {}
  class APIConnectionTimeoutError extends APIConnectionError {}

  it('names the API error type of an HTTP error answer, which is complete', () => {
    // openai: `.type`, and `.error` the inner error object.
    expect(failureOf(new APIError(429, { type: 'rate_limit_exceeded' }, 'rate_limit_exceeded'))).toEqual({
      errorType: 'rate_limit_exceeded',
      complete: true,
    });
    // @anthropic-ai/sdk before 0.81: no `.type`, the body `{ type: 'error', error: { type } }` as `.error`.
    expect(
      failureOf(new APIError(429, { type: 'error', error: { type: 'rate_limit_error', message: 'slow' } })),
    ).toEqual({ errorType: 'rate_limit_error', complete: true });
    // The AI SDK's APICallError: `statusCode`, and the parsed body as `data`.
    expect(
      failureOf({
        name: 'AI_APICallError',
        statusCode: 400,
        data: { error: { type: 'invalid_request_error' } },
      }),
    ).toEqual({ errorType: 'invalid_request_error', complete: true });
  });

  it('falls back to the HTTP status, then the kind of failure, then the class name', () => {
    expect(failureOf(new APIError(503, undefined))).toEqual({ errorType: '503', complete: true });
    expect(failureOf(new APIError(502, 'Bad gateway <html>', 'Not A Type'))).toEqual({
      errorType: '502',
      complete: true,
    });
    expect(failureOf(new APIUserAbortError('Request was aborted.'))).toEqual({
      errorType: 'aborted',
      complete: false,
    });
    expect(failureOf(new DOMException('The operation was aborted.', 'AbortError'))).toEqual({
      errorType: 'aborted',
      complete: false,
    });
    expect(failureOf(new Error('Aborted'))).toEqual({ errorType: 'aborted', complete: false });
    expect(failureOf(new APIConnectionTimeoutError('Request timed out.'))).toEqual({
      errorType: 'timeout',
      complete: false,
    });
    expect(failureOf(new APIConnectionError('Connection error.'))).toEqual({
      errorType: 'connection_error',
      complete: false,
    });
    // A network failure as fetch reports it, and wrapped by a framework.
    expect(failureOf(new TypeError('fetch failed'))).toEqual({
      errorType: 'connection_error',
      complete: false,
    });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(failureOf(new Error('request failed', { cause: new TypeError('x', { cause: refused }) }))).toEqual(
      {
        errorType: 'connection_error',
        complete: false,
      },
    );
    const headersTimeout = Object.assign(new Error('Headers Timeout Error'), {
      code: 'UND_ERR_HEADERS_TIMEOUT',
    });
    expect(failureOf(new TypeError('fetch failed', { cause: headersTimeout }))).toEqual({
      errorType: 'timeout',
      complete: false,
    });
    expect(
      failureOf({ name: 'AI_APICallError', message: 'Cannot connect to API: x', isRetryable: true }),
    ).toEqual({
      errorType: 'connection_error',
      complete: false,
    });
    // A network error a fetch handed back as a response (status 0, as `Response.error()` has).
    expect(
      failureOf({ name: 'AI_APICallError', message: 'Failed to fetch', statusCode: 0, isRetryable: true }),
    ).toEqual({ errorType: 'connection_error', complete: false });
    expect(failureOf(new TypeError('x is not a function'))).toEqual({
      errorType: 'TypeError',
      complete: false,
    });
    expect(failureOf(new Error('boom'))).toEqual({ errorType: 'Error', complete: false });
    expect(failureOf('boom')).toEqual({ errorType: '_OTHER', complete: false });
  });

  it('reads a mid-stream error event (an API type, no HTTP status) as incomplete', () => {
    expect(failureOf(new APIError(undefined, { type: 'server_error' }, 'server_error'))).toEqual({
      errorType: 'server_error',
      complete: false,
    });
  });
});

describe('baseAttribution(), applyAttributionOverrides() and callAttribution()', () => {
  const settings = {
    agentId: 'support-bot',
    action: 'answer',
    customerId: 'cus_default',
    tier: 'pro',
    metadata: { app: 'help' },
  };

  it('takes agent_id, action and customer_id from the context over the settings', () => {
    const meter = createTestMeter();
    expect(baseAttribution({ ...settings, meter })).toEqual({
      agent_id: 'support-bot',
      action: 'answer',
      customer_id: 'cus_default',
      tier: 'pro',
      metadata: { app: 'help' },
    });
    const inContext = meter.withContext({ customer_id: 'cus_ctx', action: 'triage' }, () =>
      baseAttribution({ ...settings, tier: undefined, metadata: undefined, meter }),
    );
    expect(inContext).toEqual({ agent_id: 'support-bot', action: 'triage', customer_id: 'cus_ctx' });
  });

  it('merges the context metadata over the settings metadata, key by key', () => {
    const meter = createTestMeter();
    const inContext = meter.withContext({ metadata: { app: 'ctx', ticket: 7 } }, () =>
      baseAttribution({ ...settings, meter }),
    );
    expect(inContext.metadata).toEqual({ app: 'ctx', ticket: 7 });
    expect(settings.metadata).toEqual({ app: 'help' });
    const contextOnly = meter.withContext({ metadata: { ticket: 7 } }, () =>
      baseAttribution({ ...settings, metadata: undefined, meter }),
    );
    expect(contextOnly.metadata).toEqual({ ticket: 7 });
  });

  it('applies valid per-call values and hands each invalid one to reject', () => {
    const attribution: UsageAttribution = { agent_id: 'a', action: 'b', tier: 'pro' };
    const rejected: [string, string][] = [];
    applyAttributionOverrides(attribution, {
      source: {
        agentmeter_customer_id: 'cus_run',
        agentmeter_action: 42,
        agentmeter_tier: 'Gold',
        other: 'x',
      },
      keyPrefix: 'agentmeter_',
      fieldPrefix: 'metadata.',
      reject: (field, message) => rejected.push([field, message]),
    });
    expect(attribution).toEqual({ agent_id: 'a', action: 'b', customer_id: 'cus_run', tier: 'pro' });
    expect(rejected).toEqual([
      [
        'metadata.agentmeter_action',
        'Expected `metadata.agentmeter_action` to be a string of 1 to 128 characters without control characters, got 42.',
      ],
      [
        'metadata.agentmeter_tier',
        'Expected `metadata.agentmeter_tier` to be a tier id (lower-case letters, digits and `_.-`, up to 64 characters), got "Gold".',
      ],
    ]);
  });

  it('callAttribution() puts the per-call values over the context and the settings, or none', () => {
    const meter = createTestMeter();
    const rejected: string[] = [];
    const overrides = {
      source: { agentmeter_tier: 'enterprise', agentmeter_agent_id: '' },
      keyPrefix: 'agentmeter_',
      fieldPrefix: 'metadata.',
      reject: (field: string) => rejected.push(field),
    };
    const perCall = meter.withContext({ customer_id: 'cus_ctx' }, () =>
      callAttribution({ ...settings, meter }, overrides),
    );
    expect(perCall).toEqual({
      agent_id: 'support-bot',
      action: 'answer',
      customer_id: 'cus_ctx',
      tier: 'enterprise',
      metadata: { app: 'help' },
    });
    expect(rejected).toEqual(['metadata.agentmeter_agent_id']);
    expect(callAttribution({ ...settings, meter }, undefined)).toEqual(
      baseAttribution({ ...settings, meter }),
    );
  });
});
